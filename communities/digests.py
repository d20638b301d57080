"""Notifications by email: straight away, or gathered into a daily or weekly digest.

Each person chooses per kind (`NotificationPreference`, daily unless they say otherwise). Every
email re-checks the permission rule when it is sent (`visible_notifications`), so losing access
to a private community also keeps what was said there out of the inbox; an email with nothing
left in it is not sent at all.

Nothing is emailed twice: a notification's `emailed_at` is set when an email takes it, and each
digest is claimed with a `DigestDelivery` row (unique per person, period and day or week) in the
same transaction, before it is sent. A rerun after a crash skips everyone already claimed and
carries on with the rest; a send that fails releases its claim so that the next run retries.

Every email carries a signed one-click unsubscribe link (RFC 8058 `List-Unsubscribe` and
`List-Unsubscribe-Post` headers, and in the footer) that works without signing in.
"""

from __future__ import annotations

import html
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TextIO

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext, ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from django_tasks import task

from communities.models import DigestDelivery, Notification, NotificationPreference
from communities.notifications import visible_notifications
from cop_site.i18n import in_language_of

Delivery = NotificationPreference.Delivery
PERIODS = (Delivery.DAILY, Delivery.WEEKLY)
ALL_KINDS = "all"
UNSUBSCRIBE_SALT = "communities.digests.unsubscribe"
IMMEDIATE_KEY = "immediate"


@dataclass(frozen=True)
class DigestReport:
    sent: int
    skipped: int
    seconds: float


# --- Preferences and links ---------------------------------------------------------------------


def delivery_for(user: Any, kind: str) -> str:
    """How this person wants this kind emailed: their choice, else the default (daily)."""
    chosen = NotificationPreference.objects.filter(user=user, kind=kind)
    return chosen.values_list("delivery", flat=True).first() or NotificationPreference.DEFAULT


def absolute(url: str) -> str:
    """A site-relative address as a full one, for email (base from WAGTAILADMIN_BASE_URL)."""
    if url.startswith(("http://", "https://")):
        return url
    base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    return f"{base}/{url.lstrip('/')}"


