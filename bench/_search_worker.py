#!/usr/bin/env python
"""Child process of search_bench.py: times the query mix against DATABASE_URL, prints JSON."""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cop_site.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import AnonymousUser  # noqa: E402
from django.db import OperationalError, connection  # noqa: E402
from wagtail.models import Page  # noqa: E402

from learning.models import Region, Theme  # noqa: E402
from search.models import SearchDocument  # noqa: E402
from search.service import search  # noqa: E402


def queries() -> list[str]:
    lines = (ROOT / "bench" / "search_queries.txt").read_text().splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def timed(function) -> float:
    started = time.perf_counter()
    function()
    return (time.perf_counter() - started) * 1000


def stock(query: str, timeout: float) -> float | None:
    """Wagtail's own database backend; None when cut off after `timeout` seconds."""
    connection.ensure_connection()
    timer = threading.Timer(timeout, connection.connection.interrupt)
    timer.start()
    try:
        return timed(lambda: list(Page.objects.live().search(query)[:10]))
    except OperationalError:
        return None
    finally:
        timer.cancel()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--stock-timeout", type=float, default=5.0)
    parser.add_argument("--stock-queries", type=int, default=50)
    args = parser.parse_args()
    anonymous = AnonymousUser()
    mix = queries()
    themes = list(Theme.objects.values_list("slug", flat=True))
    nations = list(Region.objects.filter(parent=None).values_list("slug", flat=True))
    search({"q": "warm up"}, anonymous)  # loads the bitmaps once, as a running site would

    plain, filtered = [], []
    for _run in range(args.runs):
        for index, q in enumerate(mix):
            plain.append(timed(lambda q=q: search({"q": q}, anonymous)))
            params = {
                "q": q,
                "theme": themes[index % len(themes)],
                "region": nations[index % len(nations)],
            }
            filtered.append(timed(lambda p=params: search(p, anonymous)))

    stock_times = [stock(q, args.stock_timeout) for q in mix[: args.stock_queries]]
    finished = [t for t in stock_times if t is not None]
    print(
        json.dumps(
            {
                "documents": SearchDocument.objects.count(),
                "plain_p50": statistics.median(plain),
                "plain_p95": percentile(plain, 95),
                "filtered_p50": statistics.median(filtered),
                "filtered_p95": percentile(filtered, 95),
                "stock_p50": statistics.median(finished) if finished else None,
                "stock_p95": percentile(finished, 95)
                if finished and len(finished) == len(stock_times)
                else None,
                "stock_timeouts": len(stock_times) - len(finished),
                "stock_runs": len(stock_times),
                "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


if __name__ == "__main__":
    main()
