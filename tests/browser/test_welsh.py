"""DESIGN.md journey 6: a Welsh speaker switches the interface to Cymraeg.

In Chromium against the live server: from an English page, the switcher (reached and used with
the keyboard) leads to the same page in Welsh; the page says it is Welsh (`lang`, `hreflang`);
search on the Welsh site finds Welsh content first and keeps its links Welsh; a page nobody has
translated yet is shown in English under a notice in both languages, never a 404; and the
switcher leads back.
"""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

NOTICE = "Nid yw'r dudalen hon ar gael yn Gymraeg eto / This page is not yet available in Welsh"


def tab_to(page, selector: str, limit: int = 30) -> None:
    """Press Tab until the element matching `selector` has the focus (as a keyboard user would)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement.matches({selector!r})"):
            return
    pytest.fail(f"{selector} was not reached with the Tab key in {limit} presses")


def test_journey_6_a_welsh_speaker_switches_to_cymraeg(live_site, page):
    page.goto(f"{live_site.url}/en/themes/frail-elderly/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text().strip() == "Frail elderly"

    # The switcher: "Cymraeg", in Welsh, reached and followed with the keyboard.
    switcher = page.locator('a[hreflang="cy"]')
    assert switcher.inner_text() == "Cymraeg"
    assert switcher.get_attribute("lang") == "cy"
    tab_to(page, 'a[hreflang="cy"]')
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/cy/themes/frail-elderly/$"))

    # The same page, in Welsh, saying so.
    assert page.locator("html").get_attribute("lang") == "cy"
    assert page.locator("h1").inner_text().strip() == "Pobl hŷn eiddil"
    alternates = {
        link.get_attribute("hreflang"): link.get_attribute("href")
        for link in page.locator('head link[rel="alternate"][hreflang]').all()
    }
    assert alternates == {
        "en": f"{live_site.url}/en/themes/frail-elderly/",
        "cy": f"{live_site.url}/cy/themes/frail-elderly/",
        "x-default": f"{live_site.url}/themes/frail-elderly/",  # sends each to their language
    }
    assert page.locator('a[hreflang="en"]').get_attribute("lang") == "en"
    nav = page.locator(".govuk-service-navigation__link").evaluate_all(
        "links => links.map(link => link.getAttribute('href'))"
    )
    assert nav and all(href.startswith("/cy/") for href in nav)

    # Search from the header: Welsh content first, and every result stays on the Welsh site.
    page.fill("#app-header-search-q", "frail")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/cy/search/\?q=frail"))
    results = page.locator("main h2 a, main h3 a")
    titles = [title.strip() for title in results.all_inner_texts()]
    assert "Pobl hŷn eiddil" in titles
    hrefs = [link.get_attribute("href") for link in results.all()]
    # The theme's page is found once, in Welsh (its English version is left out).
    assert hrefs.count("/cy/themes/frail-elderly/") == 1
    assert titles[hrefs.index("/cy/themes/frail-elderly/")] == "Pobl hŷn eiddil"
    first_english = next(
        index for index, link in enumerate(results.all()) if link.get_attribute("lang") == "en"
    )
    assert titles.index("Pobl hŷn eiddil") < first_english
    assert all(href.startswith("/cy/") for href in hrefs)

    # A page not translated yet: in English under a notice in both languages, never a 404.
    project = next(href for href in hrefs if href.startswith("/cy/projects/"))
    response = page.goto(f"{live_site.url}{project}")
    assert response.status == 200
    assert page.locator("html").get_attribute("lang") == "cy"
    notice = page.locator(".govuk-notification-banner__heading").first
    assert re.sub(r"\s+", " ", notice.inner_text()).strip() == NOTICE
    assert page.locator('main div[lang="en"] h1').count() == 1

    # And back to English, on the same page.
    tab_to(page, 'a[hreflang="en"]')
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(re.escape(project.replace("/cy/", "/en/", 1)) + "$"))
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator(".govuk-notification-banner__heading", has_text="Gymraeg").count() == 0


def test_the_welsh_choice_is_remembered_for_unprefixed_links(live_site, page):
    page.goto(f"{live_site.url}/cy/")
    page.goto(f"{live_site.url}/search/?q=eiddil")
    assert "/cy/search/?q=eiddil" in page.url
    assert page.locator("html").get_attribute("lang") == "cy"
