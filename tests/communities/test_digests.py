"""Notification emails: digests, straight-away emails and one-click unsubscribe.

One email per person per period, carrying only what they may still see (and none if nothing is
left); rerunning sends nothing new; a crash part-way through never emails anyone twice and a
rerun picks up the rest; "never" and "immediately" are respected; every email has RFC 8058
unsubscribe headers, and the signed link works without signing in.
"""

from __future__ import annotations

from datetime import datetime
from io import StringIO

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import include, path
from django.utils import timezone

from communities import digests, urls_digests
from communities import urls as community_urls
from communities.models import (
    DigestDelivery,
    Membership,
    Notification,
    NotificationPreference,
)
from cop_site import urls as site_urls
from tests.communities.conftest import join, thread_in

pytestmark = pytest.mark.django_db

Kind = Notification.Kind
Delivery = NotificationPreference.Delivery

# The unsubscribe URL, included as the lead will include it (communities/urls.py).
urlpatterns = [
    path(
        "",
        include(
            ([*community_urls.urlpatterns, *urls_digests.urlpatterns], "communities"),
            namespace="communities",
        ),
    ),
    *site_urls.urlpatterns,
]

NOW = timezone.make_aware(datetime(2026, 11, 23, 7, 0))


@pytest.fixture
def people(make_user):
    return {name: make_user(f"dg_{name}") for name in ("ann", "bob", "cai", "dee")}


@pytest.fixture
def public(make_community, people):
    community = make_community("dg-public")
    thread = thread_in(community, people["ann"], title="Counting savings")
    return thread


def note(user, thread, kind=Kind.REPLY, **fields) -> Notification:
    post = thread.first_post()
    return Notification.objects.create(
        recipient=user,
        kind=kind,
        post=post,
        thread=thread,
        community=thread.community,
        url=thread.get_url(),
        created=fields.pop("created", NOW - timezone.timedelta(hours=3)),
        **fields,
    )


def prefer(user, kind, delivery) -> None:
    NotificationPreference.objects.update_or_create(
        user=user, kind=kind, defaults={"delivery": delivery}
    )


def to(user) -> list:
    return [message for message in mail.outbox if message.to == [user.email]]


def test_one_digest_per_person_listing_everything(people, public):
    for _ in range(3):
        note(people["bob"], public)
    note(people["cai"], public, kind=Kind.NEW_THREAD)
    report = digests.send_digests("daily", now=NOW)
    assert (report.sent, report.skipped) == (2, 0)
    assert len(to(people["bob"])) == 1 and len(to(people["cai"])) == 1
    message = to(people["bob"])[0]
    assert "3 new notifications" in message.subject
    assert message.body.count("http://") >= 3
    assert "/en/notifications/settings/" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert public.get_url() in html
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()
    assert set(Notification.objects.values_list("digest_key", flat=True)) == {"daily:2026-11-23"}
    row = DigestDelivery.objects.get(user=people["bob"])
    assert row.period_key == "2026-11-23" and row.sent_at and row.notification_count == 3


def test_links_are_absolute_from_the_base_url(people, public, settings):
    settings.WAGTAILADMIN_BASE_URL = "https://exchange.example.org/"
    note(people["bob"], public)
    digests.send_digests("daily", now=NOW)
    message = to(people["bob"])[0]
    assert f"https://exchange.example.org{public.get_url()}" in message.body
    assert f'href="https://exchange.example.org{public.get_url()}' in message.alternatives[0][0]


def test_lost_access_is_left_out_and_nothing_left_means_no_email(make_community, people):
    private = make_community("dg-private", visibility="private")
    join(people["ann"], private, role="facilitator")
    join(people["bob"], private)
    join(people["cai"], private)
    hidden = thread_in(private, people["ann"], title="Inside only")
    open_thread = thread_in(make_community("dg-open"), people["ann"], title="Out in the open")
    note(people["bob"], hidden)
    note(people["bob"], open_thread)
    note(people["cai"], hidden)
    Membership.objects.filter(community=private, user__in=[people["bob"], people["cai"]]).delete()
    report = digests.send_digests("daily", now=NOW)
    assert report.sent == 1
    [message] = mail.outbox
    assert message.to == [people["bob"].email]
    assert "Out in the open" in message.body and "Inside only" not in message.body
    assert "1 new notification" in message.subject
    assert not DigestDelivery.objects.filter(user=people["cai"]).exists()


