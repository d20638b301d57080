"""Ranking quality against practitioners' judgements: precision at 5 and mean reciprocal rank.

The judgements (tests/search/relevance_queries.yaml) list, for realistic queries, the pages a
practitioner would want first, judged by reading the content rather than by running the engine.
The relevance test asserts a floor; `bench/search_relevance.py` prints the per-query table used
to tune the column weights.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from cop_site.i18n import split_language
from search.service import search

JUDGEMENTS = Path(__file__).resolve().parent.parent / "tests" / "search" / "relevance_queries.yaml"


@dataclass
class QueryScore:
    query: str
    relevant: list[str]
    top: list[str]
    precision_at_5: float
    reciprocal_rank: float

    @property
    def first_relevant_rank(self) -> int | None:
        return round(1 / self.reciprocal_rank) if self.reciprocal_rank else None


def load_judgements(path: Path = JUDGEMENTS) -> list[dict[str, Any]]:
    return yaml.safe_load(path.read_text())["queries"]


def score(query: str, relevant: list[str], user: Any) -> QueryScore:
    """P@5 = relevant results among the first five, over five; RR = 1 / rank of the first."""
    hits = search({"q": query}, user, per_page=10).hits
    # Judged as addresses without the language prefix (/en/, /cy/): the same page either way.
    top = [split_language(hit.url)[1] for hit in hits]
    wanted = set(relevant)
    precision = sum(1 for url in top[:5] if url in wanted) / 5
    rank = next((i for i, url in enumerate(top, start=1) if url in wanted), None)
    return QueryScore(query, relevant, top, precision, 1 / rank if rank else 0.0)


def evaluate(user: Any, judgements: list[dict[str, Any]] | None = None) -> list[QueryScore]:
    return [score(j["query"], j["relevant"], user) for j in (judgements or load_judgements())]


def summary(scores: list[QueryScore]) -> tuple[float, float]:
    """(mean precision at 5, mean reciprocal rank)."""
    count = len(scores) or 1
    return (
        sum(s.precision_at_5 for s in scores) / count,
        sum(s.reciprocal_rank for s in scores) / count,
    )
