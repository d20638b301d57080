"""CSRF: no state-changing request is accepted without a valid token.

The URLs are enumerated from the URLconf (`get_resolver()`), together with the forum's routes
inside each community page (`CommunityPage.get_subpage_urls()`), so a URL added later is swept
automatically:

1. every one of them, the Wagtail admin's included, answers a token-less POST with 403 (Django's
   CSRF check runs before any view), except the views in `EXEMPT`, each with its reason;
2. every URL of the site (not the admin, which is Wagtail's) is classified as `STATE_CHANGING`
   or `READ_ONLY`, and a new one fails the test until someone decides which it is;
3. each state-changing action is then posted for real: with a well-formed request from the
   right person but no token, it answers 403 and writes nothing (no row anywhere added or
   removed, and the field it would change unchanged); the same request with a valid token does
   change it, which proves the request would have worked;
4. a read-only view, posted with a valid token, writes nothing.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core import mail
from django.db import connection
from django.http import HttpResponseForbidden
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils.crypto import get_random_string

from communities.models import (
    RSVP,
    CommunityPage,
    EventMessage,
    Flag,
    Follow,
    HelpfulMark,
    Invitation,
    Membership,
    Notification,
    NotificationPreference,
    Post,
    Thread,
)
from communities.models.profile import ContactMessage
from tests.security.conftest import World

pytestmark = pytest.mark.django_db

# --- Enumerating every URL ----------------------------------------------------------------------

SAMPLES = ("1", "x", "a-b", "projects.csv", "csv", "1-x", "rss", "a-b/")


@dataclass(frozen=True)
class Route:
    key: str  # the URL name (namespaced), or "community:<route name>", or the raw pattern
    url: str
    callback: Any
    admin: bool


def _params(patterns: list) -> tuple[list[str], int]:
    """Named parameters of a chain of patterns, and how many unnamed groups it has."""
    names: list[str] = []
    unnamed = 0
    for pattern in patterns:
        inner = pattern.pattern
        regex = inner.regex
        names += list(regex.groupindex)
        unnamed += regex.groups - len(regex.groupindex)
    return names, unnamed


def _build(lookup: str, names: list[str], unnamed: int) -> str | None:
    """A URL for a named pattern, trying sample values until one fits every converter."""
    if unnamed:
        for combo in itertools.product(SAMPLES, repeat=unnamed):
            try:
                return reverse(lookup, args=combo)
            except NoReverseMatch:
                continue
        return None
    for combo in itertools.product(SAMPLES, repeat=len(names)):
        try:
            return reverse(lookup, kwargs=dict(zip(names, combo, strict=True)))
        except NoReverseMatch:
            continue
    return None


def _from_pattern(chain: list) -> str:
    """A URL from the pattern text itself, for the few patterns without a name."""
    text = ""
    for pattern in chain:
        part = str(pattern.pattern)
        part = re.sub(r"<(?:\w+:)?\w+>", "1", part)  # path converters
        part = re.sub(r"\(\?P<\w+>[^)]*\)", "x", part)  # named regex groups
        text += part.lstrip("^").rstrip("$")
    return "/" + text


@functools.cache
def site_routes() -> tuple[Route, ...]:
    """Every URL pattern in the URLconf, with a URL that resolves to it (worked out once)."""
    return tuple(_walk_urlconf())


def _walk_urlconf() -> Iterator[Route]:

    def walk(resolver: URLResolver, chain: list, namespace: str) -> Iterator[Route]:
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                yield from walk(entry, [*chain, entry], ns)
                continue
            assert isinstance(entry, URLPattern)
            full = [*chain, entry]
            raw = "".join(str(p.pattern) for p in full)
            url = None
            if entry.name:
                url = _build(f"{namespace}{entry.name}", *_params(full))
            if url is None:
                url = _from_pattern(full)
            try:
                found = resolve(url.split("?")[0])
            except Exception:
                found = None
            if found is not None and found.route == raw and found.func != entry.callback:
                continue  # shadowed by an earlier pattern at the same address: unreachable
            assert found is not None and found.func == entry.callback, (
                f"Could not build a URL for {raw!r} ({entry.name}): add a sample value to SAMPLES"
            )
            key = f"{namespace}{entry.name}" if entry.name else raw
            yield Route(key, url, entry.callback, raw.startswith("admin/"))

    yield from walk(get_resolver(), [], "")


def community_routes(community: CommunityPage) -> Iterator[Route]:
    """The forum's routes inside a community page (RoutablePageMixin), each with a URL."""
    for entry in CommunityPage.get_subpage_urls():
        names, _unnamed = _params([entry])
        for combo in itertools.product(SAMPLES, repeat=len(names)):
            try:
                sub = community.reverse_subpage(
                    entry.name, kwargs=dict(zip(names, combo, strict=True))
                )
            except NoReverseMatch:
                continue
            yield Route(f"community:{entry.name}", community.url + sub, entry.callback, False)
            break
        else:
            pytest.fail(f"Could not build a URL for the community route {entry.name}")


