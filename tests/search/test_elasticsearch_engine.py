"""The Elasticsearch engine without a cluster: the mapping and queries it builds, how it reads
responses, and the index management it does (through a recording stand-in for the client).

What a real cluster then does with these requests is the contract suite's job
(`TestElasticsearchEngine` in test_contract.py, run when ELASTICSEARCH_URL answers).
"""

from __future__ import annotations

import io
import logging
from datetime import UTC, datetime
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from elastic_transport import ApiResponseMeta, ConnectionError, HttpHeaders, NodeConfig
from elasticsearch import NotFoundError

from search.documents import FACETS, IndexDocument
from search.engines import set_engine
from search.engines.base import MARK_END, MARK_START, EngineQuery, EngineUnavailable
from search.engines.elasticsearch import (
    EXACT_TITLE_BOOST,
    ElasticsearchEngine,
    build_index,
    build_mapping,
    build_search,
    build_spelling,
    build_suggest,
    hit_from,
    result_from,
    suggestion_inputs,
    to_source,
)
from search.query import parse

ALIAS = "exchange"
OLD = "exchange-v20250101000000000000"


def _meta(status: int) -> ApiResponseMeta:
    return ApiResponseMeta(
        status=status,
        http_version="1.1",
        headers=HttpHeaders(),
        duration=0.0,
        node=NodeConfig("http", "localhost", 9200),
    )


class FakeIndices:
    def __init__(self, client: FakeClient) -> None:
        self.client = client

    def get_alias(self, name: str) -> dict[str, Any]:
        self.client.calls.append(("get_alias", name))
        targets = {i: {"aliases": {name: {}}} for i, a in self.client.aliases.items() if a == name}
        if not targets:
            raise NotFoundError("alias missing", _meta(404), {})
        return targets

    def get(self, index: str, allow_no_indices: bool = True) -> dict[str, Any]:
        prefix = index.rstrip("*")
        return {name: {} for name in self.client.indices_made if name.startswith(prefix)}

    def create(self, index: str, **body: Any) -> None:
        self.client.calls.append(("create", index, body))
        self.client.indices_made.append(index)

    def update_aliases(self, actions: list[dict[str, Any]]) -> None:
        self.client.calls.append(("update_aliases", actions))
        for action in actions:
            for verb, spec in action.items():
                if verb == "remove":
                    self.client.aliases.pop(spec["index"], None)
                else:
                    self.client.aliases[spec["index"]] = spec["alias"]

    def delete(self, index: str, ignore_unavailable: bool = False) -> None:
        self.client.calls.append(("delete", index))
        for name in index.split(","):
            if name in self.client.indices_made:
                self.client.indices_made.remove(name)

    def put_settings(self, index: str, settings: dict[str, Any]) -> None:
        self.client.calls.append(("put_settings", index, settings))

    def refresh(self, index: str) -> None:
        self.client.calls.append(("refresh", index))


class FakeClient:
    """Records what the engine asks for and answers from canned responses."""

    def __init__(self, responses: list[dict[str, Any]] | None = None) -> None:
        self.calls: list[tuple] = []
        self.aliases: dict[str, str] = {}
        self.indices_made: list[str] = []
        self.responses = list(responses or [])
        self.indices = FakeIndices(self)
        self.fail_bulk_after: int | None = None

    def bulk(self, operations: list[dict[str, Any]], **params: Any) -> dict[str, Any]:
        self.calls.append(("bulk", operations, params))
        if self.fail_bulk_after is not None:
            self.fail_bulk_after -= 1
            if self.fail_bulk_after < 0:
                raise ConnectionError("connection refused")
        return {"errors": False, "items": []}

    def search(self, index: str, body: dict[str, Any]) -> dict[str, Any]:
        self.calls.append(("search", index, body))
        return self.responses.pop(0) if self.responses else {}

    def count(self, index: str) -> dict[str, int]:
        return {"count": 3}

    def info(self) -> dict[str, Any]:
        return {"version": {"number": "8.19.0"}}

    def named(self, verb: str) -> list[tuple]:
        return [call for call in self.calls if call[0] == verb]


def engine_with(client: FakeClient, live: bool = True) -> ElasticsearchEngine:
    if live:
        client.indices_made.append(OLD)
        client.aliases[OLD] = ALIAS
    return ElasticsearchEngine("http://search.test:9200", prefix=ALIAS, client=client)


