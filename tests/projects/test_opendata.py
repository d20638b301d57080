"""Open data: /data/ downloads, their dictionary, the savings API and the sitemap.

The files promise to parse with Python's csv and json modules, to carry the same rows and
numbers in both formats, to add up to the database's own sum of public savings, and never to
contain anything from a page an anonymous visitor may not see, whoever downloads them.
"""

from __future__ import annotations

import csv
import io
import json
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.db.models import Count, Sum
from django.test.utils import CaptureQueriesContext
from wagtail.models import Page, PageViewRestriction

from cop_site.sitemaps import StaticViewSitemap
from learning.models import CaseStudyPage, MethodPage, ReuseLink, Theme
from projects.models import HighImpactProjectPage, SavingsRecord
from projects.opendata import DATASETS, MATRIX_FIELDS, csv_value
from tests.factories import (
    CaseStudyPageFactory,
    HighImpactProjectPageFactory,
    SavingsRecordFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

FILES = [
    "projects.csv",
    "projects.json",
    "case-studies.csv",
    "case-studies.json",
    "savings.csv",
    "savings.json",
    "matrix.json",
]
HEADER_KEYS = {
    "title",
    "licence",
    "public_content_only",
    "note",
    "source",
    "download_url",
    "dictionary",
    "generated_at",
    "description",
    "fields",
}


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def get_csv(client, slug: str) -> list[dict[str, str]]:
    response = client.get(f"/data/{slug}.csv")
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(body(response).decode("utf-8"), newline="")))


def get_json(client, name: str) -> dict:
    response = client.get(f"/data/{name}")
    assert response.status_code == 200
    return json.loads(body(response).decode("utf-8"))


def public_pages():
    """Wagtail's own idea of public, live pages: independent of the code under test."""
    return Page.objects.live().public()


@pytest.fixture
def hidden(sections):
    """A public project that reuses restricted work, and restricted and draft pages with savings."""
    secret = CaseStudyPageFactory(parent=sections["case-studies"], title="Members-only study")
    PageViewRestriction.objects.create(page=secret, restriction_type="login")
    secret_record = SavingsRecordFactory(page=secret, description="Members-only saving")
    group = Group.objects.create(name="Insiders")
    insiders = HighImpactProjectPageFactory(parent=sections["projects"], title="Insiders project")
    rule = PageViewRestriction.objects.create(page=insiders, restriction_type="groups")
    rule.groups.add(group)
    SavingsRecordFactory(page=insiders, description="Insiders saving")
    draft = CaseStudyPageFactory(parent=sections["case-studies"], title="Draft study")
    SavingsRecordFactory(page=draft, description="Draft saving")
    draft.unpublish()
    secret_method = MethodPage.objects.live().order_by("pk").first()
    PageViewRestriction.objects.create(
        page=secret_method, restriction_type="password", password="x"
    )
    public = HighImpactProjectPageFactory(parent=sections["projects"], title="Open project")
    public.methods_used.add(secret_method)
    public.save()
    ReuseLink.objects.create(page=public, source=secret, relation="adapted", note="Took it")
    copy = SavingsRecordFactory(
        page=public, description="Open saving", amount=5000, duplicate_of=secret_record
    )
    admin = UserFactory(username="boss", is_superuser=True)
    admin.groups.add(group)
    return {
        "secret": secret,
        "secret_record": secret_record,
        "insiders": insiders,
        "draft": draft,
        "method": secret_method,
        "public": public,
        "copy": copy,
        "admin": admin,
    }


# --- Parsing and round trips --------------------------------------------------------------


