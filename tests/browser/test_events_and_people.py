"""Issue 5's journeys in a real browser: a full event's waiting list, and finding a person."""

from __future__ import annotations

import re

import pytest

from tests.browser.test_community_journey import sign_in

pytestmark = pytest.mark.browser

SETUP = """
from datetime import timedelta
from allauth.account.models import EmailAddress
from django.contrib.auth.models import User
from django.utils import timezone
from communities.events import rsvp
from communities.models import CommunityPage, Event, Membership
from learning.models import Region, Theme
community = CommunityPage.objects.get(slug="frail-elderly")
people = {}
for name in ("gwen", "huw", "iola"):
    user = User.objects.create_user(name, f"{name}@example.org", "journey-password-1")
    user.date_joined = timezone.now() - timezone.timedelta(days=90)
    user.save()
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    Membership.objects.create(community=community, user=user)
    people[name] = user
iola = people["iola"].profile
iola.display_name = "Iola, frailty pathway lead"
iola.job_title = "Frailty pathway lead"
iola.visibility = "members"
iola.region = Region.objects.get(slug="north-wales")
iola.save()
iola.themes.set([Theme.objects.get(slug="frail-elderly")])
start = timezone.now() + timedelta(days=9)
event = Event.objects.create(
    community=community, title="Frailty huddle", start=start, end=start + timedelta(hours=2),
    format="online", joining_link="https://meet.example.org/frailty-huddle", capacity=1,
    organiser=people["gwen"],
)
rsvp(event, people["gwen"], "going")
print(event.pk)
"""


def test_a_full_event_moves_the_waiting_list_up_and_a_person_can_be_found(live_site, browser):
    site = live_site
    event_id = site.manage("shell", "-c", SETUP).strip().splitlines()[-1]
    event_url = f"{site.url}/events/{event_id}/"

    huw = browser.new_context().new_page()
    sign_in(huw, site, "huw")
    huw.goto(event_url)
    assert "Full" in huw.locator("main").inner_text()
    huw.get_by_label("Going", exact=True).check()
    huw.get_by_role("button", name="Save your answer").click()
    assert "you are number 1" in huw.locator("main").inner_text()
    assert "meet.example.org/frailty-huddle" not in huw.content()  # no place, no link

    gwen = browser.new_context().new_page()
    sign_in(gwen, site, "gwen")
    gwen.goto(event_url)
    gwen.get_by_label("Not going").check()
    gwen.get_by_role("button", name="Save your answer").click()

    huw.goto(event_url)
    text = huw.locator("main").inner_text()
    assert re.search(r"Your answer: Going\.", text)
    assert "meet.example.org/frailty-huddle" in huw.content()  # moved up: the link is theirs

    huw.goto(f"{site.url}/members/")
    huw.get_by_label("Theme").select_option("frail-elderly")
    huw.get_by_label("Place").select_option("wales")  # a nation includes North Wales
    huw.get_by_role("button", name="Show people").click()
    assert "Iola, frailty pathway lead" in huw.locator("main").inner_text()