# --- Views that are exempt from Django's CSRF check, and why ----------------------------------
# Each is still safe: either it never changes anything for a POST (REST framework's read-only
# viewsets answer 405; for a signed-in session its own SessionAuthentication enforces CSRF
# anyway), or the request carries its own proof (the unsubscribe link's signed token).

EXEMPT: dict[str, str] = {
    "wagtailapi:": "Wagtail API v2: read-only viewsets (GET only)",
    "wagtailadmin_api:": "Wagtail admin API: REST framework's SessionAuthentication checks CSRF",
    "search-api:search": "search JSON API: GET only (django-ninja)",
    "search-api:suggestions": "search suggestions JSON API: GET only (django-ninja)",
    "communities:unsubscribe": (
        "RFC 8058 one-click unsubscribe: mail programs POST it without cookies; the signed, "
        "per-person token in the URL is the proof, and it can only turn emails off"
    ),
    "notifications/unsubscribe/<str:token>/": "the same view at its old, unprefixed address",
}


def exempt_reason(route: Route) -> str | None:
    for prefix, reason in EXEMPT.items():
        if route.key == prefix or (prefix.endswith(":") and route.key.startswith(prefix)):
            return reason
    return None


# --- The database, counted ----------------------------------------------------------------------


def snapshot() -> dict[str, int]:
    """Rows in every table, in one statement, so any insert or delete anywhere shows."""
    tables = sorted(
        t for t in connection.introspection.table_names() if not t.startswith("sqlite_")
    )
    # FTS shadow tables and the search change log are written by triggers and signals that
    # only follow writes to the tables counted here.
    tables = [t for t in tables if "fts" not in t and "search_document_words" not in t]
    qn = connection.ops.quote_name
    sql = " UNION ALL ".join(f"SELECT '{t}', COUNT(*) FROM {qn(t)}" for t in tables)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return dict(cursor.fetchall())


def changed(before: dict[str, int], after: dict[str, int]) -> dict[str, tuple[int, int]]:
    return {t: (before[t], after[t]) for t in before if before[t] != after.get(t)}


def csrf_client(user: User | None) -> Client:
    client = Client(enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)
    return client


def with_token(client: Client, data: dict) -> dict:
    """The same form data with a valid token (and the cookie it must match)."""
    token = get_random_string(32)
    client.cookies[settings.CSRF_COOKIE_NAME] = token
    return {**data, "csrfmiddlewaretoken": token}


# --- 1. Every URL refuses a POST without a token ----------------------------------------------


def test_the_sweep_finds_the_routes_it_must():
    keys = {route.key for route in site_routes()}
    for expected in (
        "account_login",
        "communities:event_rsvp",
        "communities:edit_profile",
        "barriers_enablers_merge",
        "wagtail_serve",
        "wagtailadmin_pages:edit",
    ):
        assert expected in keys
    assert sum(route.admin for route in site_routes()) > 200  # the whole admin is swept