def test_every_download_parses_with_the_right_headers(client):
    for name in FILES:
        response = client.get(f"/data/{name}")
        assert response.status_code == 200, name
        data = body(response).decode("utf-8")
        assert "max-age" in response["Cache-Control"]
        if name.endswith(".csv"):
            assert response["Content-Type"].startswith("text/csv")
            assert response["Content-Disposition"] == f'attachment; filename="{name}"'
            rows = list(csv.reader(io.StringIO(data, newline="")))
            slug = name.removesuffix(".csv")
            assert rows[0] == [column.name for column in DATASETS[slug].columns]
            assert len(rows) > 1 and all(len(row) == len(rows[0]) for row in rows)
        else:
            assert response["Content-Type"].startswith("application/json")
            document = json.loads(data)
            assert document["licence"]["url"].startswith("https://www.nationalarchives.gov.uk")
            assert document["source"] == "http://testserver/"
            assert document["public_content_only"] is True
            assert document["generated_at"] and document["fields"]


def test_csv_and_json_hold_the_same_rows_and_numbers(client):
    for slug, dataset in DATASETS.items():
        from_csv = get_csv(client, slug)
        document = get_json(client, f"{slug}.json")
        assert [f["name"] for f in document["fields"]] == [c.name for c in dataset.columns]
        rows = document["rows"]
        assert len(rows) == len(from_csv) > 0
        for json_row, csv_row in zip(rows, from_csv, strict=True):
            assert {k: csv_value(v) for k, v in json_row.items()} == csv_row
            for column in dataset.columns:
                value = json_row[column.name]
                if column.type == "integer" and value is not None:
                    assert isinstance(value, int) and int(csv_row[column.name]) == value
                if column.type.startswith("list"):
                    assert isinstance(value, list)
                    assert csv_row[column.name].split(";") == (value or [""])


def test_savings_add_up_to_the_database_sum_of_public_records(client):
    records = SavingsRecord.objects.filter(page__in=public_pages().values("pk"))
    expected = records.aggregate(low=Sum("amount"), n=Count("pk"))
    highs = sum((r.amount_high or r.amount) for r in records)
    assert expected["n"] > 0
    rows = get_csv(client, "savings")
    assert len(rows) == expected["n"]
    assert sum(Decimal(row["amount"]) for row in rows) == expected["low"]
    assert sum(Decimal(row["amount_high"] or row["amount"]) for row in rows) == highs
    document = get_json(client, "savings.json")
    assert sum(row["amount"] for row in document["rows"]) == expected["low"]
    assert {row["record_id"] for row in document["rows"]} == set(
        records.values_list("pk", flat=True)
    )


def test_pages_match_the_public_pages_of_each_type(client):
    for slug, model in (("projects", HighImpactProjectPage), ("case-studies", CaseStudyPage)):
        expected = set(model.objects.filter(pk__in=public_pages().values("pk")).values_list("pk"))
        ids = {(int(row["id"]),) for row in get_csv(client, slug)}
        assert ids == expected and ids
        for row in get_csv(client, slug):
            assert row["url"].startswith("http://testserver/")


def test_a_saving_counted_elsewhere_is_flagged(client, sections):
    project = HighImpactProjectPage.objects.live().order_by("pk").first()
    original = SavingsRecordFactory(page=project, description="First report")
    case_study = CaseStudyPage.objects.live().order_by("pk").first()
    copy = SavingsRecordFactory(page=case_study, description="Same saving", duplicate_of=original)
    rows = {int(row["record_id"]): row for row in get_csv(client, "savings")}
    assert rows[copy.pk]["duplicate_of"] == str(original.pk)
    assert rows[copy.pk]["counted"] == "false"
    assert rows[original.pk]["counted"] == "true"


def test_effective_level_is_the_records_own_or_else_its_pages(client):
    rows = get_csv(client, "savings")
    records = {
        r.pk: r
        for r in SavingsRecord.objects.select_related("delivery_level", "page__delivery_level")
    }
    for row in rows:
        record = records[int(row["record_id"])]
        level = record.delivery_level or record.page.delivery_level
        assert row["delivery_level"] == (level.slug if level else "")
        if record.delivery_level:
            assert row["delivery_level_from"] == "record"


# --- Public content only -----------------------------------------------------------------


