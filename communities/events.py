"""What people do with events, as functions the views (and tests) call.

Like `communities.forum`, each action checks the rule itself: an event the person may not see
raises `Http404`, an action they may not take raises `PermissionDenied` with a sentence saying
why. Who may see an event is `Event.objects.visible_to` (the community rule; programme-wide
events are open to everyone).

Who runs an event (may message its attendees, sees the joining link and the list): its
organiser, the facilitators of its community, and curators (for programme-wide events, only
curators and the organiser). Who creates events: a community's facilitators (and curators);
programme-wide events, curators only.

RSVPs: "going" takes a place while there are places, else joins the waiting list (first come,
first served). Every change runs in one transaction that first locks the event's row
(`select_for_update`), so concurrent answers are applied one at a time and never overfill it;
when someone with a place drops out, the first person waiting moves up in the same transaction.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import icalendar
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.dateformat import format as format_date
from django.utils.translation import gettext

from communities import permissions
from communities.models import RSVP, CommunityPage, Event, EventMessage
from cop_site.i18n import in_language_of

LONDON = zoneinfo.ZoneInfo("Europe/London")
FEED_SALT = "communities.events.feed"
UID_DOMAIN = "events.learning-exchange"
FEED_PAST_DAYS = 180


# --- Seeing and running events -------------------------------------------------------------------


def visible_event(user: Any, pk: int) -> Event:
    """The event if this person may see it, else 404."""
    event = (
        Event.objects.visible_to(user)
        .filter(pk=pk)
        .select_related("community", "organiser")
        .first()
    )
    if event is None:
        raise Http404("No such event")
    return event


def can_create(user: Any, community: CommunityPage | None) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if community is None:
        return permissions.is_curator(user)
    return permissions.can_read(user, community) and permissions.can_moderate(user, community)


def can_manage(user: Any, event: Event) -> bool:
    """The organiser, the community's facilitators and curators run an event."""
    if user is None or not user.is_authenticated:
        return False
    if event.organiser_id == user.pk:
        return True
    if event.community_id is None:
        return permissions.is_curator(user)
    return permissions.can_moderate(user, event.community)


def rsvp_of(user: Any, event: Event) -> RSVP | None:
    if user is None or not user.is_authenticated:
        return None
    return RSVP.objects.filter(event=event, user=user).first()


def can_see_joining_link(user: Any, event: Event, answer: RSVP | None = None) -> bool:
    """Only people going with a place or maybe going, and those who run the event.

    The caller must already know the person may see the event (`visible_event`).
    """
    if not event.joining_link or user is None or not user.is_authenticated:
        return False
    if can_manage(user, event):
        return True
    answer = answer if answer is not None else rsvp_of(user, event)
    if answer is None:
        return False
    return answer.has_place or answer.answer == RSVP.Answer.MAYBE


def places_taken(event: Event) -> int:
    return RSVP.objects.filter(event=event, answer=RSVP.Answer.GOING, waitlisted=False).count()


def places_left(event: Event) -> int | None:
    """None when there is no limit."""
    if event.capacity is None:
        return None
    return max(event.capacity - places_taken(event), 0)


def waiting_position(answer: RSVP | None) -> int | None:
    """1 for the first person waiting, and so on; None when not on the waiting list."""
    if answer is None or not answer.waitlisted:
        return None
    ahead = RSVP.objects.filter(
        event_id=answer.event_id, waitlisted=True, position__lt=answer.position
    ).count()
    return ahead + 1


def upcoming_events(
    user: Any,
    community: CommunityPage | None = None,
    *,
    theme: Any = None,
    region: Any = None,
    limit: int = 3,
) -> list[Event]:
    """The next few events this person may see, for a community, a theme or a region.

    With none of them, every visible event (programme-wide ones included). Cancelled events
    are left out. For the include `communities/includes/upcoming_events.html`.
    """
    events = Event.objects.visible_to(user).upcoming().filter(cancelled=False)
    if community is not None:
        events = events.filter(community=community)
    if theme is not None:
        events = events.filter(community__themes=theme)
    if region is not None:
        events = events.filter(community__regions=region)
    return list(events.select_related("community").distinct()[:limit])


# --- Creating -------------------------------------------------------------------------------------


