#!/usr/bin/env python
"""Relevance of the site search over the demo content: P@5 and MRR per query, then the means.

    .venv/bin/python bench/search_relevance.py

Runs against the development database (load the demo content first: `make run` does).
Ideal P@5 for a query with fewer than five relevant pages is below 1, so the table also shows
the best P@5 each query could reach.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cop_site.settings")

import django

django.setup()

from django.contrib.auth.models import AnonymousUser  # noqa: E402

from search.evaluation import evaluate, summary  # noqa: E402


def main() -> None:
    scores = evaluate(AnonymousUser())
    print("| query | relevant | first relevant at | P@5 | best P@5 | RR |")
    print("|---|---:|---:|---:|---:|---:|")
    for s in scores:
        best = min(len(s.relevant), 5) / 5
        print(
            f"| {s.query} | {len(s.relevant)} | {s.first_relevant_rank or '–'} | "
            f"{s.precision_at_5:.2f} | {best:.2f} | {s.reciprocal_rank:.2f} |"
        )
    precision, mrr = summary(scores)
    best = sum(min(len(s.relevant), 5) / 5 for s in scores) / len(scores)
    print(
        f"\n{len(scores)} queries: mean P@5 {precision:.3f} (best reachable {best:.3f}), "
        f"MRR {mrr:.3f}"
    )
    misses = [s for s in scores if not s.reciprocal_rank]
    if misses:
        print("No relevant page in the first ten: " + "; ".join(s.query for s in misses))


if __name__ == "__main__":
    main()
