"""URLs of the reuse network (included at /reuse/ by projects.urls)."""

from django.urls import path

from projects.views import reuse

urlpatterns = [
    path("", reuse.reuse_network_view, name="reuse"),
]