def create_event(user: Any, community: CommunityPage | None, **fields: Any) -> Event:
    """A new event; raises ValidationError with clear messages for bad input."""
    if community is not None and not permissions.can_read(user, community):
        raise Http404("No such community")
    if not can_create(user, community):
        if community is None:
            raise PermissionDenied(gettext("Only curators can create programme-wide events."))
        raise PermissionDenied(gettext("Only this community's facilitators can create its events."))
    event = Event(community=community, organiser=user, **fields)
    event.full_clean()
    event.save()
    return event


# --- RSVPs ----------------------------------------------------------------------------------------


def _promote(event: Event) -> list[RSVP]:
    """Move people up from the waiting list while there are places (inside the lock)."""
    moved: list[RSVP] = []
    while event.capacity is None or places_taken(event) < event.capacity:
        first = RSVP.objects.filter(event=event, waitlisted=True).order_by("position", "pk").first()
        if first is None:
            break
        first.waitlisted = False
        first.position = None
        first.updated = timezone.now()
        first.save(update_fields=["waitlisted", "position", "updated"])
        moved.append(first)
    return moved


def rsvp(event: Event, user: Any, answer: str) -> tuple[RSVP, bool]:
    """Record this person's answer; returns the RSVP and whether they are on the waiting list.

    Answering the same again changes nothing (so a double submission is harmless, and a
    person on the waiting list keeps their place in it).
    """
    if user is None or not user.is_authenticated:
        raise PermissionDenied(gettext("Sign in to say whether you are going."))
    if answer not in RSVP.Answer.values:
        raise ValidationError(gettext("Choose going, maybe or not going."), code="invalid")
    with transaction.atomic():
        # Lock the event row: every RSVP to this event waits here for the one before it.
        locked = Event.objects.visible_to(user).select_for_update().filter(pk=event.pk).first()
        if locked is None:
            raise Http404("No such event")
        if locked.cancelled:
            raise PermissionDenied(gettext("This event has been cancelled."))
        if locked.is_past:
            raise PermissionDenied(gettext("This event has finished."))
        current = RSVP.objects.filter(event=locked, user=user).first()
        if current is not None and current.answer == answer:
            return current, current.waitlisted
        held_place = current is not None and current.has_place
        now = timezone.now()
        if current is None:
            current = RSVP(event=locked, user=user, created=now)
        current.answer = answer
        current.updated = now
        current.waitlisted = False
        current.position = None
        if answer == RSVP.Answer.GOING:
            full = locked.capacity is not None and places_taken(locked) >= locked.capacity
            if full:
                last = RSVP.objects.filter(event=locked).aggregate(n=Max("position"))["n"]
                current.waitlisted = True
                current.position = (last or 0) + 1
        current.save()
        if held_place:
            _promote(locked)
    return current, current.waitlisted


def attendees(event: Event) -> QuerySet:
    """People going (with a place) or maybe going: who messages and the joining link reach."""
    return (
        RSVP.objects.filter(event=event)
        .filter(Q(answer=RSVP.Answer.GOING, waitlisted=False) | Q(answer=RSVP.Answer.MAYBE))
        .select_related("user")
        .order_by("created", "pk")
    )


# --- Messages -------------------------------------------------------------------------------------


def send_message(event: Event, sender: Any, subject: str, body: str) -> EventMessage:
    """Email everyone going or maybe going (plain text), and keep a record of the message."""
    if not Event.objects.visible_to(sender).filter(pk=event.pk).exists():
        raise Http404("No such event")
    if not can_manage(sender, event):
        raise PermissionDenied(
            gettext("Only the organiser and facilitators can message attendees.")
        )
    subject = " ".join((subject or "").split())
    body = (body or "").replace("\r\n", "\n").strip()
    if not subject:
        raise ValidationError({"subject": gettext("Give your message a subject.")})
    if len(subject) > 200:
        raise ValidationError({"subject": gettext("Subjects can be at most 200 characters.")})
    if not body:
        raise ValidationError({"body": gettext("Write your message.")})
    if len(body) > 10_000:
        raise ValidationError({"body": gettext("Messages can be at most 10,000 characters.")})
    people = get_user_model().objects.filter(
        pk__in=attendees(event).values("user_id"), is_active=True
    )
    readers = {person.email: person for person in people if person.email}
    prefix = getattr(settings, "ACCOUNT_EMAIL_SUBJECT_PREFIX", "")
    full_subject = f"{prefix}{event.title}: {subject}"
    emails = []
    # One email each, so attendees never see each other's addresses, each in its reader's
    # language (the footer, the date and the link).
    for address in sorted(readers):
        with in_language_of(readers[address]):
            footer = gettext(
                "A message from the organisers of %(title)s (%(when)s). You are getting it "
                "because you said you are going or might go. To change your answer, open the "
                "event on the learning exchange: %(url)s"
            ) % {"title": event.title, "when": _when(event), "url": event.get_absolute_url()}
        text = f"{body}\n\n--\n{footer}\n"
        emails.append((full_subject, text, settings.DEFAULT_FROM_EMAIL, [address]))
    send_mass_mail(emails)
    return EventMessage.objects.create(
        event=event, sender=sender, subject=subject, body=body, recipients=len(emails)
    )