def plain_403(request, reason: str = "") -> HttpResponseForbidden:
    """A bare refusal, so the sweep measures the check rather than the error page's layout
    (the real page, templates/403_csrf.html, is tested with the other error pages)."""
    return HttpResponseForbidden(reason)


def test_every_url_refuses_a_post_without_a_token(world: World, settings):
    settings.CSRF_FAILURE_VIEW = f"{__name__}.plain_403"
    superuser = User.objects.create_superuser("sec_root", "root@example.org", "pw-for-tests")
    routes = [*site_routes(), *community_routes(world.public)]
    client = csrf_client(superuser)
    before = snapshot()
    wrong = []
    for route in routes:
        response = client.post(route.url, {"title": "x", "body": "x", "action": "hide"})
        reason = exempt_reason(route)
        if reason is None and (response.status_code != 403 or b"CSRF" not in response.content):
            wrong.append(f"{route.key} {route.url}: {response.status_code}")
        elif reason is not None and response.status_code not in (403, 404, 405):
            # An exempt view that accepts this POST must be the unsubscribe link, whose
            # made-up token is refused (404).
            wrong.append(f"{route.key} (exempt) {route.url}: {response.status_code}")
    assert not wrong, "POST without a CSRF token was not refused:\n" + "\n".join(wrong)
    assert changed(before, snapshot()) == {}
    assert len(routes) > 300


def test_only_the_known_views_are_exempt():
    exempt = {route.key for route in site_routes() if getattr(route.callback, "csrf_exempt", 0)}
    unexplained = sorted(
        key for key in exempt if exempt_reason(Route(key, "", None, False)) is None
    )
    assert not unexplained, f"csrf_exempt views with no reason in EXEMPT: {unexplained}"
    # The list stays honest: every entry still names an exempt view.
    for prefix in EXEMPT:
        assert any(k == prefix or (prefix.endswith(":") and k.startswith(prefix)) for k in exempt)


def test_the_admin_api_action_needs_a_token_even_though_its_view_is_exempt(world: World):
    superuser = User.objects.create_superuser("sec_root", "root@example.org", "pw-for-tests")
    page = world.public
    url = reverse("wagtailadmin_api:pages:action", args=[page.pk, "unpublish"])
    client = csrf_client(superuser)
    response = client.post(url, {}, content_type="application/json")
    assert response.status_code == 403
    page.refresh_from_db()
    assert page.live
    response = client.post(url, {}, content_type="application/json", **_header_token(client))
    assert response.status_code == 200, response.content[:300]
    page.refresh_from_db()
    assert not page.live


def _header_token(client: Client) -> dict[str, str]:
    token = get_random_string(32)
    client.cookies[settings.CSRF_COOKIE_NAME] = token
    return {"HTTP_X_CSRFTOKEN": token}


def test_unsubscribe_without_a_token_needs_the_signed_link(world: World):
    from communities import digests

    client = csrf_client(None)
    assert client.post("/en/notifications/unsubscribe/made-up/").status_code == 404
    token = digests.unsubscribe_token(world.member, "all")
    response = client.post(f"/en/notifications/unsubscribe/{token}/")
    assert response.status_code == 200
    assert NotificationPreference.objects.filter(user=world.member).exists()


# --- 2 and 3. Every state-changing action, for real -------------------------------------------


@dataclass
class Action:
    """One state-changing request: who sends it, where, with what, and how to see it worked."""

    user: str  # an attribute of World, or "superuser" / "anonymous"
    url: Callable[[World], str]
    data: Callable[[World], dict]
    done: Callable[[World], Any]  # a value that the successful request changes
    json: bool = False


def _c(world: World, route: str, **kwargs: Any) -> str:
    return world.public.url + world.public.reverse_subpage(route, kwargs=kwargs or None)


