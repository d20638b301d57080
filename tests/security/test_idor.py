"""Direct-object guesses: private things asked for by id or slug are a 404, and leak nothing.

Someone who is not in the private community (a visitor, a member of the site in no community,
a member of another community) types the addresses of what is inside it: its threads (also
under a public community's address), posts and their actions, attachments, events and their
calendar, its members and moderation pages, a hidden profile, another person's notification,
unsubscribe and invitation links that were never issued. Each answer must be 404, never 403
(which would confirm the thing exists) and never 200, and the body must not contain any of
the private words. A visitor who is sent to sign in is sent exactly as for an address that
does not exist at all, so the redirect tells them nothing either.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import User
from django.core import signing
from django.test import Client
from django.urls import reverse

from communities import digests
from communities.models import (
    Flag,
    Follow,
    HelpfulMark,
    Membership,
    Notification,
    Post,
    Profile,
    Thread,
)
from tests.security.conftest import World

pytestmark = pytest.mark.django_db

MISSING = 987654  # an id nothing has


def secrets_of(w: World) -> list[str]:
    """Words that only the private community's members (and the hidden member) may see."""
    return [
        w.secret_thread.title,
        "Zephyrine",
        "Xanthoria",  # the private post's body
        "Quercitron",  # the private event's title
        "secret-room",  # its joining link
        "secret.pdf",
        "Classified job title",
        "Hidden biography",
    ]


@dataclass
class Guess:
    name: str
    method: str
    url: Callable[[World, int | None], str]  # the world and an id (None: the real one)
    data: dict | None = None


def _in(community: str):
    """A community route's URL for the given community ('private' or 'public')."""

    def route(w: World, route: str, **kwargs) -> str:
        page = getattr(w, community)
        return page.url + page.reverse_subpage(route, kwargs=kwargs or None)

    return route


PRIVATE = _in("private")
PUBLIC = _in("public")


def _tid(w: World, pk: int | None) -> int:
    return w.secret_thread.pk if pk is None else pk


def _pid(w: World, pk: int | None) -> int:
    return w.secret_post.pk if pk is None else pk


def _eid(w: World, pk: int | None) -> int:
    return w.secret_event.pk if pk is None else pk


GUESSES = [
    Guess(
        "thread",
        "get",
        lambda w, pk: PRIVATE(w, "thread", thread_id=_tid(w, pk), slug=w.secret_thread.slug),
    ),
    Guess("thread by id", "get", lambda w, pk: PRIVATE(w, "thread_short", thread_id=_tid(w, pk))),
    Guess(
        "thread under a public community",
        "get",
        lambda w, pk: PUBLIC(w, "thread", thread_id=_tid(w, pk), slug=w.secret_thread.slug),
    ),
    Guess(
        "thread id under a public community",
        "get",
        lambda w, pk: PUBLIC(w, "thread_short", thread_id=_tid(w, pk)),
    ),
    Guess("reply form", "get", lambda w, pk: PRIVATE(w, "reply", thread_id=_tid(w, pk))),
    Guess(
        "reply",
        "post",
        lambda w, pk: PUBLIC(w, "reply", thread_id=_tid(w, pk)),
        {"body": "Guessing"},
    ),
    Guess(
        "moderate thread",
        "get",
        lambda w, pk: PUBLIC(w, "moderate_thread", thread_id=_tid(w, pk)),
    ),
    *[
        Guess(
            f"post {action}",
            "get",
            lambda w, pk, action=action: PUBLIC(
                w, "post_action", post_id=_pid(w, pk), action=action
            ),
        )
        for action in ("edit", "delete", "history", "flag", "moderate")
    ],
    *[
        Guess(
            f"post {action} (POST)",
            "post",
            lambda w, pk, action=action: PRIVATE(
                w, "post_action", post_id=_pid(w, pk), action=action
            ),
            {"reason": "spam", "body": "x", "action": "hide"},
        )
        for action in ("edit", "delete", "flag", "helpful", "answer", "moderate")
    ],
    Guess(
        "attachment",
        "get",
        lambda w, pk: reverse(
            "communities:attachment",
            args=[w.secret_attachment.pk if pk is None else pk, w.secret_attachment.name],
        ),
    ),
    Guess("moderation queue", "get", lambda w, pk: PRIVATE(w, "moderation")),
    Guess("public moderation queue", "get", lambda w, pk: PUBLIC(w, "moderation")),
    Guess("members", "get", lambda w, pk: PRIVATE(w, "members")),
    Guess(
        "manage a member",
        "post",
        lambda w, pk: PRIVATE(
            w,
            "manage_member",
            membership_id=pk or Membership.objects.get(community=w.private, user=w.member).pk,
        ),
        {"action": "remove"},
    ),
    Guess("invite", "post", lambda w, pk: PRIVATE(w, "invite"), {"email": "me@example.org"}),
    Guess("feed", "get", lambda w, pk: PRIVATE(w, "feed_rss")),
    Guess("event", "get", lambda w, pk: reverse("communities:event", args=[_eid(w, pk)])),
    Guess("event file", "get", lambda w, pk: reverse("event_calendar", args=[_eid(w, pk)])),
    Guess(
        "event RSVP",
        "post",
        lambda w, pk: reverse("communities:event_rsvp", args=[_eid(w, pk)]),
        {"answer": "going"},
    ),
    Guess(
        "event message",
        "get",
        lambda w, pk: reverse("communities:event_message", args=[_eid(w, pk)]),
    ),
    Guess("event edit", "get", lambda w, pk: reverse("communities:event_edit", args=[_eid(w, pk)])),
    Guess(
        "calendar feed",
        "get",
        lambda w, pk: reverse("calendar_feed", args=[pk or w.private.pk]) + "?token=guess",
    ),
    Guess(
        "events of the community",
        "get",
        lambda w, pk: reverse("communities:events") + f"?community={pk or w.private.pk}",
    ),
    Guess(
        "new event in the community",
        "get",
        lambda w, pk: reverse("communities:event_new") + f"?community={pk or w.private.pk}",
    ),
    Guess(
        "hidden profile",
        "get",
        lambda w, pk: reverse("communities:member", args=[_username(w, pk)]),
    ),
    Guess(
        "contact a hidden member",
        "get",
        lambda w, pk: reverse("communities:contact_member", args=[_username(w, pk)]),
    ),
    Guess(
        "someone else's notification",
        "get",
        lambda w, pk: reverse("communities:notification_open", args=[pk or _notification(w)]),
    ),
    Guess(
        "follow a private thread",
        "post",
        lambda w, pk: reverse("communities:follow"),
        {"target": "thread", "id": "SECRET"},
    ),
]


