"""/evidence/: the hub of the programme-wide views."""

from django.urls import path

from projects.views.evidence import evidence

urlpatterns = [path("", evidence, name="evidence")]
