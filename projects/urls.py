"""URLs of the programme picture. Each area keeps its own URL module, included here."""

from django.urls import include, path

urlpatterns: list = []