def _username(w: World, pk: int | None) -> str:
    return w.hidden.username if pk is None else f"nobody{pk}"


def _notification(w: World) -> int:
    return Notification.objects.create(
        recipient=w.member, kind=Notification.Kind.REPLY, thread=w.secret_thread
    ).pk


def _clients(w: World) -> dict[str, Client]:
    clients = {"anonymous": Client()}
    for name in ("outsider", "other"):  # in no community; in the public one only
        client = Client()
        client.force_login(getattr(w, name))
        clients[name] = client
    return clients


def _ask(client: Client, guess: Guess, url: str, w: World):
    data = dict(guess.data or {})
    if data.get("id") == "SECRET":
        data["id"] = w.secret_thread.pk
    if guess.method == "post":
        return client.post(url, data)
    return client.get(url)


def _counts(w: World) -> tuple:
    return (
        Post.objects.count(),
        Flag.objects.count(),
        HelpfulMark.objects.count(),
        Follow.objects.count(),
        Membership.objects.filter(community=w.private).count(),
        Thread.objects.get(pk=w.secret_thread.pk).answer_id,
        Post.objects.get(pk=w.secret_post.pk).hidden,
        Post.objects.get(pk=w.secret_post.pk).deleted,
        w.secret_event.rsvps.count(),
    )


@pytest.fixture
def hidden_details(world: World) -> World:
    Profile.objects.filter(user=world.hidden).update(
        job_title="Classified job title", bio="Hidden biography"
    )
    return world


@pytest.mark.parametrize("guess", GUESSES, ids=[g.name for g in GUESSES])
def test_a_guessed_address_is_a_404_that_leaks_nothing(hidden_details: World, guess: Guess):
    w = hidden_details
    before = _counts(w)
    for who, client in _clients(w).items():
        url = guess.url(w, None)
        response = _ask(client, guess, url, w)
        body = response.content.decode(errors="replace")
        # What the visitor typed may be echoed back (the 404 page names the address).
        leaked = [word for word in secrets_of(w) if word in body and word not in url]
        assert not leaked, f"{who} saw {leaked} at {url}"
        if response.status_code == 404:
            continue
        # Only a visitor may be sent to sign in, and only exactly as for an address that
        # does not exist: then the answer tells nothing about what is there.
        assert who == "anonymous" and response.status_code == 302, (
            f"{who}: {guess.method.upper()} {url} answered {response.status_code}, not 404"
        )
        missing = _ask(client, guess, guess.url(w, MISSING), w)
        assert missing.status_code == 302, f"{url}: 302 here but {missing.status_code} if missing"
        assert "/accounts/login/" in response["Location"]
    assert _counts(w) == before, f"{guess.name} changed something"


