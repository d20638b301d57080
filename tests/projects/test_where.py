"""Who is doing what, where: the theme x place matrix, its map, and the region pages.

The matrix promises that every number links to a search that finds exactly that many pieces
of work, so the main test runs that search for every cell and every total and compares.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from html.parser import HTMLParser
from itertools import pairwise
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import QueryDict
from django.utils import timezone
from wagtail.models import PageViewRestriction

from learning.models import CaseStudyPage, KnowledgePage, Region, RegionPage, Theme
from learning.search_sources import PAGE_SOURCE
from projects.geo.build_map import douglas_peucker, svg_ring
from projects.where import MAP_DATA, WORK_KINDS, shade_bands, theme_region_matrix
from search.service import search
from tests.factories import CaseStudyPageFactory, RegionFactory, ThemeFactory, UserFactory

pytestmark = pytest.mark.django_db

ANONYMOUS = AnonymousUser()


def search_count(url: str, user) -> int:
    """How many results the search page finds for a link of the matrix."""
    parts = urlsplit(url)
    assert parts.path == "/en/search/"
    return search(QueryDict(parts.query), user, per_page=1).count


def every_link(matrix: dict) -> list[tuple[str, int, str]]:
    """(what, count, url) for every cell, row total, column total and the grand total."""
    out = []
    for row in matrix["rows"]:
        for cell in row["cells"]:
            out.append((f"{row['slug']} x {cell['column']}", cell["count"], cell["url"]))
        out.append((f"{row['slug']} total", row["total"], row["url"]))
    for column in matrix["columns"]:
        out.append((f"{column['slug']} total", column["total"], column["url"]))
    out.append(("grand total", matrix["total"], matrix["url"]))
    return out


# --- The matrix and search agree -----------------------------------------------------------------


def test_every_cell_and_total_equals_the_linked_search_for_anonymous():
    matrix = theme_region_matrix(ANONYMOUS)
    assert matrix["types"] == list(WORK_KINDS)
    assert matrix["total"] > 0
    links = every_link(matrix)
    assert (
        len(links)
        == len(matrix["rows"]) * (len(matrix["columns"]) + 1) + len(matrix["columns"]) + 1
    )
    mismatches = {
        what: (count, search_count(url, ANONYMOUS))
        for what, count, url in links
        if search_count(url, ANONYMOUS) != count
    }
    assert mismatches == {}
    # The demo content really fills the matrix: many non-zero cells, some zeros.
    counts = [cell["count"] for row in matrix["rows"] for cell in row["cells"]]
    assert sum(1 for c in counts if c) > 20
    assert 0 in counts


@pytest.mark.parametrize("kind", list(WORK_KINDS))
def test_one_type_matches_search_too(kind):
    matrix = theme_region_matrix(ANONYMOUS, [kind])
    assert matrix["types"] == [kind]
    for what, count, url in every_link(matrix):
        assert f"type={kind}" in url
        assert url.count("type=") == 1
        assert search_count(url, ANONYMOUS) == count, what


def test_unknown_types_mean_all_work():
    assert theme_region_matrix(ANONYMOUS, ["nonsense"])["types"] == list(WORK_KINDS)
    assert theme_region_matrix(ANONYMOUS, ["method", "x"])["types"] == ["method"]


def test_totals_count_distinct_pages():
    """Row, column and grand totals, computed independently with the ORM."""
    matrix = theme_region_matrix(ANONYMOUS)
    visible = KnowledgePage.objects.visible_to(ANONYMOUS)
    england_and_wales = Region.descendant_ids_of(
        list(Region.objects.filter(slug__in=["wales", "england"]).values_list("pk", flat=True))
    )
    themed = visible.filter(themes__isnull=False)
    for row in matrix["rows"]:
        expected = (
            visible.filter(themes__slug=row["slug"], regions__in=england_and_wales)
            .distinct()
            .count()
        )
        assert row["total"] == expected, row["slug"]
        assert row["total"] <= sum(cell["count"] for cell in row["cells"])
    for column in matrix["columns"]:
        place = Region.objects.get(slug=column["slug"])
        expected = themed.filter(regions__in=place.descendant_ids()).distinct().count()
        assert column["total"] == expected, column["slug"]
    assert matrix["total"] == themed.filter(regions__in=england_and_wales).distinct().count()
    # A piece with several places is counted once in its row's total, so the row totals of
    # Wales-and-England work add up to more than the grand total only through several themes.
    assert matrix["total"] <= sum(row["total"] for row in matrix["rows"])


def test_columns_are_nations_then_their_regions():
    matrix = theme_region_matrix(ANONYMOUS)
    assert [n["slug"] for n in matrix["nations"]] == ["wales", "england"]
    slugs = [c["slug"] for c in matrix["columns"]]
    assert slugs[0] == "wales"
    assert slugs.index("england") == 5
    assert {"north-wales", "mid-and-west-wales", "central-south-wales", "south-east-wales"} == set(
        slugs[1:5]
    )
    assert len(slugs) == 2 + 4 + 9
    assert sum(n["span"] for n in matrix["nations"]) == len(slugs)
    # Local areas roll up: nothing is a column below region level.
    assert not Region.objects.filter(slug__in=slugs, kind="area").exists()
    # A nation column is at least as large as any of its regions, in every row.
    for row in matrix["rows"]:
        counts = {cell["column"]: cell["count"] for cell in row["cells"]}
        for column in matrix["columns"]:
            assert counts[column["slug"]] <= counts[column["nation"]]
    json.dumps(matrix)  # plain data, ready for /data/matrix.json


def test_restricted_page_counts_only_for_people_who_may_see_it():
    page = (
        CaseStudyPage.objects.live()
        .filter(themes__isnull=False, regions__kind="area")
        .distinct()
        .first()
    )
    theme = page.themes.order_by("name").first()
    region = page.regions.filter(kind="area").first()
    column = region.parent.slug

    def cell(user) -> int:
        matrix = theme_region_matrix(user)
        row = next(r for r in matrix["rows"] if r["slug"] == theme.slug)
        return next(c for c in row["cells"] if c["column"] == column)

    before = cell(ANONYMOUS)["count"]
    PageViewRestriction.objects.create(page=page, restriction_type="login")
    PAGE_SOURCE.reindex_subtree(page)
    member = UserFactory()

    hidden = cell(ANONYMOUS)
    shown = cell(member)
    assert hidden["count"] == before - 1
    assert shown["count"] == before
    assert search_count(hidden["url"], ANONYMOUS) == hidden["count"]
    assert search_count(shown["url"], member) == shown["count"]


def test_new_piece_in_a_local_area_counts_in_its_region_and_nation(sections):
    theme = Theme.objects.get(slug="frail-elderly")
    cardiff = Region.objects.get(slug="cardiff")
    before = theme_region_matrix(ANONYMOUS)
    page = CaseStudyPageFactory(parent=sections["case-studies"], title="Cardiff frailty")
    page.themes.set([theme])
    page.regions.set([cardiff])
    page.save_revision().publish()
    after = theme_region_matrix(ANONYMOUS)

    def counts(matrix):
        row = next(r for r in matrix["rows"] if r["slug"] == "frail-elderly")
        return {c["column"]: c["count"] for c in row["cells"]}, row["total"]

    (b, b_total), (a, a_total) = counts(before), counts(after)
    assert a["central-south-wales"] == b["central-south-wales"] + 1
    assert a["wales"] == b["wales"] + 1
    assert a["england"] == b["england"]
    assert a_total == b_total + 1


# --- The page ------------------------------------------------------------------------------------


def test_page_renders_an_accessible_table(client):
    response = client.get("/en/who-is-doing-what/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<caption" in html and "by theme and place" in html
    assert 'scope="colgroup"' in html and 'scope="col"' in html and 'scope="row"' in html
    assert 'class="app-table-wrapper' in html
    assert "each counted once" in html
    assert '<span class="govuk-visually-hidden">0</span>' in html  # zeros have text
    assert "<script" not in html.split('id="main-content"')[1].split("</main>")[0]
    assert 'style="' not in html
    # The type selector is a plain GET form.
    assert re.search(r'<form method="get"[^>]*>\s*<div class="govuk-form-group">', html)
    assert '<select class="govuk-select" id="where-type" name="type">' in html


def test_page_type_selector_changes_what_is_counted(client):
    html = client.get("/en/who-is-doing-what/?type=method").content.decode()
    assert "Methods by theme and place" in html
    assert '<option value="method" selected>' in html
    assert "type=case-study" not in html
    html = client.get("/en/who-is-doing-what/?type=rubbish").content.decode()
    assert "Projects, case studies, learning histories and methods by theme" in html


class _MapLinks(HTMLParser):
    """The links inside the map's SVG: region slug -> (href, count)."""

    def __init__(self) -> None:
        super().__init__()
        self.links: dict[str, list[tuple[str, int]]] = {}
        self.in_svg = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "svg" and "app-region-map__svg" in (attrs.get("class") or ""):
            self.in_svg = True
        elif tag == "a" and self.in_svg:
            self.links.setdefault(attrs["data-region"], []).append(
                (attrs["href"], int(attrs["data-count"]))
            )

    def handle_endtag(self, tag):
        if tag == "svg":
            self.in_svg = False