def test_restricted_and_draft_pages_never_appear_whoever_asks(client, hidden):
    client.force_login(hidden["admin"])
    everything = "".join(body(client.get(f"/data/{name}")).decode() for name in FILES)
    for text in ("Members-only", "Insiders", "Draft study", "Draft saving"):
        assert text not in everything
    assert hidden["method"].url not in everything
    assert hidden["secret"].url not in everything
    project = next(r for r in get_csv(client, "projects") if r["title"] == "Open project")
    assert project["adapted_from"] == "" and project["methods_used"] == ""
    copy = next(r for r in get_csv(client, "savings") if r["description"] == "Open saving")
    assert copy["duplicate_of"] == ""  # the record it copies is not public
    assert copy["counted"] == "false"  # but it is still not added twice


def test_savings_api_lists_only_public_records(client, hidden):
    client.force_login(hidden["admin"])
    listing = client.get("/api/v2/savings/?limit=100").json()
    public = SavingsRecord.objects.filter(page__in=public_pages().values("pk"))
    assert listing["meta"]["total_count"] == public.count()
    descriptions = set()
    offset = 0
    while offset < listing["meta"]["total_count"]:
        page = client.get(f"/api/v2/savings/?limit=100&offset={offset}").json()
        descriptions |= {item["description"] for item in page["items"]}
        offset += 100
    assert "Open saving" in descriptions
    assert not descriptions & {"Members-only saving", "Insiders saving", "Draft saving"}
    assert client.get(f"/api/v2/savings/{hidden['secret_record'].pk}/").status_code == 404
    restricted = client.get(f"/api/v2/savings/?page={hidden['secret'].pk}").json()
    assert restricted["meta"]["total_count"] == 0


def test_savings_api_filters_and_refuses_unknown_values(client, hidden):
    mine = client.get(f"/api/v2/savings/?page={hidden['public'].pk}").json()
    assert [item["id"] for item in mine["items"]] == [hidden["copy"].pk]
    item = mine["items"][0]
    assert item["page"]["id"] == hidden["public"].pk and item["page"]["type"] == "project"
    assert item["amount"] == 5000 and item["counted"] is False
    for kind in SavingsRecord.Kind.values:
        found = client.get(f"/api/v2/savings/?kind={kind}&limit=100").json()
        assert all(i["kind"] == kind for i in found["items"])
    response = client.get("/api/v2/savings/?kind=windfall")
    assert response.status_code == 400 and "cashable" in response.json()["message"]
    assert client.get("/api/v2/savings/?page=abc").status_code == 400
    assert client.get("/api/v2/savings/?status=guessed").status_code == 400


def test_page_api_never_names_a_restricted_page(client, hidden):
    detail = client.get(f"/api/v2/pages/{hidden['public'].pk}/").json()
    for key in ("savings_records", "reuses", "service_functions", "methods_used"):
        assert key in detail
    sources = [link["source"]["id"] for link in detail["reuses"] if link["source"]]
    assert hidden["secret"].pk not in sources
    assert detail["methods_used"] == []
    assert "Members-only" not in json.dumps(detail)
    assert detail["savings_records"][0]["description"] == "Open saving"
    links = client.get("/api/v2/reuse-links/?limit=100").json()
    assert hidden["secret"].pk not in {item["source"]["id"] for item in links["items"]}


def test_page_api_shows_reuse_between_public_pages(client, sections):
    method = MethodPage.objects.live().order_by("pk").first()
    case_study = CaseStudyPage.objects.live().order_by("pk").first()
    ReuseLink.objects.create(page=case_study, source=method, relation="reused")
    detail = client.get(f"/api/v2/pages/{case_study.pk}/").json()
    assert method.pk in {link["source"]["id"] for link in detail["reuses"]}


# --- The page and its dictionary ----------------------------------------------------------


