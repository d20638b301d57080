"""WCAG 2.2 AA in a real browser: axe-core on the key pages, signed out and signed in, plus
what axe cannot judge alone (forms that fail, visible focus, reflow at 320 px, reduced motion).

One server and one browser for the module; each audience (anonymous, member, curator) keeps
one page that every check reuses, so the whole file takes well under a minute and a half.
The pages are found in the database the server runs on, not hard-coded, so new demo content
does not break the list.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pytest
from django.utils import translation
from django.utils.translation import gettext

from tests.browser.axe import axe_violations, describe_violations, focused
from tests.browser.test_community_journey import PASSWORD, sign_in

pytestmark = pytest.mark.browser

# Every page is checked under each prefix. The Welsh interface (/cy/) adds its prefix here.
LANGUAGE_PREFIXES = ["/en", "/cy"]

SETUP = """
import json
from datetime import timedelta
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group, User
from django.db.models import Count
from django.utils import timezone
from taggit.models import Tag
from communities.forum import reply, start_thread
from communities.models import CommunityPage, Event, Membership
from learning.models import (
    CaseStudyPage, LearningHistoryPage, MethodPage, Organisation, Theme,
)
from projects.models import HighImpactProjectPage
from wagtail.models import Locale

# Pages in the default language (a translated site has a copy of each in every language).
english = Locale.get_default()
community = CommunityPage.objects.get(slug="complex-families", locale=english)
people = {}
for name in ("ada", "ben", "cyril"):
    user = User.objects.create_user(name, f"{name}@example.org", "journey-password-1")
    user.date_joined = timezone.now() - timedelta(days=90)
    user.is_staff = name == "cyril"
    user.save()
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    people[name] = user
people["cyril"].groups.add(Group.objects.get(name="Curators"))
for name in ("ada", "ben"):
    Membership.objects.create(community=community, user=people[name])
profile = people["ada"].profile
profile.display_name = "Ada, family support lead"
profile.job_title = "Family support lead"
profile.visibility = "public"
profile.save()
profile.themes.set([Theme.objects.get(slug="complex-families")])
thread = start_thread(
    community, people["ada"], title="Keeping one plan per family across agencies",
    body="How do you keep **one** plan when police, health and school each hold a part?",
)
reply(thread, people["ben"], body="We hold a weekly huddle and the lead worker owns the plan.")
start = timezone.now() + timedelta(days=12)
event = Event.objects.create(
    community=community, title="Team around the family workshop", start=start,
    end=start + timedelta(hours=3), format="online", capacity=30, organiser=people["ada"],
    joining_link="https://meet.example.org/team-around-the-family",
)

def first(model):
    return model.objects.live().filter(locale=english).order_by("path").first().url

