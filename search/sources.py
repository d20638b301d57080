"""The registry of things search can find.

Each app that owns searchable content registers a `SearchSource` in its `AppConfig.ready`:
learning registers pages and organisations here; communities registers forum threads, posts,
events and member profiles the same way. A source knows how to turn its objects into
`IndexDocument`s, how to list them all for a rebuild, which signals keep the index up to date,
and which access tokens a person holds for its restricted rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from search.documents import IndexDocument


class SearchSource:
    """Base class for one kind of searchable content (see the module docstring)."""

    #: Short unique name, also the prefix of its documents' keys ("page" -> "page:12").
    name: str = ""
    #: The kinds of document it produces, in display order: kind -> label.
    kinds: dict[str, str] = {}

    def count(self) -> int:
        """How many documents a full rebuild will produce (for progress output)."""
        raise NotImplementedError

    def batches(self, size: int) -> Iterator[list[IndexDocument]]:
        """Every document this source has, in batches, for a full rebuild."""
        raise NotImplementedError

    def connect(self) -> None:
        """Connect the signals that keep this source's documents up to date."""

    def restriction_changed(self, page: Any) -> None:
        """A view restriction on `page` changed (after commit): re-index what it covers.

        Called for every source by the one listener in `learning.search_sources`, because who
        may find a document under that page has changed whichever source wrote it.
        """

    def user_tokens(self, user: Any) -> set[str]:
        """Access tokens this person holds for this source's restricted rows."""
        return set()

    def key(self, pk: int | str) -> str:
        return f"{self.name}:{pk}"


_sources: dict[str, SearchSource] = {}


def register(source: SearchSource) -> SearchSource:
    """Add a source (once per name) and connect its signals."""
    if source.name in _sources:
        return _sources[source.name]
    _sources[source.name] = source
    source.connect()
    return source


def unregister(name: str) -> None:
    """Remove a source (tests that register a throwaway one clean up with this)."""
    _sources.pop(name, None)


def all_sources() -> list[SearchSource]:
    return list(_sources.values())


def kind_labels() -> dict[str, str]:
    """Every kind of document any source produces, with its label, in display order.

    Labels are plain strings in the active language (sources may declare them lazily), ready
    for a page or for JSON.
    """
    labels: dict[str, str] = {}
    for source in _sources.values():
        labels.update({kind: str(label) for kind, label in source.kinds.items()})
    return labels