def map_links(client, url: str) -> dict[str, list[tuple[str, int]]]:
    parser = _MapLinks()
    parser.feed(client.get(url).content.decode())
    return parser.links


def test_map_has_one_link_per_region_with_the_matrix_count(client):
    shapes = json.loads(MAP_DATA.read_text())["regions"]
    matrix = theme_region_matrix(ANONYMOUS)
    totals = {c["slug"]: (c["url"], c["total"]) for c in matrix["columns"]}
    links = map_links(client, "/en/who-is-doing-what/")
    assert set(links) == set(shapes)
    for slug, found in links.items():
        assert len(found) == 1, slug
        href, count = found[0]
        assert (href.replace("&amp;", "&"), count) == totals[slug]


def test_map_for_one_theme_uses_that_row(client):
    matrix = theme_region_matrix(ANONYMOUS, ["case-study"])
    row = next(r for r in matrix["rows"] if r["slug"] == "worklessness")
    cells = {c["column"]: (c["url"], c["count"]) for c in row["cells"]}
    links = map_links(client, "/en/who-is-doing-what/?type=case-study&theme=worklessness")
    for slug, [(href, count)] in links.items():
        assert (href.replace("&amp;", "&"), count) == cells[slug]
        assert search_count(href.replace("&amp;", "&"), ANONYMOUS) == count


