"""Accounts through django-allauth: sign-up with a verified email, sign-in, resets, email change.

Also checks that the account pages are drawn in the site's own layout (header, GOV.UK fields)
and that the sign-up honeypot stays out of people's way while stopping bots.
"""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from communities.models import Profile
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "quiet-Harbour-lantern-57"


def signup(client, **overrides):
    data = {
        "email": "newmember@example.invalid",
        "username": "newmember",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "display_name": "Nia Member",
        "website": "",
    }
    data.update(overrides)
    return client.post(reverse("account_signup"), data)


def link_in(message, path_start: str) -> str:
    """The path of the first link in an email whose path starts with `path_start`."""
    match = re.search(r"https?://[^/\s]+(" + re.escape(path_start) + r"[^\s]*)", message.body)
    assert match, f"No {path_start} link in: {message.body}"
    return match.group(1)


def signed_in_user_id(client) -> int | None:
    value = client.session.get("_auth_user_id")
    return int(value) if value else None


def verified_user(username: str = "amina", email: str = "amina@example.invalid"):
    user = UserFactory(username=username, email=email, password=PASSWORD)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def assert_site_layout(html: str) -> None:
    """The page is in the site's layout, with no inline script or style."""
    assert 'class="app-masthead"' in html
    assert "Public Service Learning Exchange" in html
    assert 'id="main-content"' in html
    assert 'class="govuk-footer' in html or "govuk-footer" in html
    assert " style=" not in html
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag, f"Inline script: {tag}"


# Sign-up and verification -----------------------------------------------------------------


def test_signup_sends_verification_email_and_confirming_signs_in(client):
    response = signup(client)

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    user = get_user_model().objects.get(username="newmember")
    assert user.profile.display_name == "Nia Member"
    assert not EmailAddress.objects.get(user=user).verified
    assert signed_in_user_id(client) is None
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["newmember@example.invalid"]
    assert message.subject.startswith("[Learning Exchange] ")

    confirm_path = link_in(message, "/en/accounts/confirm-email/")
    page = client.get(confirm_path)
    assert page.status_code == 200
    assert 'class="govuk-button"' in page.content.decode()
    # Following the link only shows a button; nothing changes until it is pressed (POST).
    assert not EmailAddress.objects.get(user=user).verified

    response = client.post(confirm_path)
    assert response.status_code == 302
    assert EmailAddress.objects.get(user=user).verified
    assert signed_in_user_id(client) == user.pk