def document(key: str = "page:1", access: list[str] | None = None) -> IndexDocument:
    return IndexDocument(
        key=key,
        kind="case-study",
        title="Hospital discharge for older people",
        url="/en/case-studies/discharge/",
        summary="Home sooner.",
        body="The reablement team...",
        date=datetime(2010, 5, 1, tzinfo=UTC),
        facets={"theme": [12], "region": [5, 1], "year": [2010], "tag": ["Co-production"]},
        access=["public"] if access is None else access,
        display={"themes": ["Frail elderly"]},
    )


def query(q: str = "", sort: str = "relevance", **filters: list[str]) -> EngineQuery:
    return EngineQuery(parse(q), filters=filters, access={"public", "login"}, sort=sort, limit=10)


# Mapping --------------------------------------------------------------------------------------


def test_text_fields_use_the_english_analyser_with_folded_accents():
    body = build_index("exchange-v1").to_dict()
    analysis = body["settings"]["analysis"]
    folded = analysis["analyzer"]["english_folded"]
    assert folded["filter"][1:3] == ["lowercase", "asciifolding"]
    assert analysis["filter"]["english_stemmer"] == {"type": "stemmer", "language": "english"}
    properties = body["mappings"]["properties"]
    for name in ("title", "summary", "taxonomy", "body"):
        assert properties[name]["type"] == "text"
        assert properties[name]["analyzer"] == "english_folded"


def test_facets_are_keywords_and_titles_have_an_exact_keyword():
    properties = build_mapping().to_dict()["properties"]
    assert set(properties["facets"]["properties"]) == set(FACETS)
    assert all(p["type"] == "keyword" for p in properties["facets"]["properties"].values())
    assert properties["title"]["fields"]["raw"]["type"] == "keyword"
    assert properties["access"]["type"] == "keyword"
    assert properties["display"]["enabled"] is False


def test_suggestions_are_a_completion_field_with_an_access_context():
    suggest = build_mapping().to_dict()["properties"]["suggest"]
    assert suggest["type"] == "completion"
    assert suggest["contexts"] == [{"name": "access", "type": "category"}]


def test_a_loading_index_does_not_refresh_and_has_one_shard():
    settings = build_index("exchange-v1", loading=True).to_dict()["settings"]
    assert settings["refresh_interval"] == "-1"
    assert settings["number_of_shards"] == 1


# Documents ------------------------------------------------------------------------------------


def test_stored_document_holds_facet_keys_as_index_tokens():
    source = to_source(document())
    assert source["facets"]["type"] == ["casestudy"]
    assert source["facets"]["theme"] == ["12"]
    assert source["facets"]["tag"] == ["coproduction"]
    assert source["date"] == "2010-05-01T00:00:00+00:00"
    assert source["suggest"]["contexts"] == {"access": ["public"]}


def test_a_document_nobody_may_see_is_never_suggested():
    assert "suggest" not in to_source(document(access=[]))


def test_titles_are_suggested_from_each_word():
    assert suggestion_inputs("Troubled families in Newport") == [
        "Troubled families in Newport",
        "families in Newport",
        "in Newport",
        "Newport",
    ]


# Queries --------------------------------------------------------------------------------------


def test_every_word_must_match_exactly_or_within_a_typo():
    body = build_search(query("hospital discharge")).to_dict()
    must = body["query"]["bool"]["must"]
    assert len(must) == 2
    exact, fuzzy = must[0]["bool"]["should"]
    assert exact["multi_match"]["fields"] == ["title^10", "summary^5", "taxonomy^3", "body"]
    assert "fuzziness" not in exact["multi_match"]
    assert fuzzy["multi_match"]["fuzziness"] == "AUTO"
    assert fuzzy["multi_match"]["boost"] < 1


def test_phrases_and_exclusions():
    body = build_search(query('"older people" -police')).to_dict()["query"]["bool"]
    assert body["must"][0]["multi_match"]["type"] == "phrase"
    assert body["must"][0]["multi_match"]["query"] == "older people"
    assert body["must_not"][0]["multi_match"]["query"] == "police"


def test_access_is_a_filter_on_the_query_so_counts_respect_it():
    body = build_search(query("hospital")).to_dict()
    assert body["query"]["bool"]["filter"] == [{"terms": {"access": ["login", "public"]}}]


