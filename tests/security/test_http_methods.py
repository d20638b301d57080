"""Pages answer only the methods they use: PUT, PATCH and DELETE are a 405, not the page.

Wagtail lets every page accept DELETE, PATCH and PUT and renders the page for them, and OPTIONS
offers them (wapiti's methods module reports that). Nothing on this site is changed that way, so
`BasePage.allowed_http_methods` leaves them out.
"""

from __future__ import annotations

import pytest
from django.test import Client

from tests.security.conftest import World

pytestmark = pytest.mark.django_db


def _pages(world: World) -> list[str]:
    from projects.models import HighImpactProjectPage

    project = HighImpactProjectPage.objects.live().first()
    return ["/en/", project.url, "/en/communities/", world.public.url, world.thread.get_url()]


def test_put_patch_and_delete_are_refused(world: World):
    client = Client()
    client.force_login(world.member)
    for url in _pages(world):
        assert client.get(url).status_code == 200, url
        for method in ("put", "patch", "delete"):
            response = getattr(client, method)(url)
            assert response.status_code == 405, (method, url, response.status_code)
            assert set(response["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "POST"}


def test_options_offers_only_what_pages_do(world: World):
    for url in _pages(world):
        response = Client().options(url)
        assert response.status_code == 200
        assert set(response["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "POST"}


def test_a_put_to_the_sign_in_forms_is_a_post_with_the_same_csrf_check(world: World):
    """allauth's forms are Django FormViews, which take PUT as POST (wapiti notes the PUT):
    without a token it is refused like a POST, and it can do nothing a POST cannot."""
    for url in ("/en/accounts/login/", "/en/accounts/signup/"):
        client = Client(enforce_csrf_checks=True)
        assert "PUT" in client.options(url)["Allow"]
        response = client.put(url, "login=sec_member&password=pw-for-tests")
        assert response.status_code == 403, url
        assert "_auth_user_id" not in client.session