def _post_action(action_name: str, post: str) -> Callable[[World], str]:
    return lambda w: _c(w, "post_action", post_id=getattr(w, post).pk, action=action_name)


def _event_form(w: World, title: str) -> dict:
    return {
        "title": title,
        "format": "online",
        "start": "2031-05-01T10:00",
        "end": "2031-05-01T12:00",
        "joining_link": "https://meet.example.org/a",
    }


def _barrier_keys(w: World) -> list[str]:
    from projects.models import BarrierEnabler

    entries = BarrierEnabler.objects.filter(kind="barrier", group_membership__isnull=True)[:2]
    return [f"e{e.pk}" for e in entries]


def _profile_name(w: World) -> str:
    w.member.profile.refresh_from_db()
    return w.member.profile.display_name


def _restricted_page(w: World):
    from wagtail.models import PageViewRestriction

    restriction = PageViewRestriction.objects.create(
        page=w.gate, restriction_type=PageViewRestriction.PASSWORD, password="open-sesame"
    )
    return restriction


STATE_CHANGING: dict[str, Action] = {
    "community:new_thread": Action(
        "member",
        lambda w: _c(w, "new_thread"),
        lambda w: {"title": "A new question", "body": "Body text"},
        lambda w: Thread.objects.filter(community=w.public).count(),
    ),
    "community:reply": Action(
        "member",
        lambda w: _c(w, "reply", thread_id=w.thread.pk),
        lambda w: {"body": "A reply"},
        lambda w: Post.objects.filter(thread=w.thread).count(),
    ),
    "community:moderate_thread": Action(
        "facilitator",
        lambda w: _c(w, "moderate_thread", thread_id=w.thread.pk),
        lambda w: {"action": "pin", "reason": "Useful"},
        lambda w: Thread.objects.get(pk=w.thread.pk).pinned,
    ),
    "community:post_action:edit": Action(
        "other",
        _post_action("edit", "reply"),
        lambda w: {"body": "Changed text"},
        lambda w: Post.objects.get(pk=w.reply.pk).body,
    ),
    "community:post_action:delete": Action(
        "other",
        _post_action("delete", "reply"),
        lambda w: {},
        lambda w: Post.objects.get(pk=w.reply.pk).deleted,
    ),
    "community:post_action:flag": Action(
        "member",
        _post_action("flag", "reply"),
        lambda w: {"reason": Flag.Reason.choices[0][0], "detail": "Please look"},
        lambda w: Flag.objects.filter(post=w.reply).count(),
    ),
    "community:post_action:helpful": Action(
        "member",
        _post_action("helpful", "reply"),
        lambda w: {},
        lambda w: HelpfulMark.objects.filter(post=w.reply).count(),
    ),
    "community:post_action:answer": Action(
        "member",
        _post_action("answer", "reply"),
        lambda w: {},
        lambda w: Thread.objects.get(pk=w.thread.pk).answer_id,
    ),
    "community:post_action:moderate": Action(
        "facilitator",
        _post_action("moderate", "reply"),
        lambda w: {"action": "hide", "reason": "Off topic"},
        lambda w: Post.objects.get(pk=w.reply.pk).hidden,
    ),
    "community:manage_member": Action(
        "facilitator",
        lambda w: _c(
            w,
            "manage_member",
            membership_id=Membership.objects.get(community=w.public, user=w.other).pk,
        ),
        lambda w: {"action": "promote"},
        lambda w: Membership.objects.get(community=w.public, user=w.other).role,
    ),
    "community:invite": Action(
        "facilitator",
        lambda w: _c(w, "invite"),
        lambda w: {"email": "invitee@example.org"},
        lambda w: Invitation.objects.count(),
    ),
    "community:join": Action(
        "outsider",
        lambda w: _c(w, "join"),
        lambda w: {},
        lambda w: Membership.objects.filter(community=w.public).count(),
    ),
    "community:leave": Action(
        "other",
        lambda w: _c(w, "leave"),
        lambda w: {},
        lambda w: Membership.objects.filter(community=w.public).count(),
    ),
    "communities:event_new": Action(
        "facilitator",
        lambda w: reverse("communities:event_new") + f"?community={w.public.pk}",
        lambda w: _event_form(w, "A new event"),
        lambda w: w.public.events.count(),
    ),
    "communities:event_rsvp": Action(
        "member",
        lambda w: reverse("communities:event_rsvp", args=[w.event.pk]),
        lambda w: {"answer": "going"},
        lambda w: RSVP.objects.filter(event=w.event).count(),
    ),
    "communities:event_message": Action(
        "facilitator",
        lambda w: reverse("communities:event_message", args=[w.event.pk]),
        lambda w: {"subject": "Room change", "body": "We moved."},
        lambda w: EventMessage.objects.filter(event=w.event).count(),
    ),
    "communities:event_edit": Action(
        "facilitator",
        lambda w: reverse("communities:event_edit", args=[w.event.pk]),
        lambda w: _event_form(w, "Renamed event"),
        lambda w: type(w.event).objects.get(pk=w.event.pk).title,
    ),
    "communities:notifications_read": Action(
        "member",
        lambda w: _with_notification(w, reverse("communities:notifications_read")),
        lambda w: {},
        lambda w: Notification.objects.filter(recipient=w.member, read_at__isnull=True).count(),
    ),
    "communities:notification_settings": Action(
        "member",
        lambda w: reverse("communities:notification_settings"),
        lambda w: dict.fromkeys(Notification.Kind.values, "never"),
        lambda w: NotificationPreference.objects.filter(user=w.member).count(),
    ),
    "communities:follow": Action(
        "outsider",
        lambda w: reverse("communities:follow"),
        lambda w: {"target": "thread", "id": w.thread.pk},
        lambda w: Follow.objects.filter(user=w.outsider).count(),
    ),
    "communities:unfollow": Action(
        "member",
        lambda w: reverse("communities:unfollow"),
        lambda w: {"target": "thread", "id": w.thread.pk},
        lambda w: list(Follow.objects.filter(user=w.member).values_list("pk", "muted")),
    ),
    "communities:edit_profile": Action(
        "member",
        lambda w: reverse("communities:edit_profile"),
        lambda w: {"display_name": "Changed name", "visibility": "members"},
        _profile_name,
    ),
    "communities:contact_member": Action(
        "member",
        lambda w: reverse("communities:contact_member", args=[w.other.username]),
        lambda w: {"subject": "Hello", "body": "A question about budgets."},
        lambda w: ContactMessage.objects.count(),
    ),
    "communities:invitation": Action(
        "outsider",
        lambda w: reverse(
            "communities:invitation",
            args=[Invitation.objects.create(community=w.private, email=w.outsider.email).token],
        ),
        lambda w: {},
        lambda w: Membership.objects.filter(community=w.private).count(),
    ),
    "barriers_enablers_merge": Action(
        "curator",
        lambda w: reverse("barriers_enablers_merge"),
        lambda w: {"item": _barrier_keys(w), "step": "confirm", "name": "X", "category": "funding"},
        lambda w: _group_count(),
    ),
    "barriers_enablers_unmerge": Action(
        "curator",
        lambda w: reverse("barriers_enablers_unmerge"),
        lambda w: {"group": _merged_group()},
        lambda w: _group_count(),
    ),
    "account_login": Action(
        "anonymous",
        lambda w: reverse("account_login"),
        lambda w: {"login": w.member.username, "password": "pw-for-tests"},
        lambda w: User.objects.get(pk=w.member.pk).last_login,
    ),
    "account_signup": Action(
        "anonymous",
        lambda w: reverse("account_signup"),
        lambda w: {
            "email": "newbie@example.org",
            "username": "newbie",
            "password1": "a-long-enough-password-1",
            "password2": "a-long-enough-password-1",
        },
        lambda w: User.objects.count(),
    ),
    "account_email": Action(
        "member",
        lambda w: reverse("account_email"),
        lambda w: {"action_add": "", "email": "second@example.org"},
        lambda w: _email_count(),
    ),
    "account_change_password": Action(
        "member",
        lambda w: reverse("account_change_password"),
        lambda w: {
            "oldpassword": "pw-for-tests",
            "password1": "a-new-long-password-2",
            "password2": "a-new-long-password-2",
        },
        lambda w: User.objects.get(pk=w.member.pk).password,
    ),
    "account_reset_password": Action(
        "anonymous",
        lambda w: reverse("account_reset_password"),
        lambda w: {"email": w.member.email},
        lambda w: len(mail.outbox),
    ),
    "wagtailcore_authenticate_with_password": Action(
        "anonymous",
        lambda w: reverse(
            "wagtailcore_authenticate_with_password", args=[_restricted_page(w).pk, w.gate.pk]
        ),
        lambda w: {"password": "open-sesame", "return_url": "/"},
        lambda w: _session_passed(),
    ),
}


