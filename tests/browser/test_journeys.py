"""DESIGN.md section 2's journeys, end to end in Chromium against a running site.

1. A practitioner searches, filters by theme and region, opens a case study and finds its
   savings and who to contact: with the keyboard only.
2. A project lead writes a learning history in the Wagtail admin and submits it; a curator
   approves it; it appears on its project, theme and region pages and in search.
3. A member joins Complex families, starts a thread and is answered; the author is notified;
   the thread is found by search. In a private community a thread is found by members and
   never by outsiders. (test_community_journey.py walks sign-up, answers, flags, moderation.)
4. A curator opens the Worklessness theme: its projects, case studies, learning histories,
   methods, upcoming events and savings, then the savings by delivery level.
5. Who is doing what: the theme x place matrix and the map lead to the work they count, and the
   matrix and the projects download as JSON and CSV with the same figures.

Journey 6 (Cymraeg) is tested with the Welsh interface.
"""

from __future__ import annotations

import csv
import io
import json
import re
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest

from tests.browser.axe import tab_to
from tests.browser.test_community_journey import PASSWORD, sign_in

pytestmark = pytest.mark.browser

SETUP = """
import json
from datetime import timedelta
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group, User
from django.utils import timezone
from communities.models import CommunityPage, Event, Membership
from learning.models import Region, RegionPage
from projects.leads import make_lead
from projects.models import HighImpactProjectPage
from wagtail.models import Locale

# Pages in the default language (a translated site has a copy of each in every language).
english = Locale.get_default()
project = HighImpactProjectPage.objects.get(slug="worklessness-high-impact-project", locale=english)
families = CommunityPage.objects.get(slug="complex-families", locale=english)
politicians = CommunityPage.objects.get(slug="politicians", locale=english)
people = {}
for name in ("lowri", "cerys", "mair", "sion", "pol", "cai", "owain"):
    user = User.objects.create_user(name, f"{name}@example.org", "journey-password-1")
    user.date_joined = timezone.now() - timedelta(days=90)
    user.is_staff = name == "cerys"
    user.save()
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    people[name] = user
make_lead(people["lowri"], project)
people["cerys"].groups.add(Group.objects.get(name="Curators"))
Membership.objects.create(community=families, user=people["sion"])
for name in ("pol", "cai"):
    Membership.objects.create(community=politicians, user=people[name])
worklessness = CommunityPage.objects.get(slug="worklessness", locale=english)
start = timezone.now() + timedelta(days=20)
Event.objects.create(
    community=worklessness, title="Getting people back to work: a regional exchange",
    start=start, end=start + timedelta(hours=2), format="in_person", capacity=40,
    venue_name="Bridgend Civic Offices", organiser=people["cerys"],
)
bridgend = Region.objects.get(slug="bridgend")
print(json.dumps({
    "project_id": project.pk,
    "project": project.url,
    "region_page": RegionPage.objects.get(region=bridgend.parent, locale=english).url,
    "families": families.url,
    "politicians": politicians.url,
}))
"""


@pytest.fixture(scope="module")
def setup(live_site) -> dict:
    return json.loads(live_site.manage("shell", "-c", SETUP).strip().splitlines()[-1])


def new_page(browser):
    return browser.new_context(viewport={"width": 1280, "height": 900}).new_page()


def result_titles(page) -> list[str]:
    return page.locator(".app-result__title").all_inner_texts()


def result_count(page) -> int:
    heading = page.locator("#search-results h2").first.inner_text()
    return int(re.match(r"(\d[\d,]*) result", heading).group(1).replace(",", ""))


# --- 1 -----------------------------------------------------------------------------------------


