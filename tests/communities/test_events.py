"""Events: who sees them, RSVPs and the waiting list, calendar files and feeds, messages, forms.

The rule: an event of a community is seen by whoever may read that community (public: anyone;
members: anyone signed in; private: its members; curators everything); programme-wide events by
everyone. Anything a person may not see answers 404. The joining link is shown only to people
going with a place or maybe going, and to those who run the event.
"""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, timedelta

import icalendar
import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from communities import events
from communities.models import RSVP, Event, EventMessage, Membership
from tests.communities.conftest import join

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")
VISIBILITIES = ("public", "members", "private")
PEOPLE = ("anonymous", "outsider", "member", "facilitator", "curator")
# Who sees a community's events, by visibility: the community rule.
SEES = {
    "public": {"anonymous", "outsider", "member", "facilitator", "curator"},
    "members": {"outsider", "member", "facilitator", "curator"},
    "private": {"member", "facilitator", "curator"},
}
LINK = "https://meet.example.org/room-42"


def make_event(community=None, organiser=None, **fields) -> Event:
    start = fields.pop("start", timezone.now() + timedelta(days=7))
    return Event.objects.create(
        community=community,
        organiser=organiser,
        title=fields.pop("title", "Frail elderly learning day"),
        start=start,
        end=fields.pop("end", start + timedelta(hours=2)),
        **fields,
    )


@pytest.fixture
def world(make_community, make_user):
    """One community of each visibility with a member and a facilitator, and people outside."""

    def build(visibility: str):
        community = make_community(f"events-{visibility}", visibility=visibility)
        people = {
            "anonymous": None,
            "outsider": make_user("outsider"),
            "member": make_user("member"),
            "facilitator": make_user("facilitator"),
            "curator": make_user("curator", curator=True),
        }
        join(people["member"], community)
        join(people["facilitator"], community, role="facilitator")
        event = make_event(
            community, people["facilitator"], format="online", joining_link=LINK, capacity=10
        )
        return community, people, event

    return build


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


# --- Visibility -----------------------------------------------------------------------------------


@pytest.mark.parametrize("visibility", VISIBILITIES)
def test_list_detail_and_ics_follow_the_community_rule(world, visibility):
    _community, people, event = world(visibility)
    for who in PEOPLE:
        client = client_for(people[who])
        sees = who in SEES[visibility]
        listing = client.get(reverse("communities:events"))
        assert listing.status_code == 200
        assert (event.title in listing.text) is sees, (visibility, who)
        detail = client.get(event.get_absolute_url())
        assert detail.status_code == (200 if sees else 404), (visibility, who)
        ics = client.get(reverse("communities:event_ics", args=[event.pk]))
        assert ics.status_code == (200 if sees else 404), (visibility, who)
        if sees:
            assert ics["Content-Type"].startswith("text/calendar")
        visible = set(Event.objects.visible_to(people[who] or AnonymousUser()))
        assert (event in visible) is sees


def test_programme_wide_events_are_seen_by_everyone(make_user):
    event = make_event(title="Programme gathering")
    assert Client().get(event.get_absolute_url()).status_code == 200
    assert "Programme gathering" in Client().get(reverse("communities:events")).text
    assert event in Event.objects.visible_to(AnonymousUser())


def test_past_events_are_listed_separately_with_notes(make_community, make_user):
    start = timezone.now() - timedelta(days=3)
    past = make_event(title="Old deep dive", start=start, notes="Read the **write-up**.")
    upcoming = make_event(title="New deep dive")
    client = Client()
    listing = client.get(reverse("communities:events"))
    assert upcoming.title in listing.text and past.title not in listing.text
    assert reverse("communities:events_past") in listing.text
    old = client.get(reverse("communities:events_past"))
    assert past.title in old.text and upcoming.title not in old.text
    detail = client.get(past.get_absolute_url())
    assert "<strong>write-up</strong>" in detail.text
    assert "This event has finished" in detail.text


