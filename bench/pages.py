#!/usr/bin/env python
"""Page speed under gunicorn: requests a second and latency of the main pages, against a ceiling.

It builds a throwaway database (migrate, demo content with its forum threads, `generate_content`
to about --documents search documents, the site search index), collects the static files, starts
gunicorn with 2 sync workers and the production settings, and runs `wrk` against each page in
turn: a bare view with a fixed response first (bench/bare_urls.py, through the same middleware:
the ceiling of this stack), then home, a theme, a project, a case study, a learning history, a
public forum thread and search with a theme facet chosen. Each URL is warmed with a short wrk run
first, then measured for --duration seconds.

It prints one table: requests a second, p50 and p99 latency, the ratio to the bare view's
requests a second, what the X-Cache header said (hit/miss; n/a when the site sends none) and
whether the target is met: p99 under 100 ms for pages, under 300 ms for search. It exits 1 if
any response was not 2xx or any request failed, and cleans up (gunicorn, database, files)
however it ends, Ctrl-C included.

    .venv/bin/python bench/pages.py                      # SQLite, 10,000 documents, 10 s a page
    .venv/bin/python bench/pages.py --postgres           # PostgreSQL + Redis (scripts/services.sh)
    .venv/bin/python bench/pages.py --keep-db            # keep (and next time reuse) the database
    .venv/bin/python bench/pages.py --documents 1000 --duration 5

Preparing the database takes minutes (10,000 documents, measured on a busy 2-core machine with
a load average of about 10: 6.5 minutes on SQLite, 8.5 on PostgreSQL); `--keep-db` keeps it
under var/bench/ and reuses it on the next `--keep-db` run. The whole default run then takes
about 4 minutes more (16 URLs, 12 s each, plus start-up). Needs `wrk` (installed from
Debian's packages when missing and run as root) and the built front end (`make static`).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

# bench/ is on the path when this file is run as a script.
from _content import PYTHON, ROOT, manage, populate

SEARCH_QUERY = "housing"
# Target p99 latencies (ms): cached pages, and search with facets at 10,000 documents (issue 8).
PAGE_TARGET_MS = 100.0
SEARCH_TARGET_MS = 300.0
# Redis database for the --postgres run: not the one the test suite flushes (1, and 2 upwards
# for its parallel workers), so someone else's test run cannot empty the cache mid-measurement.
REDIS_DB = 14
# A cookie the page cache does not know makes it pass the request to the view (X-Cache: pass):
# how the rendered rows measure what a page costs to build, as after any publish (which empties
# the cache) or for a signed-in reader.
BYPASS = "Cookie: bench-render=1"
# Headers the middleware adds to every response; the bare view must carry them too, or it is
# not going through the same stack and is no honest ceiling.
MIDDLEWARE_HEADERS = (
    "X-Request-ID",
    "Content-Security-Policy",
    "Permissions-Policy",
    "X-Frame-Options",
    "Referrer-Policy",
    "Content-Language",
)

LUA_REPORT = r"""
-- Counts response statuses and X-Cache values in each wrk thread; done() adds them up and
-- prints one JSON line with them, the latency percentiles and the error counts.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
  cache = {}
end

function response(status, headers, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
  local value = headers["X-Cache"] or headers["x-cache"] or "absent"
  value = string.lower(string.gsub(value, "[^%w%-]", ""))
  cache[value] = (cache[value] or 0) + 1
end

local function encode(t)
  local parts = {}
  for k, v in pairs(t) do
    table.insert(parts, string.format('"%s": %d', k, v))
  end
  return "{" .. table.concat(parts, ", ") .. "}"
end

function done(summary, latency, requests)
  local all_statuses, all_cache = {}, {}
  for _, thread in ipairs(threads) do
    for k, v in pairs(thread:get("statuses")) do all_statuses[k] = (all_statuses[k] or 0) + v end
    for k, v in pairs(thread:get("cache")) do all_cache[k] = (all_cache[k] or 0) + v end
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, '
      .. '"max_us": %d, "connect": %d, "read": %d, "write": %d, "timeout": %d, '
      .. '"statuses": %s, "cache": %s}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.timeout,
    encode(all_statuses), encode(all_cache)))
