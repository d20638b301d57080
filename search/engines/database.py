"""The default search engine: the site's own database, SQLite FTS5 or PostgreSQL full text.

Two measured facts shape it (see the README). Wagtail's stock database backend ranks each hit
with a subquery that re-runs the match, so a common word over 10,000 pages took over 30 s; here
ranking is one statement (FTS5 `bm25()` or PostgreSQL `ts_rank`, sorted once). And facet counts
by SQL `GROUP BY` over the hits' facet rows took 1.4 s for a broad query over 100,000
documents; here each process keeps one bitmap per facet key (a Python integer with a bit set for
every document filed under it), loaded from the `facets` column and kept current from the
`SearchChange` log, so counting a key is one AND and one popcount whatever the number of hits.
Filters and access are applied with the same bitmaps, so the database only does what it is good
at: matching words and ranking them.
"""

from __future__ import annotations

import difflib
import heapq
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from operator import itemgetter

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models import F

from search.documents import (
    ALSO_IN,
    FACETS,
    LANGUAGE,
    IndexDocument,
    facet_token,
    split_token,
    token_value,
)
from search.engines.base import (
    MARK_END,
    MARK_START,
    Engine,
    EngineHit,
    EngineQuery,
    EngineResult,
    ProgressCallback,
    safe_highlight,
)
from search.models import SearchChange, SearchDocument
from search.query import ParsedQuery, words_of
from search.schema import SQLITE_TRIGGERS

# bm25 weights for title, summary, taxonomy (theme, place, organisation and tag names), body;
# tuned against the relevance set in tests/search/relevance_queries.yaml.
COLUMN_WEIGHTS = (10.0, 5.0, 3.0, 1.0)
SNIPPET_WORDS = 28
FULL_RELOAD_AFTER = 2000  # changed documents; past this a full reload is quicker
KEEP_CHANGES = 20000
RESCORE_WINDOW = 100  # best bm25 hits re-ordered by title (see DatabaseEngine._rescore)


# Bitmaps --------------------------------------------------------------------------------------


def ids_to_mask(ids: Iterable[int]) -> int:
    """A bitmap with the bit of each id set, built through a bytearray (one pass, no big-int
    shifting per id)."""
    ids = list(ids)
    if not ids:
        return 0
    buffer = bytearray((max(ids) >> 3) + 1)
    for pk in ids:
        buffer[pk >> 3] |= 1 << (pk & 7)
    return int.from_bytes(buffer, "little")


class MaskLookup:
    """Constant-time membership tests against a bitmap (shifting a big integer per test would
    cost as much as the bitmap is long)."""

    def __init__(self, mask: int) -> None:
        self.bytes = mask.to_bytes((mask.bit_length() >> 3) + 1, "little")

    def __contains__(self, pk: int) -> bool:
        index = pk >> 3
        return index < len(self.bytes) and bool(self.bytes[index] >> (pk & 7) & 1)


