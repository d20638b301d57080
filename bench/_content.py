"""Shared by the benchmarks: run manage.py against a benchmark database and fill it with content.

The search benchmark (bench/search_bench.py) and the page benchmark (bench/pages.py) both need
a database holding the demo content plus N synthetic pages, indexed for site search. Building it
the same way in both keeps their figures comparable: the same pages, the same index.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def manage(settings_env: Mapping[str, str], *args: str) -> tuple[float, str]:
    """Run one manage.py command with these settings variables: (seconds taken, its output).

    `settings_env` is laid over the current environment, with the development profile unless it
    says otherwise (the demo's forum threads and generate_content are refused in production).
    An empty value switches a variable off (settings treat "" as unset).
    """
    env = {**os.environ, "DJANGO_ENV": "development", **settings_env}
    started = time.perf_counter()
    done = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode:
        sys.stderr.write(done.stdout[-4000:] + done.stderr[-4000:])
        raise subprocess.CalledProcessError(done.returncode, done.args, done.stdout, done.stderr)
    return time.perf_counter() - started, done.stdout


def populate(
    settings_env: Mapping[str, str],
    documents: int,
    log: Callable[[str], None],
    *,
    accounts: bool = False,
    stock_index: bool = False,
) -> dict[str, float]:
    """Migrate an empty database, load the demo content and add `documents` synthetic pages.

    Returns the seconds each timed step took: "generate", "rebuild" (as rebuild_search_index
    reports it, without Django's start-up) and, with `stock_index`, "stock_index" (Wagtail's own
    update_index, which only the admin's search uses). `accounts` loads the demo accounts and,
    with them, the forum threads and events (they need authors).
    """
    seconds = manage(settings_env, "migrate", "--verbosity", "0")[0]
    seconds += manage(settings_env, "setup_site")[0]
    log(f"migrated and set up in {seconds:.0f} s")
    seconds = manage(settings_env, "load_demo_content", *([] if accounts else ["--no-accounts"]))[0]
    log(f"demo content loaded in {seconds:.0f} s")
    timings = {"generate": manage(settings_env, "generate_content", "--scale", str(documents))[0]}
    log(f"generated {documents:,} documents in {timings['generate']:.0f} s")
    _wall, output = manage(settings_env, "rebuild_search_index")
    found = re.search(r"Indexed ([\d,]+) documents in ([\d.]+) s", output)
    if found is None:
        raise RuntimeError(f"rebuild_search_index did not report its work:\n{output}")
    timings["indexed"] = float(found[1].replace(",", ""))
    timings["rebuild"] = float(found[2])
    log(f"site search index rebuilt: {found[1]} documents in {timings['rebuild']:.1f} s")
    if stock_index:
        timings["stock_index"] = manage(settings_env, "update_index")[0]
        log(f"Wagtail's index (update_index) in {timings['stock_index']:.1f} s")
    return timings
