"""Notification bits for any page: the unread count for the header, and follow buttons.

{% load notification_tags %}
{% unread_notifications_count %}                  the number, 0 when signed out
{% unread_notifications_count as unread %}        the same, into a variable
{% follow_button "thread" thread %}               Follow / Unfollow form for one thing
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext, pgettext

from communities import notifications
from communities.models import Notification

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications_count(context: dict) -> int:
    """Unread notifications the signed-in person may still see (counted once per request)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    cached = getattr(request, "_unread_notifications", None)
    if cached is None:
        cached = notifications.unread_count(user)
        request._unread_notifications = cached
    return cached


@register.inclusion_tag("communities/notifications/follow_button.html", takes_context=True)
def follow_button(context: dict, target: str, obj: Any) -> dict:
    """A one-button form to follow or stop following a thread, community, theme, place or tag."""
    request = context.get("request")
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    name = getattr(obj, "title", None) or getattr(obj, "name", "") or str(obj)
    return {
        "request": request,
        "signed_in": signed_in,
        "following": signed_in and notifications.is_following(user, target, obj),
        "target": target,
        "obj": obj,
        "name": name,
        "next": request.get_full_path() if request else "",
    }


@register.filter
def notification_kind_tag(kind: str) -> str:
    """A short label for a kind, for the tag beside each notification."""
    labels = {
        # Translators: a tag beside a notification: someone replied (a reply).
        Notification.Kind.REPLY: pgettext("notification kind", "Reply"),
        Notification.Kind.MENTION: gettext("Mention"),
        # Translators: a tag beside a notification: an answer was marked in a thread.
        Notification.Kind.ANSWER: pgettext("notification kind", "Answer"),
        Notification.Kind.NEW_THREAD: gettext("New thread"),
        Notification.Kind.NEW_CONTENT: gettext("New content"),
        Notification.Kind.JOIN_REQUEST: gettext("Join request"),
        Notification.Kind.REQUEST_DECIDED: gettext("Membership"),
        Notification.Kind.NEW_EVENT: gettext("Event"),
    }
    return labels.get(kind, kind)
