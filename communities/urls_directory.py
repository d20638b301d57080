"""The member directory and the contact route (included from communities/urls.py)."""

from django.urls import path

from communities.views import directory

urlpatterns = [
    path("members/", directory.directory, name="directory"),
    path("members/<str:username>/contact/", directory.contact, name="contact_member"),
]