end
"""


def say(message: str) -> None:
    """Progress goes to standard error, so standard output holds only the results."""
    print(message, file=sys.stderr, flush=True)


@dataclass
class Target:
    name: str
    path: str
    target_ms: float | None
    #: Extra request headers, e.g. the cookie that makes a request bypass the page cache.
    headers: tuple[str, ...] = ()
    result: dict[str, Any] = field(default_factory=dict)


# --- Preparation ---------------------------------------------------------------------------------


def ensure_wrk() -> str:
    """The wrk binary; installed from Debian's packages when missing and we are root."""
    found = shutil.which("wrk")
    if found:
        return found
    apt_get = shutil.which("apt-get")
    if os.geteuid() != 0 or not apt_get:
        sys.exit("wrk is missing: install it (as root: apt-get install wrk).")
    say("Installing wrk from Debian's packages")
    quiet: dict[str, Any] = {
        "stdout": subprocess.DEVNULL,
        "env": {**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    }
    subprocess.run([apt_get, "update", "-qq"], check=True, **quiet)
    subprocess.run([apt_get, "install", "-y", "-qq", "wrk"], check=True, **quiet)
    return shutil.which("wrk") or sys.exit("wrk did not install")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def services_env() -> dict[str, str]:
    """DATABASE_URL and REDIS_URL from scripts/services.sh (which starts both if needed)."""
    output = subprocess.run(
        [str(ROOT / "scripts" / "services.sh"), "--env"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    found = {}
    for line in output.splitlines():
        if line.startswith("export ") and "=" in line:
            name, value = line.removeprefix("export ").split("=", 1)
            found[name] = value.strip("'\"")
    return found


def with_path(url: str, path: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=path))


class Postgres:
    """A database of the benchmark's own on the services' PostgreSQL server, created and dropped
    here, so nothing collides with the test runs that use the same server."""

    def __init__(self, admin_url: str, name: str) -> None:
        self.admin_url = admin_url
        self.name = name
        self.url = with_path(admin_url, f"/{name}")

    def _run(self, statement: Any, params: tuple = ()) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as connection:
            cursor = connection.execute(statement, params)
            return cursor.fetchall() if cursor.description else []

    def exists(self) -> bool:
        return bool(self._run("SELECT 1 FROM pg_database WHERE datname = %s", (self.name,)))

    def create(self) -> None:
        from psycopg import sql

        self.drop()
        self._run(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.name)))

    def drop(self) -> None:
        from psycopg import sql

        self._run(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(self.name))
        )


def prepare(
    args: argparse.Namespace, workdir: Path, db_env: dict[str, str], production: dict[str, str]
) -> dict:
    """Fill the database (unless a kept one is reused) and collect the static files.

    A database is reused only if an earlier run finished preparing it (its prepared.json);
    main() empties a half-prepared one first, since generate_content adds to what is there.
    """
    marker = workdir / "prepared.json"
    if marker.exists():
        say(f"Reusing the database prepared earlier ({workdir.relative_to(ROOT)}); migrating")
        manage(db_env, "migrate", "--verbosity", "0")
        info = json.loads(marker.read_text())
    else:
        say(
            f"Preparing a database with the demo content and {args.documents:,} synthetic "
            "documents: this takes a few minutes."
        )
        started = time.perf_counter()
        info = populate(db_env, args.documents, lambda line: say(f"  {line}"), accounts=True)
        say(f"  prepared in {time.perf_counter() - started:.0f} s")
        marker.write_text(json.dumps(info))
    say("Collecting static files (production storage: hashed names, compressed)")
    manage(production, "collectstatic", "--no-input", "-v", "0")
    return info


def discover(query: str) -> None:
    """Print, as JSON, one URL of each kind of page that an anonymous visitor may see.

    Run in a child process with the benchmark's settings (`--discover`). Pages come from the
    demo content (not the synthetic pages), first in the page tree; the thread is the public one
    with most replies; search uses the theme with most results for the query.
    """
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth.models import AnonymousUser
    from django.http import QueryDict
    from wagtail.models import Locale

    from communities.models import Thread
    from learning.models import CaseStudyPage, LearningHistoryPage, ThemePage
    from projects.models import HighImpactProjectPage
    from search.service import search

    anonymous = AnonymousUser()
    english = Locale.objects.get(language_code="en")
    found: dict[str, str] = {}
    for name, model in [
        ("theme", ThemePage),
        ("project", HighImpactProjectPage),
        ("case study", CaseStudyPage),
        ("learning history", LearningHistoryPage),
    ]:
        page = (
            model.objects.visible_to(anonymous)
            .filter(locale=english)
            .exclude(slug__startswith="synthetic-")
            .order_by("path")
            .first()
        )
        if page is None:
            raise SystemExit(f"No {name} page visible to an anonymous visitor")
        found[name] = page.get_url(None)
    thread = (
        Thread.objects.visible_to(anonymous)
        .filter(hidden=False)
        .order_by("-reply_count", "pk")
        .first()
    )
    if thread is None:
        raise SystemExit("No forum thread visible to an anonymous visitor")
    found["thread"] = thread.get_url()
    results = search(QueryDict(urlencode({"q": query})), anonymous)
    themes = sorted(results.facets.get("theme", []), key=lambda value: -value.count)
    if not themes:
        raise SystemExit(f"Search for {query!r} found nothing with a theme")
    found["search"] = "/en/search/?" + urlencode({"q": query, "theme": themes[0].value})
    found["search_count"] = str(results.count)
    print(json.dumps(found))