def test_relaxed_search_needs_any_word():
    bool_query = build_search(query("hospital payroll"), any_word=True).to_dict()["query"]["bool"]
    assert len(bool_query["should"]) == 2
    assert bool_query["minimum_should_match"] == 1
    assert "must" not in bool_query


def test_each_facet_counts_with_the_other_filters_but_not_its_own():
    body = build_search(query("care", theme=["12"], region=["5", "1"])).to_dict()
    assert body["post_filter"] == {
        "bool": {
            "filter": [
                {"terms": {"facets.theme": ["12"]}},
                {"terms": {"facets.region": ["1", "5"]}},
            ]
        }
    }
    aggs = body["aggs"]
    assert aggs["theme"]["filter"] == {
        "bool": {"filter": [{"terms": {"facets.region": ["1", "5"]}}]}
    }
    assert aggs["region"]["filter"] == {"bool": {"filter": [{"terms": {"facets.theme": ["12"]}}]}}
    assert len(aggs["year"]["filter"]["bool"]["filter"]) == 2
    assert aggs["theme"]["aggs"]["keys"]["terms"]["field"] == "facets.theme"
    assert set(FACETS) <= set(aggs)


def test_relevance_uses_a_title_rescore_window_and_newest_sorts_by_date():
    relevance = build_search(query("learning history")).to_dict()
    assert "sort" not in relevance
    assert relevance["rescore"]["window_size"] == 100
    exact = relevance["rescore"]["query"]["rescore_query"]["bool"]["should"][0]
    assert exact["constant_score"]["filter"] == {"term": {"title.raw": "learning history"}}
    newest = build_search(query("learning history", sort="newest")).to_dict()
    assert "rescore" not in newest
    assert newest["sort"][0] == {"date": {"order": "desc", "missing": "_last"}}
    # No words: nothing to rank, so newest first.
    assert "sort" in build_search(query("")).to_dict()


def test_a_search_in_welsh_leaves_out_english_versions_and_ranks_welsh_first():
    welsh = query("older people")
    welsh.language = "cy"
    body = build_search(welsh).to_dict()
    outer = body["query"]["bool"]
    first = outer["should"][0]["constant_score"]
    assert first["filter"] == {"term": {"language": "cy"}}
    assert first["boost"] >= 100 * EXACT_TITLE_BOOST  # above any text score and title tier
    inner = outer["must"][0]["bool"]
    elsewhere = {
        "bool": {
            "filter": [{"term": {"also_in": "cy"}}],
            "must_not": [{"term": {"language": "cy"}}],
        }
    }
    assert elsewhere in inner["must_not"]
    assert "rescore" in body  # the title tiers still apply, within each language
    # Newest first within each language: the language constant is the whole score.
    welsh.sort = "newest"
    newest = build_search(welsh).to_dict()
    assert "filter" in newest["query"]["bool"] and "must" not in newest["query"]["bool"]
    assert newest["sort"][0] == {"_score": {"order": "desc"}}
    # In English, documents of unknown language count as English.
    english = query("older people")
    english.language = "en"
    filter_ = build_search(english).to_dict()["query"]["bool"]["should"][0]["constant_score"]
    assert filter_["filter"] == {"bool": {"must_not": [{"terms": {"language": ["cy"]}}]}}


def test_stored_document_says_its_language_and_other_versions():
    source = to_source(document())
    assert source["language"] is None and source["also_in"] == []
    welsh = document()
    welsh.language, welsh.also_in = "cy", ["en"]
    source = to_source(welsh)
    assert (source["language"], source["also_in"]) == ("cy", ["en"])
    properties = build_mapping().to_dict()["properties"]
    assert properties["language"]["type"] == properties["also_in"]["type"] == "keyword"
    assert hit_from({**source, "key": "page:1"}).language == "cy"


def test_pages_highlights_and_totals():
    q = query("hospital")
    q.offset = 20
    body = build_search(q).to_dict()
    assert (body["from"], body["size"], body["track_total_hits"]) == (20, 10, True)
    assert body["highlight"]["pre_tags"] == [MARK_START]
    assert list(body["highlight"]["fields"]) == ["body", "summary", "taxonomy"]
    assert "body" in body["_source"]["excludes"]


# Responses ------------------------------------------------------------------------------------