def _when(event: Event) -> str:
    start = event.start.astimezone(LONDON)
    # Month names follow the active language (the recipient's, when emails are sent).
    return gettext("%(when)s UK time") % {"when": format_date(start, "j F Y, H:i")}


# --- iCalendar ------------------------------------------------------------------------------------


def _uid(event: Event) -> str:
    return f"event-{event.pk}@{UID_DOMAIN}"


def _location(event: Event) -> str:
    place = ", ".join(
        part
        for part in [event.venue_name, " ".join(event.venue_address.split())]
        if part and event.has_venue
    )
    if event.format == Event.Format.ONLINE:
        return gettext("Online")
    if event.format == Event.Format.HYBRID:
        return gettext("%(place)s and online") % {"place": place} if place else gettext("Online")
    return place


def _vevent(event: Event, base_url: str = "") -> icalendar.Event:
    item = icalendar.Event()
    item.add("uid", _uid(event))
    item.add("dtstamp", datetime.now(UTC).replace(microsecond=0))
    item.add("created", event.created.astimezone(UTC).replace(microsecond=0))
    item.add("dtstart", event.start.astimezone(LONDON))
    item.add("dtend", event.end.astimezone(LONDON))
    item.add("summary", event.title)
    url = f"{base_url}{event.get_absolute_url()}" if base_url else ""
    description = event.description.strip()
    if url:
        description = f"{description}\n\n{url}".strip()
        item.add("url", url)
    if description:
        item.add("description", description)
    location = _location(event)
    if location:
        item.add("location", location)
    item.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
    # The joining link is never written here: calendar files are easily passed on.
    return item


def _calendar(name: str) -> icalendar.Calendar:
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Public Service Learning Exchange//Events//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Europe/London")
    return calendar


def ical_for_events(events: Iterable[Event], name: str, base_url: str = "") -> bytes:
    """A calendar of these events, times in Europe/London with its VTIMEZONE."""
    calendar = _calendar(name)
    for event in events:
        calendar.add_component(_vevent(event, base_url))
    calendar.add_missing_timezones()
    return calendar.to_ical()


def ical_for_event(event: Event, base_url: str = "") -> bytes:
    return ical_for_events([event], event.title, base_url)


def feed_events(community: CommunityPage) -> QuerySet:
    """A community's events for its calendar feed: upcoming, and those of the last months."""
    since = timezone.now() - timedelta(days=FEED_PAST_DAYS)
    return Event.objects.filter(community=community, end__gte=since).order_by("start", "pk")


# --- Personal calendar feed tokens ---------------------------------------------------------------


def _signature(user_id: int, community_id: int) -> str:
    return salted_hmac(FEED_SALT, f"{user_id}:{community_id}", algorithm="sha256").hexdigest()[:40]


def feed_token(user: Any, community: CommunityPage) -> str:
    """A personal token for a community's calendar feed (for calendar apps, which cannot sign in).

    It names the person, so that every fetch re-checks that they may still read the community.
    """
    return f"{user.pk}-{_signature(user.pk, community.pk)}"


def feed_reader(token: str, community: CommunityPage) -> Any | None:
    """The person a token belongs to, if it is genuine and they may read the community now."""
    user_id, _, signature = (token or "").partition("-")
    if not user_id.isdigit() or len(user_id) > 12 or not signature:
        return None
    if not constant_time_compare(signature, _signature(int(user_id), community.pk)):
        return None
    user = get_user_model().objects.filter(pk=int(user_id), is_active=True).first()
    if user is None:
        return None
    if not CommunityPage.objects.readable_by(user).filter(pk=community.pk).exists():
        return None
    return user
