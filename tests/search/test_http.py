"""The search page and the JSON API, checked from outside as a browser or a client would."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from learning.models import Region
from search.documents import FACETS
from search.engines import get_engine
from search.service import search

pytestmark = pytest.mark.django_db


def test_json_contract(client):
    response = client.get("/api/search/", {"q": "older people"})
    assert response.status_code == 200
    data = response.json()
    assert {"query", "count", "page", "pages", "results", "facets"} <= set(data)
    assert data["query"] == "older people"
    assert data["count"] >= 2
    assert data["page"] == 1
    result = data["results"][0]
    assert {"title", "url", "type", "summary", "highlight", "themes", "regions", "date"} <= set(
        result
    )
    assert "<mark>" in "".join(r["highlight"] for r in data["results"])
    assert set(data["facets"]) == set(FACETS)
    for values in data["facets"].values():
        for value in values:
            assert {"value", "label", "count", "selected"} <= set(value)


def test_filters_are_slugs_and_choosing_a_nation_includes_its_places(client):
    wales = client.get("/api/search/", {"region": "wales"}).json()
    cardiff_pages = client.get("/api/search/", {"region": "cardiff"}).json()
    assert 0 < cardiff_pages["count"] < wales["count"]
    selected = [v for v in wales["facets"]["region"] if v["selected"]]
    assert [v["value"] for v in selected] == ["wales"]
    children = {r.slug for r in Region.objects.get(slug="wales").children.all()}
    listed = {v["value"]: v for v in wales["facets"]["region"]}
    assert children & set(listed), "the regions of a chosen nation are offered"
    assert all(listed[c]["parent"] == "wales" for c in children & set(listed))


def test_or_within_and_and_across_over_http(client):
    one = client.get("/api/search/", {"type": "project"}).json()["count"]
    two = client.get("/api/search/?type=project&type=method").json()["count"]
    comma = client.get("/api/search/?type=project,method").json()["count"]
    narrowed = client.get("/api/search/?type=project,method&region=wales").json()["count"]
    assert one < two == comma
    assert 0 < narrowed < two


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"page": "abc"}, "page must be a whole number"),
        ({"page": "-1"}, "page must be between"),
        ({"page": "0"}, "page must be between"),
        ({"page": "99999999"}, "page must be between"),
        ({"sort": "random"}, "sort must be one of"),
    ],
)
def test_bad_values_are_a_clear_400(client, params, message):
    response = client.get("/api/search/", params)
    assert response.status_code == 400
    assert message in response.json()["detail"]


def test_odd_input_gets_a_sane_answer(client):
    long = client.get("/api/search/", {"q": "care " * 2000})
    assert long.status_code == 200
    assert "first 256 characters" in long.json()["notices"][0]
    unknown = client.get("/api/search/", {"q": "care", "colour": "blue", "theme": "no-such"})
    assert unknown.status_code == 200
    assert "Ignored unknown theme: no-such." in unknown.json()["notices"]
    syntax = client.get("/api/search/", {"q": 'care AND ( "unclosed * NEAR(x -'})
    assert syntax.status_code == 200
    past_the_end = client.get("/api/search/", {"q": "care", "page": "500"}).json()
    assert past_the_end["page"] == past_the_end["pages"]


def test_suggest(client):
    data = client.get("/api/search/suggest/", {"q": "frail old"}).json()
    assert data["suggestions"]
    assert all("frail" in s["title"].lower() for s in data["suggestions"])
    assert client.get("/api/search/suggest/", {"q": ""}).json()["suggestions"] == []


def test_openapi_description(client):
    spec = client.get("/api/search/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    assert {"/api/search/", "/api/search/suggest/"} <= set(spec["paths"])
    parameters = {p["name"] for p in spec["paths"]["/api/search/"]["get"]["parameters"]}
    assert {"q", "type", "theme", "region", "level", "model", "org", "tag", "year"} <= parameters
    assert {"sort", "page"} <= parameters


def test_search_page_facets_are_links_that_work_without_javascript(client):
    html = client.get("/en/search/", {"q": "older people"}).content.decode()
    assert 'href="?q=older+people&amp;type=project"' in html
    assert 'href="?q=older+people&amp;region=wales"' in html
    chosen = client.get("/en/search/", {"q": "older people", "region": "wales"}).content.decode()
    assert "Remove filter </span>Region: Wales" in chosen
    assert 'type="hidden" name="region" value="wales"' in chosen  # a new search keeps it


def test_search_page_empty_state_helps(client):
    html = client.get("/en/search/", {"q": "hospitl"}).content.decode()
    assert "We could not find anything" in html
    if get_engine().spelling_supported:
        assert "Did you mean" in html and "hospital" in html
    results = search({"q": "total place", "type": "organisation"}, AnonymousUser())
    assert results.count == 0
    assert results.removals  # removing the type filter would find something
    html = client.get("/en/search/", {"q": "total place", "type": "organisation"}).content.decode()
    assert "Remove Content type: Organisation" in html


def test_empty_state_offers_looser_searches_that_find_something(client):
    html = client.get("/en/search/", {"q": '"place budget"'}).content.decode()
    assert "We could not find anything" in html
    assert 'href="?q=place+budget">“place budget” as separate words</a>' in html
    html = client.get("/en/search/", {"q": "place -place"}).content.decode()
    assert 'href="?q=place">Without leaving out “place”</a>' in html


def test_search_page_bad_page_is_400_with_the_first_page(client):
    response = client.get("/en/search/", {"q": "care", "page": "abc"})
    assert response.status_code == 400
    assert "page must be a whole number" in response.content.decode()


def test_search_page_query_count_is_bounded(client, django_assert_max_num_queries):
    client.get("/en/search/", {"q": "care"})  # warm the bitmaps and caches
    with django_assert_max_num_queries(15):
        response = client.get(
            "/en/search/", {"q": "care", "region": "wales", "theme": "frail-elderly"}
        )
    assert response.status_code == 200
