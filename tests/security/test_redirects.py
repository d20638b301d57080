"""Open redirects: no `next=` (or any address we are given) can send a browser to another site.

Every place that redirects to an address from the request is tried with the usual tricks:
absolute and protocol-relative URLs, backslashes (browsers read `\\` as `/`), missing slashes
(`http:evil`), userinfo (`https://testserver@evil`), leading tabs and spaces (browsers strip
them), `javascript:` and percent-encoded versions. A redirect passes when a browser, resolving
its `Location` against the page it came from, would stay on this site; redirects are followed
to the end, so a chain cannot leave either.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urljoin, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from communities.models import Notification
from tests.security.conftest import World

pytestmark = pytest.mark.django_db

HOST = "testserver"
EVIL = [
    "https://evil.example/",
    "http://evil.example",
    "//evil.example",
    "///evil.example",
    "////evil.example/",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "/\\/evil.example",
    "http:evil.example",
    "http:/evil.example",
    "https:/\\evil.example",
    "https:///evil.example",
    "\t//evil.example",
    " //evil.example",
    "/\t/evil.example",
    "https://testserver@evil.example/",
    "https://evil.example\\@testserver/",
    "https://evil.example%2F@testserver/",
    "javascript:alert(document.domain)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    quote("//evil.example", safe=""),  # %2F%2Fevil.example
    quote(quote("//evil.example", safe=""), safe=""),  # double-encoded
    "/%2F/evil.example",
    "/%5Cevil.example",
    "%09//evil.example",
    "http://evil.example:80@testserver/",
    "http://[::1]/",  # another host, even a local one
    "https://evil。example",  # an ideographic full stop
]


def browser_target(current: str, location: str) -> tuple[str, str]:
    """Where a browser goes for this Location: scheme and host, after its own clean-up."""
    cleaned = re.sub(r"[\t\n\r]", "", location).strip(" \x00-\x1f")
    cleaned = cleaned.replace("\\", "/")
    absolute = urljoin(current, cleaned)
    parts = urlsplit(absolute)
    return parts.scheme.lower(), (parts.hostname or "")


def assert_stays(client: Client, response, start: str, label: str) -> None:
    """Follow every redirect; each must stay on http(s)://testserver."""
    current = f"http://{HOST}{start}"
    for _hop in range(6):
        if response.status_code not in (301, 302, 303, 307, 308):
            return
        location = response["Location"]
        scheme, host = browser_target(current, location)
        assert scheme in ("http", "https") and host == HOST, (
            f"{label}: redirected off-site to {location!r}"
        )
        current = urljoin(current, location)
        split = urlsplit(current)
        target = split.path + (f"?{split.query}" if split.query else "")
        followed = client.__dict__.setdefault("followed", set())
        if target in followed:
            return  # this client already followed this address to its end
        followed.add(target)
        response = client.get(target)
    pytest.fail(f"{label}: too many redirects")


def _signed_in(world: World, who: str = "member") -> Client:
    client = Client()
    client.force_login(getattr(world, who))
    return client


def test_login_never_sends_you_off_site(world: World):
    for evil in EVIL:
        login = reverse("account_login")
        client = Client()
        response = client.post(
            login, {"login": world.member.username, "password": "pw-for-tests", "next": evil}
        )
        assert "_auth_user_id" in client.session, "the sign-in itself should have worked"
        assert_stays(client, response, login, f"login next={evil!r}")
        # Already signed in, the sign-in page with ?next= redirects straight away.
        response = client.get(login, {"next": evil})
        assert_stays(client, response, login, f"signed-in login page next={evil!r}")
        # Wagtail's sign-in for restricted pages (Django's LoginView).
        fresh = Client()
        wagtail_login = reverse("wagtailcore_login")
        response = fresh.post(
            wagtail_login,
            {"username": world.member.username, "password": "pw-for-tests", "next": evil},
        )
        assert_stays(fresh, response, wagtail_login, f"wagtail login next={evil!r}")


