"""The search engine contract: one suite, run against every engine.

Each engine gets the same small, hand-made index (`DOCUMENTS`) through `rebuild`, so the
expected answers can be worked out by reading the documents. `TestDatabaseEngine` always runs;
`TestElasticsearchEngine` runs when ELASTICSEARCH_URL reaches a live cluster and is skipped with
the reason otherwise.
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime

import pytest

from search.documents import IndexDocument
from search.engines.base import EngineQuery
from search.engines.database import DatabaseEngine, forget_bitmaps
from search.query import parse

WALES, SOUTH_EAST_WALES, CARDIFF, NEWPORT = 10, 20, 30, 31
ENGLAND, EAST, ESSEX = 11, 41, 40
FRAIL, FAMILIES, BACK_OFFICE = 1, 2, 3


def doc(key: str, title: str, **kwargs) -> IndexDocument:
    kwargs.setdefault("kind", "case-study")
    kwargs.setdefault("url", f"/test/{key}/")
    return IndexDocument(key=f"test:{key}", title=title, **kwargs)


def when(year: int) -> datetime:
    return datetime(year, 1, 1, tzinfo=UTC)


DOCUMENTS = [
    doc(
        "discharge",
        "Hospital discharge for older people in Cardiff",
        summary="Getting frail older people home from hospital sooner.",
        taxonomy="Frail elderly · Cardiff",
        body="The reablement team met patients on the ward and planned each discharge with "
        "their carers, so fewer people went from a hospital bed into a care home.",
        facets={
            "theme": [FRAIL],
            "region": [CARDIFF, SOUTH_EAST_WALES, WALES],
            "org": [100],
            "level": [2],
            "tag": [5],
            "year": [2009, 2010],
        },
        date=when(2010),
        display={"themes": ["Frail elderly"], "regions": ["Cardiff"]},
    ),
    doc(
        "families",
        "Troubled families in Newport",
        kind="project",
        summary="One key worker for each family with many needs.",
        body="Police, schools and housing shared what they knew about each family.",
        facets={"theme": [FAMILIES], "region": [NEWPORT, SOUTH_EAST_WALES, WALES], "year": [2012]},
        date=when(2012),
    ),
    doc(
        "journeys",
        "Customer journey mapping",
        kind="method",
        summary="Follow residents through every service they touch.",
        body="Map the journey a resident takes between the council, the GP and the hospital, "
        "then remove the steps that add nothing.",
        facets={"theme": [FRAIL, FAMILIES], "region": [ENGLAND]},
        date=when(2008),
    ),
    doc(
        "back-office",
        "Shared back office in Essex",
        summary="Councils sharing finance and human resources services.",
        body="Three councils and the police moved payroll onto one shared service.",
        facets={"theme": [BACK_OFFICE], "region": [ESSEX, EAST, ENGLAND], "year": [2011]},
        date=when(2011),
    ),
    doc(
        "secret",
        "Secret hospital plan for Cardiff",
        summary="Only for members of one group.",
        facets={"theme": [FRAIL], "region": [CARDIFF, SOUTH_EAST_WALES, WALES]},
        access=["group7"],
        date=when(2013),
    ),
    doc(
        "members",
        "Discharge review for signed-in members",
        summary="Visible to anyone signed in.",
        facets={"theme": [FRAIL], "region": [WALES]},
        access=["login"],
        date=when(2014),
    ),
    doc(
        "nobody",
        "Hospital page behind a password",
        summary="Never listed in search.",
        facets={"theme": [FRAIL]},
        access=[],
        date=when(2015),
    ),
    doc(
        "cardiff-council",
        "Cardiff Council",
        kind="organisation",
        summary="Council in Cardiff",
        facets={"org": [100], "region": [CARDIFF, SOUTH_EAST_WALES, WALES]},
    ),
    doc(
        "markup",
        "Plain words about care",
        summary="Text that looks like markup must come back escaped.",
        body="Someone wrote <script>alert(1)</script> next to the word hospital & care.",
        facets={"theme": [BACK_OFFICE]},
        date=when(2007),
    ),
]

PUBLIC = {"public"}

# Cymraeg: a theme page and its Welsh translation, an English-only and a Welsh-only page, and a
# forum thread whose language nobody recorded.
LANGUAGE_DOCUMENTS = [
    doc(
        "theme-en",
        "Frail elderly",
        kind="theme",
        summary="Support for frail older people.",
        language="en",
        also_in=["cy"],
        date=when(2010),
    ),
    doc(
        "theme-cy",
        "Pobl hŷn eiddil",
        kind="theme",
        summary="Cymorth i bobl hŷn eiddil.",
        taxonomy="Frail elderly",
        language="cy",
        also_in=["en"],
        date=when(2009),
    ),
    doc(
        "case-en",
        "Frail patients leaving hospital",
        summary="Hospital discharge for frail people.",
        language="en",
        date=when(2012),
    ),
    doc("thread", "A question about frail care", kind="thread", date=when(2013)),
    doc(
        "welsh-only",
        "Gofal eiddil yn y gymuned",
        summary="Gofal yn y gymuned (frail care), yn Gymraeg yn unig.",
        language="cy",
        date=when(2011),
    ),
]


class EngineContract:
    """Behaviour every engine must show. Subclasses provide the `engine` fixture."""

    @pytest.fixture
    def loaded(self, engine):
        engine.rebuild([DOCUMENTS], lambda written: None)
        return engine

    def run(
        self,
        engine,
        q="",
        access=PUBLIC,
        sort="relevance",
        offset=0,
        limit=20,
        language="",
        **filters,
    ):
        query = EngineQuery(
            query=parse(q),
            filters={facet: [str(v) for v in values] for facet, values in filters.items()},
            access=set(access),
            sort=sort,
            offset=offset,
            limit=limit,
            language=language,
        )
        return engine.search(query)

    def keys(self, result):
        return [hit.key.removeprefix("test:") for hit in result.hits]

    # Words ---------------------------------------------------------------------------------

    def test_rebuild_counts_every_document(self, loaded):
        assert loaded.document_count() == len(DOCUMENTS)

    def test_stemming_matches_other_forms_of_a_word(self, loaded):
        assert "discharge" in self.keys(self.run(loaded, "discharging"))
        assert "families" in self.keys(self.run(loaded, "family"))

    def test_every_word_must_match(self, loaded):
        assert self.keys(self.run(loaded, "hospital Cardiff")) == ["discharge"]

    def test_title_and_summary_outrank_body(self, loaded):
        keys = self.keys(self.run(loaded, "hospital"))
        assert keys[0] == "discharge"
        assert set(keys) == {"discharge", "journeys", "markup"}

    def test_phrase_in_quotes_must_appear_together(self, loaded):
        assert self.keys(self.run(loaded, '"older people"')) == ["discharge"]
        assert self.keys(self.run(loaded, '"people older"')) == []

    def test_minus_excludes_a_word(self, loaded):
        assert set(self.keys(self.run(loaded, "hospital -Cardiff"))) == {"journeys", "markup"}
        assert "back-office" not in self.keys(self.run(loaded, "-police"))
        assert "discharge" in self.keys(self.run(loaded, "-police"))

    def test_no_document_has_every_word_so_any_word_is_used(self, loaded):
        result = self.run(loaded, "hospital payroll")
        assert result.relaxed
        assert {"discharge", "back-office"} <= set(self.keys(result))

    def test_nothing_found(self, loaded):
        result = self.run(loaded, "zeppelin")
        assert (result.total, result.hits, result.relaxed) == (0, [], False)
        assert all(not counts for counts in result.facets.values())

    def test_highlight_marks_matches_and_escapes_the_text(self, loaded):
        hit = next(h for h in self.run(loaded, "hospital").hits if h.key == "test:markup")
        assert "<mark>hospital</mark>" in hit.highlight
        assert "alert(1)" in hit.highlight
        assert "<script" not in hit.highlight  # escaped (SQLite) or dropped (PostgreSQL)
        assert "&amp; care" in hit.highlight

    # Facets --------------------------------------------------------------------------------

    def test_or_within_a_facet_and_across_facets(self, loaded):
        both = self.run(loaded, theme=[FRAIL, FAMILIES])
        assert set(self.keys(both)) == {"discharge", "families", "journeys"}
        in_wales = self.run(loaded, theme=[FRAIL, FAMILIES], region=[WALES])
        assert set(self.keys(in_wales)) == {"discharge", "families"}
        assert in_wales.total == 2

    def test_choosing_a_nation_includes_its_places(self, loaded):
        assert set(self.keys(self.run(loaded, region=[SOUTH_EAST_WALES]))) == {
            "discharge",
            "families",
            "cardiff-council",
        }

    def test_each_facet_counts_with_the_other_filters_but_not_its_own(self, loaded):
        result = self.run(loaded, theme=[FRAIL], region=[WALES])
        # Theme counts ignore the theme filter but apply the region filter.
        assert result.facets["theme"] == {str(FRAIL): 1, str(FAMILIES): 1}
        # Region counts ignore the region filter but apply the theme filter.
        assert result.facets["region"][str(WALES)] == 1
        assert result.facets["region"][str(ENGLAND)] == 1
        # Other facets count the fully filtered results.
        assert result.facets["year"] == {"2009": 1, "2010": 1}
        assert result.facets["type"] == {"casestudy": 1}

    def test_counts_with_nothing_chosen(self, loaded):
        result = self.run(loaded)
        assert result.total == 6
        assert result.facets["type"] == {
            "casestudy": 3,
            "project": 1,
            "method": 1,
            "organisation": 1,
        }
        assert result.facets["region"][str(WALES)] == 3

    def test_without_counts_say_what_removing_a_filter_would_give(self, loaded):
        result = self.run(loaded, theme=[BACK_OFFICE], region=[WALES])
        assert result.total == 0
        assert result.without == {"theme": 3, "region": 2}

    # Access --------------------------------------------------------------------------------

    def test_restricted_documents_are_left_out_of_results_and_counts(self, loaded):
        anonymous = self.run(loaded, "hospital Cardiff")
        assert self.keys(anonymous) == ["discharge"]
        assert anonymous.facets["theme"] == {str(FRAIL): 1}
        group = self.run(loaded, "hospital Cardiff", access={"public", "login", "group7"})
        assert set(self.keys(group)) == {"discharge", "secret"}
        assert group.facets["theme"] == {str(FRAIL): 2}

    def test_signed_in_people_see_login_only_documents(self, loaded):
        assert self.keys(self.run(loaded, "review")) == []
        assert self.keys(self.run(loaded, "review", access={"public", "login"})) == ["members"]

    def test_a_document_with_no_access_tokens_is_never_found(self, loaded):
        everyone = {"public", "login", "group7", "superuser"}
        assert "nobody" not in self.keys(self.run(loaded, "password", access=everyone))
        assert "nobody" not in self.keys(self.run(loaded, access=everyone, limit=50))

    # Order and pages -----------------------------------------------------------------------

    def test_newest_first(self, loaded):
        keys = self.keys(self.run(loaded, sort="newest"))
        assert keys[:5] == ["families", "back-office", "discharge", "journeys", "markup"]
        assert keys[-1] == "cardiff-council"  # no date: last

    def test_pages(self, loaded):
        first = self.run(loaded, sort="newest", limit=2)
        second = self.run(loaded, sort="newest", offset=2, limit=2)
        assert first.total == second.total == 6
        assert self.keys(first) == ["families", "back-office"]
        assert self.keys(second) == ["discharge", "journeys"]
        assert self.keys(self.run(loaded, sort="newest", offset=6, limit=2)) == []

    # Suggestions and spelling --------------------------------------------------------------

    def test_suggestions_complete_the_last_word(self, loaded):
        titles = [hit.title for hit in loaded.suggest("hosp", PUBLIC)]
        assert titles == ["Hospital discharge for older people in Cardiff"]
        titles = [hit.title for hit in loaded.suggest("troubled fam", PUBLIC)]
        assert titles == ["Troubled families in Newport"]

    def test_suggestions_respect_access(self, loaded):
        assert "Secret hospital plan for Cardiff" not in [
            hit.title for hit in loaded.suggest("secret", PUBLIC)
        ]
        assert [hit.title for hit in loaded.suggest("secret", {"public", "group7"})] == [
            "Secret hospital plan for Cardiff"
        ]

    def test_spelling_suggestion_for_an_unknown_word(self, loaded):
        if not loaded.spelling_supported:
            pytest.skip(f"{loaded.name} on this database gives no spelling suggestions")
        assert loaded.spelling(["hospitl"]) == {"hospitl": "hospital"}
        assert loaded.spelling(["hospital"]) == {}

    # Writing -------------------------------------------------------------------------------

    def test_write_replaces_by_key_and_delete_removes(self, loaded):
        changed = doc("families", "Family support hubs in Newport", kind="project")
        changed.facets = {"region": [NEWPORT, SOUTH_EAST_WALES, WALES]}
        loaded.write([changed])
        assert self.keys(self.run(loaded, "hubs")) == ["families"]
        assert self.keys(self.run(loaded, "troubled")) == []
        assert self.run(loaded, theme=[FAMILIES]).total == 1  # only the method now
        loaded.delete(["test:families", "test:not-there"])
        assert self.keys(self.run(loaded, "hubs")) == []
        assert loaded.document_count() == len(DOCUMENTS) - 1

    def test_new_document_is_found_at_once(self, loaded):
        loaded.write([doc("new", "Falls prevention in Powys", facets={"theme": [FRAIL]})])
        result = self.run(loaded, "falls", theme=[FRAIL])
        assert self.keys(result) == ["new"]

    # Languages (Cymraeg) -------------------------------------------------------------------

    @pytest.fixture
    def bilingual(self, engine):
        engine.rebuild([LANGUAGE_DOCUMENTS], lambda written: None)
        return engine

    def test_a_translated_page_is_found_once_in_the_visitors_language(self, bilingual):
        welsh = self.keys(self.run(bilingual, "frail", language="cy"))
        english = self.keys(self.run(bilingual, "frail", language="en"))
        assert "theme-cy" in welsh and "theme-en" not in welsh
        assert "theme-en" in english and "theme-cy" not in english
        assert {"theme-en", "theme-cy"} <= set(self.keys(self.run(bilingual, "frail")))

    def test_the_visitors_language_comes_first(self, bilingual):
        welsh = self.keys(self.run(bilingual, "frail", language="cy"))
        assert set(welsh[:2]) == {"theme-cy", "welsh-only"}
        assert set(welsh[2:]) == {"case-en", "thread"}
        english = self.keys(self.run(bilingual, "frail", language="en"))
        assert set(english[:3]) == {"theme-en", "case-en", "thread"}  # unknown counts as English
        assert english[3:] == ["welsh-only"]

    def test_newest_first_within_each_language(self, bilingual):
        welsh = self.keys(self.run(bilingual, sort="newest", language="cy"))
        assert welsh == ["welsh-only", "theme-cy", "thread", "case-en"]
        english = self.keys(self.run(bilingual, sort="newest", language="en"))
        assert english == ["thread", "case-en", "theme-en", "welsh-only"]

    def test_pages_run_on_across_the_languages(self, bilingual):
        whole = self.keys(self.run(bilingual, "frail", language="cy"))
        paged = []
        for offset in range(len(whole)):
            result = self.run(bilingual, "frail", language="cy", offset=offset, limit=1)
            assert result.total == len(whole)
            paged += self.keys(result)
        assert paged == whole

    def test_counts_agree_with_what_is_shown(self, bilingual):
        result = self.run(bilingual, "frail", language="cy")
        assert result.total == len(result.hits) == 4
        assert sum(result.facets["type"].values()) == 4
        assert result.facets["type"].get("theme") == 1

    def test_hits_say_their_language(self, bilingual):
        languages = {
            hit.key.removeprefix("test:"): hit.language
            for hit in self.run(bilingual, "frail", language="cy").hits
        }
        assert languages == {"theme-cy": "cy", "welsh-only": "cy", "case-en": "en", "thread": ""}

    def test_suggestions_leave_out_the_other_version(self, bilingual):
        titles = [hit.title for hit in bilingual.suggest("pobl", PUBLIC, language="en")]
        assert titles == []
        titles = [hit.title for hit in bilingual.suggest("pobl", PUBLIC, language="cy")]
        assert titles == ["Pobl hŷn eiddil"]


class TestDatabaseEngine(EngineContract):
    @pytest.fixture
    def engine(self, db):
        forget_bitmaps()
        yield DatabaseEngine()
        forget_bitmaps()


def elasticsearch_or_skip():
    url = os.environ.get("ELASTICSEARCH_URL", "")
    if not url:
        pytest.skip("ELASTICSEARCH_URL is not set, so the Elasticsearch contract run is skipped")
    try:
        from search.engines.elasticsearch import ElasticsearchEngine
    except ImportError as error:  # pragma: no cover - the client is pinned in requirements
        pytest.skip(f"The Elasticsearch client is not installed: {error}")
    engine = ElasticsearchEngine(url, prefix=f"contract-{uuid.uuid4().hex[:8]}")
    try:
        engine.ping()
    except Exception as error:
        pytest.skip(f"Elasticsearch at {url} is not reachable: {error}")
    return engine


@pytest.mark.elasticsearch
class TestElasticsearchEngine(EngineContract):
    @pytest.fixture
    def engine(self):
        engine = elasticsearch_or_skip()
        yield engine
        engine.drop_all()