def test_journey_1_search_filter_and_find_savings_and_contact_by_keyboard(live_site, page):
    page.goto(live_site.url + "/")
    tab_to(page, lambda s: s["id"] == "app-header-search-q")
    page.keyboard.type("hospital discharge older people")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/search/" in page.url
    everything = result_count(page)

    for facet, value in (("theme", "frail-elderly"), ("region", "yorkshire-and-the-humber")):
        tab_to(page, lambda s, f=facet: s["tag"] == "summary" and s["text"].lower().startswith(f))
        if not page.evaluate("() => document.activeElement.parentElement.open"):
            page.keyboard.press("Enter")  # opens the facet
        tab_to(page, lambda s, f=facet, v=value: f"{f}={v}" in (s["href"] or ""))
        with page.expect_navigation():
            page.keyboard.press("Enter")
    chosen = parse_qs(urlsplit(page.url).query)
    assert chosen["theme"] == ["frail-elderly"] and chosen["region"] == ["yorkshire-and-the-humber"]
    assert 0 < result_count(page) < everything
    assert page.get_by_role("link", name=re.compile("^Remove filter Theme: Frail elderly")).count()

    case_study = next(t for t in result_titles(page) if t.startswith("Bradford"))
    tab_to(page, lambda s: s["tag"] == "a" and s["text"] == case_study)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/case-studies/" in page.url
    assert page.locator("h1").inner_text() == case_study

    savings = page.locator("table", has=page.locator("caption, th", has_text=re.compile("Amount")))
    assert savings.count() >= 1, "no savings table on the case study"
    amounts = savings.first.locator("tbody tr").all_inner_texts()
    assert amounts and all(re.search(r"£\d", row) for row in amounts), amounts
    contact = page.locator("h2", has_text="Who to contact").locator("xpath=following-sibling::*[1]")
    assert len(contact.inner_text().strip()) > 10, "no contact route"


# --- 2 -----------------------------------------------------------------------------------------

HISTORY = "Bridgend: one plan for getting back to work"


def wait_for_autosave(page, seconds: float = 10) -> None:
    """Wagtail 8 autosaves a new page as soon as its form is valid: the page is created and the
    address turns into its edit view. A submit sent while that first autosave is in flight
    creates the page a second time and ends in a server error (seen under load; compare
    wagtail#12280), so wait, as a person would, until the editor says it has saved."""
    indicator = page.locator("#w-autosave-indicator")
    for _tick in range(int(seconds * 4)):
        saved = re.search(r"/admin/pages/\d+/edit/", page.url)
        if saved and "Saving" not in (indicator.inner_text() if indicator.count() else ""):
            return
        page.wait_for_timeout(250)
    # Autosave off, or slower than this: the submit below still goes to the right view.


def test_journey_2_lead_writes_a_learning_history_a_curator_approves_it(live_site, browser, setup):
    lead = new_page(browser)
    sign_in(lead, live_site, "lowri", PASSWORD)
    lead.goto(
        f"{live_site.url}/admin/pages/add/learning/learninghistorypage/{setup['project_id']}/"
    )
    lead.locator("#id_title").fill(HISTORY)
    lead.locator("#id_summary").first.fill(
        "How advisers and the council learned to share one plan."
    )
    lead.locator("#body-root").get_by_role("button", name="Insert a block").click()
    lead.get_by_role("option", name="Chapter").click()
    lead.locator("#body-0-value-title").fill("Starting out")
    lead.locator("#body-0-value-rows-0-value-narrative").fill(
        "We stopped asking people the same questions three times."
    )
    lead.locator("#body-0-value-rows-0-value-speaker_role").fill("Employment adviser")
    lead.locator("#body-0-value-rows-0-value-commentary").fill("One conversation, **one plan**.")
    lead.get_by_role("tab", name="About").click()
    about = lead.get_by_role("tabpanel", name="About")
    about.get_by_role("checkbox", name="Worklessness", exact=True).check()
    about.get_by_role("checkbox", name="Bridgend", exact=True).check()
    wait_for_autosave(lead)
    lead.locator("[data-w-dropdown-target='toggle']").last.click()
    lead.get_by_role("button", name=re.compile("^Submit to Curator approval")).click()
    lead.wait_for_load_state()
    assert "submitted for moderation" in lead.locator(".messages").inner_text()

    visitor = new_page(browser)
    visitor.goto(live_site.url + setup["project"])
    assert HISTORY not in visitor.content()  # waiting for a curator: not published
    visitor.goto(live_site.url + "/search/?q=" + HISTORY.replace(" ", "+"))
    assert HISTORY not in result_titles(visitor)

    curator = new_page(browser)
    sign_in(curator, live_site, "cerys", PASSWORD)
    curator.goto(live_site.url + "/admin/")
    waiting = curator.locator("tr", has_text=HISTORY)
    waiting.locator("[data-w-dropdown-target='toggle']").click()
    curator.get_by_role("button", name="Approve", exact=True).click()
    curator.wait_for_load_state()
    curator.goto(live_site.url + "/admin/")
    assert curator.locator("tr", has_text=HISTORY).count() == 0  # no longer waiting

    for where in (setup["project"], "/themes/worklessness/", setup["region_page"]):
        visitor.goto(live_site.url + where)
        link = visitor.locator("main").get_by_role("link", name=HISTORY)
        assert link.count() >= 1, f"{HISTORY!r} is not on {where}"
    visitor.goto(live_site.url + "/search/?q=" + HISTORY.replace(" ", "+"))
    assert result_titles(visitor)[0] == HISTORY
    visitor.locator("main").get_by_role("link", name=HISTORY).first.click()
    assert visitor.locator("h1").inner_text() == HISTORY
    main = visitor.locator("main").inner_text()
    assert "We stopped asking people the same questions three times." in main
    assert "Employment adviser" in main