def _group_count() -> int:
    from projects.models import BarrierGroup

    return BarrierGroup.objects.count()


def _merged_group() -> int:
    from projects.models import BarrierEnabler, BarrierGroup, BarrierGroupMember

    entries = BarrierEnabler.objects.filter(kind="barrier", group_membership__isnull=True)[:2]
    group = BarrierGroup.objects.create(name="Merged", kind="barrier", category="funding")
    BarrierGroupMember.objects.bulk_create(
        BarrierGroupMember(group=group, entry=entry) for entry in entries
    )
    return group.pk


def _with_notification(w: World, url: str) -> str:
    Notification.objects.create(
        recipient=w.member, kind=Notification.Kind.REPLY, thread=w.thread, post=w.reply
    )
    return url


def _email_count() -> int:
    from allauth.account.models import EmailAddress

    return EmailAddress.objects.count()


def _session_passed() -> int:
    from django.contrib.sessions.models import Session

    return sum(
        1 for s in Session.objects.all() if s.get_decoded().get("passed_page_view_restrictions")
    )


# Pages and views that answer GET; a POST to them changes nothing (checked below).
READ_ONLY = {
    "health",
    "wagtaildocs_serve",
    "wagtaildocs_authenticate_with_password",
    "sitemap",
    "robots",
    "open_data_file",
    "feed_latest",
    "feed_theme",
    "feed_region",
    "feed_tag",
    "calendar_feed",
    "event_calendar",
    "communities:member",
    "communities:attachment",
    "communities:events",
    "communities:events_past",
    "communities:events_feed",
    "communities:event",
    "communities:event_ics",
    "communities:notifications",
    "communities:notification_open",
    "communities:directory",
    "evidence",
    "savings_dashboard",
    "savings_records",
    "who_is_doing_what",
    "who_is_doing_what_download",
    "delivery_levels",
    "service_function",
    "barriers_enablers",
    "reuse",
    "open_data",
    "search",
    "organisation_list",
    "organisation_detail",
    "tag_list",
    "tag_detail",
    "accessibility",
    "wagtail_serve",
    "community:home",
    "community:thread",
    "community:thread_short",
    "community:moderation",
    "community:members",
    "community:feed_rss",
    "community:feed_atom",
    "search-api:openapi-json",
    "search-api:search",
    "search-api:suggestions",
    "community:index_route",
    # allauth's pages that only show something, and its flows this site does not switch on
    # (login by code, reauthentication): each is still swept by the token check above.
    "account_inactive",
    "account_email_verification_sent",
    "account_reset_password_done",
    "account_reset_password_from_key_done",
    "account_confirm_login_code",
    "account_reauthenticate",
    "account_set_password",
}
# Also state-changing, but posted for real elsewhere or needing a secret from an email: the
# sweep above shows each refuses a token-less POST.
STATE_CHANGING_SWEPT_ONLY = {
    "account_logout": "tested below: a token-less POST leaves the member signed in",
    "account_confirm_email": "needs the key from the email; swept above",
    "account_reset_password_from_key": "needs the key from the email; swept above",
    "wagtailcore_login": "Wagtail's sign-in for restricted pages (Django's LoginView); swept",
    "communities:unsubscribe": "exempt on purpose (RFC 8058), tested above",
    "community:post_action": "each action is its own entry (community:post_action:<action>)",
}