def unsubscribe_token(user: Any, kind: str) -> str:
    """A signed token that turns off email of one kind (or "all") for this person."""
    if kind != ALL_KINDS and kind not in Notification.Kind.values:
        raise ValueError(f"Unknown notification kind: {kind}")
    return signing.dumps({"u": user.pk, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token: str) -> tuple[Any, str] | None:
    """The (user, kind) a token is for, or None if it is tampered with or names nobody."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        user_id, kind = int(data["u"]), str(data["k"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    if kind != ALL_KINDS and kind not in Notification.Kind.values:
        return None
    user = get_user_model().objects.filter(pk=user_id).first()
    return (user, kind) if user is not None else None


def unsubscribe(user: Any, kind: str) -> list[str]:
    """Set this kind (or every kind, for "all") to never be emailed; returns the kinds changed."""
    kinds = Notification.Kind.values if kind == ALL_KINDS else [kind]
    for each in kinds:
        NotificationPreference.objects.update_or_create(
            user=user, kind=each, defaults={"delivery": Delivery.NEVER}
        )
    return kinds


def _path(name: str, fallback: str, **kwargs: Any) -> str:
    """A URL by name; falls back to the fixed path until the URLs are included (and in tests)."""
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return fallback


def unsubscribe_url(user: Any, kind: str) -> str:
    token = unsubscribe_token(user, kind)
    path = _path("communities:unsubscribe", f"/notifications/unsubscribe/{token}/", token=token)
    return absolute(path)


def settings_url() -> str:
    return absolute(_path("communities:notification_settings", "/notifications/settings/"))


def _message(user: Any, subject: str, template: str, context: dict[str, Any], kind: str):
    """One email, plain text with an HTML alternative, carrying the unsubscribe headers."""
    unsubscribe_link = unsubscribe_url(user, kind)
    context = {
        **context,
        "user": user,
        "unsubscribe_url": unsubscribe_link,
        "settings_url": settings_url(),
        "site_url": absolute("/"),
    }
    prefix = getattr(settings, "ACCOUNT_EMAIL_SUBJECT_PREFIX", "")
    message = EmailMultiAlternatives(
        subject=f"{prefix}{subject}",
        body=render_to_string(f"communities/email/{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe_link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(
        render_to_string(f"communities/email/{template}.html", context), "text/html"
    )
    return message


def _items(notes: list[Notification]) -> list[dict[str, Any]]:
    return [{"item": note, "link": absolute(note.url or "/notifications/")} for note in notes]


def _emailable(user: Any) -> bool:
    return bool(user.is_active and user.email)


# --- Straight away -----------------------------------------------------------------------------


def queue_immediate(notification: Notification) -> bool:
    """Queue the email for a new notification if its recipient wants this kind straight away."""
    if delivery_for(notification.recipient_id, notification.kind) != Delivery.IMMEDIATELY:
        return False
    send_notification_email.enqueue(notification.pk)
    return True


@task()
def send_notification_email(notification_id: int) -> bool:
    """Email one notification, if it is still unsent, still visible and still wanted now."""
    note = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    if note is None or note.emailed_at is not None:
        return False
    user = note.recipient
    if not _emailable(user) or delivery_for(user, note.kind) != Delivery.IMMEDIATELY:
        return False
    note = visible_notifications(user).filter(pk=notification_id).first()
    if note is None:
        return False  # access was lost since it was written
    # Claim it: only one worker's update finds it unsent, so it is never emailed twice.
    claimed = Notification.objects.filter(pk=note.pk, emailed_at__isnull=True).update(
        emailed_at=timezone.now(), digest_key=IMMEDIATE_KEY
    )
    if not claimed:
        return False
    with in_language_of(user):  # the member's chosen language, links included
        context = {"item": note, "link": absolute(note.url or "/notifications/")}
        # The sentence comes from the list's HTML template, so it is HTML-escaped; a subject
        # line is plain text, where "&lt;" or "&amp;" would be shown as they are.
        subject = html.unescape(
            render_to_string("communities/notifications/item_text.html", {"item": note})
        )
        message = _message(
            user, " ".join(subject.split())[:150], "notification", context, note.kind
        )
        try:
            message.send()
        except Exception:
            Notification.objects.filter(pk=note.pk).update(emailed_at=None, digest_key=None)
            raise
    return True


# --- Digests -----------------------------------------------------------------------------------


def period_key(period: str, now: datetime) -> str:
    """The day ("2026-11-23") or ISO week ("2026-W48") a digest run belongs to."""
    day = timezone.localdate(now)
    if period == Delivery.DAILY:
        return day.isoformat()
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _kinds_by_user(user_ids: list[int], period: str) -> dict[int, list[str]]:
    chosen: dict[int, dict[str, str]] = {pk: {} for pk in user_ids}
    rows = NotificationPreference.objects.filter(user_id__in=user_ids)
    for user_id, kind, delivery in rows.values_list("user_id", "kind", "delivery"):
        chosen[user_id][kind] = delivery
    return {
        pk: [
            kind
            for kind in Notification.Kind.values
            if prefs.get(kind, NotificationPreference.DEFAULT) == period
        ]
        for pk, prefs in chosen.items()
    }


def _claim(user: Any, period: str, key: str, kinds: list[str], now: datetime):
    """Take this person's batch: the delivery row and the marked notifications, or None."""
    try:
        with transaction.atomic():
            pending = (
                visible_notifications(user)
                .filter(emailed_at__isnull=True, kind__in=kinds, created__lte=now)
                .select_related("post", "page", "community", "thread")
            )
            notes = list(pending.order_by("created", "pk"))
            if not notes:
                return None
            delivery = DigestDelivery.objects.create(
                user=user,
                period=period,
                period_key=key,
                claimed_at=timezone.now(),
                notification_count=len(notes),
            )
            marked = Notification.objects.filter(
                pk__in=[note.pk for note in notes], emailed_at__isnull=True
            ).update(emailed_at=timezone.now(), digest_key=f"{period}:{key}")
            if marked != len(notes):  # some went out straight away meanwhile: try next run
                transaction.set_rollback(True)
                return None
    except IntegrityError:
        return None  # already claimed for this period, by this run's predecessor or a rival
    return delivery, notes


def _release(delivery: DigestDelivery, notes: list[Notification]) -> None:
    with transaction.atomic():
        Notification.objects.filter(pk__in=[note.pk for note in notes]).update(
            emailed_at=None, digest_key=None
        )
        delivery.delete()


def send_digest(user: Any, period: str, key: str, kinds: list[str], now: datetime) -> bool:
    """Send one person's digest for this period, if they have anything; True if sent."""
    if not kinds or not _emailable(user):
        return False
    if DigestDelivery.objects.filter(user=user, period=period, period_key=key).exists():
        return False
    claimed = _claim(user, period, key, kinds, now)
    if claimed is None:
        return False
    delivery, notes = claimed
    with in_language_of(user):  # the member's chosen language, links included
        count = len(notes)
        context = {"period": period, "items": _items(notes), "count": count}
        if period == Delivery.WEEKLY:
            subject = ngettext(
                "Your weekly summary: %(count)d new notification",
                "Your weekly summary: %(count)d new notifications",
                count,
            ) % {"count": count}
        else:
            subject = ngettext(
                "Your daily summary: %(count)d new notification",
                "Your daily summary: %(count)d new notifications",
                count,
            ) % {"count": count}
        try:
            _message(user, subject, "digest", context, ALL_KINDS).send()
        except BaseException:
            _release(delivery, notes)
            raise
    DigestDelivery.objects.filter(pk=delivery.pk).update(sent_at=timezone.now())
    return True


def send_digests(
    period: str, now: datetime | None = None, stdout: TextIO | None = None
) -> DigestReport:
    """Send everyone their digest for this period; safe to rerun (and after a crash)."""
    if period not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)}, not {period!r}")
    started = time.monotonic()
    now = now or timezone.now()
    key = period_key(period, now)
    pending: dict[int, set[str]] = {}
    unsent = Notification.objects.filter(emailed_at__isnull=True, created__lte=now)
    for user_id, kind in unsent.values_list("recipient_id", "kind").distinct():
        pending.setdefault(user_id, set()).add(kind)
    kinds = _kinds_by_user(sorted(pending), period)
    wanted = [pk for pk in sorted(pending) if pending[pk] & set(kinds[pk])]
    sent = skipped = 0
    for user in get_user_model().objects.filter(pk__in=wanted).order_by("pk"):
        if send_digest(user, period, key, kinds[user.pk], now):
            sent += 1
        else:
            skipped += 1
    seconds = time.monotonic() - started
    if stdout is not None:
        noun = "digest" if sent == 1 else "digests"
        stdout.write(f"Sent {sent} {period} {noun} ({skipped} skipped) in {seconds:.1f} s\n")
    return DigestReport(sent=sent, skipped=skipped, seconds=seconds)


# --- Unsubscribing -----------------------------------------------------------------------------
#
# GET shows what the link does and a button; POST (the button, or a mail program's RFC 8058
# one-click request) sets that kind, or every kind, to never be emailed. The signed token is the
# only credential, so the POST needs no CSRF token and no sign-in; a tampered token is a 404.


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe_view(request: HttpRequest, token: str) -> HttpResponse:
    found = read_unsubscribe_token(token)
    if found is None:
        raise Http404("No such unsubscribe link")
    user, kind = found
    done = False
    if request.method == "POST":
        unsubscribe(user, kind)
        done = True
    if kind == ALL_KINDS:
        label = gettext("any notifications")
    else:
        label = str(Notification.Kind(kind).label).lower()
    context = {
        "kind": kind,
        "label": label,
        "done": done,
        "settings_url": settings_url(),
        "breadcrumbs": [(gettext("Home"), "/")],
    }
    response = render(request, "communities/notifications/unsubscribe.html", context)
    patch_cache_control(response, private=True, no_store=True)
    response["Referrer-Policy"] = "no-referrer"
    return response
