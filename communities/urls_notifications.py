"""URLs for notifications (included from communities/urls.py)."""

from django.urls import path

from communities.views import notifications

urlpatterns = [
    path("notifications/", notifications.notification_list, name="notifications"),
    path("notifications/read/", notifications.mark_all_read, name="notifications_read"),
    path(
        "notifications/<int:pk>/open/",
        notifications.open_notification,
        name="notification_open",
    ),
    path(
        "notifications/settings/",
        notifications.notification_settings,
        name="notification_settings",
    ),
    path("follow/", notifications.follow, name="follow"),
    path("unfollow/", notifications.unfollow, name="unfollow"),
]