@pytest.mark.parametrize("visibility", VISIBILITIES)
def test_community_feed_with_and_without_token(world, visibility):
    community, people, event = world(visibility)
    url = reverse("communities:events_feed", args=[community.pk])
    anonymous = Client().get(url)
    assert anonymous.status_code == (200 if visibility == "public" else 404)
    # A calendar app is never signed in: the member's token is what lets it in.
    token = events.feed_token(people["member"], community)
    with_token = Client().get(url, {"token": token})
    assert with_token.status_code == 200
    calendar = icalendar.Calendar.from_ical(with_token.content)
    assert [str(item["uid"]) for item in calendar.walk("VEVENT")] == [
        f"event-{event.pk}@{events.UID_DOMAIN}"
    ]
    # A forged or someone else's token for another community does not work.
    forged = token[:-1] + ("0" if token[-1] != "0" else "1")
    assert Client().get(url, {"token": forged}).status_code == (
        200 if visibility == "public" else 404
    )
    assert Client().get(url, {"token": "nonsense"}).status_code == (
        200 if visibility == "public" else 404
    )


def test_feed_token_stops_working_when_the_member_leaves_a_private_community(world):
    community, people, _event = world("private")
    url = reverse("communities:events_feed", args=[community.pk])
    token = events.feed_token(people["member"], community)
    assert Client().get(url, {"token": token}).status_code == 200
    Membership.objects.filter(user=people["member"], community=community).delete()
    assert Client().get(url, {"token": token}).status_code == 404
    # An outsider's token for the community never worked.
    outsider_token = events.feed_token(people["outsider"], community)
    assert Client().get(url, {"token": outsider_token}).status_code == 404


def test_members_see_their_feed_addresses_on_the_events_page(world):
    community, people, _event = world("private")
    page = client_for(people["member"]).get(reverse("communities:events"))
    assert events.feed_token(people["member"], community) in page.text
    assert "token=" not in client_for(people["outsider"]).get(reverse("communities:events")).text


def test_missing_or_bad_ids_are_404_never_500(make_user):
    client = client_for(make_user("someone"))
    for url in [
        "/en/events/999999/",
        "/events/999999/event.ics",
        "/en/events/999999/message/",
        "/events/feed/999999.ics",
        "/en/events/new/?community=abc",
        "/en/events/new/?community=999999",
        "/en/events/?community=xyz",
    ]:
        assert client.get(url).status_code == 404, url
    assert client.post("/en/events/999999/rsvp/", {"answer": "going"}).status_code == 404
    assert client.get("/en/events/abc/").status_code == 404


# --- RSVPs and the waiting list -------------------------------------------------------------------


def test_capacity_waiting_list_and_moving_up_in_order(make_user):
    event = make_event(capacity=2)
    ann, ben, cat, dai = (make_user(name) for name in ("ann", "ben", "cat", "dai"))
    assert events.rsvp(event, ann, "going")[1] is False
    assert events.rsvp(event, ben, "going")[1] is False
    cat_answer, waitlisted = events.rsvp(event, cat, "going")
    assert waitlisted is True
    dai_answer, waitlisted = events.rsvp(event, dai, "going")
    assert waitlisted is True
    assert events.waiting_position(cat_answer) == 1
    assert events.waiting_position(dai_answer) == 2
    assert events.places_left(event) == 0

    events.rsvp(event, ann, "not_going")  # a place comes free: the first waiting moves up
    cat_answer.refresh_from_db()
    dai_answer.refresh_from_db()
    assert cat_answer.has_place and not cat_answer.waitlisted
    assert dai_answer.waitlisted and events.waiting_position(dai_answer) == 1

    events.rsvp(event, ben, "maybe")  # going to maybe frees a place too
    dai_answer.refresh_from_db()
    assert dai_answer.has_place
    assert events.places_taken(event) == 2

    # Someone waiting who changes their mind leaves the list without taking a place.
    eve = make_user("eve")
    eve_answer, waitlisted = events.rsvp(event, eve, "going")
    assert waitlisted
    events.rsvp(event, eve, "maybe")
    eve_answer.refresh_from_db()
    assert not eve_answer.waitlisted and eve_answer.position is None
    assert events.places_taken(event) == 2


def test_answering_twice_is_idempotent_and_keeps_the_place_in_the_queue(make_user):
    event = make_event(capacity=1)
    ann, ben = make_user("ann"), make_user("ben")
    events.rsvp(event, ann, "going")
    first, waitlisted = events.rsvp(event, ben, "going")
    again, waitlisted_again = events.rsvp(event, ben, "going")
    assert waitlisted and waitlisted_again and first.pk == again.pk
    assert again.position == first.position
    assert RSVP.objects.filter(event=event).count() == 2
    # The database holds one answer per person even if two requests raced past the check.
    with pytest.raises(IntegrityError), transaction.atomic():
        RSVP.objects.create(event=event, user=ben, answer="maybe")


