"""Open data: /data/ (the downloads, their dictionary and licence) and the files themselves."""

import re

from django.urls import path, re_path

from projects.opendata import DATASETS
from projects.views import opendata

FILENAMES = [name for dataset in DATASETS.values() for name in dataset.filenames] + ["matrix.json"]

urlpatterns = [
    path("", opendata.index, name="open_data"),
    re_path(
        r"^(?P<filename>" + "|".join(re.escape(name) for name in FILENAMES) + r")$",
        opendata.download,
        name="open_data_file",
    ),
]