# --- Running -------------------------------------------------------------------------------------


def fetch(port: int, path: str, headers: tuple[str, ...] = ()) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", path, headers=dict(h.split(": ", 1) for h in headers))
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def wait_until_up(port: int, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"gunicorn stopped (exit {server.returncode}):\n{tail(log)}")
        try:
            status, _headers, body = fetch(port, "/health/")
        except OSError:
            time.sleep(0.25)
            continue
        if status == 200:
            return
        sys.exit(f"/health/ answered {status}: {body[:500]!r}")
    sys.exit(f"gunicorn did not answer within 60 s:\n{tail(log)}")


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def run_wrk(
    wrk: str, target: Target, port: int, seconds: float, connections: int, script: Path
) -> dict[str, Any]:
    """One wrk run; its figures from the Lua `done` hook (latencies in microseconds)."""
    command = [
        wrk,
        f"-t{min(2, connections)}",
        f"-c{connections}",
        f"-d{seconds:g}s",
        "--timeout",
        "30s",  # gunicorn's own timeout: a slow response is measured, not dropped as an error
        "-s",
        str(script),
        *[part for header in target.headers for part in ("-H", header)],
        f"http://127.0.0.1:{port}{target.path}",
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    for line in done.stdout.splitlines():
        if line.startswith("WRK_JSON "):
            return json.loads(line.removeprefix("WRK_JSON "))
    raise RuntimeError(f"wrk printed no report:\n{done.stdout}\n{done.stderr}")


def worker_rss_mb(master: int) -> list[float]:
    """Resident memory of gunicorn's workers (children of the master process), in MB."""
    sizes = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) != master:
                continue
            for line in (stat.parent / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(int(line.split()[1]) / 1024)
        except (OSError, IndexError, ValueError):
            continue
    return sorted(sizes)


@contextmanager
def gunicorn(port: int, env: dict[str, str], log: Path) -> Iterator[subprocess.Popen]:
    """gunicorn as README's production section runs it, stopped (by its own id) however we end."""
    command = [
        PYTHON,
        "-m",
        "gunicorn",
        "cop_site.wsgi",
        "--workers",
        "2",
        "--bind",
        f"127.0.0.1:{port}",
        "--timeout",
        "30",
        "--graceful-timeout",
        "30",
        "--error-logfile",
        "-",
        # gunicorn 27 listens on a control socket at one fixed path per user by default; other
        # gunicorns on the machine (a load test, a second benchmark) would collide on it.
        "--no-control-socket",
    ]
    with log.open("wb") as output:
        server = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield server
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()


def cache_label(counts: dict[str, int]) -> str:
    total = sum(counts.values())
    seen = {k: v for k, v in counts.items() if k != "absent"}
    if not total or not seen:
        return "n/a"
    if len(counts) == 1:
        return next(iter(counts))
    share = seen.get("hit", 0) / total
    return f"hit {share:.0%}"


def errors_of(result: dict[str, Any]) -> int:
    bad_status = sum(n for status, n in result["statuses"].items() if not status.startswith("2"))
    sockets = sum(result[kind] for kind in ("connect", "read", "write", "timeout"))
    return bad_status + sockets


def print_table(targets: list[Target]) -> None:
    # The ceiling is the mean of the bare view's two runs (first and last).
    bare = [t.result["rps"] for t in targets if t.path == "/en/__bare__/"]
    bare_rps = sum(bare) / len(bare)
    header = (
        "page",
        "URL",
        "requests/s",
        "p50 ms",
        "p99 ms",
        "ratio to bare",
        "X-Cache",
        "errors",
        "target met",
    )
    print("| " + " | ".join(header) + " |")
    print(
        "|" + "|".join(["---", "---", "---:", "---:", "---:", "---:", "---", "---:", "---"]) + "|"
    )
    for target in targets:
        r = target.result
        if target.target_ms is None:
            verdict = "–"
        elif not r["requests"]:
            verdict = "NO (no response within the run)"
        else:
            met = r["p99_ms"] < target.target_ms
            verdict = f"{'yes' if met else 'NO'} (p99 < {target.target_ms:g} ms)"
        print(
            "| "
            + " | ".join(
                [
                    target.name,
                    target.path,
                    f"{r['rps']:,.1f}",
                    f"{r['p50_ms']:.1f}" if r["requests"] else "–",
                    f"{r['p99_ms']:.1f}" if r["requests"] else "–",
                    f"{r['rps'] / bare_rps:.2f}" if bare_rps else "–",
                    cache_label(r["cache"]),
                    str(errors_of(r)),
                    verdict,
                ]
            )
            + " |"
        )


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def benchmark(args: argparse.Namespace, wrk: str, workdir: Path, db_env: dict[str, str]) -> int:
    production = {
        **db_env,
        "DJANGO_ENV": "production",
        "DJANGO_SETTINGS_MODULE": "bench.bare_settings",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
    }
    info = prepare(args, workdir, db_env, production)
    port = args.port or free_port()
    run_env = {**os.environ, **production}
    discovered = json.loads(
        subprocess.run(
            [PYTHON, str(Path(__file__).resolve()), "--discover", "--query", args.query],
            cwd=ROOT,
            env=run_env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.splitlines()[-1]
    )
    pages = [
        ("home", "/en/"),
        ("theme", discovered["theme"]),
        ("project", discovered["project"]),
        ("case study", discovered["case study"]),
        ("learning history", discovered["learning history"]),
        ("forum thread", discovered["thread"]),
    ]
    bare = Target("bare view (ceiling)", "/en/__bare__/", None)
    targets = [bare]
    targets += [Target(name, path, PAGE_TARGET_MS) for name, path in pages]
    # The same search replayed from the page cache, and rendered every time: people's searches
    # vary, so the rendered figure is the one the search target is about.
    targets.append(Target("search + facet", discovered["search"], PAGE_TARGET_MS))
    if not args.cached_only:
        targets += [Target(f"{name}, rendered", path, None, (BYPASS,)) for name, path in pages]
    targets.append(
        Target("search + facet, rendered", discovered["search"], SEARCH_TARGET_MS, (BYPASS,))
    )
    # The ceiling again at the end: how far the machine's speed drifted during the run.
    targets.append(Target("bare view, again", bare.path, None))
    script = workdir / "report.lua"
    script.write_text(LUA_REPORT)
    log = workdir / "gunicorn.log"
    load_before = load()
    say(f"Starting gunicorn (2 workers, production settings) on 127.0.0.1:{port}")
    with gunicorn(port, run_env, log) as server:
        wait_until_up(port, server, log)
        # The bare view must pass through the same middleware as the pages it is compared with.
        _status, bare_headers, _body = fetch(port, targets[0].path)
        missing = [name for name in MIDDLEWARE_HEADERS if name not in bare_headers]
        if missing:
            sys.exit(f"The bare view lacks the middleware's headers {missing}: no honest ceiling.")
        for target in targets:
            status, _headers, _body = fetch(port, target.path, target.headers)
            if status != 200:
                sys.exit(f"{target.name} ({target.path}) answered {status}:\n{tail(log)}")
            say(f"  {target.name}: warming {args.warmup:g} s, measuring {args.duration:g} s")
            run_wrk(wrk, target, port, args.warmup, args.connections, script)
            r = run_wrk(wrk, target, port, args.duration, args.connections, script)
            r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
            r["p50_ms"] = r["p50_us"] / 1000
            r["p99_ms"] = r["p99_us"] / 1000
            target.result = r
        rss = worker_rss_mb(server.pid)
    load_after = load()

    database = "PostgreSQL + Redis cache" if args.postgres else "SQLite + per-process cache"
    print(
        f"\nPages under gunicorn (2 sync workers, production settings), {database}, "
        f"{int(info.get('indexed', 0)):,} search documents; wrk -t{min(2, args.connections)} "
        f"-c{args.connections}, {args.duration:g} s a URL after {args.warmup:g} s warming; "
        f"{os.cpu_count()} CPUs, load average {load_before} before, {load_after} after.\n"
    )
    print_table(targets)
    first, last = targets[0].result["rps"], targets[-1].result["rps"]
    print(
        f"\nsearch: {args.query!r} with the theme that has most results "
        f"({int(discovered['search_count']):,} results for the query alone). "
        "ratio to bare = the row's requests/s over the bare view's (mean of its first and last "
        f"runs; the last ran at {last / first:.0%} of the first's speed: the machine's drift). "
        "X-Cache: what the page cache answered (hit = replayed from it, miss = rendered and "
        "stored, pass = rendered, not storable; n/a = no X-Cache header: the cache was not "
        "consulted, as for the rendered rows, whose requests carry a cookie it does not know). "
        "errors = non-2xx responses plus failed requests. "
        f"Worker RSS after the run: {', '.join(f'{mb:.0f} MB' for mb in rss) or 'unknown'}."
    )
    failed = [t for t in targets if errors_of(t.result)]
    if failed:
        for target in failed:
            say(
                f"{target.name}: statuses {target.result['statuses']}, socket errors "
                f"{ {k: target.result[k] for k in ('connect', 'read', 'write', 'timeout')} }"
            )
        say(f"gunicorn log (last lines):\n{tail(log)}")
        return 1
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10, help="seconds measured per URL")
    parser.add_argument("--warmup", type=float, default=2, help="seconds of warming per URL")
    parser.add_argument("--connections", type=int, default=8, help="wrk's open connections")
    parser.add_argument("--documents", type=int, default=10_000, help="synthetic pages to add")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL and Redis")
    parser.add_argument(
        "--keep-db",
        action="store_true",
        help="keep the database under var/bench/ and reuse it on the next --keep-db run",
    )
    parser.add_argument("--port", type=int, default=0, help="gunicorn's port (default: a free one)")
    parser.add_argument("--query", default=SEARCH_QUERY, help="the search benchmarked")
    parser.add_argument(
        "--cached-only",
        action="store_true",
        help="skip the rendered (page cache bypassed) runs of the pages; search keeps both",
    )
    parser.add_argument("--discover", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.discover:
        discover(args.query)
        return
    if not (ROOT / "cop_site" / "static" / "dist" / "css" / "main.css").exists():
        sys.exit("The front end is not built: run `make static` first.")
    wrk = ensure_wrk()

    # SIGTERM and SIGHUP end the run like Ctrl-C does: through the clean-up below.
    def stop(signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGHUP, stop)

    kind = "postgres" if args.postgres else "sqlite"
    if args.keep_db:
        workdir = ROOT / "var" / "bench" / f"pages-{kind}-{args.documents}"
        workdir.mkdir(parents=True, exist_ok=True)
    else:
        workdir = Path(tempfile.mkdtemp(prefix="exchange-bench-pages-"))
    db_env = {
        # Everything the benchmark writes stays in its own folder.
        "DJANGO_VAR_DIR": str(workdir / "var"),
        "DJANGO_MEDIA_ROOT": str(workdir / "media"),
        "DJANGO_PRIVATE_MEDIA_ROOT": str(workdir / "private"),
        "DJANGO_STATIC_ROOT": str(workdir / "static"),
        # The database search engine, local files, no debug: whatever the shell has set.
        "ELASTICSEARCH_URL": "",
        "AWS_STORAGE_BUCKET_NAME": "",
        "DJANGO_DEBUG": "",
        "DATABASE_URL": "",
        "REDIS_URL": "",
    }
    postgres: Postgres | None = None
    redis_url = ""
    prefix = f"bench-pages-{os.getpid()}"
    try:
        if args.postgres:
            say("Starting PostgreSQL and Redis (scripts/services.sh)")
            services = services_env()
            name = (
                f"exchange_bench_pages_{args.documents}" if args.keep_db else f"exchange_{prefix}"
            )
            postgres = Postgres(services["DATABASE_URL"], name.replace("-", "_"))
            if not (args.keep_db and postgres.exists() and (workdir / "prepared.json").exists()):
                (workdir / "prepared.json").unlink(missing_ok=True)
                postgres.create()
            redis_url = with_path(services["REDIS_URL"], f"/{REDIS_DB}")
            db_env.update(DATABASE_URL=postgres.url, REDIS_URL=redis_url, CACHE_KEY_PREFIX=prefix)
        else:
            database = workdir / "db.sqlite3"
            if not (workdir / "prepared.json").exists():
                for path in workdir.glob("db.sqlite3*"):
                    path.unlink()
            db_env["SQLITE_PATH"] = str(database)
        code = benchmark(args, wrk, workdir, db_env)
    except KeyboardInterrupt:
        say("Interrupted: cleaning up")
        code = 130
    finally:
        if redis_url:
            import redis

            client = redis.Redis.from_url(redis_url)
            keys = list(client.scan_iter(match=f"{prefix}:*"))
            if keys:
                client.delete(*keys)
        if not args.keep_db:
            if postgres is not None:
                postgres.drop()
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            say(
                f"Kept {workdir.relative_to(ROOT)}"
                + (f" and database {postgres.name}" if postgres else "")
            )
    sys.exit(code)


if __name__ == "__main__":
    main()