def test_double_post_through_the_page_records_one_answer(make_user):
    event = make_event(capacity=1)
    user = make_user("ann")
    client = client_for(user)
    url = reverse("communities:event_rsvp", args=[event.pk])
    for _ in range(2):
        response = client.post(url, {"answer": "going"})
        assert response.status_code == 302
    assert RSVP.objects.filter(event=event, user=user).count() == 1
    assert events.places_taken(event) == 1
    page = client.get(event.get_absolute_url())
    assert "Your answer: <strong>Going</strong>" in page.text


def test_rsvp_page_shows_waiting_position(make_user):
    event = make_event(capacity=1)
    events.rsvp(event, make_user("ann"), "going")
    ben = make_user("ben")
    client = client_for(ben)
    response = client.post(
        reverse("communities:event_rsvp", args=[event.pk]), {"answer": "going"}, follow=True
    )
    assert "waiting list (number 1)" in response.text
    assert "you are number 1" in response.text


def test_rsvp_rules(make_community, make_user, world):
    user = make_user("ann")
    with pytest.raises(ValidationError):
        events.rsvp(make_event(), user, "perhaps")
    with pytest.raises(PermissionDenied):
        events.rsvp(make_event(cancelled=True), user, "going")
    past = make_event(start=timezone.now() - timedelta(days=2))
    with pytest.raises(PermissionDenied):
        events.rsvp(past, user, "going")
    _community, people, private_event = world("private")
    from django.http import Http404

    with pytest.raises(Http404):
        events.rsvp(private_event, people["outsider"], "going")
    # A bad answer through the page is a clear error, not a 500.
    response = client_for(user).post(
        reverse("communities:event_rsvp", args=[make_event().pk]), {"answer": "perhaps"}
    )
    assert response.status_code == 400
    assert "Choose going, maybe or not going." in response.text
    # Anonymous people are asked to sign in.
    response = Client().post(
        reverse("communities:event_rsvp", args=[make_event().pk]), {"answer": "going"}
    )
    assert response.status_code == 302 and "login" in response["Location"]


# --- The joining link -----------------------------------------------------------------------------


def test_joining_link_only_for_people_going_maybe_or_running_it(world, make_user):
    _community, people, event = world("public")
    event.capacity = 1
    event.save()
    assert LINK not in Client().get(event.get_absolute_url()).text
    member = people["member"]
    client = client_for(member)
    assert LINK not in client.get(event.get_absolute_url()).text
    events.rsvp(event, member, "not_going")
    assert LINK not in client.get(event.get_absolute_url()).text
    events.rsvp(event, member, "going")
    assert LINK in client.get(event.get_absolute_url()).text
    # Someone on the waiting list has no place yet, so no link.
    waiting = make_user("waiting")
    join(waiting, event.community)
    events.rsvp(event, waiting, "going")
    assert LINK not in client_for(waiting).get(event.get_absolute_url()).text
    events.rsvp(event, member, "maybe")  # frees the place: the waiting person moves up
    assert LINK in client.get(event.get_absolute_url()).text
    assert LINK in client_for(waiting).get(event.get_absolute_url()).text
    assert LINK in client_for(people["facilitator"]).get(event.get_absolute_url()).text
    assert LINK in client_for(people["curator"]).get(event.get_absolute_url()).text
    assert LINK not in client_for(people["outsider"]).get(event.get_absolute_url()).text
    # Calendar files can be passed on, so they never carry it.
    assert (
        LINK.encode() not in client.get(reverse("communities:event_ics", args=[event.pk])).content
    )


# --- iCalendar ------------------------------------------------------------------------------------


def _instants(data: bytes) -> dict[str, tuple[datetime, datetime]]:
    calendar = icalendar.Calendar.from_ical(data)
    assert calendar.walk("VTIMEZONE"), "the calendar carries its time zone"
    return {
        str(item["summary"]): (
            item.decoded("dtstart").astimezone(UTC),
            item.decoded("dtend").astimezone(UTC),
        )
        for item in calendar.walk("VEVENT")
    }