def test_journey_2_the_summary_a_lead_types_is_one_field(live_site, page, setup):
    sign_in(page, live_site, "lowri", PASSWORD)
    page.goto(
        f"{live_site.url}/admin/pages/add/learning/learninghistorypage/{setup['project_id']}/"
    )
    assert page.locator("[name='summary']").count() == 1


# --- 3 -----------------------------------------------------------------------------------------

PUBLIC_THREAD = "Kingfisher question: who holds the family plan?"
PRIVATE_THREAD = "Heron question: how should scrutiny test a pooled budget?"


def start_thread(page, title: str, body: str) -> str:
    page.get_by_role("button", name="Start a thread").or_(
        page.get_by_role("link", name="Start a thread")
    ).first.click()
    page.get_by_label("Title").fill(title)
    page.get_by_label("Your post").fill(body)
    page.get_by_role("button", name="Post thread").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == title
    return page.url.split("#")[0]


def searched(page, site, words: str) -> list[str]:
    page.goto(site.url + "/search/?q=" + words.replace(" ", "+"))
    return result_titles(page)


def test_journey_3_join_ask_be_answered_notified_and_found_only_by_members(
    live_site, browser, setup
):
    site = live_site
    author = new_page(browser)
    sign_in(author, site, "mair", PASSWORD)
    author.goto(site.url + setup["families"])
    author.get_by_role("button", name="Join this community").click()
    assert "You are now a member of Complex families" in author.content()
    thread = start_thread(author, PUBLIC_THREAD, "Police, health and school each hold a part.")

    helper = new_page(browser)
    sign_in(helper, site, "sion", PASSWORD)
    helper.goto(thread)
    helper.get_by_label("Your reply").fill("In Gwent the lead worker holds it, reviewed weekly.")
    helper.get_by_role("button", name="Post reply").click()
    assert "Your reply has been posted" in helper.content()

    author.goto(site.url + "/")
    author.get_by_role("link", name=re.compile(r"^Notifications \(1")).click()
    notice = author.locator("main li", has_text=PUBLIC_THREAD)
    assert notice.count() >= 1, author.locator("main").inner_text()
    assert PUBLIC_THREAD in searched(author, site, "kingfisher family plan")

    # A private community: its members find the thread; nobody else does, or can open it.
    poster = new_page(browser)
    sign_in(poster, site, "pol", PASSWORD)
    poster.goto(site.url + setup["politicians"])
    private = start_thread(poster, PRIVATE_THREAD, "What should members ask, and when?")

    member = new_page(browser)
    sign_in(member, site, "cai", PASSWORD)
    assert PRIVATE_THREAD in searched(member, site, "heron scrutiny pooled budget")

    outsider = new_page(browser)
    sign_in(outsider, site, "owain", PASSWORD)
    anonymous = new_page(browser)
    for person in (outsider, anonymous, author):
        titles = searched(person, site, "heron scrutiny pooled budget")
        assert PRIVATE_THREAD not in titles
        assert "Heron" not in person.locator("main").inner_text()
        assert person.goto(private).status == 404


# --- 4 -----------------------------------------------------------------------------------------

LISTED_TYPES = ("High-impact projects", "Case studies", "Learning histories", "Methods")


