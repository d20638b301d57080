"""The Elasticsearch engine, used when `ELASTICSEARCH_URL` is set: for sites that outgrow the
database engine, or that want typo-tolerant matching.

Built with elasticsearch-dsl: the mapping, the queries and the aggregations are dsl objects, so
the unit tests can read exactly what would be sent (`build_mapping`, `build_search`) without a
cluster. The site reads and writes through an alias (`<prefix>`); each full rebuild fills a new
index named `<prefix>-<timestamp>` and then moves the alias in one atomic request, so searches
never meet a missing or half-built index.

Searches keep the contract of `search.engines.base`: every plain word must match (stemmed by
the English analyser, or within a typo of a known word), quoted phrases match in order, `-word`
excludes; when no document has every word, any word will do (`relaxed`). Facet counts follow the
`FacetedSearch` pattern: filters go in `post_filter`, and each facet's terms aggregation sits
inside a filter aggregation holding every *other* facet's filter, so its counts take the other
choices into account but not its own. Who may see a document is a `terms` filter on its access
tokens, applied to the query itself, so results, counts and suggestions all respect it.

Supported servers: Elasticsearch 8.x through the pinned 8.19 client; Elasticsearch 9.x accepts
that client through its REST API compatibility headers. Nothing here uses a 9-only feature.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from elastic_transport import TransportError
from elasticsearch import ApiError, Elasticsearch, NotFoundError
from elasticsearch_dsl import (
    Completion,
    Date,
    Index,
    Keyword,
    Mapping,
    Object,
    Q,
    Search,
    Text,
    analyzer,
    normalizer,
    token_filter,
)

from search.documents import FACETS, IndexDocument, token_value
from search.engines.base import (
    MARK_END,
    MARK_START,
    Engine,
    EngineHit,
    EngineQuery,
    EngineResult,
    EngineUnavailable,
    ProgressCallback,
    safe_highlight,
)
from search.query import ParsedQuery, words_of

logger = logging.getLogger(__name__)

# Field weights, the same as the database engine's bm25 weights (tuned on the relevance set).
WEIGHTED_FIELDS = ["title^10", "summary^5", "taxonomy^3", "body"]
TEXT_FIELDS = ["title", "summary", "taxonomy", "body"]
# A typo-tolerant match of a word counts for this much of an exact one, so exact spellings
# come first and typos still find something.
FUZZY_WEIGHT = 0.2
# Like the database engine's rescore window: among the best hundred, a title equal to the
# query comes first, then titles holding every word.
RESCORE_WINDOW = 100
EXACT_TITLE_BOOST = 10000.0
ALL_WORDS_IN_TITLE_BOOST = 1000.0
FACET_SIZE = 1000  # keys counted per facet; more than any facet holds on the demo or at 100k
BULK_CHUNK = 500
SUGGEST_INPUT_WORDS = 8  # a title is suggested from each of its first eight words
HIGHLIGHT_FIELDS = ["body", "summary", "taxonomy"]  # in the order the snippet prefers
SOURCE_EXCLUDES = ["body", "taxonomy", "suggest"]
# Documents in the visitor's language come before all others: far above any text score and the
# title boosts, so the two groups never mix.
LANGUAGE_BOOST = 1_000_000.0

# Analysis -------------------------------------------------------------------------------------

english = analyzer(
    "english_folded",
    tokenizer="standard",
    filter=[
        token_filter("english_possessive", type="stemmer", language="possessive_english"),
        "lowercase",
        "asciifolding",  # Ynys Môn is found by "Ynys Mon"
        token_filter("english_stemmer", type="stemmer", language="english"),
    ],
)
plain = analyzer("plain_folded", tokenizer="standard", filter=["lowercase", "asciifolding"])
lowercase = normalizer("lowercase_folded", filter=["lowercase", "asciifolding"])


def build_mapping() -> Mapping:
    """The index mapping.

    Text fields use the English analyser (stemming, folded accents). `title.raw` is the whole
    title as one lowercase keyword (for the exact-title tier); `spell` gathers unstemmed words
    for spelling suggestions; `facets.<name>` are keywords holding each facet's keys;
    `suggest` is a completion field whose `access` context keeps restricted titles out of
    suggestions; `display` is stored but not indexed.
    """
    mapping = Mapping()
    mapping.field("key", Keyword())
    mapping.field("kind", Keyword())
    mapping.field(
        "title",
        Text(
            analyzer=english,
            copy_to="spell",
            fields={"raw": Keyword(normalizer=lowercase, ignore_above=512)},
        ),
    )
    mapping.field("summary", Text(analyzer=english, copy_to="spell"))
    mapping.field("taxonomy", Text(analyzer=english))
    mapping.field("body", Text(analyzer=english, copy_to="spell", index_options="offsets"))
    mapping.field("spell", Text(analyzer=plain))
    mapping.field("url", Keyword(index=False))
    mapping.field("date", Date())
    mapping.field("facets", Object(properties={name: Keyword() for name in FACETS}))
    mapping.field("access", Keyword())
    mapping.field("language", Keyword())
    mapping.field("also_in", Keyword())
    mapping.field("display", Object(enabled=False))
    mapping.field(
        "suggest",
        Completion(
            analyzer=plain,
            preserve_separators=True,
            contexts=[{"name": "access", "type": "category"}],
        ),
    )
    return mapping


def build_index(name: str, replicas: int = 0, loading: bool = False) -> Index:
    """A versioned index with the mapping; `loading` turns refreshes off for a bulk load."""
    index = Index(name)
    index_settings: dict[str, Any] = {"number_of_shards": 1, "number_of_replicas": replicas}
    if loading:
        index_settings["refresh_interval"] = "-1"
    index.settings(**index_settings)
    index.mapping(build_mapping())
    return index


# Documents ------------------------------------------------------------------------------------


def suggestion_inputs(title: str) -> list[str]:
    """The title from each of its first words on, so "fam" suggests "Troubled families"."""
    words = title.split()
    return [" ".join(words[i:]) for i in range(min(len(words), SUGGEST_INPUT_WORDS))]


def to_source(document: IndexDocument) -> dict[str, Any]:
    """The stored form of one document."""
    facets: dict[str, list[str]] = {"type": [token_value(document.kind)]}
    for name, values in document.facets.items():
        if name in FACETS:
            facets.setdefault(name, [])
            facets[name].extend(token_value(value) for value in values)
    source: dict[str, Any] = {
        "key": document.key,
        "kind": document.kind,
        "title": document.title,
        "url": document.url,
        "summary": document.summary,
        "taxonomy": document.taxonomy,
        "body": document.body,
        "date": document.date.isoformat() if document.date else None,
        "facets": {name: list(dict.fromkeys(values)) for name, values in facets.items()},
        "access": list(document.access),
        "language": document.language or None,
        "also_in": list(document.also_in),
        "display": document.display,
    }
    if document.access:  # nobody may find it, so it is never suggested either
        source["suggest"] = {
            "input": suggestion_inputs(document.title),
            "contexts": {"access": list(document.access)},
        }
    return source


def hit_from(source: dict[str, Any], highlight: dict[str, list[str]] | None = None) -> EngineHit:
    """An `EngineHit` from a stored document and its highlight fragments."""
    fragments = highlight or {}
    date = source.get("date")
    parsed_date = datetime.fromisoformat(date) if date else None
    if parsed_date and parsed_date.tzinfo is None:
        parsed_date = parsed_date.replace(tzinfo=UTC)
    return EngineHit(
        key=source["key"],
        kind=source["kind"],
        title=source["title"],
        url=source["url"],
        summary=source.get("summary", ""),
        highlight=safe_highlight(*(fragments.get(name, [""])[0] for name in HIGHLIGHT_FIELDS)),
        display=source.get("display") or {},
        date=parsed_date,
        language=source.get("language") or "",
    )


# Queries --------------------------------------------------------------------------------------


def _word_query(word: str) -> Q:
    """One plain word, in any field: exactly (stemmed), or failing that within a typo."""
    return Q(
        "bool",
        should=[
            Q("multi_match", query=word, fields=WEIGHTED_FIELDS, type="best_fields"),
            Q(
                "multi_match",
                query=word,
                fields=WEIGHTED_FIELDS,
                type="best_fields",
                fuzziness="AUTO",
                prefix_length=1,
                max_expansions=20,
                boost=FUZZY_WEIGHT,
            ),
        ],
        minimum_should_match=1,
    )


def _phrase_query(words: list[str]) -> Q:
    return Q("multi_match", query=" ".join(words), fields=WEIGHTED_FIELDS, type="phrase")


def _excluded_query(words: list[str]) -> Q:
    kind = "phrase" if len(words) > 1 else "best_fields"
    return Q("multi_match", query=" ".join(words), fields=TEXT_FIELDS, type=kind)


def elsewhere_query(language: str) -> Q:
    """Documents to leave out in a search in `language`: those with a version in it."""
    return Q("bool", filter=[Q("term", also_in=language)], must_not=[Q("term", language=language)])


def in_language_query(language: str) -> Q:
    """Documents in `language`; for the default language, also those of unknown language."""
    if language == settings.LANGUAGE_CODE:
        others = [code for code, _name in settings.LANGUAGES if code != language]
        return Q("bool", must_not=[Q("terms", language=others)])
    return Q("term", language=language)


def text_query(
    parsed: ParsedQuery, access: Iterable[str], any_word: bool = False, language: str = ""
) -> Q:
    """The query part of a search: words, phrases, exclusions and who may see what."""
    clauses = [_word_query(term) for term in parsed.terms]
    clauses += [_phrase_query(words) for words in parsed.phrases]
    options: dict[str, Any] = {
        "filter": [Q("terms", access=sorted(access))],
        "must_not": [_excluded_query(words) for words in parsed.excluded],
    }
    if language:
        options["must_not"].append(elsewhere_query(language))
    if not clauses:
        options["must"] = [Q("match_all")]
    elif any_word:
        options["should"] = clauses
        options["minimum_should_match"] = 1
    else:
        options["must"] = clauses
    return Q("bool", **options)


def facet_filters(filters: dict[str, list[str]]) -> dict[str, Q]:
    """One `terms` filter per chosen facet (OR within it)."""
    return {
        facet: Q("terms", **{f"facets.{facet}": sorted({token_value(key) for key in keys})})
        for facet, keys in filters.items()
        if facet in FACETS and keys
    }


def _all_of(queries: list[Q]) -> Q:
    return Q("bool", filter=queries) if queries else Q("match_all")


def build_search(query: EngineQuery, index: str = "", any_word: bool = False) -> Search:
    """The whole request for one search, as an elasticsearch-dsl `Search`."""
    parsed = query.query
    ranked = query.sort == "relevance" and parsed.has_positive
    matching = text_query(parsed, query.access, any_word, query.language)
    if query.language:
        # The visitor's language first: a constant added to the score of documents in it (in
        # filter context when sorting by date, so the score is that constant alone).
        first = Q("constant_score", filter=in_language_query(query.language), boost=LANGUAGE_BOOST)
        matching = Q("bool", **{"must" if ranked else "filter": [matching]}, should=[first])
    search = Search(index=index or None).query(matching)
    chosen = facet_filters(query.filters)
    if chosen:
        search = search.post_filter(_all_of(list(chosen.values())))
    for facet in FACETS:
        others = [q for name, q in chosen.items() if name != facet]
        bucket = search.aggs.bucket(facet, "filter", filter=_all_of(others))
        bucket.bucket(
            "keys", "terms", field=f"facets.{facet}", size=query.facet_limit or FACET_SIZE
        )
    # How many documents the words match before any facet filter: zero means "relax".
    search.aggs.bucket("matched", "filter", filter=Q("match_all"))

    if ranked:
        title_words = " ".join(parsed.terms + [w for words in parsed.phrases for w in words])
        search = search.extra(
            rescore={
                "window_size": RESCORE_WINDOW,
                "query": {
                    "rescore_query": Q(
                        "bool",
                        should=[
                            Q(
                                "constant_score",
                                filter=Q("term", **{"title.raw": parsed.text.strip().lower()}),
                                boost=EXACT_TITLE_BOOST,
                            ),
                            Q(
                                "constant_score",
                                filter=Q("match", title={"query": title_words, "operator": "and"}),
                                boost=ALL_WORDS_IN_TITLE_BOOST,
                            ),
                        ],
                    ).to_dict(),
                    "query_weight": 1.0,
                    "rescore_query_weight": 1.0,
                    "score_mode": "total",
                },
            }
        )
    elif query.language:
        search = search.sort(
            {"_score": {"order": "desc"}},
            {"date": {"order": "desc", "missing": "_last"}},
            {"key": "asc"},
        )
    else:
        search = search.sort({"date": {"order": "desc", "missing": "_last"}}, {"key": "asc"})
    if parsed.has_positive:
        search = search.highlight(
            *HIGHLIGHT_FIELDS, fragment_size=180, number_of_fragments=1
        ).highlight_options(pre_tags=[MARK_START], post_tags=[MARK_END])
    search = search.source(excludes=SOURCE_EXCLUDES)
    return search.extra(track_total_hits=True, from_=query.offset, size=query.limit)


def result_from(response: dict[str, Any], query: EngineQuery, relaxed: bool) -> EngineResult:
    """An `EngineResult` from a search response (a plain dict, as the server sends it)."""
    chosen = {facet for facet, keys in query.filters.items() if facet in FACETS and keys}
    aggregations = response.get("aggregations", {})
    facets: dict[str, dict[str, int]] = {}
    without: dict[str, int] = {}
    for facet in FACETS:
        bucket = aggregations.get(facet, {})
        facets[facet] = {
            str(b["key"]): b["doc_count"]
            for b in bucket.get("keys", {}).get("buckets", [])
            if b["doc_count"]
        }
        if facet in chosen:
            without[facet] = bucket.get("doc_count", 0)
    hits = [
        hit_from(item["_source"], item.get("highlight"))
        for item in response.get("hits", {}).get("hits", [])
    ]
    total = response.get("hits", {}).get("total", {}).get("value", 0)
    return EngineResult(hits, total, facets, without, relaxed)


# The engine -----------------------------------------------------------------------------------


@contextmanager
def _reaching(url: str) -> Iterator[None]:
    """Turn "cannot reach the server" into `EngineUnavailable`; other errors are bugs."""
    try:
        yield
    except TransportError as error:  # connection refused, timeout, TLS
        raise EngineUnavailable(f"Elasticsearch at {url} cannot be reached: {error}") from error
    except ApiError as error:
        if error.meta.status >= 500:
            raise EngineUnavailable(f"Elasticsearch at {url} answered {error}") from error
        raise


class ElasticsearchEngine(Engine):
    """Search with Elasticsearch through an alias over versioned indices."""

    name = "Elasticsearch"

    def __init__(
        self,
        url: str,
        prefix: str | None = None,
        client: Any = None,
        replicas: int | None = None,
    ) -> None:
        self.url = url
        self.alias = prefix or getattr(settings, "ELASTICSEARCH_INDEX_PREFIX", "exchange")
        self.replicas = (
            replicas
            if replicas is not None
            else int(getattr(settings, "ELASTICSEARCH_REPLICAS", 0))
        )
        self.client = client or Elasticsearch(
            url,
            api_key=getattr(settings, "ELASTICSEARCH_API_KEY", None) or None,
            request_timeout=10,
            max_retries=2,
            retry_on_timeout=True,
        )
        self._ready = False

    # Index management ---------------------------------------------------------------------

    def ping(self) -> dict[str, Any]:
        """The server's own description; raises `EngineUnavailable` if it cannot be reached."""
        with _reaching(self.url):
            return dict(self.client.info())

    def new_index_name(self) -> str:
        return f"{self.alias}-v{datetime.now(UTC).strftime('%Y%m%d%H%M%S%f')}"

    def is_versioned(self, name: str) -> bool:
        """Whether an index is one of ours: `<prefix>-v<20 digits>`, so another site whose
        prefix merely starts with ours ("exchange-staging") is never touched."""
        return re.fullmatch(re.escape(self.alias) + r"-v\d{20}", name) is not None

    def live_index(self) -> str | None:
        """The index the alias points at, or None before the first index exists."""
        with _reaching(self.url):
            try:
                found = self.client.indices.get_alias(name=self.alias)
            except NotFoundError:
                return None
        names = sorted(dict(found))
        return names[-1] if names else None

    def versioned_indices(self) -> list[str]:
        """Every index this engine has made under its prefix, oldest first."""
        with _reaching(self.url):
            try:
                found = self.client.indices.get(index=f"{self.alias}-v*", allow_no_indices=True)
            except NotFoundError:
                return []
        return sorted(name for name in dict(found) if self.is_versioned(name))

    def create_index(self, loading: bool = False) -> str:
        """Create a new, empty versioned index (not yet live); returns its name."""
        name = self.new_index_name()
        body = build_index(name, self.replicas, loading).to_dict()
        with _reaching(self.url):
            self.client.indices.create(index=name, **body)
        return name

    def switch_alias(self, name: str) -> list[str]:
        """Point the alias at `name` in one atomic request; returns the indices it left."""
        previous = [index for index in self._alias_targets() if index != name]
        actions: list[dict[str, Any]] = [
            {"remove": {"index": index, "alias": self.alias}} for index in previous
        ]
        actions.append({"add": {"index": name, "alias": self.alias}})
        with _reaching(self.url):
            self.client.indices.update_aliases(actions=actions)
        self._ready = True
        return previous

    def _alias_targets(self) -> list[str]:
        with _reaching(self.url):
            try:
                return sorted(dict(self.client.indices.get_alias(name=self.alias)))
            except NotFoundError:
                return []

    def ensure_index(self) -> str:
        """Make sure the alias points at an index, creating an empty one the first time."""
        live = self.live_index()
        if live is None:
            live = self.create_index()
            self.switch_alias(live)
        self._ready = True
        return live

    def drop_old(self) -> list[str]:
        """Delete versioned indices the alias no longer points at; returns their names."""
        live = set(self._alias_targets())
        old = [name for name in self.versioned_indices() if name not in live]
        if old:
            with _reaching(self.url):
                self.client.indices.delete(index=",".join(old), ignore_unavailable=True)
        return old

    def drop_all(self) -> None:
        """Delete every index under this prefix (tests clean up with this)."""
        names = self.versioned_indices()
        if names:
            with _reaching(self.url):
                self.client.indices.delete(index=",".join(names), ignore_unavailable=True)
        self._ready = False

    def status(self) -> dict[str, Any]:
        """The alias, the live index and every versioned index with its document count."""
        live = set(self._alias_targets())
        indices = []
        for name in self.versioned_indices():
            with _reaching(self.url):
                count = self.client.count(index=name)["count"]
            indices.append({"name": name, "documents": count, "live": name in live})
        return {"alias": self.alias, "live": sorted(live), "indices": indices}

    def _prepare(self) -> None:
        if not self._ready:
            self.ensure_index()

    # Writing ------------------------------------------------------------------------------

    def _bulk(self, operations: list[dict[str, Any]], index: str, refresh: bool) -> None:
        if not operations:
            return
        with _reaching(self.url):
            response = self.client.bulk(
                operations=operations,
                index=index,
                refresh=refresh,
                require_alias=index == self.alias,
            )
        if response.get("errors"):
            failed = [
                item
                for entry in response["items"]
                for action, item in entry.items()
                if item.get("status", 200) >= 300
                and not (action == "delete" and item.get("status") == 404)
            ]
            if failed:
                raise RuntimeError(f"Elasticsearch refused {len(failed)} writes: {failed[:3]}")

    @staticmethod
    def index_operations(documents: list[IndexDocument]) -> list[dict[str, Any]]:
        operations: list[dict[str, Any]] = []
        for document in documents:
            operations.append({"index": {"_id": document.key}})
            operations.append(to_source(document))
        return operations

    def _write_now(self, documents: list[IndexDocument]) -> None:
        self._prepare()
        for start in range(0, len(documents), BULK_CHUNK):
            chunk = documents[start : start + BULK_CHUNK]
            self._bulk(self.index_operations(chunk), self.alias, refresh=True)

    def _delete_now(self, keys: list[str]) -> None:
        self._prepare()
        operations = [{"delete": {"_id": key}} for key in keys]
        self._bulk(operations, self.alias, refresh=True)

    def _after_commit(self, action: Callable[[], None], what: str) -> None:
        """Write once the database commits, so a rolled-back publish never reaches the index;
        a search server that is down must not stop people publishing, so failures are logged
        with the command that catches up."""

        def run() -> None:
            try:
                action()
            except EngineUnavailable:
                logger.exception(
                    "Could not %s in Elasticsearch; run `manage.py search_index --rebuild` "
                    "once it is back.",
                    what,
                )

        if transaction.get_connection().in_atomic_block:
            transaction.on_commit(run)
        else:
            run()

    def write(self, documents: list[IndexDocument]) -> None:
        if documents:
            self._after_commit(lambda: self._write_now(documents), "index documents")

    def delete(self, keys: list[str]) -> None:
        if keys:
            self._after_commit(lambda: self._delete_now(keys), "remove documents")

    def rebuild(self, batches: Iterable[list[IndexDocument]], progress: ProgressCallback) -> int:
        """Fill a new versioned index, then move the alias to it and delete older ones.

        Until the alias moves, searches (and writes) go to the old index; if the load
        fails, the new index is deleted and the old one stays live."""
        name = self.create_index(loading=True)
        written = 0
        try:
            for batch in batches:
                for start in range(0, len(batch), BULK_CHUNK):
                    chunk = batch[start : start + BULK_CHUNK]
                    self._bulk(self.index_operations(chunk), name, refresh=False)
                    written += len(chunk)
                progress(written)
            with _reaching(self.url):
                self.client.indices.put_settings(
                    index=name, settings={"index": {"refresh_interval": None}}
                )
                self.client.indices.refresh(index=name)
        except BaseException:
            with _reaching(self.url):
                self.client.indices.delete(index=name, ignore_unavailable=True)
            raise
        self.switch_alias(name)
        self.drop_old()
        return written

    # Reading ------------------------------------------------------------------------------

    def _search(self, body: dict[str, Any]) -> dict[str, Any]:
        self._prepare()
        with _reaching(self.url):
            return dict(self.client.search(index=self.alias, body=body))

    def search(self, query: EngineQuery) -> EngineResult:
        response = self._search(build_search(query).to_dict())
        relaxed = False
        parsed = query.query
        matched = response.get("aggregations", {}).get("matched", {}).get("doc_count", 0)
        if not matched and len(parsed.terms) + len(parsed.phrases) > 1:
            loose = self._search(build_search(query, any_word=True).to_dict())
            if loose.get("aggregations", {}).get("matched", {}).get("doc_count", 0):
                response, relaxed = loose, True
        return result_from(response, query, relaxed)

    def suggest(
        self, prefix: str, access: set[str], limit: int = 8, language: str = ""
    ) -> list[EngineHit]:
        words = words_of(prefix)
        if not words or not access:
            return []
        body = build_suggest(" ".join(words), access, limit)
        response = self._search(body)
        hits: list[EngineHit] = []
        seen: set[str] = set()
        for option in response.get("suggest", {}).get("titles", [{}])[0].get("options", []):
            source = option.get("_source", {})
            elsewhere = language in (source.get("also_in") or [])
            if language and elsewhere and source.get("language") != language:
                continue  # its version in the visitor's language is suggested instead
            if source.get("key") and source["key"] not in seen:
                seen.add(source["key"])
                hits.append(hit_from(source))
        return hits[:limit]

    def spelling(self, words: list[str]) -> dict[str, str]:
        wanted = [w for w in words if len(w) >= 3 and w.isalpha()]
        if not wanted:
            return {}
        response = self._search(build_spelling(wanted))
        out: dict[str, str] = {}
        for i, word in enumerate(wanted):
            for entry in response.get("suggest", {}).get(f"w{i}", []):
                options = entry.get("options", [])
                if options:
                    out[word] = options[0]["text"]
        return out

    def document_count(self) -> int:
        self._prepare()
        with _reaching(self.url):
            return int(self.client.count(index=self.alias)["count"])


def build_suggest(prefix: str, access: set[str], limit: int) -> dict[str, Any]:
    """A completion request for titles starting with `prefix` that these tokens may see."""
    return {
        "size": 0,
        "_source": {"excludes": SOURCE_EXCLUDES},
        "suggest": {
            "titles": {
                "prefix": prefix,
                "completion": {
                    "field": "suggest",
                    "size": limit * 3,  # one title can come back once per suffix input
                    "skip_duplicates": True,
                    "contexts": {"access": sorted(access)},
                },
            }
        },
    }


def build_spelling(words: list[str]) -> dict[str, Any]:
    """A term-suggester request: for each word the index does not hold, its nearest word."""
    return {
        "size": 0,
        "suggest": {
            f"w{i}": {
                "text": word,
                "term": {
                    "field": "spell",
                    "suggest_mode": "missing",
                    "min_word_length": 3,
                    "sort": "score",
                    "size": 1,
                },
            }
            for i, word in enumerate(words)
        },
    }