def test_ical_instants_across_the_2026_clock_changes():
    def at(day: int, month: int, title: str) -> Event:
        start = datetime(2026, month, day, 10, 0, tzinfo=LONDON)
        return make_event(title=title, start=start, end=start + timedelta(hours=2))

    spring_before = at(28, 3, "Before spring change")  # GMT
    spring_after = at(30, 3, "After spring change")  # BST
    autumn_before = at(24, 10, "Before autumn change")  # BST
    autumn_after = at(26, 10, "After autumn change")  # GMT
    found = _instants(
        events.ical_for_events(
            [spring_before, spring_after, autumn_before, autumn_after], "Clock changes"
        )
    )
    assert found["Before spring change"] == (
        datetime(2026, 3, 28, 10, tzinfo=UTC),
        datetime(2026, 3, 28, 12, tzinfo=UTC),
    )
    assert found["After spring change"][0] == datetime(2026, 3, 30, 9, tzinfo=UTC)
    assert found["Before autumn change"][0] == datetime(2026, 10, 24, 9, tzinfo=UTC)
    assert found["After autumn change"][0] == datetime(2026, 10, 26, 10, tzinfo=UTC)

    one = events.ical_for_event(spring_after)
    assert b"TZID=Europe/London:20260330T100000" in one
    assert _instants(one)["After spring change"][0] == datetime(2026, 3, 30, 9, tzinfo=UTC)


def test_ical_uid_is_stable_and_cancelled_events_say_so():
    event = make_event(cancelled=True, venue_name="Pierhead", format="in_person")
    first = icalendar.Calendar.from_ical(events.ical_for_event(event)).walk("VEVENT")[0]
    second = icalendar.Calendar.from_ical(events.ical_for_event(event)).walk("VEVENT")[0]
    assert str(first["uid"]) == str(second["uid"]) == f"event-{event.pk}@{events.UID_DOMAIN}"
    assert str(first["status"]) == "CANCELLED"
    assert str(first["location"]) == "Pierhead"


def test_event_page_shows_uk_time():
    start = datetime(2026, 3, 30, 10, 0, tzinfo=LONDON)
    event = make_event(start=start, end=start + timedelta(hours=2))
    page = Client().get(event.get_absolute_url())
    assert "Monday 30 March 2026, 10:00" in page.text
    assert 'datetime="2026-03-30T09:00:00+00:00"' in page.text


# --- Messages -------------------------------------------------------------------------------------


def test_messages_reach_attendees_only_and_only_organisers_send(world, make_user):
    community, people, event = world("private")
    going, maybe, nope, waiting = (make_user(n) for n in ("going", "maybe", "nope", "waiting"))
    for person in (going, maybe, nope, waiting):
        join(person, community)
    event.capacity = 1
    event.save()
    events.rsvp(event, going, "going")
    events.rsvp(event, maybe, "maybe")
    events.rsvp(event, nope, "not_going")
    events.rsvp(event, waiting, "going")
    mail.outbox.clear()

    message = events.send_message(event, people["facilitator"], "Room change", "Room 2 now.")
    recipients = sorted(address for sent in mail.outbox for address in sent.to)
    assert recipients == ["going@example.org", "maybe@example.org"]
    assert all("Room 2 now." in sent.body for sent in mail.outbox)
    assert message.recipients == 2 and EventMessage.objects.filter(event=event).count() == 1

    with pytest.raises(PermissionDenied):
        events.send_message(event, people["member"], "Hi", "Hello")
    from django.http import Http404

    with pytest.raises(Http404):
        events.send_message(event, people["outsider"], "Hi", "Hello")
    with pytest.raises(ValidationError):
        events.send_message(event, people["facilitator"], "  ", "Hello")

    url = reverse("communities:event_message", args=[event.pk])
    assert client_for(people["member"]).get(url).status_code == 403
    assert client_for(people["outsider"]).get(url).status_code == 404
    assert Client().get(url).status_code == 302  # sign in first
    mail.outbox.clear()
    response = client_for(people["curator"]).post(url, {"subject": "Slides", "body": "Attached."})
    assert response.status_code == 302
    assert len(mail.outbox) == 2
    empty = client_for(people["curator"]).post(url, {"subject": "", "body": ""})
    assert empty.status_code == 400
    assert "Give your message a subject." in empty.text


# --- Creating events ------------------------------------------------------------------------------


def _form(**overrides) -> dict:
    return {
        "title": "Counting workshop",
        "description": "Total Place counting.",
        "format": "hybrid",
        "start": "2026-03-30T10:00",
        "end": "2026-03-30T12:00",
        "venue_name": "Pierhead",
        "venue_address": "Cardiff Bay",
        "joining_link": LINK,
        "capacity": "30",
        **overrides,
    }


