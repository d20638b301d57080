"""Writing to the search index: the one place sources and commands call.

Writes happen straight away, inside the caller's transaction, so the index follows publish,
unpublish, move and delete as soon as they commit (and rolls back with them).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from cop_site import page_cache
from search.documents import IndexDocument
from search.engines import get_engine
from search.sources import all_sources

BATCH_SIZE = 500


def index_documents(documents: list[IndexDocument]) -> None:
    get_engine().write(documents)
    _index_changed()


def remove_documents(keys: list[str]) -> None:
    get_engine().delete(keys)
    _index_changed()


def _index_changed() -> None:
    """Empty the cached pages that read the index (search results) for anonymous readers.

    The page cache files them under its forum generation, since the index holds threads and
    posts; a post's documents are written after the post's transaction commits, that is after
    the post itself moved the generation, so a search rendered in between must be dropped too.
    """
    page_cache.mark_changed(page_cache.FORUM)


def rebuild(report: Callable[[str], None] = lambda line: None) -> tuple[int, float]:
    """Rebuild the whole index from every source; returns (documents, seconds)."""
    sources = all_sources()
    expected = sum(source.count() for source in sources)
    started = time.perf_counter()
    report(f"Indexing {expected:,} documents from {len(sources)} sources")
    step = max(expected // 10, BATCH_SIZE)
    state = {"next": step}

    def progress(written: int) -> None:
        if written >= state["next"] or written == expected:
            rate = written / max(time.perf_counter() - started, 1e-6)
            report(f"  {written:,} / {expected:,} documents ({rate:,.0f}/s)")
            state["next"] = written + step

    def batches() -> Iterator[list[IndexDocument]]:
        for source in sources:
            yield from source.batches(BATCH_SIZE)

    written = get_engine().rebuild(batches(), progress)
    _index_changed()
    return written, time.perf_counter() - started