def test_the_same_addresses_work_for_a_member(hidden_details: World):
    """The guesses above are right addresses: the private community's member gets through."""
    w = hidden_details
    client = Client()
    client.force_login(w.member)
    for url in (
        PRIVATE(w, "thread", thread_id=w.secret_thread.pk, slug=w.secret_thread.slug),
        reverse("communities:event", args=[w.secret_event.pk]),
        reverse("event_calendar", args=[w.secret_event.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert any(word in response.content.decode() for word in secrets_of(w)), url
    assert client.get(PRIVATE(w, "members")).status_code == 200
    attachment = client.get(
        reverse("communities:attachment", args=[w.secret_attachment.pk, w.secret_attachment.name])
    )
    assert attachment.status_code == 200
    # A thread's id under the wrong community is still not served there, even to its member.
    wrong = client.get(PUBLIC(w, "thread_short", thread_id=w.secret_thread.pk))
    assert wrong.status_code == 404


def test_the_private_community_page_shows_its_name_but_no_threads(world: World):
    client = Client()
    client.force_login(world.outsider)
    body = client.get(world.private.url).content.decode()
    assert world.private.title in body
    assert not [word for word in secrets_of(world) if word in body]


def test_quoting_a_post_from_another_thread_quotes_nothing(world: World):
    client = Client()
    client.force_login(world.other)
    url = world.thread.get_url() + f"?quote={world.secret_post.pk}"
    body = client.get(url).content.decode()
    assert "Xanthoria" not in body


def test_search_and_suggestions_never_name_private_things(world: World):
    for who in ("anonymous", "outsider", "other"):
        client = _clients(world)[who]
        for url in (
            "/api/search/?q=Zephyrine",
            "/api/search/?q=Xanthoria",
            "/api/search/suggest/?q=Zephyr",
            "/en/search/?q=Zephyrine",
            "/en/search/?q=Quercitron",
            f"/en/members/?q={world.hidden.username}",
        ):
            body = client.get(url).content.decode()
            typed = url.split("q=")[-1]  # the query itself is shown back in the search box
            leaked = [w for w in secrets_of(world) if w in body and w not in typed]
            assert not leaked, (who, url, leaked)
            if "/members/" in url:
                assert f"/members/{world.hidden.username}/" not in body


def _forged_token(kind: str) -> str:
    """Build the forged tokens inside the test: signing.dumps stamps the time, so parameters
    made at collection differ between xdist workers and they would disagree on the test ids."""
    if kind == "other-salt":
        return signing.dumps({"u": 1, "k": "all"}, salt="another-salt", compress=True)
    if kind == "tampered":
        return signing.dumps({"u": 1, "k": "all"}, salt="communities.digests.unsubscribe") + "x"
    return kind


@pytest.mark.parametrize(
    "kind",
    [
        "made-up",
        "",  # an empty last part does not match the pattern: 404 too
        "other-salt",
        "tampered",
    ],
)
def test_an_unsubscribe_link_that_was_not_issued_is_a_404(world: World, kind: str):
    token = _forged_token(kind)
    for url in (f"/en/notifications/unsubscribe/{token}/", f"/notifications/unsubscribe/{token}/"):
        assert Client().get(url).status_code == 404
        assert Client().post(url).status_code == 404
    assert not world.member.notification_preferences.exists()


def test_an_unsubscribe_link_only_works_for_its_own_person(world: World):
    token = digests.unsubscribe_token(world.member, "all")
    assert Client().post(f"/en/notifications/unsubscribe/{token}/").status_code == 200
    assert world.member.notification_preferences.exists()
    assert not world.other.notification_preferences.exists()


def test_a_made_up_invitation_is_a_404(world: World):
    client = Client()
    client.force_login(world.outsider)
    for token in ("guess", "a" * 43, MISSING):
        assert client.get(f"/en/invitations/{token}/").status_code == 404
        assert client.post(f"/en/invitations/{token}/").status_code == 404
    assert not Membership.objects.filter(community=world.private, user=world.outsider).exists()


def test_admin_object_addresses_need_the_admin(world: World):
    """A member who is not an editor cannot reach admin pages for anything, by any id."""
    client = Client()
    client.force_login(world.outsider)
    for url in (
        reverse("wagtailadmin_pages:edit", args=[world.private.pk]),
        reverse("wagtailadmin_explore", args=[world.private.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"], url
    assert User.objects.filter(pk=world.outsider.pk, is_staff=False).exists()