def test_running_twice_sends_nothing_new(people, public):
    note(people["bob"], public)
    assert digests.send_digests("daily", now=NOW).sent == 1
    assert digests.send_digests("daily", now=NOW).sent == 0
    # Something new the same day waits for the next day's digest, not a second one today.
    note(people["bob"], public, created=NOW - timezone.timedelta(minutes=5))
    assert digests.send_digests("daily", now=NOW).sent == 0
    assert len(mail.outbox) == 1
    tomorrow = NOW + timezone.timedelta(days=1)
    assert digests.send_digests("daily", now=tomorrow).sent == 1
    assert len(mail.outbox) == 2


def test_a_crash_part_way_never_sends_twice_and_a_rerun_finishes(people, public, monkeypatch):
    for name in ("bob", "cai", "dee"):
        note(people[name], public)
    real_send = EmailMultiAlternatives.send

    def broken(self, *args, **kwargs):
        if self.to == [people["cai"].email]:
            raise ConnectionError("mail server went away")
        return real_send(self, *args, **kwargs)

    monkeypatch.setattr(EmailMultiAlternatives, "send", broken)
    with pytest.raises(ConnectionError):
        digests.send_digests("daily", now=NOW)
    assert [m.to for m in mail.outbox] == [[people["bob"].email]]
    assert not DigestDelivery.objects.filter(user=people["cai"]).exists()
    assert Notification.objects.get(recipient=people["cai"]).emailed_at is None

    monkeypatch.setattr(EmailMultiAlternatives, "send", real_send)
    report = digests.send_digests("daily", now=NOW)
    assert report.sent == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        people[name].email for name in ("bob", "cai", "dee")
    )


def test_a_claim_left_by_a_dead_run_is_not_sent_again(people, public):
    note(people["bob"], public)
    DigestDelivery.objects.create(
        user=people["bob"], period="daily", period_key="2026-11-23", claimed_at=NOW
    )
    report = digests.send_digests("daily", now=NOW)
    assert (report.sent, report.skipped) == (0, 1)
    assert mail.outbox == []


def test_never_and_immediately_are_left_out_of_digests_and_weekly_waits(people, public):
    prefer(people["bob"], Kind.REPLY, Delivery.NEVER)
    prefer(people["cai"], Kind.REPLY, Delivery.IMMEDIATELY)
    prefer(people["dee"], Kind.REPLY, Delivery.WEEKLY)
    for name in ("bob", "cai", "dee"):
        note(people[name], public)
    assert digests.send_digests("daily", now=NOW).sent == 0
    assert mail.outbox == []
    report = digests.send_digests("weekly", now=NOW)
    assert report.sent == 1 and [m.to for m in mail.outbox] == [[people["dee"].email]]
    assert DigestDelivery.objects.get(user=people["dee"]).period_key == "2026-W48"
    assert "weekly" in mail.outbox[0].subject


def test_inactive_people_and_people_without_email_get_nothing(people, public):
    people["bob"].is_active = False
    people["bob"].save()
    people["cai"].email = ""
    people["cai"].save()
    note(people["bob"], public)
    note(people["cai"], public)
    report = digests.send_digests("daily", now=NOW)
    assert (report.sent, report.skipped) == (0, 2)
    assert mail.outbox == []


def test_immediate_email_is_sent_once_and_marked(people, public):
    prefer(people["bob"], Kind.MENTION, Delivery.IMMEDIATELY)
    item = note(people["bob"], public, kind=Kind.MENTION)
    assert digests.queue_immediate(item) is True
    [message] = mail.outbox
    assert message.to == [people["bob"].email]
    assert "mentioned you" in message.subject and "Counting savings" in message.subject
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    item.refresh_from_db()
    assert item.emailed_at is not None and item.digest_key == "immediate"
    digests.queue_immediate(item)
    digests.send_notification_email.enqueue(item.pk)
    assert len(mail.outbox) == 1
    assert digests.send_digests("daily", now=NOW + timezone.timedelta(days=1)).sent == 0