def response(total: int = 1, matched: int = 1) -> dict[str, Any]:
    hit_source = to_source(document())
    aggregations: dict[str, Any] = {
        facet: {"doc_count": 7, "keys": {"buckets": []}} for facet in FACETS
    }
    aggregations["theme"]["keys"]["buckets"] = [
        {"key": "12", "doc_count": 1},
        {"key": "13", "doc_count": 0},
    ]
    aggregations["matched"] = {"doc_count": matched}
    return {
        "hits": {
            "total": {"value": total, "relation": "eq"},
            "hits": [
                {
                    "_id": "page:1",
                    "_source": hit_source,
                    "highlight": {
                        "body": [f"a <script> next to {MARK_START}hospital{MARK_END} & care"]
                    },
                }
            ]
            if total
            else [],
        },
        "aggregations": aggregations,
    }


def test_results_are_read_from_the_response_with_escaped_highlights():
    result = result_from(response(), query("hospital", theme=["12"]), relaxed=False)
    assert result.total == 1
    hit = result.hits[0]
    assert hit.key == "page:1"
    assert hit.highlight == "a &lt;script&gt; next to <mark>hospital</mark> &amp; care"
    assert hit.date == datetime(2010, 5, 1, tzinfo=UTC)
    assert hit.display == {"themes": ["Frail elderly"]}
    assert result.facets["theme"] == {"12": 1}  # zero counts dropped
    assert result.without == {"theme": 7}


def test_a_search_with_no_document_holding_every_word_is_relaxed():
    client = FakeClient([response(total=0, matched=0), response(total=1, matched=1)])
    engine = engine_with(client)
    result = engine.search(query("hospital payroll"))
    assert result.relaxed and result.total == 1
    first, second = client.named("search")
    assert "must" in first[2]["query"]["bool"]
    assert second[2]["query"]["bool"]["minimum_should_match"] == 1
    assert first[1] == ALIAS


def test_one_word_searches_are_never_relaxed():
    client = FakeClient([response(total=0, matched=0)])
    result = engine_with(client).search(query("zeppelin"))
    assert (result.total, result.relaxed) == (0, False)
    assert len(client.named("search")) == 1


def test_suggestions_ask_for_titles_the_person_may_see():
    body = build_suggest("troubled fam", {"public", "group7"}, 8)
    completion = body["suggest"]["titles"]["completion"]
    assert body["suggest"]["titles"]["prefix"] == "troubled fam"
    assert completion["contexts"] == {"access": ["group7", "public"]}
    source = to_source(document())
    options = [{"_source": source}, {"_source": source}]
    client = FakeClient([{"suggest": {"titles": [{"options": options}]}}])
    hits = engine_with(client).suggest("Troubled  FAM", {"public"})
    assert [h.key for h in hits] == ["page:1"]  # the same page once
    assert client.named("search")[0][2]["suggest"]["titles"]["prefix"] == "troubled fam"
    assert engine_with(FakeClient()).suggest("x", set()) == []


def test_spelling_asks_only_about_unknown_words():
    body = build_spelling(["hospitl"])
    assert body["suggest"]["w0"]["term"]["suggest_mode"] == "missing"
    assert body["suggest"]["w0"]["term"]["field"] == "spell"
    client = FakeClient(
        [{"suggest": {"w0": [{"text": "hospitl", "options": [{"text": "hospital"}]}]}}]
    )
    assert engine_with(client).spelling(["hospitl", "x1"]) == {"hospitl": "hospital"}


# Index management -----------------------------------------------------------------------------


def test_rebuild_fills_a_new_index_then_moves_the_alias_in_one_request():
    client = FakeClient()
    engine = engine_with(client)
    written = engine.rebuild(
        [[document("page:1"), document("page:2")], [document("page:3")]], print
    )
    assert written == 3
    created = client.named("create")[0]
    new = created[1]
    assert engine.is_versioned(new) and new != OLD
    assert created[2]["settings"]["refresh_interval"] == "-1"
    for bulk in client.named("bulk"):
        assert bulk[2]["index"] == new  # never the live alias while loading
        assert bulk[2]["require_alias"] is False
    assert client.named("put_settings")[0][2] == {"index": {"refresh_interval": None}}
    (update,) = client.named("update_aliases")
    assert update[1] == [
        {"remove": {"index": OLD, "alias": ALIAS}},
        {"add": {"index": new, "alias": ALIAS}},
    ]
    assert ("delete", OLD) in client.calls  # the old version goes once nothing uses it
    assert client.aliases == {new: ALIAS}


