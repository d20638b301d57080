"""URLs of the programme picture. Each area keeps its own URL module, included here.

`urlpatterns` are pages people read: the root URLconf puts them under /en/ and /cy/.
`machine_urlpatterns` are addresses programs fetch (the open data files and the feeds): they
stay unprefixed, so /data/projects.csv and /feeds/latest.rss never move.
"""

from django.urls import include, path

from projects import urls_data


def _data(*, files: bool) -> list:
    """The /data/ dictionary page, or the files it lists (`urls_data` holds both)."""
    return [p for p in urls_data.urlpatterns if (p.name == "open_data_file") == files]


urlpatterns: list = [
    path("evidence/", include("projects.urls_evidence")),
    path("savings/", include("projects.urls_savings")),
    path("who-is-doing-what/", include("projects.urls_where")),
    path("delivery-levels/", include("projects.urls_levels")),
    path("barriers-and-enablers/", include("projects.urls_barriers")),
    path("reuse/", include("projects.urls_reuse")),
    path("data/", include(_data(files=False))),
]

machine_urlpatterns: list = [
    path("data/", include(_data(files=True))),
    path("feeds/", include("projects.urls_feeds")),
]