def test_immediate_email_is_skipped_when_not_wanted_or_not_visible(make_community, people, public):
    cai_item = note(people["cai"], public, kind=Kind.MENTION)  # cai: daily (the default)
    assert digests.queue_immediate(cai_item) is False
    private = make_community("dg-private2", visibility="private")
    join(people["bob"], private)
    hidden = thread_in(private, people["ann"])
    prefer(people["bob"], Kind.REPLY, Delivery.IMMEDIATELY)
    item = note(people["bob"], hidden)
    Membership.objects.filter(community=private, user=people["bob"]).delete()
    digests.queue_immediate(item)
    assert mail.outbox == []
    item.refresh_from_db()
    assert item.emailed_at is None


def test_digest_has_one_click_unsubscribe_headers_and_footer(people, public):
    note(people["bob"], public)
    digests.send_digests("daily", now=NOW)
    message = mail.outbox[0]
    header = message.extra_headers["List-Unsubscribe"]
    assert header.startswith("<http") and header.endswith(">")
    assert "/en/notifications/unsubscribe/" in header
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = header[1:-1]
    assert url in message.body and url in message.alternatives[0][0]
    assert "List-Unsubscribe-Post" in message.message().as_string()


@pytest.mark.urls(__name__)
def test_unsubscribe_by_post_without_signing_in(people):
    token = digests.unsubscribe_token(people["bob"], Kind.REPLY)
    client = Client(enforce_csrf_checks=True)
    page = client.get(f"/en/notifications/unsubscribe/{token}/")
    assert page.status_code == 200 and b"Unsubscribe" in page.content
    assert digests.delivery_for(people["bob"], Kind.REPLY) == Delivery.DAILY
    done = client.post(f"/en/notifications/unsubscribe/{token}/", {"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and b"You are unsubscribed" in done.content
    assert digests.delivery_for(people["bob"], Kind.REPLY) == Delivery.NEVER
    assert digests.delivery_for(people["bob"], Kind.MENTION) == Delivery.DAILY


@pytest.mark.urls(__name__)
def test_unsubscribe_from_everything(people, public):
    note(people["bob"], public)
    digests.send_digests("daily", now=NOW)
    url = mail.outbox[0].extra_headers["List-Unsubscribe"][1:-1]
    path_only = url.split("://", 1)[1].split("/", 1)[1]
    assert Client().post(f"/{path_only}").status_code == 200
    assert set(NotificationPreference.for_user(people["bob"]).values()) == {Delivery.NEVER}
    note(people["bob"], public, created=NOW + timezone.timedelta(hours=1))
    assert digests.send_digests("daily", now=NOW + timezone.timedelta(days=1)).sent == 0


@pytest.mark.urls(__name__)
def test_a_tampered_token_is_a_404(people):
    token = digests.unsubscribe_token(people["bob"], Kind.REPLY)
    client = Client()
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert client.post(f"/en/notifications/unsubscribe/{forged}/").status_code == 404
    assert client.get("/en/notifications/unsubscribe/nonsense/").status_code == 404
    other = digests.signing.dumps({"u": people["bob"].pk, "k": "all"}, salt="other-salt")
    assert client.post(f"/en/notifications/unsubscribe/{other}/").status_code == 404
    assert digests.delivery_for(people["bob"], Kind.REPLY) == Delivery.DAILY


def test_the_command_prints_a_summary(people, public):
    note(people["bob"], public)
    note(people["cai"], public)
    out = StringIO()
    call_command("send_digests", "--period", "daily", "--now", NOW.isoformat(), stdout=out)
    text = out.getvalue()
    assert text.startswith("Sent 2 daily digests (0 skipped) in ") and text.strip().endswith("s")
    assert len(mail.outbox) == 2


def test_the_command_rejects_bad_input():
    with pytest.raises(CommandError, match="period"):
        call_command("send_digests", "--period", "hourly")
    with pytest.raises(CommandError, match="ISO"):
        call_command("send_digests", "--now", "next tuesday")