def test_facilitators_create_community_events_and_curators_programme_wide(world, make_user):
    community, people, _event = world("private")
    url = f"{reverse('communities:event_new')}?community={community.pk}"
    assert client_for(people["member"]).get(url).status_code == 403
    assert client_for(people["outsider"]).get(url).status_code == 404
    assert Client().get(url).status_code == 302
    response = client_for(people["facilitator"]).post(url, _form())
    assert response.status_code == 302
    event = Event.objects.get(title="Counting workshop")
    assert event.community == community and event.organiser == people["facilitator"]
    assert event.start == datetime(2026, 3, 30, 9, 0, tzinfo=UTC)  # entered as UK time (BST)
    assert event.capacity == 30

    programme = reverse("communities:event_new")
    assert client_for(people["facilitator"]).get(programme).status_code == 403
    response = client_for(people["curator"]).post(programme, _form(title="Big gathering"))
    assert response.status_code == 302
    assert Event.objects.get(title="Big gathering").community is None


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"end": "2026-03-30T09:00"}, "The event must end after it starts."),
        ({"end": "2026-03-30T10:00"}, "The event must end after it starts."),
        ({"capacity": "-3"}, "The number of places must be 1 or more"),
        ({"capacity": "0"}, "The number of places must be 1 or more"),
        ({"capacity": "lots"}, "Enter the number of places as a whole number"),
        ({"start": "tomorrow"}, "Enter the start as a date and time"),
        ({"start": "2026-03-29T01:30"}, "when the clocks change in the UK"),
        ({"title": ""}, "Give the event a title."),
        ({"joining_link": "not a link"}, "Enter the joining link as a web address"),
        ({"format": "carrier pigeon"}, "Select a valid choice"),
    ],
)
def test_bad_input_gives_clear_errors(make_user, overrides, message):
    curator = make_user("curator", curator=True)
    response = client_for(curator).post(reverse("communities:event_new"), _form(**overrides))
    assert response.status_code == 400
    assert message in response.text
    assert "There is a problem" in response.text
    assert not Event.objects.filter(title="Counting workshop").exists()


def test_the_model_refuses_an_end_before_the_start(make_user):
    start = timezone.now()
    with pytest.raises(ValidationError):
        events.create_event(
            make_user("curator", curator=True), None, title="Backwards", start=start, end=start
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Event.objects.create(title="Backwards", start=start, end=start - timedelta(hours=1))


# --- The upcoming events include ------------------------------------------------------------------


def test_upcoming_events_for_a_community_and_the_include(world):
    community, people, event = world("private")
    later = [
        make_event(community, title=f"Later {n}", start=timezone.now() + timedelta(days=10 + n))
        for n in range(3)
    ]
    make_event(community, title="Called off", cancelled=True)
    found = events.upcoming_events(people["member"], community)
    assert found == [event, later[0], later[1]]
    assert events.upcoming_events(people["outsider"], community) == []
    from django.template.loader import render_to_string

    html = render_to_string(
        "communities/includes/upcoming_events.html", {"events": found, "community": community}
    )
    assert event.title in html and "Later 2" not in html and "Called off" not in html
    assert f"?community={community.pk}" in html


def test_the_organiser_can_add_notes_afterwards_and_others_cannot_edit(
    client, make_community, make_user
):
    from datetime import timedelta

    from django.utils import timezone

    from communities.models import Event
    from tests.communities.conftest import join

    community = make_community("ev-edit")
    organiser, member = make_user("ev_edit_org"), make_user("ev_edit_member")
    join(organiser, community, role="facilitator")
    join(member, community)
    start = timezone.now() - timedelta(days=2)
    event = Event.objects.create(
        community=community,
        title="Last week's huddle",
        start=start,
        end=start + timedelta(hours=1),
        organiser=organiser,
    )
    url = f"/en/events/{event.pk}/edit/"
    client.force_login(member)
    assert client.get(url).status_code == 403
    client.force_login(organiser)
    page = client.get(url)
    assert page.status_code == 200 and "Notes and learning from the event" in page.content.decode()
    local = timezone.localtime(start)
    data = {
        "title": event.title,
        "description": "",
        "format": "online",
        "start": local.strftime("%Y-%m-%dT%H:%M"),
        "end": (local + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "notes": "We agreed a shared frailty score. Slides: [here](https://example.org/s).",
    }
    assert client.post(url, data).status_code == 302
    event.refresh_from_db()
    assert "shared frailty score" in event.notes
    assert "shared frailty score" in client.get(f"/en/events/{event.pk}/").content.decode()
    assert client.post(url, {**data, "end": data["start"], "start": data["end"]}).status_code == 400
