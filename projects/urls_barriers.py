"""URLs of the barriers and enablers explorer (included at /barriers-and-enablers/)."""

from django.urls import path

from projects.views import barriers

urlpatterns = [
    path("", barriers.explorer, name="barriers_enablers"),
    path("merge/", barriers.merge, name="barriers_enablers_merge"),
    path("unmerge/", barriers.unmerge, name="barriers_enablers_unmerge"),
]
