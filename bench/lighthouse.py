#!/usr/bin/env python
"""Lighthouse scores for the pages people use most, on desktop settings, as one table.

The accessibility tests (tests/browser/test_accessibility.py) hold every key page to zero axe
violations; Lighthouse adds what axe does not judge (speed, best practices, SEO) and a second
opinion on accessibility. It is a benchmark, not a test, because the performance score depends
on the machine and the server it is pointed at.

It starts nothing: run the site first (`make run`, or gunicorn with production settings for
figures that mean something: `runserver` with DEBUG serves unminified, uncompressed static
files one at a time and is slower), then

    .venv/bin/python bench/lighthouse.py --base http://127.0.0.1:8000
    .venv/bin/python bench/lighthouse.py --base http://127.0.0.1:8000 --runs 3 --keep var/bench/lh

It finds real addresses on the site it is given: a case study, a learning history and a
project through the Wagtail API (`/api/v2/pages/?type=...`), a forum thread through the
sitemap (so, one an anonymous visitor may read). Lighthouse is `node_modules/.bin/lighthouse`
(`make static` installs it from package-lock.json) driving /usr/bin/chromium (CHROME_PATH).

Targets: accessibility, best practices and SEO 100; performance at least 95. For each score
under target it lists the audits that cost the most. Exit status 1 when a score misses its
target, so it can gate a release.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-background-networking "
    "--disable-component-update --disable-sync --no-first-run --disable-dev-shm-usage"
)
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
TARGETS = {"performance": 95, "accessibility": 100, "best-practices": 100, "seo": 100}
PAGE_TYPES = {
    "case study": "learning.CaseStudyPage",
    "learning history": "learning.LearningHistoryPage",
    "project": "projects.HighImpactProjectPage",
}
THREAD = re.compile(r"<loc>https?://[^/<]+(/[^<]*?communities/[^<]+/threads/\d+/[^<]*/)</loc>")


@dataclass
class Result:
    label: str
    path: str
    scores: dict[str, int] = field(default_factory=dict)
    failing: dict[str, list[str]] = field(default_factory=dict)
    performance_runs: list[int] = field(default_factory=list)
    error: str = ""


def fetch(url: str) -> str:
    """GET a page of the site under test (only the base URL the user gave is ever asked)."""
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (http(s) only, checked)
        return response.read().decode()


def find_pages(base: str) -> list[tuple[str, str]]:
    """(label, path) for each page to measure, found on the site rather than hard-coded, so the
    script keeps working when the demo content changes."""
    pages = [("home", "/"), ("search results", "/search/?q=hospital+discharge")]
    for label, page_type in PAGE_TYPES.items():
        query = urllib.parse.urlencode({"type": page_type, "fields": "_,html_url", "limit": 1})
        items = json.loads(fetch(f"{base}/api/v2/pages/?{query}"))["items"]
        if not items:
            raise SystemExit(f"The site has no published {label} ({page_type}) to measure.")
        pages.append((label, urllib.parse.urlsplit(items[0]["meta"]["html_url"]).path))
    thread = THREAD.search(fetch(f"{base}/sitemap.xml"))
    if not thread:
        raise SystemExit("The sitemap lists no forum thread an anonymous visitor may read.")
    pages.append(("forum thread", thread.group(1)))
    return pages


def final_address(url: str) -> str:
    """Where the address ends up after redirects (e.g. to a language prefix), so Lighthouse
    measures the page itself and not a redirect in front of it."""
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (the user's site)
        return response.geturl()


def run_lighthouse(url: str, output: Path) -> dict:
    """One Lighthouse run, desktop preset, all four categories; its JSON report."""
    env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
    command = [
        str(LIGHTHOUSE),
        url,
        "--preset=desktop",
        f"--chrome-flags={CHROME_FLAGS}",
        f"--only-categories={','.join(CATEGORIES)}",
        "--output=json",
        f"--output-path={output}",
        "--quiet",
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    if done.returncode != 0 or not output.exists():
        raise RuntimeError((done.stderr or done.stdout).strip()[-800:] or "Lighthouse failed")
    return json.loads(output.read_text())


def failing_audits(report: dict, category: str, limit: int = 4) -> list[str]:
    """The audits that cost the category the most points: weight x (1 - score); for
    performance, where opportunities carry no weight, those with the biggest estimated saving."""
    audits = report["audits"]
    costs = []
    for ref in report["categories"][category]["auditRefs"]:
        audit = audits[ref["id"]]
        score = audit.get("score")
        if score is None or score >= 1:
            continue
        cost = ref.get("weight", 0) * (1 - score)
        if cost == 0 and category != "performance":
            continue
        saving = (audit.get("metricSavings") or {}).get("LCP", 0) or 0
        detail = audit.get("displayValue") or ""
        costs.append((cost, saving, f"{ref['id']} ({score:.2f}{', ' + detail if detail else ''})"))
    costs.sort(key=lambda item: (item[0], item[1]), reverse=True)
    return [text for _cost, _saving, text in costs[:limit]]


def measure(base: str, label: str, path: str, runs: int, folder: Path) -> Result:
    """Lighthouse `runs` times on one page; the report with the median performance score is
    the one shown (Lighthouse's own advice for a noisy metric)."""
    result = Result(label, path)
    reports = []
    slug = re.sub(r"[^a-z0-9]+", "-", label)
    try:
        url = final_address(base + path)
    except (urllib.error.URLError, OSError) as error:
        result.error = f"{base + path}: {error}"
        return result
    result.path = urllib.parse.urlsplit(url)._replace(scheme="", netloc="").geturl()
    for run in range(runs):
        # Lighthouse now and then fails to record a trace (NO_NAVSTART); one retry, then give up.
        for attempt in (1, 2):
            try:
                reports.append(run_lighthouse(url, folder / f"{slug}-{run + 1}.json"))
                break
            except (RuntimeError, subprocess.TimeoutExpired) as error:
                if attempt == 2:
                    result.error = str(error)
                    return result
    reports.sort(key=lambda report: report["categories"]["performance"]["score"] or 0)
    report = reports[len(reports) // 2]
    for category in CATEGORIES:
        score = report["categories"][category]["score"]
        result.scores[category] = round((score or 0) * 100)
        if result.scores[category] < TARGETS[category]:
            result.failing[category] = failing_audits(report, category)
    result.performance_runs = [
        round((r["categories"]["performance"]["score"] or 0) * 100) for r in reports
    ]
    return result


def print_table(results: list[Result]) -> None:
    width = max(len(r.label) for r in results) + 2
    header = f"{'page':<{width}}{'perf':>6}{'a11y':>6}{'best':>6}{'seo':>6}  path"
    print(header)
    print("-" * len(header))
    for result in results:
        if result.error:
            print(f"{result.label:<{width}}  Lighthouse failed: {result.error}")
            continue
        cells = "".join(f"{result.scores[c]:>6}" for c in CATEGORIES)
        print(f"{result.label:<{width}}{cells}  {result.path}")
    print()
    targets = ", ".join(f"{c} {'>= ' if c == 'performance' else ''}{t}" for c, t in TARGETS.items())
    print(f"Targets: {targets} (desktop preset).")
    for result in results:
        if len(result.performance_runs) > 1:
            runs = result.performance_runs
            print(f"  {result.label}: performance over {len(runs)} runs {runs} (median shown)")
        for category, audits in result.failing.items():
            print(f"  {result.label}: {category} {result.scores[category]} - " + "; ".join(audits))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", help="the running site, e.g. http://127.0.0.1:8000")
    parser.add_argument("--runs", type=int, default=1, help="runs per page (median shown)")
    parser.add_argument("--keep", type=Path, help="keep the JSON reports in this folder")
    args = parser.parse_args()

    if not args.base:
        print(
            "Start the site first (`make run`, in another terminal), then:\n"
            "    .venv/bin/python bench/lighthouse.py --base http://127.0.0.1:8000",
            file=sys.stderr,
        )
        return 2
    base = args.base.rstrip("/")
    if urllib.parse.urlsplit(base).scheme not in ("http", "https"):
        parser.error("--base must be an http(s) URL")
    if not LIGHTHOUSE.exists():
        print("Lighthouse is not installed: run `make static` (npm ci) first.", file=sys.stderr)
        return 2
    if not shutil.which(os.environ.get("CHROME_PATH", "/usr/bin/chromium")):
        print("Chromium is not installed: `make chromium` installs it.", file=sys.stderr)
        return 2
    try:
        pages = find_pages(base)
    except (urllib.error.URLError, OSError) as error:
        print(f"Nothing answers at {base} ({error}). Is `make run` running?", file=sys.stderr)
        return 2

    folder = args.keep or Path(tempfile.mkdtemp(prefix="lighthouse-"))
    folder.mkdir(parents=True, exist_ok=True)
    results = []
    for label, path in pages:
        print(f"  {label}: {path}", file=sys.stderr, flush=True)
        results.append(measure(base, label, path, args.runs, folder))
    print()
    print_table(results)
    if args.keep:
        print(f"\nJSON reports in {folder}")
    else:
        shutil.rmtree(folder, ignore_errors=True)
    missed = any(r.error or r.failing for r in results)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
