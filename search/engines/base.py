"""The contract every search engine keeps, so the service and its tests need not care which.

An engine stores `IndexDocument`s and answers `EngineQuery`s with an `EngineResult`: the hits
for one page, the total, and facet counts by key. Turning keys into names, slugs and links is
the service's job, done once for all engines.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from search.documents import IndexDocument
from search.query import ParsedQuery

ProgressCallback = Callable[[int], None]

# Engines mark matched words with these two characters (which never occur in page text), so
# the text can be escaped before the marks become <mark> tags.
MARK_START, MARK_END = "\x02", "\x03"


class EngineUnavailable(Exception):
    """The engine cannot be reached (a search server that is down or too slow to answer).

    The search page and API turn it into a 503 that says so, rather than a server error."""


def safe_highlight(*fragments: str) -> str:
    """The first fragment that shows a match, as safe HTML: escaped, with <mark> tags."""
    for fragment in fragments:
        if fragment and MARK_START in fragment:
            escaped = html.escape(fragment, quote=False)
            return escaped.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")
    return ""


@dataclass
class EngineQuery:
    """One search, in keys: `filters` maps a facet to the keys chosen (OR within a facet,
    AND across facets); `access` holds the person's access tokens. With a `language`, a page
    that also exists in that language is found only in it, and documents in it come first
    (in the default language, documents of unknown language count as being in it)."""

    query: ParsedQuery
    filters: dict[str, list[str]] = field(default_factory=dict)
    access: set[str] = field(default_factory=lambda: {"public"})
    sort: str = "relevance"
    offset: int = 0
    limit: int = 10
    facet_limit: int | None = None
    language: str = ""


@dataclass
class EngineHit:
    key: str
    kind: str
    title: str
    url: str
    summary: str
    highlight: str  # safe HTML: escaped text with <mark> around matches
    display: dict[str, list[str]]
    date: datetime | None
    language: str = ""


@dataclass
class EngineResult:
    """`facets` maps each facet to {key: count}, each count taken with every other facet's
    filter applied but not its own. `without` maps each filtered facet to how many results
    there would be without its filter, for "remove this filter" advice."""

    hits: list[EngineHit]
    total: int
    facets: dict[str, dict[str, int]]
    without: dict[str, int] = field(default_factory=dict)
    relaxed: bool = False


class Engine:
    """Base class for search engines (see the module docstring)."""

    name = ""
    #: Whether `spelling` can suggest anything (the empty state says less when it cannot).
    spelling_supported = True

    def write(self, documents: list[IndexDocument]) -> None:
        """Add or replace documents, by key."""
        raise NotImplementedError

    def delete(self, keys: list[str]) -> None:
        """Remove documents by key; unknown keys are ignored."""
        raise NotImplementedError

    def rebuild(self, batches: Iterable[list[IndexDocument]], progress: ProgressCallback) -> int:
        """Replace the whole index with these documents without a moment of empty index."""
        raise NotImplementedError

    def search(self, query: EngineQuery) -> EngineResult:
        raise NotImplementedError

    def count(self, query: EngineQuery) -> int:
        """How many results have every word (0 when only some-of-the-words results exist)."""
        result = self.search(
            EngineQuery(query.query, query.filters, query.access, limit=0, language=query.language)
        )
        return 0 if result.relaxed else result.total

    def suggest(
        self, prefix: str, access: set[str], limit: int = 8, language: str = ""
    ) -> list[EngineHit]:
        """Titles starting with what has been typed so far, best first (with a `language`,
        a page that also exists in it is suggested only in it)."""
        raise NotImplementedError

    def spelling(self, words: list[str]) -> dict[str, str]:
        """Likely corrections for words the index does not know: {typed: suggested}."""
        return {}

    def document_count(self) -> int:
        raise NotImplementedError
