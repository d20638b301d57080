"""Member profiles: editing your own, and who sees what on a member's page.

The rule lives in `Profile.objects.visible_to`; these tests check that the page follows it for
every visibility and every kind of visitor, and that a hidden profile does not even admit to
existing.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from communities.models import Profile
from learning.models import Organisation, Region, Theme
from projects.models import HighImpactProjectPage
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

JOB_TITLE = "Head of Integrated Frail Elderly Services"
BIO = "I lead the hospital discharge work.\nAsk me about step-down beds."


@pytest.fixture
def member():
    user = UserFactory(username="rhian")
    profile = user.profile
    profile.display_name = "Rhian Evans"
    profile.job_title = JOB_TITLE
    profile.organisation = Organisation.objects.order_by("name").first()
    profile.region = Region.objects.order_by("name").first()
    profile.bio = BIO
    profile.save()
    profile.themes.set(Theme.objects.order_by("name")[:2])
    profile.projects.set(HighImpactProjectPage.objects.live().order_by("title")[:1])
    assert profile.themes.count() == 2 and profile.projects.count() == 1  # demo content
    return user


@pytest.fixture
def superuser():
    return UserFactory(username="admin", is_superuser=True, is_staff=True)


def member_url(user) -> str:
    return reverse("communities:member", kwargs={"username": user.username})


# Editing -----------------------------------------------------------------------------------


def test_edit_needs_sign_in(client):
    response = client.get(reverse("communities:edit_profile"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "next=/en/accounts/profile/" in response["Location"]


def test_edit_page_offers_every_field_in_govuk_style(client, member):
    client.force_login(member)

    response = client.get(reverse("communities:edit_profile"))

    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r"<title>Your profile – Public Service Learning Exchange</title>", html)
    assert '<h1 class="govuk-heading-xl">Your profile</h1>' in html
    assert 'class="app-masthead"' in html
    for name in ("display_name", "job_title"):
        assert re.search(rf'<input class="govuk-input" id="id_{name}" name="{name}"', html)
    for name in ("organisation", "region"):
        assert f'<select class="govuk-select" id="id_{name}" name="{name}"' in html
    assert '<textarea class="govuk-textarea" id="id_bio" name="bio"' in html
    for name in ("themes", "projects"):
        assert re.search(rf'class="govuk-checkboxes__input" id="id_{name}_0" name="{name}"', html)
    assert 'type="radio" value="hidden"' in html
    assert re.search(r'name="visibility" type="radio" value="members" checked', html)
    # The member's current choices are shown.
    assert f'value="{JOB_TITLE}"' in html
    theme = member.profile.themes.first()
    assert re.search(rf'name="themes" type="checkbox" value="{theme.pk}" checked', html)
    assert " style=" not in html


def test_edit_saves_and_goes_to_the_member_page(client, member):
    client.force_login(member)
    organisation = Organisation.objects.order_by("-name").first()
    region = Region.objects.order_by("-name").first()
    themes = list(Theme.objects.order_by("-name")[:1])
    projects = list(HighImpactProjectPage.objects.live().order_by("-title")[:2])

    response = client.post(
        reverse("communities:edit_profile"),
        {
            "display_name": "Rhian E.",
            "job_title": "Programme Manager",
            "organisation": organisation.pk,
            "region": region.pk,
            "themes": [t.pk for t in themes],
            "projects": [p.pk for p in projects],
            "bio": "New bio.",
            "visibility": "public",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == member_url(member)
    profile = Profile.objects.get(user=member)
    assert profile.display_name == "Rhian E."
    assert profile.job_title == "Programme Manager"
    assert profile.organisation == organisation
    assert profile.region == region
    assert list(profile.themes.all()) == themes
    assert set(profile.projects.all()) == set(projects)
    assert profile.bio == "New bio."
    assert profile.visibility == Profile.Visibility.PUBLIC

    page = client.get(response["Location"]).content.decode()
    assert "Your profile has been saved." in page
    assert "govuk-notification-banner--success" in page
    assert "Programme Manager" in page


def test_edit_can_clear_everything(client, member):
    client.force_login(member)

    response = client.post(reverse("communities:edit_profile"), {"visibility": "hidden"})

    assert response.status_code == 302
    profile = Profile.objects.get(user=member)
    assert profile.job_title == ""
    assert profile.organisation is None
    assert not profile.themes.exists()
    assert profile.visibility == Profile.Visibility.HIDDEN


def test_too_long_bio_gives_a_clear_error_not_a_500(client, member):
    client.force_login(member)

    response = client.post(
        reverse("communities:edit_profile"),
        {"bio": "x" * 601, "job_title": "Changed", "visibility": "public"},
    )

    assert response.status_code == 200
    html = response.content.decode()
    message = "About you must be 600 characters or fewer (it has 601)"
    assert html.count(message) == 2  # in the error summary and beside the field
    assert html.startswith("<!DOCTYPE html>") and "<title>Error: Your profile – " in html
    assert f'<li><a href="#id_bio">{message}</a></li>' in html
    assert 'aria-describedby="id_bio-hint id_bio-error"' in html
    assert "govuk-textarea--error" in html
    profile = Profile.objects.get(user=member)
    assert profile.bio == BIO
    assert profile.job_title == JOB_TITLE


@pytest.mark.parametrize(
    ("data", "message", "anchor"),
    [
        ({"job_title": "j" * 121}, "Job title must be 120 characters or fewer", "id_job_title"),
        ({"organisation": "999999"}, "Select an organisation from the list", "id_organisation"),
        ({"themes": ["999999"]}, "Select themes from the list", "id_themes_0"),
        ({"visibility": "everyone"}, "Select who can see your profile", "id_visibility_0"),
    ],
)
def test_invalid_input_is_explained(client, member, data, message, anchor):
    client.force_login(member)

    response = client.post(reverse("communities:edit_profile"), {"visibility": "members", **data})

    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert f'href="#{anchor}"' in html


def test_a_member_edits_only_their_own_profile(client, member):
    other = UserFactory(username="someoneelse")
    client.force_login(other)

    client.post(
        reverse("communities:edit_profile"), {"job_title": "Hijack", "visibility": "public"}
    )

    assert Profile.objects.get(user=member).job_title == JOB_TITLE
    assert Profile.objects.get(user=other).job_title == "Hijack"


# Who sees what -----------------------------------------------------------------------------

SHOWN, NAME_ONLY, NOT_FOUND = "shown", "name only", "404"

MATRIX = [
    ("public", "anonymous", SHOWN),
    ("public", "other", SHOWN),
    ("public", "self", SHOWN),
    ("public", "superuser", SHOWN),
    ("members", "anonymous", NAME_ONLY),
    ("members", "other", SHOWN),
    ("members", "self", SHOWN),
    ("members", "superuser", SHOWN),
    ("hidden", "anonymous", NOT_FOUND),
    ("hidden", "other", NOT_FOUND),
    ("hidden", "self", SHOWN),
    ("hidden", "superuser", SHOWN),
]


@pytest.mark.parametrize(("visibility", "viewer", "expected"), MATRIX)
def test_member_page_shows_details_only_to_those_allowed(
    client, member, superuser, visibility, viewer, expected
):
    Profile.objects.filter(user=member).update(visibility=visibility)
    if viewer == "other":
        client.force_login(UserFactory(username="colleague"))
    elif viewer == "self":
        client.force_login(member)
    elif viewer == "superuser":
        client.force_login(superuser)

    response = client.get(member_url(member))

    if expected == NOT_FOUND:
        assert response.status_code == 404
        assert JOB_TITLE not in response.content.decode()
        return
    assert response.status_code == 200
    html = response.content.decode()
    assert '<h1 class="govuk-heading-xl">Rhian Evans</h1>' in html
    assert "<title>Rhian Evans – Public Service Learning Exchange</title>" in html
    profile = member.profile
    details = [
        JOB_TITLE,
        "Ask me about step-down beds.",
        profile.organisation.name,
        profile.region.name,
        *[theme.name for theme in profile.themes.all()],
        *[project.title for project in profile.projects.all()],
    ]
    if expected == SHOWN:
        for detail in details:
            assert detail in html, detail
        assert 'class="govuk-summary-list"' in html
        assert f'href="{profile.organisation.get_absolute_url()}"' in html
    else:
        assert JOB_TITLE not in html
        assert "step-down beds" not in html
        assert 'class="govuk-summary-list"' not in html
        assert "Sign in to see it" in html
    if visibility != "public":
        assert '<meta name="robots" content="noindex">' in html


def test_owner_is_told_who_can_see_and_offered_edit(client, member):
    Profile.objects.filter(user=member).update(visibility="hidden")
    client.force_login(member)

    html = client.get(member_url(member)).content.decode()

    assert "Your profile is hidden" in html
    assert f'href="{reverse("communities:edit_profile")}"' in html


def test_bio_is_escaped(client, member):
    Profile.objects.filter(user=member).update(visibility="public", bio="<script>alert(1)</script>")

    html = client.get(member_url(member)).content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_projects_a_visitor_cannot_open_are_not_listed(client, member):
    Profile.objects.filter(user=member).update(visibility="public")
    project = member.profile.projects.get()
    project.unpublish()

    html = client.get(member_url(member)).content.decode()

    assert project.title not in html
    assert JOB_TITLE in html


def test_unknown_username_is_404(client, superuser):
    assert client.get(reverse("communities:member", args=["nobody-here"])).status_code == 404
    client.force_login(superuser)
    assert client.get(reverse("communities:member", args=["nobody-here"])).status_code == 404


def test_inactive_member_is_404_even_to_superusers(client, member, superuser):
    Profile.objects.filter(user=member).update(visibility="public")
    member.is_active = False
    member.save()

    assert client.get(member_url(member)).status_code == 404
    client.force_login(superuser)
    assert client.get(member_url(member)).status_code == 404


def test_account_without_a_profile_still_has_a_page(client):
    user = UserFactory(username="legacy")
    Profile.objects.filter(user=user).delete()

    response = client.get(member_url(user))

    assert response.status_code == 200  # a profile is made, members-only by default
    assert Profile.objects.filter(user=user).exists()