organisation = (
    Organisation.objects.annotate(n=Count("pages")).order_by("-n", "slug").first()
)
tag = Tag.objects.annotate(uses=Count("learning_knowledgepagetag_items")).order_by("-uses").first()
print(json.dumps({
    "case_study": first(CaseStudyPage),
    "learning_history": first(LearningHistoryPage),
    "method": first(MethodPage),
    "project": first(HighImpactProjectPage),
    "community": community.url,
    "new_thread": community.url + "threads/new/",
    "thread": thread.get_url(),
    "event": event.get_absolute_url(),
    "organisation": f"/organisations/{organisation.slug}/",
    "tag": f"/tags/{tag.slug}/",
}))
"""


@dataclass(frozen=True)
class Audit:
    """One page to check: its address (with {placeholders} from SETUP), who looks at it, the
    status it answers with, and what to do first (e.g. send a form empty to see its errors)."""

    name: str
    path: str
    audiences: tuple[str, ...] = ("anonymous", "member")
    status: int = 200
    then: str = ""  # the name of a submit button to press with the form left empty


PAGES = [
    Audit("home", "/"),
    Audit("search results with facets", "/search/?q=hospital+discharge&theme=frail-elderly"),
    Audit("search with no results", "/search/?q=qwzxv+nothingmatches"),
    Audit("theme", "/themes/worklessness/"),
    Audit("region", "/regions/wales/"),
    Audit("organisations", "/organisations/", ("anonymous",)),
    Audit("organisation", "{organisation}"),
    Audit("tags", "/tags/", ("anonymous",)),
    Audit("tag", "{tag}", ("anonymous",)),
    Audit("case study", "{case_study}"),
    Audit("learning history", "{learning_history}"),
    Audit("method", "{method}"),
    Audit("project", "{project}"),
    Audit("communities", "/communities/"),
    Audit("community", "{community}"),
    Audit("thread", "{thread}"),
    Audit("new thread, sent empty", "{new_thread}", ("member",), then="Post thread"),
    Audit("events", "/events/"),
    Audit("event", "{event}"),
    Audit("people", "/members/"),
    Audit("member profile", "/members/ada/"),
    Audit("your profile", "/accounts/profile/", ("member",)),
    Audit("notifications", "/notifications/", ("member",)),
    Audit("sign in, sent empty", "/accounts/login/", ("anonymous",), then="Sign in"),
    Audit(
        "create an account, sent empty", "/accounts/signup/", ("anonymous",), then="Create account"
    ),
    Audit("savings dashboard", "/savings/"),
    Audit("savings records", "/savings/records/", ("anonymous",)),
    Audit("who is doing what", "/who-is-doing-what/"),
    Audit("delivery levels", "/delivery-levels/", ("anonymous",)),
    Audit("barriers and enablers", "/barriers-and-enablers/", ("anonymous", "curator")),
    Audit("reuse network", "/reuse/", ("anonymous",)),
    Audit("open data", "/data/", ("anonymous",)),
    Audit("moderation queue", "{community}moderation/", ("curator",)),
    Audit("accessibility statement", "/accessibility/"),
    Audit("page not found", "/no-such-page/", ("anonymous",), status=404),
]
ACCOUNTS = {"member": "ada", "curator": "cyril"}


def language_id(prefix: str) -> str:
    return prefix.strip("/") or "default"


CASES = [
    pytest.param(prefix, audience, audit, id=f"{language_id(prefix)}-{audience}-{audit.name}")
    for prefix in LANGUAGE_PREFIXES
    for audit in PAGES
    for audience in audit.audiences
]


@pytest.fixture(scope="module")
def content(live_site) -> dict[str, str]:
    """The people, thread and event the pages need, made on the server's database; and the
    addresses of one page of each kind."""
    found = json.loads(live_site.manage("shell", "-c", SETUP).strip().splitlines()[-1])
    # Addresses without their language prefix, so each check can put its own in front.
    return {key: re.sub(r"^/(?:en|cy)(?=/)", "", path) for key, path in found.items()}


@pytest.fixture(scope="module")
def tabs(browser, live_site, content):
    """One page per audience, signed in once and reused by every check."""
    opened: dict[str, object] = {}

    def tab_for(audience: str):
        if audience not in opened:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            tab = context.new_page()
            if audience in ACCOUNTS:
                sign_in(tab, live_site, ACCOUNTS[audience], PASSWORD)
                assert tab.get_by_role("link", name="Sign out").count(), "did not sign in"
            opened[audience] = tab
        return opened[audience]

    yield tab_for
    for tab in opened.values():
        tab.context.close()


@pytest.fixture
def audit_page(request, tabs):
    """The audience's page, as a fixture of its own so that the failure hook in conftest.py
    keeps its screenshot and HTML."""
    return tabs(request.node.callspec.params["audience"])


def submit_empty(page, button: str) -> None:
    """Send the form with nothing filled in: the GOV.UK error pattern must follow (an error
    summary that takes the focus, links to each field, and "Error: " in the page title)."""
    # The button by its name in the page's language, from the site's catalogue.
    language = page.locator("html").get_attribute("lang") or "en"
    with translation.override(language):
        name = gettext(button)
    submit = page.locator("main").get_by_role("button", name=name).first
    with page.expect_navigation():
        submit.click()
    summary = page.locator(".govuk-error-summary")
    assert summary.count() == 1, f"no error summary after sending {page.url} empty"
    # "Error: " in the page's own language ("Gwall: " in Welsh).
    with translation.override(language):
        prefix = gettext("Error:") + " "
    assert page.title().startswith(prefix), page.title()
    assert page.evaluate("() => !!document.activeElement.closest('.govuk-error-summary')"), (
        "the error summary did not take the focus"
    )
    links = summary.locator("a")
    assert links.count() >= 1
    for href in links.evaluate_all("(links) => links.map((a) => a.getAttribute('href'))"):
        target = page.locator(href)
        assert target.count() == 1, f"the error summary links to {href}, which is not on the page"
        label = page.locator(f"label[for='{href[1:]}']")
        assert label.count() or target.get_attribute("aria-labelledby"), f"{href} has no label"


@pytest.mark.parametrize(("prefix", "audience", "audit"), CASES)
def test_page_has_no_accessibility_violations(
    live_site, content, audit_page, prefix, audience, audit
):
    response = audit_page.goto(live_site.url + prefix + audit.path.format(**content))
    assert response.status == audit.status, f"{audit_page.url} answered {response.status}"
    if audit.then:
        submit_empty(audit_page, audit.then)
    violations = axe_violations(audit_page)
    assert not violations, describe_violations(violations, audit_page.url)


KEYBOARD_PAGES = ["/", "{case_study}", "/accounts/login/"]


@pytest.mark.parametrize("prefix", LANGUAGE_PREFIXES, ids=language_id)
def test_every_focusable_element_shows_its_focus(live_site, content, tabs, prefix):
    """Tab through the start of each page (skip link, header, navigation, main content): every
    stop must show where the focus is (WCAG 2.4.7), and the first stop is the skip link."""
    page = tabs("anonymous")
    for path in KEYBOARD_PAGES:
        page.goto(live_site.url + prefix + path.format(**content))
        page.keyboard.press("Tab")
        first = focused(page)
        assert first and first["href"] == "#main-content", f"first Tab stop on {path}: {first}"
        hidden = []
        for _stop in range(40):
            state = focused(page)
            if state and state["onScreen"] and not state["visible"]:
                hidden.append(state["html"])
            page.keyboard.press("Tab")
        assert not hidden, f"focus is not visible on {path} for: " + "\n".join(hidden)


REFLOW_PAGES = [
    "/",
    "/search/?q=hospital+discharge&theme=frail-elderly",
    "{case_study}",
    "{learning_history}",
    "{project}",
    "/themes/worklessness/",
    "{thread}",
    "/savings/",
    "/who-is-doing-what/",
    "/events/",
]


@pytest.mark.parametrize("prefix", LANGUAGE_PREFIXES, ids=language_id)
def test_pages_reflow_at_320_css_pixels_without_sideways_scrolling(
    browser, live_site, content, prefix
):
    """WCAG 1.4.10: at 320 px wide nothing but a data table may make the page scroll sideways
    (wide tables scroll inside their own container, which WCAG allows)."""
    context = browser.new_context(viewport={"width": 320, "height": 640}, reduced_motion="reduce")
    page = context.new_page()
    try:
        overflowing = {}
        for path in REFLOW_PAGES:
            page.goto(live_site.url + prefix + path.format(**content))
            width = page.evaluate("() => document.documentElement.scrollWidth")
            if width > 320:
                overflowing[path] = page.evaluate(
                    """() => [...document.querySelectorAll('body *')]
                        .filter((el) => el.getBoundingClientRect().right > 321
                            && !el.closest('table, svg, pre'))
                        .slice(0, 3).map((el) => el.outerHTML.slice(0, 120))"""
                )
                overflowing[path].insert(0, f"scroll width {width}px")
        assert not overflowing, json.dumps(overflowing, indent=1)
    finally:
        context.close()


@pytest.mark.parametrize("prefix", LANGUAGE_PREFIXES, ids=language_id)
def test_reduced_motion_is_honoured(browser, live_site, content, prefix):
    """With prefers-reduced-motion set, nothing on the page animates or scrolls smoothly."""
    context = browser.new_context(reduced_motion="reduce")
    page = context.new_page()
    try:
        for path in ["/", "/savings/", "{thread}"]:
            page.goto(live_site.url + prefix + path.format(**content))
            moving = page.evaluate(
                """() => [...document.querySelectorAll('*')].filter((el) => {
                    const style = getComputedStyle(el);
                    const longest = (value) => Math.max(...value.split(',').map(parseFloat));
                    return longest(style.transitionDuration) > 0.01
                        || longest(style.animationDuration) > 0.01
                        || style.scrollBehavior === 'smooth';
                }).slice(0, 5).map((el) => el.outerHTML.slice(0, 120))"""
            )
            assert not moving, f"{path} still moves: {moving}"
    finally:
        context.close()


def test_error_summary_pattern_helper_fails_on_a_form_without_errors(live_site, tabs):
    """submit_empty must be able to fail: on a GET search form there is no error summary."""
    page = tabs("anonymous")
    page.goto(live_site.url + "/search/")
    with pytest.raises(AssertionError, match=re.escape("no error summary")):
        submit_empty(page, "Search")
