"""Each member's emails in their own language (Cymraeg), and the language on their profile.

Django ships Welsh for its own strings (month names among them), and the language active while
an email is sent is recorded, so these tests do not depend on the site's Welsh catalogue.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from django.core import mail
from django.utils import timezone, translation

from communities import digests, events
from communities.forms.profile import ProfileForm
from communities.models import Event, Notification, NotificationPreference, Profile
from cop_site import i18n
from tests.communities.conftest import join, thread_in

pytestmark = pytest.mark.django_db


def test_profile_form_offers_a_language(make_user):
    user = make_user("i18n_form")
    profile, _created = Profile.objects.get_or_create(user=user)
    form = ProfileForm(
        data={"visibility": "members", "language": "cy", "accepts_messages": "on"},
        instance=profile,
        user=user,
    )
    assert form.is_valid(), form.errors
    assert form.save().language == "cy"
    assert ProfileForm(data={"visibility": "members", "language": "fr"}, user=user).errors.get(
        "language"
    )


def test_new_profiles_take_the_language_they_signed_up_in(make_user):
    with translation.override("cy"):
        welsh_member, _created = Profile.objects.get_or_create(user=make_user("i18n_cy"))
    english_member, _created = Profile.objects.get_or_create(user=make_user("i18n_en"))
    assert welsh_member.language == "cy"
    assert english_member.language == "en"
    # Left out of the form, the language stays as it was ("every question is optional").
    form = ProfileForm(data={"visibility": "members"}, instance=welsh_member, user=None)
    assert form.is_valid(), form.errors
    assert form.save().language == "cy"


def test_signing_up_on_the_welsh_site_chooses_welsh(client):
    response = client.post(
        "/cy/accounts/signup/",
        {
            "email": "newydd@example.org",
            "username": "newydd",
            "password1": "a-long-enough-password-1",
            "password2": "a-long-enough-password-1",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Profile.objects.get(user__username="newydd").language == "cy"
    # The confirmation email went out in Welsh (Django's own Welsh for the site's language name
    # is not needed: the active language is captured by the adapter's override).
    assert len(mail.outbox) == 1
    assert "/cy/accounts/confirm-email/" in mail.outbox[0].body


def _capture_language(monkeypatch) -> list[str]:
    """The language active whenever an email is sent (`send` is patched to record it)."""
    seen: list[str] = []
    original = mail.EmailMessage.send

    def send(self, *args, **kwargs):
        seen.append(translation.get_language())
        return original(self, *args, **kwargs)

    monkeypatch.setattr(mail.EmailMessage, "send", send)
    return seen


@pytest.fixture
def welsh_member(make_user):
    user = make_user("i18n_aelod")
    Profile.objects.update_or_create(user=user, defaults={"language": "cy"})
    return user


def test_notification_and_digest_emails_use_the_members_language(
    monkeypatch, make_user, make_community, welsh_member
):
    seen = _capture_language(monkeypatch)
    english_member = make_user("i18n_member")
    thread = thread_in(make_community("i18n-forum"), english_member, title="Cyfrif")
    for user in (welsh_member, english_member):
        Notification.objects.create(
            recipient=user,
            kind=Notification.Kind.REPLY,
            post=thread.first_post(),
            thread=thread,
            community=thread.community,
            url=thread.get_url(),
        )
    now = timezone.now() + timezone.timedelta(minutes=1)
    report = digests.send_digests(NotificationPreference.Delivery.DAILY, now=now)
    assert report.sent == 2
    assert sorted(seen) == ["cy", "en"]
    by_person = {message.to[0]: message for message in mail.outbox}
    welsh_email = by_person[welsh_member.email]
    assert '<html lang="cy">' in welsh_email.alternatives[0][0]  # rendered in Welsh
    assert '<html lang="en-GB">' in by_person[english_member.email].alternatives[0][0]
    # Its links (unsubscribe included) are on the Welsh side of the site.
    assert "/cy/notifications/unsubscribe/" in welsh_email.extra_headers["List-Unsubscribe"]
    assert "/en/notifications/unsubscribe/" in by_person[english_member.email].body
    assert translation.get_language() == "en"  # nothing leaks out of the override


def test_straight_away_emails_use_the_members_language(
    monkeypatch, make_community, make_user, welsh_member
):
    seen = _capture_language(monkeypatch)
    NotificationPreference.objects.create(
        user=welsh_member,
        kind=Notification.Kind.REPLY,
        delivery=NotificationPreference.Delivery.IMMEDIATELY,
    )
    thread = thread_in(make_community("i18n-now"), make_user("i18n_author"))
    note = Notification.objects.create(
        recipient=welsh_member,
        kind=Notification.Kind.REPLY,
        post=thread.first_post(),
        thread=thread,
        community=thread.community,
        url=thread.get_url(),
    )
    assert digests.send_notification_email.call(note.pk)
    assert seen == ["cy"]


def test_event_messages_are_in_each_attendees_language(
    make_community, make_user, welsh_member, monkeypatch
):
    """The footer's date uses Django's own Welsh month names for a Welsh reader."""
    community = make_community("i18n-events")
    organiser = make_user("i18n_organiser")
    english_member = make_user("i18n_attendee")
    for person, role in ((organiser, "facilitator"), (welsh_member, "member")):
        join(person, community, role=role)
    join(english_member, community)
    start = timezone.make_aware(datetime(2027, 11, 18, 10, 0))
    event = Event.objects.create(
        community=community,
        title="Cyfarfod",
        start=start,
        end=start + timezone.timedelta(hours=2),
        organiser=organiser,
    )
    for person in (welsh_member, english_member):
        events.rsvp(event, person, "going")
    events.send_message(event, organiser, "Agenda", "See you there.")
    bodies = {message.to[0]: message.body for message in mail.outbox}
    assert "18 Tachwedd 2027" in bodies[welsh_member.email]
    assert "/cy/events/" in bodies[welsh_member.email]
    assert "18 November 2027" in bodies[english_member.email]
    assert "/en/events/" in bodies[english_member.email]


def test_account_emails_use_the_members_language(client, welsh_member, monkeypatch):
    seen = _capture_language(monkeypatch)
    response = client.post("/en/accounts/password/reset/", {"email": welsh_member.email})
    assert response.status_code == 302
    assert seen == ["cy"]
    assert "/cy/accounts/password/reset/key/" in mail.outbox[0].body


def test_language_for_falls_back_to_english(make_user):
    assert i18n.language_for(None) == "en"
    assert i18n.language_for(make_user("i18n_no_profile")) == "en"
