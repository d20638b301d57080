"""URLs of "Who is doing what, where" (included at /who-is-doing-what/ by projects.urls)."""

from django.urls import path, re_path

from projects.views import where

urlpatterns = [
    path("", where.who_is_doing_what, name="who_is_doing_what"),
    # The matrix as the viewer sees it, for a spreadsheet or a program.
    re_path(
        r"^matrix\.(?P<extension>csv|json)$",
        where.matrix_download,
        name="who_is_doing_what_download",
    ),
]
