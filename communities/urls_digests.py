"""The one-click unsubscribe link in notification emails (included from communities/urls.py)."""

from django.urls import path

from communities import digests

urlpatterns = [
    path("notifications/unsubscribe/<str:token>/", digests.unsubscribe_view, name="unsubscribe"),
]