def test_data_page_lists_every_file_and_every_column(client):
    response = client.get("/en/data/")
    assert response.status_code == 200
    html = response.content.decode()
    for name in FILES:
        assert f'href="/data/{name}"' in html
    documented = set(re.findall(r"<code>([^<]+)</code></th>", html))
    for slug in DATASETS:
        header = next(csv.reader(io.StringIO(body(client.get(f"/data/{slug}.csv")).decode())))
        assert set(header) <= documented
    assert "nationalarchives.gov.uk/doc/open-government-licence/version/3/" in html
    assert "personal data" in html
    public_case_studies = CaseStudyPage.objects.filter(pk__in=public_pages().values("pk"))
    assert f">{public_case_studies.count()}</td>" in html


def matrix_paths(value, prefix: str = "") -> set[str]:
    """Every key path in the matrix, with "[]" for list items: columns[].slug and so on."""
    paths: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else key
            paths.add(path)
            paths |= matrix_paths(item, path)
    elif isinstance(value, list):
        for item in value:
            paths |= matrix_paths(item, f"{prefix}[]")
    return paths


def test_matrix_json_is_documented_key_by_key(client):
    document = get_json(client, "matrix.json")
    assert document["rows"] and document["columns"]
    data_keys = {key for key in document if key not in HEADER_KEYS}
    paths = {
        path
        for key in data_keys
        for path in matrix_paths({key: document[key]})
        if not path.startswith(("licence", "fields"))
    }
    assert paths <= {field.name for field in MATRIX_FIELDS}
    assert Theme.objects.count() == len(document["rows"])
    cell = document["rows"][0]["cells"][0]
    assert cell["url"].startswith("http://testserver/en/search/")


def test_unknown_files_are_not_found(client):
    for name in ("matrix.csv", "people.csv", "projects.xml", "savings.txt"):
        assert client.get(f"/data/{name}").status_code == 404


# --- Query bounds -------------------------------------------------------------------------


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        body(response)
    return len(queries)


def test_downloads_do_not_make_a_query_per_row(client, sections, django_assert_max_num_queries):
    for name in FILES:  # warm the caches (restrictions, content types, sites) first
        body(client.get(f"/data/{name}"))
    before = {name: count_queries(client, f"/data/{name}") for name in FILES}
    theme = Theme.objects.first()
    method = MethodPage.objects.live().first()
    for n in range(12):
        page = CaseStudyPageFactory(parent=sections["case-studies"], title=f"Extra {n}")
        page.themes.add(theme)
        page.methods_used.add(method)
        page.tags.add(f"extra-{n}")
        page.save()
        ReuseLink.objects.create(page=page, source=method, relation="adapted")
        SavingsRecordFactory(page=page, description=f"Extra saving {n}")
    after = {name: count_queries(client, f"/data/{name}") for name in FILES}
    assert after == before
    for name in FILES:
        with django_assert_max_num_queries(15):
            body(client.get(f"/data/{name}"))


def test_data_page_query_bound(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(80):  # cold: builds every file once to size it
        client.get("/en/data/")
    from cop_site.page_cache import bump_generation

    bump_generation()  # a render, not the page cache's replay of the page above
    with django_assert_max_num_queries(25):  # warm: sizes come from the cache
        assert client.get("/en/data/")["X-Cache"] == "miss"


# --- Sitemap ------------------------------------------------------------------------------


def test_sitemap_lists_the_open_data_and_programme_views(client):
    xml = client.get("/sitemap.xml").content.decode()
    assert "<loc>http://testserver/en/data/</loc>" in xml
    assert "<loc>http://testserver/en/savings/</loc>" in xml


def test_sitemap_skips_views_that_do_not_exist(client, monkeypatch):
    monkeypatch.setattr(StaticViewSitemap, "VIEW_NAMES", ("open_data", "not_built_yet"))
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert "not_built_yet" not in response.content.decode()
    assert "<loc>http://testserver/en/data/</loc>" in response.content.decode()


def test_sitemap_has_no_restricted_pages(client, hidden):
    xml = client.get("/sitemap.xml").content.decode()
    assert hidden["secret"].url not in xml
    assert hidden["public"].url in xml
