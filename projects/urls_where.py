"""URLs of "Who is doing what, where" (included at /who-is-doing-what/ by projects.urls)."""

from django.urls import path

from projects.views import where

urlpatterns = [
    path("", where.who_is_doing_what, name="who_is_doing_what"),
]