def test_a_failed_rebuild_leaves_the_old_index_live():
    client = FakeClient()
    client.fail_bulk_after = 1
    engine = engine_with(client)
    with pytest.raises(EngineUnavailable):
        engine.rebuild([[document("page:1")], [document("page:2")]], lambda n: None)
    new = client.named("create")[0][1]
    assert ("delete", new) in client.calls
    assert client.named("update_aliases") == []
    assert client.aliases == {OLD: ALIAS}


def test_writes_go_through_the_alias_and_are_visible_at_once():
    client = FakeClient()
    engine_with(client).write([document()])
    (bulk,) = client.named("bulk")
    assert bulk[1][0] == {"index": {"_id": "page:1"}}
    assert bulk[2] == {"index": ALIAS, "refresh": True, "require_alias": True}


def test_the_first_write_creates_an_index_behind_the_alias():
    client = FakeClient()
    engine = engine_with(client, live=False)
    engine.delete(["page:9"])
    (created,) = client.named("create")
    assert client.aliases == {created[1]: ALIAS}
    assert client.named("bulk")[0][1] == [{"delete": {"_id": "page:9"}}]


def test_writes_inside_a_transaction_wait_for_the_commit(db, django_capture_on_commit_callbacks):
    client = FakeClient()
    engine = engine_with(client)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        engine.write([document()])
    assert client.named("bulk") == []
    callbacks[0]()
    assert len(client.named("bulk")) == 1


def test_a_write_to_an_unreachable_server_is_logged_not_raised(caplog):
    client = FakeClient()
    client.fail_bulk_after = 0
    with caplog.at_level(logging.ERROR):
        engine_with(client).write([document()])
    assert "search_index --rebuild" in caplog.text


def test_drop_old_keeps_the_live_index_and_other_sites_indices():
    client = FakeClient()
    engine = engine_with(client)
    stale = "exchange-v20240101000000000000"
    other_site = "exchange-staging-v20240101000000000000"
    client.indices_made += [stale, other_site]
    assert engine.drop_old() == [stale]
    assert OLD in client.indices_made and other_site in client.indices_made


def test_search_index_status_lists_versions(settings, capsys):
    client = FakeClient()
    set_engine(engine_with(client))
    try:
        call_command("search_index")
    finally:
        set_engine(None)
    out = capsys.readouterr().out
    assert f"live  {OLD}  3 documents" in out


def test_search_index_create_refuses_when_an_index_is_live():
    set_engine(engine_with(FakeClient()))
    try:
        with pytest.raises(CommandError, match="already points at"):
            call_command("search_index", "--create")
    finally:
        set_engine(None)


def test_an_unreachable_server_gives_a_clear_command_error(settings):
    # Port 9 (discard) has nothing listening here: a real client, a real refusal.
    settings.ELASTICSEARCH_URL = "http://127.0.0.1:9"
    set_engine(None)
    try:
        with pytest.raises(CommandError, match="cannot be reached"):
            call_command("search_index", "--status")
    finally:
        set_engine(None)


@pytest.mark.django_db
def test_loading_demo_content_while_search_is_down_warns_and_goes_on(settings):
    settings.ELASTICSEARCH_URL = "http://127.0.0.1:9"
    set_engine(None)
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("load_demo_content", "--no-accounts", stdout=out, stderr=err)
    finally:
        set_engine(None)
    assert "Demo content already up to date" in out.getvalue()
    assert "Search index not rebuilt" in err.getvalue()
    assert "search_index --rebuild" in err.getvalue()


# HTTP when the engine is down ------------------------------------------------------------------


class DownEngine:
    name = "down"
    spelling_supported = False

    def search(self, query: EngineQuery):
        raise EngineUnavailable("Elasticsearch at http://search.test cannot be reached")

    def suggest(self, prefix: str, access: set[str], limit: int = 8, language: str = ""):
        raise EngineUnavailable("Elasticsearch at http://search.test cannot be reached")


@pytest.mark.django_db
def test_search_page_and_api_say_search_is_unavailable(client):
    set_engine(DownEngine())  # type: ignore[arg-type]
    try:
        page = client.get("/en/search/", {"q": "hospital"})
        api = client.get("/api/search/", {"q": "hospital"})
        suggest = client.get("/api/search/suggest/", {"q": "hos"})
    finally:
        set_engine(None)
    assert page.status_code == 503
    assert "Search is unavailable right now" in page.content.decode()
    assert api.status_code == 503
    assert "unavailable" in api.json()["detail"]
    assert suggest.status_code == 503