def test_logout_and_signup_never_send_you_off_site(world: World):
    for evil in EVIL:
        logout = reverse("account_logout")
        client = _signed_in(world)
        response = client.post(logout, {"next": evil})
        assert "_auth_user_id" not in client.session
        assert_stays(client, response, logout, f"logout next={evil!r}")

        signup = reverse("account_signup")
        client = Client(REMOTE_ADDR=f"192.0.2.{EVIL.index(evil) + 1}")  # under the rate limit
        number = abs(hash(evil)) % 10**8
        response = client.post(
            signup,
            {
                "email": f"new{number}@example.org",
                "username": f"new{number}",
                "password1": "a-long-enough-password-1",
                "password2": "a-long-enough-password-1",
                "next": evil,
            },
        )
        assert response.status_code == 302, "the sign-up itself should have worked"
        assert_stays(client, response, signup, f"signup next={evil!r}")


def test_site_actions_with_next_stay_on_site(world: World):
    member = _signed_in(world)
    facilitator = _signed_in(world, "facilitator")
    curator = _signed_in(world, "curator")
    for number, evil in enumerate(EVIL):
        read = reverse("communities:notifications_read")
        assert_stays(member, member.post(read, {"next": evil}), read, f"mark read next={evil!r}")
        follow = reverse("communities:follow")
        data = {"target": "thread", "id": world.thread.pk, "next": evil}
        assert_stays(member, member.post(follow, data), follow, f"follow next={evil!r}")
        unfollow = reverse("communities:unfollow")
        assert_stays(member, member.post(unfollow, data), unfollow, f"unfollow next={evil!r}")

        moderate = world.public.url + world.public.reverse_subpage(
            "post_action", kwargs={"post_id": world.reply.pk, "action": "moderate"}
        )
        action = "show" if number % 2 else "hide"  # hide, then show again, and so on
        response = facilitator.post(moderate, {"action": action, "reason": "x", "next": evil})
        assert response.status_code == 302
        assert_stays(facilitator, response, moderate, f"moderate next={evil!r}")

        unmerge = reverse("barriers_enablers_unmerge")
        response = curator.post(unmerge, {"group": "999999", "next": evil})
        assert_stays(curator, response, unmerge, f"unmerge next={evil!r}")


def test_a_notification_with_a_foreign_address_opens_on_site(world: World):
    for evil in EVIL:
        item = Notification.objects.create(
            recipient=world.member, kind=Notification.Kind.REPLY, thread=world.thread, url=evil
        )
        client = _signed_in(world)
        url = reverse("communities:notification_open", args=[item.pk])
        assert_stays(client, client.get(url), url, f"notification url={evil!r}")


def test_the_page_password_form_returns_on_site(world: World):
    from wagtail.models import PageViewRestriction

    restriction = PageViewRestriction.objects.create(
        page=world.gate, restriction_type=PageViewRestriction.PASSWORD, password="open-sesame"
    )
    url = reverse("wagtailcore_authenticate_with_password", args=[restriction.pk, world.gate.pk])
    for evil in EVIL:
        client = Client()
        response = client.post(url, {"password": "open-sesame", "return_url": evil})
        assert_stays(client, response, url, f"page password return_url={evil!r}")


ODD_PATHS = [
    "//evil.example",
    "//evil.example/",
    "///evil.example/",
    "/\\evil.example/",
    "/%2F%2Fevil.example/",
    "/%5C%5Cevil.example",
    "//evil.example/en/",
    "/en//evil.example",
    "/accounts/login//evil.example",
    "/events//evil.example",
]


def test_odd_paths_are_not_redirected_off_site(world: World):
    """The language redirect (unprefixed to /en/) and the slash-adding redirect."""
    for path in ODD_PATHS:
        for client in (Client(), _signed_in(world)):
            assert_stays(client, client.get(path), path, f"path {path!r}")


@pytest.mark.parametrize("evil", ["//evil.example", "https://evil.example/"])
def test_the_admin_login_never_sends_you_off_site(evil: str, django_user_model):
    django_user_model.objects.create_superuser("sec_admin", "a@example.org", "pw-for-tests")
    client = Client()
    login = reverse("wagtailadmin_login")
    response = client.post(
        login, {"username": "sec_admin", "password": "pw-for-tests", "next": evil}
    )
    assert response.status_code == 302
    assert_stays(client, response, login, f"admin login next={evil!r}")


def test_the_checker_catches_an_off_site_redirect():
    """The assertion itself: a redirect to another host is caught, in each disguise."""
    for location in ("//evil.example/", "/\\evil.example", "https://evil.example", "\t//e.x"):
        assert browser_target("http://testserver/en/", location)[1] != HOST
    assert browser_target("http://testserver/en/", "/en/communities/")[1] == HOST
