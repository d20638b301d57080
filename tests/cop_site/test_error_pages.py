"""The 403 pages: a refused action and a form sent without its security token both get a page in
the site's layout that says what happened and what to do, in the visitor's language."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory
from django.views import defaults

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_form_without_its_csrf_token_explains_and_saves_nothing():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/en/accounts/login/", {"login": "someone", "password": "wrong"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "Your form could not be sent" in html
    assert "Nothing was saved." in html
    assert '<html lang="en"' in html


def test_the_csrf_page_is_in_welsh_on_the_welsh_site():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/cy/accounts/login/", {"login": "someone", "password": "wrong"})
    assert response.status_code == 403
    html = response.content.decode()
    assert '<html lang="cy"' in html
    assert "Your form could not be sent" not in html


@pytest.mark.parametrize("signed_in", [False, True])
def test_permission_denied_page_says_what_to_do(signed_in):
    request = RequestFactory().get("/en/somewhere/private/")
    request.user = (
        UserFactory()
        if signed_in
        else __import__("django.contrib.auth.models", fromlist=["AnonymousUser"]).AnonymousUser()
    )
    response = defaults.permission_denied(request, PermissionDenied())
    assert response.status_code == 403
    html = response.content.decode()
    assert "You cannot see this page" in html
    if signed_in:
        assert "does not have permission" in html
    else:
        assert "/accounts/login/?next=/en/somewhere/private/" in html