def test_journey_4_curator_opens_the_worklessness_theme(live_site, browser, setup):
    curator = new_page(browser)
    sign_in(curator, live_site, "cerys", PASSWORD)
    curator.goto(live_site.url + "/")
    curator.get_by_role("navigation", name="Main").get_by_role("link", name="Themes").click()
    curator.locator("main").get_by_role("link", name="Worklessness", exact=True).first.click()
    assert curator.locator("h1").inner_text() == "Worklessness"
    main = curator.locator("main")

    for kind in LISTED_TYPES:
        link = main.get_by_role("link", name=re.compile(rf"^{kind} \((\d+)\)"))
        assert link.count() == 1, f"no {kind} in the theme's listing"
        assert int(re.search(r"\((\d+)\)", link.inner_text()).group(1)) >= 1
    curator.locator("main").get_by_role("link", name=re.compile(r"^High-impact projects")).click()
    assert curator.locator("main").get_by_role("link", name="Tackling worklessness").count()

    events = curator.locator("section.app-upcoming-events")
    assert "Getting people back to work: a regional exchange" in events.inner_text()

    savings = curator.locator("#savings-panel-heading").locator("xpath=..")
    assert re.search(r"£[\d.]+(m|bn|k)?", savings.inner_text()), savings.inner_text()
    savings.get_by_role(
        "link", name=re.compile("^See the savings picture for the Worklessness")
    ).click()
    curator.wait_for_load_state()
    assert parse_qs(urlsplit(curator.url).query)["theme"] == ["worklessness"]
    by_level = curator.locator(
        "table", has=curator.locator("caption", has_text="by delivery level")
    )
    assert by_level.count() == 1, "no savings by delivery level"
    counts = [
        int(row.locator("td").first.inner_text().split()[0])
        for row in by_level.locator("tbody tr").all()
    ]
    assert sum(counts) >= 1


def test_journey_4_the_theme_page_lists_its_communities(live_site, page):
    page.goto(live_site.url + "/themes/worklessness/")
    community = page.locator("main").get_by_role("link", name="Worklessness", exact=True)
    assert community.count() and "/communities/" in community.first.get_attribute("href")


# --- 5 -----------------------------------------------------------------------------------------


def test_journey_5_who_is_doing_what_matrix_map_and_exports(live_site, page):
    page.goto(live_site.url + "/who-is-doing-what/")
    # Each number's link names what it counts, for screen readers: "3 projects, case studies,
    # learning histories and methods on Worklessness in Central South Wales".
    cell = page.locator("table.app-matrix").get_by_role(
        "link", name=re.compile(r"^\d+ .+ on Worklessness in Central South Wales$")
    )
    count = int(cell.inner_text().split()[0])
    assert count >= 1
    cell.click()
    page.wait_for_load_state()
    assert result_count(page) == count
    kinds = page.locator(".app-result__type").all_inner_texts()
    projects = [
        title
        for title, kind in zip(result_titles(page), kinds, strict=True)
        if "project" in kind.lower()
    ]
    assert projects, f"the cell's work has no project: {kinds}"

    page.goto(live_site.url + "/who-is-doing-what/#map")
    page.locator("#map").get_by_label("Theme", exact=True).select_option("worklessness")
    page.get_by_role("button", name="Show on map").click()
    page.wait_for_load_state()
    region = page.locator("a.app-region-map__link[data-region='central-south-wales']")
    on_map = int(region.get_attribute("data-count"))
    assert on_map == count
    region.click()
    page.wait_for_load_state()
    assert result_count(page) == on_map

    page.goto(live_site.url + "/who-is-doing-what/")
    page.locator("footer").get_by_role("link", name="Open data").click()
    matrix_json = page.locator("main").get_by_role("link", name=re.compile("^matrix.json"))
    response = page.request.get(urljoin(page.url, matrix_json.get_attribute("href")))
    assert response.ok and "json" in response.headers["content-type"]
    data = response.json()
    row_data = next(r for r in data["rows"] if r["slug"] == "worklessness")
    exported = next(c for c in row_data["cells"] if c["column"] == "central-south-wales")
    assert exported["count"] == count

    projects_csv = page.locator("main").get_by_role("link", name=re.compile("^projects.csv"))
    response = page.request.get(urljoin(page.url, projects_csv.get_attribute("href")))
    assert response.ok and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text())))
    in_csv = {r["title"] for r in rows if "worklessness" in r["themes"].split(";")}
    assert set(projects) <= in_csv


def test_journey_5_the_matrix_downloads_as_csv_from_its_page(live_site, page):
    page.goto(live_site.url + "/who-is-doing-what/")
    link = page.locator("main").get_by_role("link", name=re.compile(r"\bCSV\b|\.csv"))
    assert link.count(), "no CSV download on the matrix page"
    response = page.request.get(urljoin(page.url, link.first.get_attribute("href")))
    assert response.ok and "Worklessness" in response.text()
