"""The communities journey in a real browser, as DESIGN.md describes it.

A newcomer signs up and verifies their email, joins a community, starts a thread and is
answered; they mark the answer and flag a spam reply; a facilitator hides it from the
moderation queue, and the log records who, when and why.
"""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser
PASSWORD = "journey-password-1"

PEOPLE = """
from allauth.account.models import EmailAddress
from django.contrib.auth.models import User
from django.utils import timezone
from communities.models import CommunityPage, Membership
community = CommunityPage.objects.get(slug="complex-families")
for name, role in (("fran", "facilitator"), ("mo", "member")):
    user = User.objects.create_user(name, f"{name}@example.org", "journey-password-1")
    user.date_joined = timezone.now() - timezone.timedelta(days=90)
    user.save()
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    Membership.objects.create(community=community, user=user, role=role)
"""


def sign_in(page, site, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{site.url}/accounts/login/")
    page.get_by_label("Email address or username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.locator("main").get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def test_sign_up_join_ask_answer_flag_and_moderate(live_site, browser):
    site = live_site
    site.manage("shell", "-c", PEOPLE)
    community = f"{site.url}/communities/complex-families/"

    newcomer = browser.new_context().new_page()
    newcomer.goto(f"{site.url}/accounts/signup/")
    newcomer.get_by_label("Email address").fill("newcomer@example.org")
    newcomer.get_by_label("Username").fill("newcomer")
    newcomer.get_by_label("Password", exact=True).fill("a-long-journey-password")
    newcomer.get_by_label("Password again").fill("a-long-journey-password")
    newcomer.locator("main").get_by_role("button", name="Create account").click()
    newcomer.wait_for_load_state()
    assert "verify" in newcomer.content().lower()

    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", "\n".join(site.emails()))
    assert link, "no verification email was written"
    newcomer.goto(link.group(0))
    newcomer.locator("main").get_by_role("button", name=re.compile("confirm", re.I)).click()
    newcomer.wait_for_load_state()

    newcomer.goto(community)
    newcomer.get_by_role("button", name="Join this community").click()
    assert "You are now a member of Complex families" in newcomer.content()
    newcomer.get_by_role("button", name="Start a thread").or_(
        newcomer.get_by_role("link", name="Start a thread")
    ).first.click()
    newcomer.get_by_label("Title").fill("Who runs a team around the family on a pooled budget?")
    newcomer.get_by_label("Your post").fill("We are setting one up in **Gwent**. Who has done it?")
    newcomer.get_by_role("button", name="Post thread").click()
    newcomer.wait_for_load_state()
    assert newcomer.locator("h1").inner_text().startswith("Who runs a team")
    thread_url = newcomer.url.split("#")[0]

    helper = browser.new_context().new_page()
    sign_in(helper, site, "mo")
    helper.goto(thread_url)
    helper.get_by_label("Your reply").fill("Westminster's family recovery team did: ask us.")
    helper.get_by_role("button", name="Post reply").click()
    assert "Your reply has been posted" in helper.content()
    helper.goto(thread_url)
    helper.get_by_label("Your reply").fill("Cheap pills at spam.example, click now")
    helper.get_by_role("button", name="Post reply").click()

    newcomer.goto(thread_url)
    newcomer.get_by_role("button", name="Mark as answer").first.click()
    assert "Marked as the answer." in newcomer.content()
    spam = newcomer.locator(".app-post", has_text="Cheap pills")
    spam.get_by_role("link", name=re.compile("^Flag")).click()
    newcomer.get_by_label("Spam or advertising").check()
    newcomer.get_by_role("button", name="Send to the facilitators").click()
    assert "The facilitators have been asked" in newcomer.content()

    facilitator = browser.new_context().new_page()
    sign_in(facilitator, site, "fran")
    facilitator.goto(community)
    facilitator.get_by_role("link", name=re.compile(r"Moderation queue \(1 flagged\)")).click()
    facilitator.get_by_role("button", name=re.compile("^Decide")).click()
    facilitator.get_by_label(re.compile("^Reason")).fill("Spam: advertising, not practice.")
    facilitator.get_by_role("button", name="Hide the post").click()
    assert "The action is in the moderation log" in facilitator.content()
    facilitator.goto(community + "moderation/")
    log = facilitator.locator("table").inner_text()
    assert "Hid post" in log and "Spam: advertising, not practice." in log
    assert "No posts are waiting" in facilitator.content()
    facilitator.goto(thread_url)  # facilitators still see it, marked as hidden
    assert "This post was hidden by a facilitator." in facilitator.content()

    newcomer.goto(thread_url)
    assert "Cheap pills" not in newcomer.content()  # hidden posts are gone for members
    assert newcomer.locator(".app-post--answer").count() == 1
