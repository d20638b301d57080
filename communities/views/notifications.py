"""A member's notifications, their delivery settings, and following or unfollowing things.

Every list is `visible_notifications`, which re-checks the permission rule when it is read; a
notification that is not the person's own, or whose target they may no longer see, is a 404.
Following something the person may not see is a 404 too, so that following cannot be used to
find out what exists. All changes are POST-only and CSRF-protected; each works without
JavaScript.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_POST
from taggit.models import Tag

from communities import notifications
from communities.models import (
    CommunityPage,
    Follow,
    Membership,
    Notification,
    NotificationPreference,
    Thread,
)
from communities.models.notifications import FOLLOW_TARGETS

PER_PAGE = 25
Kind = Notification.Kind
Delivery = NotificationPreference.Delivery


def _private(response: HttpResponse) -> HttpResponse:
    patch_cache_control(response, private=True, no_store=True)
    return response


def _safe(request: HttpRequest, target: str) -> str:
    """A local address to go to, or "" if it would leave the site (no open redirects)."""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def _crumbs(*extra: tuple[str, str]) -> list[tuple[str, str]]:
    return [(gettext("Home"), "/"), *extra]


# --- The list ---------------------------------------------------------------------------------


class FilterForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[("", gettext_lazy("All kinds")), *Kind.choices],
        required=False,
        # Translators: the label of the list that filters notifications by kind.
        label=gettext_lazy("Show"),
    )
    unread = forms.BooleanField(required=False, label=gettext_lazy("Only unread"))


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    """Newest first, filtered by kind and unread, each linking to exactly where it happened."""
    form = FilterForm(request.GET or None)
    items = notifications.visible_notifications(request.user)
    kind, unread = "", False
    if form.is_valid():
        kind, unread = form.cleaned_data["kind"], form.cleaned_data["unread"]
        if kind:
            items = items.filter(kind=kind)
        if unread:
            items = items.filter(read_at__isnull=True)
    page = Paginator(items, PER_PAGE).get_page(request.GET.get("page"))
    filters = {"kind": kind, "unread": "1" if unread else ""}
    querystring = urlencode({key: value for key, value in filters.items() if value})
    context = {
        "form": form,
        "page_obj": page,
        "kind": kind,
        "unread": unread,
        "querystring": querystring,
        "unread_total": notifications.unread_count(request.user),
        "breadcrumbs": _crumbs(),
    }
    return _private(render(request, "communities/notifications/list.html", context))


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    """Mark every notification read (only the person's own, whatever the filter shows)."""
    done = Notification.objects.filter(recipient=request.user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    if done:
        messages.success(request, gettext("All your notifications are marked as read."))
    target = _safe(request, request.POST.get("next", "")) or reverse("communities:notifications")
    return HttpResponseRedirect(target)


@login_required
def open_notification(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one read and go to exactly where it happened; another person's is a 404."""
    item = notifications.visible_notifications(request.user).filter(pk=pk).first()
    if item is None:
        raise Http404("No such notification")
    if item.read_at is None:
        Notification.objects.filter(pk=item.pk).update(read_at=timezone.now())
    return HttpResponseRedirect(_safe(request, item.url) or reverse("communities:notifications"))


# --- Settings: delivery and follows ------------------------------------------------------------


class PreferencesForm(forms.Form):
    """One question per kind: how to be emailed about it."""

    def __init__(self, *args: Any, initial_choices: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind, label in Kind.choices:
            self.fields[kind] = forms.ChoiceField(
                label=label,
                choices=Delivery.choices,
                initial=initial_choices.get(kind, NotificationPreference.DEFAULT),
                widget=forms.RadioSelect,
            )


def _follow_rows(user: Any) -> list[dict[str, Any]]:
    """Everything the person follows, automatically or by choice, with what they can do."""
    rows: list[dict[str, Any]] = []
    explicit = {
        (row.target_type, getattr(row, f"{row.target_type}_id")): row
        for row in Follow.objects.filter(user=user).select_related(
            "thread", "community", "theme", "region", "tag"
        )
    }
    communities = CommunityPage.objects.visible_to(user).filter(
        pk__in=Membership.objects.filter(user=user, status=Membership.Status.ACTIVE).values(
            "community_id"
        )
    )
    for community in communities.order_by("title"):
        row = explicit.pop(("community", community.pk), None)
        rows.append(_row("community", community, automatic=True, muted=bool(row and row.muted)))
    threads = Thread.objects.visible_to(user).filter(author=user).select_related("community")
    for thread in threads.order_by("-last_activity")[:50]:
        row = explicit.pop(("thread", thread.pk), None)
        rows.append(_row("thread", thread, automatic=True, muted=bool(row and row.muted)))
    for (target, _pk), row in explicit.items():
        obj = row.target
        if row.muted or _find(user, target, obj.pk) is None:
            continue  # a muted automatic follow that no longer applies, or lost access
        rows.append(_row(target, obj, automatic=False, muted=False))
    return rows


TARGET_LABELS = {
    "thread": gettext_lazy("Thread"),
    "community": gettext_lazy("Community"),
    "theme": gettext_lazy("Theme"),
    "region": gettext_lazy("Place"),
    "tag": gettext_lazy("Tag"),
}


def _row(target: str, obj: Any, *, automatic: bool, muted: bool) -> dict[str, Any]:
    name = getattr(obj, "title", None) or getattr(obj, "name", str(obj))
    url = obj.get_url() if target == "thread" else getattr(obj, "url", "")
    return {
        "target": target,
        "label": TARGET_LABELS[target],
        "id": obj.pk,
        "name": name,
        "url": url,
        "automatic": automatic,
        "muted": muted,
    }


@login_required
def notification_settings(request: HttpRequest) -> HttpResponse:
    current = NotificationPreference.for_user(request.user)
    form = PreferencesForm(
        request.POST if request.method == "POST" else None, initial_choices=current
    )
    if request.method == "POST" and form.is_valid():
        for kind in Kind.values:
            NotificationPreference.objects.update_or_create(
                user=request.user, kind=kind, defaults={"delivery": form.cleaned_data[kind]}
            )
        messages.success(request, gettext("Your notification settings have been saved."))
        return HttpResponseRedirect(reverse("communities:notification_settings"))
    context = {
        "form": form,
        "follows": _follow_rows(request.user),
        "breadcrumbs": _crumbs((gettext("Notifications"), reverse("communities:notifications"))),
    }
    return _private(render(request, "communities/notifications/settings.html", context))


# --- Follow and unfollow -----------------------------------------------------------------------


def _find(user: Any, target: str, pk: Any) -> Any:
    """The thing to follow if this person may see it, else None."""
    from learning.models import Region, Theme
    from learning.models.base import KnowledgePage

    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    if target == "thread":
        return Thread.objects.visible_to(user).filter(pk=pk).first()
    if target == "community":
        return CommunityPage.objects.readable_by(user).filter(pk=pk).first()
    if target == "theme":
        return Theme.objects.filter(pk=pk).first()
    if target == "region":
        return Region.objects.filter(pk=pk).first()
    if target == "tag":
        # A tag is only seen where it is used; one used only in private forums stays unseen.
        pages = KnowledgePage.objects.visible_to(user).filter(tags__pk=pk)
        threads = Thread.objects.visible_to(user).filter(tags__pk=pk)
        if pages.exists() or threads.exists():
            return Tag.objects.filter(pk=pk).first()
    return None


def _target_from(request: HttpRequest) -> tuple[str, Any]:
    target = request.POST.get("target", "")
    if target not in FOLLOW_TARGETS:
        raise Http404("Nothing to follow")
    obj = _find(request.user, target, request.POST.get("id"))
    if obj is None:
        raise Http404("Nothing to follow")
    return target, obj


def _back(request: HttpRequest) -> HttpResponse:
    target = _safe(request, request.POST.get("next", ""))
    return HttpResponseRedirect(target or reverse("communities:notification_settings"))


def _name(obj: Any) -> str:
    return getattr(obj, "title", None) or getattr(obj, "name", "") or str(obj)


@login_required
@require_POST
def follow(request: HttpRequest) -> HttpResponse:
    """Follow a thread, community, theme, place or tag (or turn a muted one back on)."""
    target, obj = _target_from(request)
    Follow.objects.update_or_create(user=request.user, **{target: obj}, defaults={"muted": False})
    messages.success(request, gettext("You are following %(name)s.") % {"name": _name(obj)})
    return _back(request)


@login_required
@require_POST
def unfollow(request: HttpRequest) -> HttpResponse:
    """Stop following: delete the follow, or mute one that is automatic (yours, your community)."""
    target, obj = _target_from(request)
    if notifications.is_automatic(request.user, target, obj):
        Follow.objects.update_or_create(
            user=request.user, **{target: obj}, defaults={"muted": True}
        )
    else:
        Follow.objects.filter(Q(user=request.user), **{target: obj}).delete()
    messages.success(
        request, gettext("You are no longer following %(name)s.") % {"name": _name(obj)}
    )
    return _back(request)