@dataclass
class FacetBitmaps:
    """Per-process bitmaps: facet -> key -> bitmap of document ids (see the module docstring).

    `refresh` runs before every search: one indexed query for the newest change, and only when
    something changed, a reload of the changed documents (or of everything, after a rebuild).
    """

    masks: dict[str, dict[str, int]] = field(default_factory=dict)
    marker: tuple[int, object] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def refresh(self) -> None:
        latest = SearchChange.objects.order_by("-id").values_list("id", "created_at").first()
        if latest == self.marker and latest is not None:
            return
        with self.lock:
            if latest == self.marker and latest is not None:
                return
            self._catch_up(latest)

    def _catch_up(self, latest: tuple[int, object] | None) -> None:
        if self.marker is None or latest is None:
            self._load_all()
        else:
            since, seen_at = self.marker
            still_there = SearchChange.objects.filter(id=since, created_at=seen_at).exists()
            changed = set(
                SearchChange.objects.filter(id__gt=since).values_list("document_id", flat=True)
            )
            if not still_there or 0 in changed or len(changed) > FULL_RELOAD_AFTER:
                self._load_all()
            else:
                self._load_some(changed)
        self.marker = latest

    def _load_all(self) -> None:
        ids_by_token: dict[str, list[int]] = {}
        for pk, facets in SearchDocument.objects.values_list("id", "facets").iterator(2000):
            for token in facets.split():
                ids_by_token.setdefault(token, []).append(pk)
        masks: dict[str, dict[str, int]] = {}
        for token, ids in ids_by_token.items():
            parts = split_token(token)
            if parts:
                masks.setdefault(parts[0], {})[parts[1]] = ids_to_mask(ids)
        self.masks = masks

    def _load_some(self, changed: set[int]) -> None:
        current = dict(SearchDocument.objects.filter(id__in=changed).values_list("id", "facets"))
        for pk in changed:
            bit = 1 << pk
            for values in self.masks.values():
                for value, mask in list(values.items()):
                    if mask & bit:
                        mask ^= bit
                        if mask:
                            values[value] = mask
                        else:
                            del values[value]
            for token in current.get(pk, "").split():
                parts = split_token(token)
                if parts:
                    values = self.masks.setdefault(parts[0], {})
                    values[parts[1]] = values.get(parts[1], 0) | bit

    def union(self, facet: str, keys: Iterable[str]) -> int:
        values = self.masks.get(facet, {})
        mask = 0
        for key in keys:
            mask |= values.get(token_value(key), 0)
        return mask

    def language_masks(self, language: str, visible: int) -> tuple[int, int]:
        """(what stays visible, what is in `language`) for a search in `language`.

        A document that also exists in `language` is dropped (its version there is found
        instead), so each translated page is counted and shown once. Documents in the default
        language and documents of unknown language both count as being in the default language.
        """
        if not language:
            return visible, visible
        languages = self.masks.get(LANGUAGE, {})
        in_language = languages.get(token_value(language), 0)
        visible &= ~(self.masks.get(ALSO_IN, {}).get(token_value(language), 0) & ~in_language)
        if language == settings.LANGUAGE_CODE:
            others = 0
            for code, mask in languages.items():
                if code != token_value(language):
                    others |= mask
            return visible, visible & ~others
        return visible, visible & in_language


_bitmaps: dict[str, FacetBitmaps] = {}


def bitmaps_for(alias: str = "default") -> FacetBitmaps:
    """This process's bitmaps for a database (keyed by its file or name, so tests that swap
    databases never see another database's bitmaps)."""
    key = f"{alias}:{connection.settings_dict.get('NAME')}"
    if key not in _bitmaps:
        _bitmaps[key] = FacetBitmaps()
    return _bitmaps[key]


def forget_bitmaps() -> None:
    """Drop every process-local bitmap (tests whose transactions roll back index writes)."""
    _bitmaps.clear()


# Full-text dialects ---------------------------------------------------------------------------