def test_map_titles_legend_and_table(client):
    html = client.get("/en/who-is-doing-what/").content.decode()
    svg = html.split('class="app-region-map__svg"')[1].split("</svg>")[0]
    assert svg.count("<title>") == 13
    assert "<title>London: " in svg
    assert 'class="app-map-legend"' in html
    assert "the numbers on the map" in html
    assert "Natural Earth" in html


def test_shade_bands_split_counts_into_quarters():
    assert shade_bands([0, 0]) == []
    assert [b["label"] for b in shade_bands([0, 1, 3, 7])] == ["1", "2 to 3", "4 to 7"]
    bands = shade_bands([1, 1, 2, 2, 3, 4, 5, 5, 5, 23, 0])
    assert len(bands) == 4
    assert bands[0]["low"] == 1 and bands[-1]["high"] == 23
    assert all(a["high"] + 1 == b["low"] for a, b in pairwise(bands))


# --- Queries stay bounded ------------------------------------------------------------------------


MAX_QUERIES = 8


def test_page_queries_are_bounded_and_do_not_grow(client, sections, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get("/en/who-is-doing-what/")  # warm the per-process caches as a live site has them
    with CaptureQueriesContext(connection) as small:
        assert client.get("/en/who-is-doing-what/?theme=frail-elderly").status_code == 200
    england = Region.objects.get(slug="england")
    for i in range(8):
        theme = ThemeFactory(name=f"Extra theme {i}", slug=f"extra-theme-{i}")
        region = RegionFactory(
            name=f"Extra region {i}", slug=f"extra-region-{i}", kind="region", parent=england
        )
        area = RegionFactory(name=f"Extra area {i}", slug=f"extra-area-{i}", parent=region)
        page = CaseStudyPageFactory(parent=sections["case-studies"])
        page.themes.set([theme])
        page.regions.set([area, region])
        page.save_revision().publish()
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get("/en/who-is-doing-what/?theme=frail-elderly")
    assert response.status_code == 200
    assert "Extra region 7" in response.content.decode()
    from cop_site.page_cache import bump_generation

    bump_generation()  # measure a render, not the page cache's replay of the one above
    with CaptureQueriesContext(connection) as large:
        client.get("/en/who-is-doing-what/?theme=frail-elderly")
    assert len(large.captured_queries) == len(small.captured_queries)


def test_matrix_function_takes_a_handful_of_queries(django_assert_max_num_queries):
    theme_region_matrix(ANONYMOUS)  # warm caches
    with django_assert_max_num_queries(4):
        theme_region_matrix(ANONYMOUS, ["case-study", "method"])


# --- Region pages --------------------------------------------------------------------------------


def test_region_page_shows_communities_and_events_in_the_place(client):
    from communities.models import CommunityPage, Event

    wales = RegionPage.objects.get(region__slug="wales", locale__language_code="en")
    north = CommunityPage.objects.get(regions__slug="north-wales")
    private = CommunityPage.objects.filter(visibility="private").first()
    soon = timezone.now() + timedelta(days=3)
    Event.objects.create(
        community=north, title="North Wales get-together", start=soon, end=soon + timedelta(hours=2)
    )
    if private is not None:
        private.regions.add(Region.objects.get(slug="north-wales"))
        Event.objects.create(
            community=private,
            title="Private briefing",
            start=soon - timedelta(hours=1),
            end=soon,
        )
    html = client.get(wales.url).content.decode()
    assert "Communities in Wales" in html
    assert north.title in html  # a regional community shows on its nation's page
    assert "North Wales get-together" in html
    assert "Private briefing" not in html
    north_page = RegionPage.objects.get(region__slug="north-wales", locale__language_code="en")
    html = client.get(north_page.url).content.decode()
    assert "North Wales get-together" in html
    assert "Upcoming events in North Wales" in html
    london = RegionPage.objects.get(region__slug="london", locale__language_code="en")
    html = client.get(london.url).content.decode()
    assert "North Wales get-together" not in html
    assert "No community of practice is working in this place yet." in html


def test_region_page_lists_projects_and_case_studies(client):
    wales = RegionPage.objects.get(region__slug="wales", locale__language_code="en")
    html = client.get(wales.url).content.decode()
    assert "High-impact projects (" in html or "High impact projects (" in html
    assert "Case studies (" in html
    assert "/en/who-is-doing-what/" in html


def test_region_page_queries_are_bounded(client, django_assert_max_num_queries):
    wales = RegionPage.objects.get(region__slug="wales", locale__language_code="en")
    client.get(wales.url)
    with django_assert_max_num_queries(40):
        assert client.get(wales.url).status_code == 200


# --- The map data --------------------------------------------------------------------------------


def test_map_data_is_small_and_covers_every_region():
    data = json.loads(MAP_DATA.read_text())
    assert MAP_DATA.stat().st_size < 150_000
    regions = set(
        Region.objects.filter(kind="region", parent__slug__in=["wales", "england"]).values_list(
            "slug", flat=True
        )
    )
    assert set(data["regions"]) == regions
    for shape in data["regions"].values():
        assert re.fullmatch(r"(M\d+ \d+l[-\d ]+z)+", shape["d"]), shape["name"]
    assert "public domain" in data["licence"].lower()


def test_douglas_peucker_and_svg_rings():
    line = [(0.0, 0.0), (1.0, 0.1), (2.0, -0.1), (3.0, 5.0), (4.0, 6.0), (5.0, 7.0)]
    assert douglas_peucker(line, 0.5) == [(0.0, 0.0), (2.0, -0.1), (3.0, 5.0), (5.0, 7.0)]
    assert douglas_peucker(line, 100) == [(0.0, 0.0), (5.0, 7.0)]
    assert svg_ring([(0, 0), (10, 0), (10, 10), (0, 0)]) == "M0 0l10 0 0 10z"


# --- The page's own export -----------------------------------------------------------------------


def read_csv(response) -> list[list[str]]:
    import csv
    import io

    return list(csv.reader(io.StringIO(response.content.decode())))


def test_matrix_csv_has_the_same_counts_as_the_table(client):
    matrix = theme_region_matrix(ANONYMOUS)
    response = client.get("/en/who-is-doing-what/matrix.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = read_csv(response)
    assert rows[0] == ["theme", "theme_slug", *(c["slug"] for c in matrix["columns"]), "total"]
    for line, row in zip(rows[1:-1], matrix["rows"], strict=True):
        assert line[:2] == [row["name"], row["slug"]]
        assert [int(n) for n in line[2:]] == [c["count"] for c in row["cells"]] + [row["total"]]
    assert rows[-1][1] == "total" and int(rows[-1][-1]) == matrix["total"]


def test_matrix_export_follows_the_type_choice_and_the_viewer():
    from django.test import Client

    page = CaseStudyPage.objects.live().filter(themes__isnull=False, regions__isnull=False).first()
    PageViewRestriction.objects.create(page=page, restriction_type="login")
    member_client = Client()
    member_client.force_login(UserFactory())
    anonymous = Client().get("/en/who-is-doing-what/matrix.json?type=case-study").json()
    member = member_client.get("/en/who-is-doing-what/matrix.json?type=case-study").json()
    assert anonymous["types"] == member["types"] == ["case-study"]
    assert member["total"] == anonymous["total"] + 1
    response = member_client.get("/en/who-is-doing-what/matrix.csv?type=case-study")
    assert "case-study" in response["Content-Disposition"]
    assert "private" in response["Cache-Control"]


def test_matrix_export_only_in_csv_and_json(client):
    assert client.get("/en/who-is-doing-what/matrix.xml").status_code == 404
    assert client.post("/en/who-is-doing-what/matrix.csv").status_code == 405


def test_matrix_page_links_to_its_downloads(client):
    html = client.get("/en/who-is-doing-what/?type=method").content.decode()
    assert 'href="/en/who-is-doing-what/matrix.csv?type=method"' in html
    assert 'href="/en/who-is-doing-what/matrix.json?type=method"' in html


# --- Theme pages list their communities ----------------------------------------------------------


def test_theme_page_lists_its_communities_and_marks_private_ones(client):
    from communities.models import CommunityPage
    from learning.models import ThemePage

    theme_page = ThemePage.objects.get(theme__slug="worklessness", locale__language_code="en")
    on_theme = CommunityPage.objects.live().filter(themes=theme_page.theme)
    assert on_theme.exists()
    html = client.get(theme_page.url).content.decode()
    assert "Communities working on this theme" in html
    for community in on_theme.filter(visibility="public"):
        assert community.title in html
    private = CommunityPage.objects.live().filter(visibility="private").first()
    if private is not None:
        private.themes.add(theme_page.theme)
        private.save()  # a ParentalManyToManyField is written when its page is saved
        html = client.get(theme_page.url).content.decode()
        assert private.title in html and "Private" in html
    other = ThemePage.objects.filter(locale__language_code="en").exclude(
        theme__communities__isnull=False
    )
    for page in other[:1]:
        html = client.get(page.url).content.decode()
        assert "No community of practice is working on this theme yet." in html
