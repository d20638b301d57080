"""Community URLs outside the page tree: member profiles, attachments, invitations."""

from django.urls import include, path

from communities.views import attachments, membership, profiles

app_name = "communities"

urlpatterns = [
    path("accounts/profile/", profiles.edit_profile, name="edit_profile"),
    path("members/<str:username>/", profiles.member_profile, name="member"),
    path("attachments/<int:pk>/<str:name>", attachments.download, name="attachment"),
    path("invitations/<str:token>/", membership.accept_invitation, name="invitation"),
    path("", include("communities.urls_events")),
    path("", include("communities.urls_notifications")),
    path("", include("communities.urls_digests")),
    path("", include("communities.urls_directory")),
]
