#!/usr/bin/env python
"""Search speed at scale: index build time and query latency at 1k, 10k and 100k documents.

For each scale it builds a separate SQLite database under var/bench/ (migrate, site structure,
demo content, `generate_content --scale N`), rebuilds the site search index, then in a child
process runs the fixed mix of 50 queries in bench/search_queries.txt through the search
service, as an anonymous visitor, three ways:

- plain: the query with no filters chosen (the service still counts every facet);
- filtered: the same query with a theme and a region chosen (counts for every facet);
- stock: `Page.objects.live().search(q)[:10]`, Wagtail's own database backend, for comparison
  (after `manage.py update_index`); each query is cut off after --stock-timeout seconds.

It prints one table. Targets on the 2-core machine: p95 <= 50 ms at 10,000 and <= 200 ms at
100,000 with all facet counts; rebuild >= 300 documents a second.

    .venv/bin/python bench/search_bench.py                  # 1,000, 10,000 and 100,000
    .venv/bin/python bench/search_bench.py --scales 1000    # quick look
    .venv/bin/python bench/search_bench.py --reuse          # keep databases built earlier
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
from pathlib import Path

# bench/ is on the path when this file is run as a script.
from _content import PYTHON, ROOT, populate
from _content import manage as run_manage


def manage(database: Path, *args: str) -> tuple[float, str]:
    """Run a manage.py command against one benchmark database: (seconds taken, its output)."""
    return run_manage({"DATABASE_URL": f"sqlite:///{database}"}, *args)


def build(scale: int, reuse: bool) -> tuple[Path, dict]:
    folder = ROOT / "var" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    database = folder / f"search-{scale}.sqlite3"
    marker = database.with_suffix(".json")
    if reuse and database.exists() and marker.exists():
        print(f"  reusing {database.relative_to(ROOT)}", flush=True)
        manage(database, "migrate", "--verbosity", "0")  # the code may have moved on
        return database, json.loads(marker.read_text())
    for path in folder.glob(f"search-{scale}.sqlite3*"):
        path.unlink()
    print(f"  building {database.relative_to(ROOT)}", flush=True)
    timings = populate(
        {"DATABASE_URL": f"sqlite:///{database}"},
        scale,
        lambda line: print(f"  {line}", flush=True),
        stock_index=True,
    )
    marker.write_text(json.dumps(timings))
    return database, timings


def measure(database: Path, args: argparse.Namespace) -> dict:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "DJANGO_ENV": "development"}
    command = [
        PYTHON,
        str(ROOT / "bench" / "_search_worker.py"),
        "--stock-timeout",
        str(args.stock_timeout),
        "--stock-queries",
        str(args.stock_queries),
        "--runs",
        str(args.runs),
    ]
    output = subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return json.loads(output.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", default="1000,10000,100000")
    parser.add_argument("--reuse", action="store_true", help="reuse databases built earlier")
    parser.add_argument("--runs", type=int, default=3, help="times each query is run")
    parser.add_argument("--stock-timeout", type=float, default=5.0)
    parser.add_argument(
        "--stock-queries",
        type=int,
        default=50,
        help="how many of the 50 queries to time on Wagtail's stock backend",
    )
    args = parser.parse_args()

    rows = []
    for scale in [int(s) for s in args.scales.split(",")]:
        print(f"N = {scale:,}", flush=True)
        database, timings = build(scale, args.reuse)
        result = measure(database, args)
        result.update(scale=scale, **timings)
        rows.append(result)

    print()
    header = (
        "N",
        "docs",
        "rebuild s",
        "docs/s",
        "plain p50",
        "plain p95",
        "filtered p50",
        "filtered p95",
        "stock p50",
        "stock p95",
        "stock timeouts",
        "update_index s",
        "RSS MB",
    )
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---:" for _ in header) + "|")
    for r in rows:
        print(
            "| "
            + " | ".join(
                [
                    f"{r['scale']:,}",
                    f"{r['documents']:,}",
                    f"{r['rebuild']:.1f}",
                    f"{r['documents'] / r['rebuild']:,.0f}",
                    f"{r['plain_p50']:.1f} ms",
                    f"{r['plain_p95']:.1f} ms",
                    f"{r['filtered_p50']:.1f} ms",
                    f"{r['filtered_p95']:.1f} ms",
                    f"{r['stock_p50']:.0f} ms" if r["stock_p50"] is not None else "–",
                    f"{r['stock_p95']:.0f} ms" if r["stock_p95"] is not None else "–",
                    f"{r['stock_timeouts']}/{r['stock_runs']} (> {args.stock_timeout:g} s)",
                    f"{r['stock_index']:.1f}",
                    f"{r['rss_mb']:.0f}",
                ]
            )
            + " |"
        )
    print(
        "\nrebuild s is the time `manage.py rebuild_search_index` reports (Django start-up "
        "excluded; update_index s includes it); "
        "latencies are per query through search.service.search, anonymous, "
        f"{args.runs} runs of each of the 50 queries; stock is "
        "Page.objects.live().search(q)[:10]."
    )


if __name__ == "__main__":
    main()
