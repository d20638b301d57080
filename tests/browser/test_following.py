"""Issue 5's first journey in a real browser: follow a theme, a curator publishes a case study
in it through the Wagtail admin, the follower sees the notification and gets it in the digest."""

from __future__ import annotations

import re

import pytest

from tests.browser.test_community_journey import sign_in

pytestmark = pytest.mark.browser

SETUP = """
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group, User
from django.utils import timezone
from learning.models import CaseStudyIndexPage
for name, curator in (("cara", True), ("dai", False)):
    user = User.objects.create_user(name, f"{name}@example.org", "journey-password-1")
    user.date_joined = timezone.now() - timezone.timedelta(days=90)
    user.is_staff = curator
    user.save()
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    if curator:
        user.groups.add(Group.objects.get(name="Curators"))
print(CaseStudyIndexPage.objects.get(locale__language_code="en").pk)
"""
TITLE = "Gwynedd: a frailty hub at the front door"


def test_follow_a_theme_and_hear_of_a_new_case_study_in_app_and_by_email(live_site, browser):
    site = live_site
    index_id = site.manage("shell", "-c", SETUP).strip().splitlines()[-1]

    follower = browser.new_context().new_page()
    sign_in(follower, site, "dai")
    follower.goto(f"{site.url}/themes/frail-elderly/")
    follower.get_by_role("button", name=re.compile("^Follow")).first.click()
    follower.wait_for_load_state()
    assert follower.get_by_role("button", name=re.compile("^Stop following")).count()

    curator = browser.new_context().new_page()
    sign_in(curator, site, "cara")
    curator.goto(f"{site.url}/admin/pages/add/learning/casestudypage/{index_id}/")
    curator.locator("#id_title").fill(TITLE)
    curator.locator("#id_what_they_did").fill("A single front door for frail older people.")
    curator.get_by_role("tab", name="About").click()
    curator.get_by_role("checkbox", name="Frail elderly").first.check()
    curator.locator("[data-w-dropdown-target='toggle']").last.click()
    curator.get_by_role("button", name=re.compile("^Publish")).click()
    curator.wait_for_load_state()
    assert "published" in curator.content().lower()

    follower.goto(f"{site.url}/")
    assert follower.get_by_role("link", name=re.compile(r"Notifications \(1")).count()
    follower.goto(f"{site.url}/notifications/")
    assert TITLE in follower.locator("main").inner_text()

    output = site.manage("send_digests", "--period", "daily")
    assert "Sent 1 daily digest" in output
    digest = "\n".join(site.emails())
    assert "dai@example.org" in digest and TITLE in digest
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in digest