def _site_keys() -> set[str]:
    keys = set()
    for route in site_routes():
        if route.admin or route.key.startswith(("wagtailapi:", "wagtailadmin_api:")):
            continue
        if route.key.startswith("^static") or route.key.startswith("^media"):
            continue
        if route.key == "notifications/unsubscribe/<str:token>/":
            continue
        keys.add(route.key)
    keys |= {f"community:{entry.name}" for entry in CommunityPage.get_subpage_urls()}
    return keys


def test_every_url_of_the_site_is_classified():
    site = _site_keys()
    known = {key.split(":post_action:")[0] for key in STATE_CHANGING}
    known |= READ_ONLY | set(STATE_CHANGING_SWEPT_ONLY)
    unknown = sorted(site - known)
    assert not unknown, (
        "New URLs: add each to STATE_CHANGING (with a real request) or READ_ONLY in "
        f"tests/security/test_csrf.py: {unknown}"
    )
    stale = sorted((READ_ONLY | set(STATE_CHANGING_SWEPT_ONLY)) - site)
    assert not stale, f"Listed but no longer in the URLconf: {stale}"


def _client_for(world: World, who: str) -> Client:
    if who == "anonymous":
        return csrf_client(None)
    return csrf_client(getattr(world, who))


@pytest.mark.parametrize("name", sorted(STATE_CHANGING))
def test_a_state_changing_request_needs_a_valid_token(world: World, name: str):
    action = STATE_CHANGING[name]
    url = action.url(world)
    data = action.data(world)
    client = _client_for(world, action.user)
    value_before = action.done(world)
    before = snapshot()
    mail.outbox.clear()

    response = client.post(url, data)
    assert response.status_code == 403, (name, response.status_code)
    assert changed(before, snapshot()) == {}, name
    assert action.done(world) == value_before, f"{name} changed something without a token"
    assert mail.outbox == []

    # Now with a token: the same request works, so the refusal above was the token's doing.
    wrong_token = {**data, "csrfmiddlewaretoken": get_random_string(32)}
    client.cookies[settings.CSRF_COOKIE_NAME] = get_random_string(32)
    assert client.post(url, wrong_token).status_code == 403, f"{name}: a wrong token passed"
    assert action.done(world) == value_before
    response = client.post(url, with_token(client, data))
    assert response.status_code in (200, 302), (name, response.status_code)
    assert action.done(world) != value_before, f"{name} did nothing even with a valid token"


def test_logout_needs_a_token(world: World):
    client = csrf_client(world.member)
    assert client.post(reverse("account_logout")).status_code == 403
    assert "_auth_user_id" in client.session
    client.post(reverse("account_logout"), with_token(client, {}))
    assert "_auth_user_id" not in client.session


def test_read_only_views_write_nothing_even_with_a_token(world: World):
    superuser = User.objects.create_superuser("sec_root", "root@example.org", "pw-for-tests")
    routes = [*site_routes(), *community_routes(world.public)]
    client = csrf_client(superuser)
    checked = 0
    for route in routes:
        if route.key not in READ_ONLY:
            continue
        before = snapshot()
        client.post(route.url, with_token(client, {"title": "x", "action": "hide"}))
        assert changed(before, snapshot()) == {}, route.key
        checked += 1
    assert checked >= 40