def test_signup_with_honeypot_filled_is_rejected_with_a_clear_message(client):
    response = signup(client, website="https://spam.example/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Sign-up could not be completed. Please try again." in html
    assert "govuk-error-summary" in html
    assert "<title>Error: " in html
    assert not get_user_model().objects.filter(username="newmember").exists()
    assert mail.outbox == []


def test_signup_errors_are_summarised_and_linked_to_their_fields(client):
    response = signup(client, email="not-an-email", password2="something-else-entirely")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="govuk-error-summary"' in html
    assert 'href="#id_email"' in html
    assert 'class="govuk-form-group govuk-form-group--error"' in html
    assert 'id="id_email-error"' in html
    assert re.search(r'<input[^>]*id="id_email"[^>]*aria-describedby="id_email-error"', html)
    # A password typed in is never sent back in the page.
    assert PASSWORD not in html


def test_signup_page_renders_in_site_layout_with_hidden_honeypot(client):
    response = client.get(reverse("account_signup"))

    assert response.status_code == 200
    html = response.content.decode()
    assert_site_layout(html)
    assert re.search(
        r"<title>\s*Create an account – Public Service Learning Exchange</title>", html
    )
    assert 'class="govuk-heading-xl"' in html
    for field in ("email", "username", "password1", "password2", "display_name"):
        assert f'<label class="govuk-label" for="id_{field}">' in html
    assert 'aria-describedby="id_display_name-hint"' in html
    assert "placeholder=" not in html
    honeypot = re.search(r'<div class="app-honeypot" aria-hidden="true">(.*?)</div>', html, re.S)
    assert honeypot, "The honeypot must sit in an aria-hidden app-honeypot container"
    assert 'name="website"' in honeypot.group(1)
    assert 'tabindex="-1"' in honeypot.group(1)
    assert 'autocomplete="off"' in honeypot.group(1)
    # Signed out, the header offers both ways in.
    assert f'href="{reverse("account_signup")}"' in html
    assert ">Create an account</a>" in html
    assert ">Sign in</a>" in html


def test_login_page_renders_in_site_layout(client):
    response = client.get(reverse("account_login"))

    assert response.status_code == 200
    html = response.content.decode()
    assert_site_layout(html)
    assert '<label class="govuk-label" for="id_login">' in html
    assert 'type="password"' in html
    assert 'class="govuk-checkboxes__input" id="id_remember"' in html
    assert 'class="govuk-button"' in html


# Signing in --------------------------------------------------------------------------------


@pytest.mark.parametrize("login", ["amina", "amina@example.invalid"])
def test_login_by_username_or_email_once_verified(client, login):
    user = verified_user()

    response = client.post(reverse("account_login"), {"login": login, "password": PASSWORD})

    assert response.status_code == 302
    assert signed_in_user_id(client) == user.pk


def test_wrong_password_is_explained_not_signed_in(client):
    verified_user()

    response = client.post(reverse("account_login"), {"login": "amina", "password": "nope"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert 'href="#id_login"' in html
    assert signed_in_user_id(client) is None


def test_unverified_login_is_sent_to_verification(client):
    user = UserFactory(username="unverified", email="unverified@example.invalid", password=PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)

    response = client.post(reverse("account_login"), {"login": "unverified", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert signed_in_user_id(client) is None
    assert [m.to for m in mail.outbox] == [["unverified@example.invalid"]]


def test_signed_in_header_offers_profile_and_sign_out(client):
    user = verified_user()
    client.force_login(user)

    html = client.get(reverse("account_email")).content.decode()

    assert f'href="{reverse("communities:edit_profile")}"' in html
    assert ">Your profile</a>" in html
    assert f'href="{reverse("account_logout")}"' in html
    assert ">Sign out</a>" in html
    assert ">Create an account</a>" not in html


def test_sign_out_page_signs_out_on_post(client):
    user = verified_user()
    client.force_login(user)

    page = client.get(reverse("account_logout"))
    assert page.status_code == 200
    assert 'class="govuk-button"' in page.content.decode()

    client.post(reverse("account_logout"))
    assert signed_in_user_id(client) is None


# Password reset and email change ---------------------------------------------------------


def test_password_reset_sends_an_email(client):
    verified_user()

    response = client.post(reverse("account_reset_password"), {"email": "amina@example.invalid"})

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["amina@example.invalid"]
    link_in(mail.outbox[0], "/en/accounts/password/reset/key/")


def test_changing_email_needs_the_new_address_verified(client):
    user = verified_user()
    client.force_login(user)

    page = client.get(reverse("account_email"))
    assert page.status_code == 200
    html = page.content.decode()
    assert_site_layout(html)
    assert re.search(r'<input class="govuk-input" id="id_email" type="email" name="email"', html)

    response = client.post(
        reverse("account_email"), {"action_add": "", "email": "amina.new@example.invalid"}
    )
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["amina.new@example.invalid"]]
    user.refresh_from_db()
    assert user.email == "amina@example.invalid"  # not until the new address is confirmed

    client.post(link_in(mail.outbox[0], "/en/accounts/confirm-email/"))

    user.refresh_from_db()
    assert user.email == "amina.new@example.invalid"
    assert list(EmailAddress.objects.filter(user=user).values_list("email", "verified")) == [
        ("amina.new@example.invalid", True)
    ]


def test_every_new_account_has_a_profile():
    user = UserFactory(username="withprofile")
    assert Profile.objects.filter(user=user).exists()


@pytest.mark.parametrize(
    ("url", "signed_in"),
    [
        ("/en/accounts/password/reset/", False),
        ("/en/accounts/password/reset/done/", False),
        ("/en/accounts/password/reset/key/1-set-password/", False),
        ("/en/accounts/confirm-email/", False),
        ("/en/accounts/confirm-email/not-a-real-key/", False),
        ("/en/accounts/inactive/", False),
        ("/en/accounts/password/change/", True),
        ("/en/accounts/reauthenticate/", True),
        ("/en/accounts/logout/", True),
    ],
)
def test_other_account_pages_render_in_site_layout(client, url, signed_in):
    if signed_in:
        client.force_login(verified_user())

    response = client.get(url, follow=True)

    assert response.status_code == 200
    html = response.content.decode()
    assert_site_layout(html)
    assert 'class="govuk-heading-xl"' in html
    assert re.search(r"<title>[^<]+ – Public Service Learning Exchange</title>", html)


def test_empty_sign_in_and_sign_up_say_what_to_do(client):
    html = client.post(reverse("account_login"), {}).content.decode()
    assert "Enter your email address or username" in html
    assert "Enter your password" in html
    html = client.post(reverse("account_signup"), {}).content.decode()
    assert "Enter your email address, like name@example.org" in html
    assert "Enter a password" in html
    assert "This field is required" not in html
