"""Themes and places in Welsh: the Welsh site names them in Welsh, the English site in English.

Theme and place names are taxonomy rows, not translated pages, so they carry their own Welsh
name (`name_cy`, loaded from the `cy: name:` of the demo data). Every label people read uses it
on /cy/ and falls back to the English name where there is none; files for programs stay English.
"""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import translation

from cop_site.demo.loader import DATA_DIR, DemoLoader, read_data
from learning.models import Region, Theme
from learning.models.taxonomy import name_in_language
from projects.where import theme_region_matrix
from search.service import search
from tests.factories import CaseStudyPageFactory, RegionFactory

pytestmark = pytest.mark.django_db

ANONYMOUS = AnonymousUser()

FRAIL_EN, FRAIL_CY = "Frail elderly", "Pobl hŷn eiddil"
NORTH_WALES_EN, NORTH_WALES_CY = "North Wales", "Gogledd Cymru"


def text(response) -> str:
    assert response.status_code == 200
    return unescape(response.content.decode())


def facet_labels(html: str) -> list[str]:
    """The labels of the search page's facet values, as people read them."""
    labels = re.findall(r'<span class="app-facet__label">(.*?)</span>\s*<span', html, re.S)
    return [re.sub(r"<[^>]+>", "", label).strip() for label in labels]


def matrix_row_headers(html: str) -> list[str]:
    body = html.split('<tbody class="govuk-table__body">', 1)[1]
    return re.findall(r'<th scope="row" class="govuk-table__header">([^<]+)</th>', body)


# --- The loader ------------------------------------------------------------------------------


def test_loader_fills_the_welsh_names_from_the_data_and_is_idempotent():
    data = read_data(DATA_DIR)
    expected = {item["slug"]: item.get("cy", {}).get("name", "") for item in data["themes"]}
    expected_places = {item["slug"]: item.get("cy", {}).get("name", "") for item in data["regions"]}
    assert dict(Theme.objects.values_list("slug", "name_cy")) == expected
    assert {
        slug: name_cy
        for slug, name_cy in Region.objects.values_list("slug", "name_cy")
        if slug in expected_places
    } == expected_places
    assert Theme.objects.get(slug="frail-elderly").name_cy == FRAIL_CY

    # A curator's blanking is put right by the next load; a second load changes nothing.
    Theme.objects.filter(slug="frail-elderly").update(name_cy="")
    loader = DemoLoader(data, log=lambda line: None, accounts=False)
    loader.load_taxonomy()
    assert Theme.objects.get(slug="frail-elderly").name_cy == FRAIL_CY
    again = DemoLoader(data, log=lambda line: None, accounts=False)
    again.load_taxonomy()
    assert dict(Theme.objects.values_list("slug", "name_cy")) == expected
    assert sum(again.report.updated.values()) == 0
    assert sum(again.report.created.values()) == 0


# --- The names themselves --------------------------------------------------------------------


def test_display_name_follows_the_active_language_and_falls_back_to_english():
    theme = Theme.objects.get(slug="frail-elderly")
    with translation.override("cy"):
        assert theme.display_name == FRAIL_CY
    with translation.override("en"):
        assert theme.display_name == FRAIL_EN
    theme.name_cy = ""
    with translation.override("cy"):
        assert theme.display_name == FRAIL_EN
    assert name_in_language("Cardiff", "Caerdydd", "cy") == "Caerdydd"
    assert name_in_language("Cardiff", "", "cy") == "Cardiff"
    assert name_in_language("Cardiff", "Caerdydd", "en") == "Cardiff"
    # The English name stays the key: slugs and str() are unchanged.
    assert str(theme) == FRAIL_EN


# --- Search facets ---------------------------------------------------------------------------


def test_search_facet_labels_are_welsh_on_the_welsh_site(client):
    welsh = facet_labels(text(client.get("/cy/search/", {"q": "care"})))
    english = facet_labels(text(client.get("/en/search/", {"q": "care"})))
    assert FRAIL_CY in welsh and FRAIL_EN not in welsh
    assert FRAIL_EN in english and FRAIL_CY not in english
    assert NORTH_WALES_CY in welsh and NORTH_WALES_CY not in english


def test_search_service_labels_follow_the_language_and_fall_back():
    with translation.override("cy"):
        results = search({"q": "care"}, user=ANONYMOUS)
    themes = {value.value: value.label for value in results.facets["theme"]}
    assert themes["frail-elderly"] == FRAIL_CY

    Theme.objects.filter(slug="frail-elderly").update(name_cy="")
    with translation.override("cy"):
        results = search({"q": "care"}, user=ANONYMOUS)
    themes = {value.value: value.label for value in results.facets["theme"]}
    assert themes["frail-elderly"] == FRAIL_EN


