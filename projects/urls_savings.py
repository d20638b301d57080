"""The savings picture: /savings/ and /savings/records/."""

from django.urls import path

from projects.views import savings

urlpatterns = [
    path("", savings.dashboard, name="savings_dashboard"),
    path("records/", savings.records, name="savings_records"),
]