class SQLiteText:
    """Matching, ranking, snippets and suggestions with SQLite FTS5 (see migration 0002)."""

    TEXT_COLUMNS = "{title summary taxonomy body}"

    @staticmethod
    def _quote(words: list[str]) -> str:
        return '"' + " ".join(word.replace('"', '""') for word in words) + '"'

    def expression(self, parsed: ParsedQuery, any_word: bool = False) -> str | None:
        parts = [self._quote([t]) for t in parsed.terms] + [self._quote(p) for p in parsed.phrases]
        if not parts:
            return None
        return f"{self.TEXT_COLUMNS} : ({(' OR ' if any_word else ' AND ').join(parts)})"

    def exclusion(self, parsed: ParsedQuery) -> str | None:
        if not parsed.excluded:
            return None
        return f"{self.TEXT_COLUMNS} : ({' OR '.join(self._quote(e) for e in parsed.excluded)})"

    def matching_ids(self, expression: str) -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT rowid FROM search_document_fts WHERE search_document_fts MATCH %s",
                [expression],
            )
            return [row[0] for row in cursor.fetchall()]

    def scored(self, expression: str) -> list[tuple[int, float]]:
        """Every matching id with its cost (lower ranks first: FTS5's bm25 is negative).

        One pass that both lists the matches and scores them: FTS5 computes bm25 for every
        match whatever the LIMIT, so asking for the best N and, separately, for all matching
        ids read the posting lists twice, and a filter that kept only low-ranked documents
        needed a third, full ranking (390 ms for "budget" in one theme at 100,000)."""
        weights = ", ".join(str(w) for w in COLUMN_WEIGHTS)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT rowid, bm25(search_document_fts, {weights}) FROM search_document_fts "  # noqa: S608 (only constants are interpolated)
                "WHERE search_document_fts MATCH %s",
                [expression],
            )
            return cursor.fetchall()

    def title_matches(self, expression: str, ids: list[int]) -> dict[int, str]:
        """Which of these documents have every searched word, stemmed, in their title: their
        titles by id.

        Asking the main FTS table (`MATCH '{title} : ...' AND rowid IN (...)`) reads the
        word's whole posting list first: 200 ms for "health" at 100,000 documents. Instead the
        few titles are copied into a small temporary FTS5 table with the same tokenizer (one
        per connection, never written to the database file) and matched there: about 1 ms."""
        if not ids:
            return {}
        title_only = expression.replace(self.TEXT_COLUMNS, "{title}", 1)
        placeholders = ", ".join(["%s"] * len(ids))
        with connection.cursor() as cursor:
            try:
                cursor.execute("DELETE FROM temp.search_title_probe")
            except OperationalError:  # a new connection, or a rollback undid the creation
                cursor.execute(
                    "CREATE VIRTUAL TABLE temp.search_title_probe USING fts5("
                    "title, tokenize='porter unicode61 remove_diacritics 2')"
                )
            cursor.execute(
                "INSERT INTO temp.search_title_probe(rowid, title) "  # noqa: S608 (only placeholders are interpolated)
                f"SELECT id, title FROM search_searchdocument WHERE id IN ({placeholders})",
                ids,
            )
            cursor.execute(
                "SELECT rowid, title FROM temp.search_title_probe "
                "WHERE search_title_probe MATCH %s",
                [title_only],
            )
            return dict(cursor.fetchall())

    def snippets(self, expression: str, ids: list[int]) -> dict[int, tuple[str, str, str]]:
        """(body snippet, summary snippet) per id, with matches between the marker bytes."""
        if not ids:
            return {}
        marks = f"'{MARK_START}', '{MARK_END}', '…', {SNIPPET_WORDS}"
        placeholders = ", ".join(["%s"] * len(ids))
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT rowid, snippet(search_document_fts, 3, {marks}), "  # noqa: S608 (only constants and placeholders are interpolated)
                f"snippet(search_document_fts, 1, {marks}), "
                f"snippet(search_document_fts, 2, {marks}) FROM search_document_fts "
                f"WHERE search_document_fts MATCH %s AND rowid IN ({placeholders})",
                [expression, *ids],
            )
            return {row[0]: (row[1] or "", row[2] or "", row[3] or "") for row in cursor.fetchall()}

    def suggestion_ids(self, words: list[str], prefix: str) -> Iterator[int]:
        parts = [self._quote([w]) for w in words] + [self._quote([prefix]) + " *"]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT rowid FROM search_document_words WHERE search_document_words MATCH %s "
                "ORDER BY bm25(search_document_words, 5.0, 1.0)",
                ["title : (" + " AND ".join(parts) + ")"],
            )
            while rows := cursor.fetchmany(50):
                for row in rows:
                    yield row[0]

    def vocabulary(self, word: str) -> tuple[int, list[tuple[str, int]]]:
        """How many documents use `word`, and the known words sharing its first letter."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT doc FROM search_document_vocab WHERE term = %s", [word])
            row = cursor.fetchone()
            first = word[0]
            cursor.execute(
                "SELECT term, doc FROM search_document_vocab WHERE term >= %s AND term < %s",
                [first, chr(ord(first) + 1)],
            )
            return (row[0] if row else 0), cursor.fetchall()

    def rebuild_begin(self) -> None:
        """Drop the triggers so a rebuild can insert plainly and index everything in one go."""
        with connection.cursor() as cursor:
            for name in ("ai", "ad", "au"):
                cursor.execute(f"DROP TRIGGER IF EXISTS search_document_{name}")

    def rebuild_end(self) -> None:
        with connection.cursor() as cursor:
            for table in ("search_document_fts", "search_document_words"):
                cursor.execute(f"INSERT INTO {table}({table}) VALUES ('rebuild')")  # noqa: S608 (only constants are interpolated)
            for statement in SQLITE_TRIGGERS:
                cursor.execute(statement)


class PostgresText:
    """The same with PostgreSQL full text: weighted `tsvector` columns and GIN indexes."""

    # ts_rank weights for D (body), C (taxonomy), B (summary), A (title).
    WEIGHTS = "{0.1, 0.3, 0.5, 1.0}"

    @staticmethod
    def _websearch(parsed: ParsedQuery, any_word: bool = False) -> str:
        parts = list(parsed.terms) + ['"' + " ".join(p) + '"' for p in parsed.phrases]
        return (" or " if any_word else " ").join(parts)

    def expression(self, parsed: ParsedQuery, any_word: bool = False) -> str | None:
        return self._websearch(parsed, any_word) if parsed.has_positive else None

    def exclusion(self, parsed: ParsedQuery) -> str | None:
        if not parsed.excluded:
            return None
        return " or ".join('"' + " ".join(words) + '"' for words in parsed.excluded)

    def matching_ids(self, expression: str) -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM search_searchdocument "
                "WHERE search_vector @@ websearch_to_tsquery('english', %s)",
                [expression],
            )
            return [row[0] for row in cursor.fetchall()]

    def scored(self, expression: str) -> list[tuple[int, float]]:
        """Every matching id with its cost (lower ranks first, so negative `ts_rank`)."""
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, -ts_rank('{self.WEIGHTS}', search_vector, q) "  # noqa: S608 (only constants are interpolated)
                "FROM search_searchdocument, websearch_to_tsquery('english', %s) q "
                "WHERE search_vector @@ q",
                [expression],
            )
            return cursor.fetchall()

    def title_matches(self, expression: str, ids: list[int]) -> dict[int, str]:
        if not ids:
            return {}
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, title FROM search_searchdocument WHERE id = ANY(%s) AND "
                "to_tsvector('english', title) @@ websearch_to_tsquery('english', %s)",
                [list(ids), expression],
            )
            return dict(cursor.fetchall())

    def snippets(self, expression: str, ids: list[int]) -> dict[int, tuple[str, str, str]]:
        options = (
            f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords={SNIPPET_WORDS}, "
            "MinWords=12, MaxFragments=1, FragmentDelimiter=…"
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, ts_headline('english', body, q, %s), "
                "ts_headline('english', summary, q, %s), ts_headline('english', taxonomy, q, %s) "
                "FROM search_searchdocument, websearch_to_tsquery('english', %s) q "
                "WHERE id = ANY(%s)",
                [options, options, options, expression, list(ids)],
            )
            return {row[0]: (row[1] or "", row[2] or "", row[3] or "") for row in cursor}

    def suggestion_ids(self, words: list[str], prefix: str) -> Iterator[int]:
        safe = [w for w in (*words, prefix) if w.isalnum()]
        if not safe:
            return
        query = " & ".join(safe[:-1] + [safe[-1] + ":*"])
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM search_searchdocument, to_tsquery('simple', %s) q "
                "WHERE title_vector @@ q ORDER BY ts_rank(title_vector, q) DESC, id LIMIT 200",
                [query],
            )
            for row in cursor.fetchall():
                yield row[0]

    def vocabulary(self, word: str) -> tuple[int, list[tuple[str, int]]]:
        # PostgreSQL has no vocabulary table without an extension; no spelling suggestions.
        return 1, []

    def rebuild_begin(self) -> None:
        """Generated columns keep themselves current; nothing to switch off."""

    def rebuild_end(self) -> None:
        """Nothing to rebuild: PostgreSQL indexed each row as it was inserted."""


# The engine -----------------------------------------------------------------------------------


class DatabaseEngine(Engine):
    """Search over `SearchDocument` rows (see the module docstring)."""

    name = "database"

    @property
    def spelling_supported(self) -> bool:  # type: ignore[override]
        """SQLite has a vocabulary table for spelling; PostgreSQL would need pg_trgm."""
        return connection.vendor == "sqlite"

    @property
    def text(self) -> SQLiteText | PostgresText:
        return PostgresText() if connection.vendor == "postgresql" else SQLiteText()

    # Writing ----------------------------------------------------------------------------------

    FIELDS = ("kind", "title", "summary", "taxonomy", "body", "facets", "url", "date", "display")
    _LANGUAGE_PREFIX = facet_token(LANGUAGE, "")

    @staticmethod
    def _row(document: IndexDocument) -> SearchDocument:
        return SearchDocument(
            key=document.key,
            kind=document.kind,
            title=document.title[:500],
            summary=document.summary,
            taxonomy=document.taxonomy,
            body=document.body,
            facets=" ".join(document.facet_tokens()),
            url=document.url,
            date=document.date,
            display=document.display,
        )

    def write(self, documents: list[IndexDocument]) -> None:
        if not documents:
            return
        documents = list({d.key: d for d in documents}.values())
        with transaction.atomic():
            existing = dict(
                SearchDocument.objects.filter(key__in=[d.key for d in documents]).values_list(
                    "key", "id"
                )
            )
            rows = [self._row(d) for d in documents]
            new = [row for row in rows if row.key not in existing]
            changed = [row for row in rows if row.key in existing]
            for row in changed:
                row.id = existing[row.key]
            SearchDocument.objects.bulk_create(new)
            SearchDocument.objects.bulk_update(changed, self.FIELDS)
            ids = [row.id for row in new] + [row.id for row in changed]
            if any(pk is None for pk in ids):  # databases that cannot return new ids
                ids = list(
                    SearchDocument.objects.filter(key__in=[r.key for r in rows]).values_list(
                        "id", flat=True
                    )
                )
            self._log(ids)

    def delete(self, keys: list[str]) -> None:
        if not keys:
            return
        with transaction.atomic():
            ids = list(SearchDocument.objects.filter(key__in=keys).values_list("id", flat=True))
            if ids:
                SearchDocument.objects.filter(id__in=ids).delete()
                self._log(ids)

    @staticmethod
    def _log(ids: list[int]) -> None:
        changes = SearchChange.objects.bulk_create([SearchChange(document_id=pk) for pk in ids])
        last = changes[-1].pk if changes and changes[-1].pk else None
        if last and last % 1000 < len(changes):
            SearchChange.objects.filter(id__lt=last - KEEP_CHANGES).delete()

    def rebuild(self, batches: Iterable[list[IndexDocument]], progress: ProgressCallback) -> int:
        """Replace everything in one transaction: readers keep the old index until it commits."""
        text = self.text
        written = 0
        with transaction.atomic():
            text.rebuild_begin()
            SearchDocument.objects.all().delete()
            if connection.vendor == "sqlite":
                with connection.cursor() as cursor:
                    for table in ("search_document_fts", "search_document_words"):
                        cursor.execute(f"INSERT INTO {table}({table}) VALUES ('delete-all')")  # noqa: S608 (only constants are interpolated)
            next_id = 1
            for batch in batches:
                rows = []
                for document in {d.key: d for d in batch}.values():
                    row = self._row(document)
                    row.id = next_id
                    next_id += 1
                    rows.append(row)
                SearchDocument.objects.bulk_create(rows, batch_size=500)
                written += len(rows)
                progress(written)
            text.rebuild_end()
            SearchChange.objects.all().delete()
            SearchChange.objects.create(document_id=0)
        return written

    def document_count(self) -> int:
        return SearchDocument.objects.count()

    # Searching --------------------------------------------------------------------------------

    def search(self, query: EngineQuery) -> EngineResult:
        bitmaps = bitmaps_for()
        bitmaps.refresh()
        text = self.text
        parsed = query.query
        visible, preferred = bitmaps.language_masks(
            query.language, bitmaps.union("access", query.access)
        )

        expression = text.expression(parsed)
        relaxed = False
        hits = visible
        # Scores are only worth computing when results are ranked by them.
        ranking = query.sort == "relevance" and bool(query.limit)
        scores: list[tuple[int, float]] = []
        if expression:
            scores, hits = self._match(text, expression, visible, ranking)
            if not hits and len(parsed.terms) + len(parsed.phrases) > 1:
                expression = text.expression(parsed, any_word=True)
                scores, hits = self._match(text, expression, visible, ranking)
                relaxed = bool(hits)
        exclusion = text.exclusion(parsed)
        if exclusion and hits:
            hits &= ~ids_to_mask(text.matching_ids(exclusion))

        chosen = {
            facet: bitmaps.union(facet, keys)
            for facet, keys in query.filters.items()
            if facet in FACETS and keys
        }
        matching = hits
        for mask in chosen.values():
            matching &= mask

        facets: dict[str, dict[str, int]] = {}
        without: dict[str, int] = {}
        for facet in FACETS:
            base = hits
            if facet in chosen:
                for other, mask in chosen.items():
                    if other != facet:
                        base &= mask
                without[facet] = base.bit_count()
            else:
                base = matching
            counts = {}
            if base:
                for key, mask in bitmaps.masks.get(facet, {}).items():
                    count = (base & mask).bit_count()
                    if count:
                        counts[key] = count
            facets[facet] = counts

        total = matching.bit_count()
        page_ids: list[int] = []
        if query.limit and total > query.offset:
            # Documents in the visitor's language first, then the rest, each group in order.
            first = matching & preferred
            groups = [first, matching & ~first] if first and first != matching else [matching]
            wanted = query.offset + query.limit
            ordered: list[int] = []
            skip = query.offset
            for group in groups:
                if len(ordered) >= query.limit:
                    break
                size = group.bit_count()
                if skip >= size:
                    skip -= size
                    continue
                lookup = MaskLookup(group)
                if query.sort == "relevance" and expression:
                    # The best of what the filters and access rules keep, as deep as the page
                    # needs and at least the rescore window; then title tiers.
                    candidates: Iterable[tuple[int, float]] = scores
                    if size < len(scores):
                        candidates = (row for row in scores if row[0] in lookup)
                    depth = max(skip + query.limit, RESCORE_WINDOW)
                    best = heapq.nsmallest(depth, candidates, key=itemgetter(1))
                    ranked = self._rescore(text, expression, parsed.text, [pk for pk, _ in best])
                    ordered += ranked[skip : skip + query.limit - len(ordered)]
                else:
                    window = EngineQuery(query.query, offset=skip, limit=query.limit - len(ordered))
                    ordered += self._page(self._newest_ids(), lookup, window)
                skip = 0
            page_ids = ordered[: wanted - query.offset]
        hits_out = self._hits(page_ids, text.snippets(expression, page_ids) if expression else {})
        return EngineResult(hits_out, total, facets, without, relaxed)

    @staticmethod
    def _match(
        text: SQLiteText | PostgresText, expression: str, visible: int, ranking: bool
    ) -> tuple[list[tuple[int, float]], int]:
        """(scores if ranking, else []) and the bitmap of visible matches."""
        if ranking:
            scores = text.scored(expression)
            return scores, visible & ids_to_mask(map(itemgetter(0), scores))
        return [], visible & ids_to_mask(text.matching_ids(expression))

    @staticmethod
    def _rescore(
        text: SQLiteText | PostgresText, expression: str, typed: str, ranked: list[int]
    ) -> list[int]:
        """Re-order the best `RESCORE_WINDOW` by title: a title equal to the query first, then
        titles holding every word, each tier in bm25 order.

        FTS5's bm25 normalises by the length of the whole document, so a long page titled
        exactly "Learning history" ranked 16th behind short pages that mention learning
        histories in passing. Elasticsearch calls this a rescore window."""
        head = ranked[:RESCORE_WINDOW]
        in_title = text.title_matches(expression, head)
        wanted = " ".join(typed.split()).casefold()
        exact = {
            pk for pk, title in in_title.items() if " ".join(title.split()).casefold() == wanted
        }
        tier = {pk: (0 if pk in exact else 1 if pk in in_title else 2) for pk in head}
        return sorted(head, key=tier.__getitem__) + ranked[RESCORE_WINDOW:]

    @staticmethod
    def _page(ordered: Iterable[int], lookup: MaskLookup, query: EngineQuery) -> list[int]:
        """The ids of one page of results: the ordered ids that are in the result set."""
        page_ids: list[int] = []
        skipped = 0
        for pk in ordered:
            if pk in lookup:
                if skipped < query.offset:
                    skipped += 1
                    continue
                page_ids.append(pk)
                if len(page_ids) >= query.limit:
                    break
        return page_ids

    @staticmethod
    def _newest_ids() -> Iterator[int]:
        newest = SearchDocument.objects.order_by(F("date").desc(nulls_last=True), "-id")
        yield from newest.values_list("id", flat=True).iterator(500)

    @classmethod
    def _language(cls, facets: str) -> str:
        """The language token among a stored document's tokens ("" when it has none)."""
        for token in facets.split():
            if token.startswith(cls._LANGUAGE_PREFIX):
                return token[len(cls._LANGUAGE_PREFIX) :]
        return ""

    @classmethod
    def _hits(cls, ids: list[int], snippets: dict[int, tuple[str, str, str]]) -> list[EngineHit]:
        rows = SearchDocument.objects.only(
            "key", "kind", "title", "url", "summary", "display", "date", "facets"
        ).in_bulk(ids)
        out = []
        for pk in ids:
            row = rows.get(pk)
            if row is None:
                continue
            out.append(
                EngineHit(
                    key=row.key,
                    kind=row.kind,
                    title=row.title,
                    url=row.url,
                    summary=row.summary,
                    highlight=best_snippet(snippets.get(pk, ("", "", ""))),
                    display=row.display or {},
                    date=row.date,
                    language=cls._language(row.facets),
                )
            )
        return out

    def suggest(
        self, prefix: str, access: set[str], limit: int = 8, language: str = ""
    ) -> list[EngineHit]:
        words = words_of(prefix)
        if not words:
            return []
        bitmaps = bitmaps_for()
        bitmaps.refresh()
        visible, _preferred = bitmaps.language_masks(language, bitmaps.union("access", access))
        lookup = MaskLookup(visible)
        ids: list[int] = []
        for pk in self.text.suggestion_ids(words[:-1], words[-1]):
            if pk in lookup and pk not in ids:
                ids.append(pk)
                if len(ids) >= limit:
                    break
        return self._hits(ids, {})

    def spelling(self, words: list[str]) -> dict[str, str]:
        text = self.text
        out: dict[str, str] = {}
        for word in words:
            if len(word) < 3 or not word.isalpha():
                continue
            known, candidates = text.vocabulary(word)
            if known:
                continue
            counts = dict(candidates)
            close = difflib.get_close_matches(word, list(counts), n=5, cutoff=0.75)
            if close:
                best = max(
                    close, key=lambda c: (difflib.SequenceMatcher(None, word, c).ratio(), counts[c])
                )
                out[word] = best
        return out


def best_snippet(snippets: tuple[str, str, str]) -> str:
    """The first of body, summary and taxonomy snippets that shows a match, as safe HTML."""
    return safe_highlight(*snippets)