def test_search_result_meta_names_places_in_welsh(client):
    html = text(client.get("/cy/search/", {"region": "north-wales"}))
    hits = html.split('class="app-result', 1)[1]
    assert NORTH_WALES_CY in hits or any(
        name_cy in hits
        for name_cy in Region.objects.exclude(name_cy="").values_list("name_cy", flat=True)
    )


# --- Listings and page facts -----------------------------------------------------------------


def test_listing_place_names_are_welsh_on_the_welsh_site(client, sections):
    place = RegionFactory(name="Testborough", name_cy="Trefbrawf")
    page = CaseStudyPageFactory(parent=sections["case-studies"], title="Bridging the gap")
    page.regions.set([place])
    page.themes.set([Theme.objects.get(slug="frail-elderly")])
    page.save_revision().publish()

    welsh = text(client.get("/cy/case-studies/"))
    english = text(client.get("/en/case-studies/"))
    assert "Bridging the gap" in welsh and "Bridging the gap" in english
    assert "Trefbrawf" in welsh and "Testborough" not in welsh
    assert "Testborough" in english and "Trefbrawf" not in english

    facts = text(client.get("/cy" + page.url.removeprefix("/en")))
    assert "Trefbrawf" in facts and FRAIL_CY in facts

    # No Welsh name: the Welsh site shows the English one rather than nothing.
    # (Saved as a curator saves it, so the page cache lets the change through.)
    place.name_cy = ""
    place.save()
    assert "Testborough" in text(client.get("/cy/case-studies/"))


# --- Who is doing what, where ----------------------------------------------------------------


def test_matrix_rows_and_columns_are_welsh_on_the_welsh_site(client):
    welsh = text(client.get("/cy/who-is-doing-what/"))
    english = text(client.get("/en/who-is-doing-what/"))
    assert FRAIL_CY in matrix_row_headers(welsh)
    assert FRAIL_EN not in matrix_row_headers(welsh)
    assert FRAIL_EN in matrix_row_headers(english)
    assert FRAIL_CY not in matrix_row_headers(english)
    assert f">{NORTH_WALES_CY}</th>" in welsh
    assert f">{NORTH_WALES_EN}</th>" in english


def test_matrix_falls_back_to_english_and_keeps_english_order(client):
    client.get("/cy/who-is-doing-what/")  # in the page cache before the change
    frail = Theme.objects.get(slug="frail-elderly")
    frail.name_cy = ""
    frail.save()
    with translation.override("cy"):
        matrix = theme_region_matrix(ANONYMOUS)
    rows = {row["slug"]: row["name"] for row in matrix["rows"]}
    assert rows["frail-elderly"] == FRAIL_EN
    assert rows["complex-families"] == "Teuluoedd ag anghenion cymhleth"
    with translation.override("en"):
        english = theme_region_matrix(ANONYMOUS)
    assert [r["slug"] for r in matrix["rows"]] == [r["slug"] for r in english["rows"]]
    assert [c["slug"] for c in matrix["columns"]] == [c["slug"] for c in english["columns"]]
    assert FRAIL_EN in matrix_row_headers(text(client.get("/cy/who-is-doing-what/")))


# --- Files for programs stay English ---------------------------------------------------------


def test_open_data_matrix_stays_english_whoever_asks(client):
    response = client.get("/data/matrix.json", HTTP_ACCEPT_LANGUAGE="cy")
    assert response.status_code == 200
    data = json.loads(
        b"".join(response.streaming_content) if response.streaming else response.content
    )
    names = json.dumps(data, ensure_ascii=False)
    assert FRAIL_EN in names and FRAIL_CY not in names


def test_forms_offer_themes_and_places_by_their_welsh_names():
    from communities.forms.forum import ThreadForm
    from communities.forms.profile import ProfileForm

    theme = Theme.objects.exclude(name_cy="").first()
    place = Region.objects.exclude(name_cy="").first()
    with translation.override("cy"):
        thread_labels = [label for _value, label in ThreadForm().fields["theme"].choices]
        profile = ProfileForm()
        theme_labels = [label for _value, label in profile.fields["themes"].choices]
        place_labels = [label for _value, label in profile.fields["region"].choices]
    assert theme.name_cy in thread_labels and theme.name not in thread_labels
    assert theme.name_cy in theme_labels
    assert place.name_cy in place_labels
    with translation.override("en"):
        assert theme.name in [label for _v, label in ThreadForm().fields["theme"].choices]
