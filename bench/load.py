#!/usr/bin/env python
"""Load test: simulated readers and members against gunicorn, then every saved post counted.

It answers two questions the benchmark (requests per second) cannot: does the site stay free of
server errors while people read, search, post and RSVP at the same time, and is every post the
site told someone was saved in the database exactly once afterwards?

1. Installs locust (bench/requirements.txt) into the project's virtualenv if it is missing.
2. Makes a throwaway database of its own: SQLite under var/bench/ by default, or with
   --postgres a database named `exchange_load` on the server `scripts/services.sh` starts,
   with its Redis (database 13) for the cache and sessions, as in production. The demo
   content is built once into a template (SQLite file or PostgreSQL template database) and
   copied for each run.
3. Adds the simulated members (`load-member-NNN`, accounts older than a week so the new-account
   posting limits do not apply; email verified) to two public communities, and two upcoming
   events, one with five places so the waiting list is exercised.
4. Serves the site as in production (`DJANGO_ENV=production`, gunicorn, 2 sync workers) on
   127.0.0.1, and runs locust headless against it for --duration seconds with --users users:
   anonymous readers (home, theme, project, case study, learning history, search with facets, a
   thread) and signed-in members (read threads, reply, start threads, RSVP). Every simulated
   user connects from its own loopback address (127.0.x.y), as people do from their own
   machines, so the per-address sign-in limit (allauth's 30 a minute) is not hit by the test's
   own design; nothing in the site's settings is relaxed.
5. Stops the server and counts, in the database, every post whose unique marker the site
   answered with a redirect to the new post or thread ("told saved"): found exactly once,
   missing, or duplicated; posts found that nobody was told about; RSVPs against the last
   answer each member was told was saved.

It prints one table per request kind (requests, failures, 5xx, p50/p95/p99) and the counts, and
exits 1 on any 5xx, missing or duplicated post, or RSVP mismatch.

    .venv/bin/python bench/load.py                        # 50 users for 5 minutes on SQLite
    .venv/bin/python bench/load.py --users 20 --duration 60     # a smoke run
    .venv/bin/python bench/load.py --postgres             # the same on PostgreSQL and Redis
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
WORK = ROOT / "var" / "bench"
BIN = Path(sys.executable).parent
PYTHON = sys.executable
MEMBER_PREFIX = "load-member-"
# A post's marker: LT<run>-<user>-<sequence>; the run part keeps runs on a reused database apart.
MARKER = re.compile(r"LT[0-9a-f]{8}-\d{3}-\d{5}")


def say(message: str) -> None:
    """Progress, on standard error: standard output is for the tables."""
    print(message, file=sys.stderr, flush=True)


# --- Tools ---------------------------------------------------------------------------------------


def ensure_tools() -> None:
    """locust (and psutil, which comes with it) in this virtualenv, from the pinned list."""
    try:
        import locust  # noqa: F401
        import psutil  # noqa: F401
    except ImportError:
        requirements = BENCH / "requirements.txt"
        say(f"Installing the load-test tools: pip install -r {requirements.relative_to(ROOT)}")
        subprocess.run(
            [PYTHON, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
            + ["-r", str(requirements)],
            check=True,
        )


# --- The throwaway database ----------------------------------------------------------------------


def _fingerprint() -> str:
    """What the demo template depends on: migrations and demo data. A change rebuilds it."""
    digest = hashlib.sha256()
    files = sorted(ROOT.glob("*/migrations/*.py")) + sorted((ROOT / "cop_site" / "demo").rglob("*"))
    for path in files:
        if path.is_file() and ".venv" not in path.parts:
            digest.update(str(path.relative_to(ROOT)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def manage(env: dict[str, str], *args: str, quiet: bool = True) -> str:
    """Run manage.py with this environment; its output is shown only if it fails."""
    done = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        say(done.stdout[-3000:] + done.stderr[-3000:])
        raise SystemExit(f"manage.py {' '.join(args)} failed")
    return done.stdout


ENGINE_VARIABLES = {"DATABASE_URL", "SQLITE_PATH", "REDIS_URL", "DJANGO_ENV"}


def database_env(database_url: str) -> dict[str, str]:
    """The variable that points the site at this database.

    SQLite goes through SQLITE_PATH, not DATABASE_URL: only that path gets the settings' WAL,
    busy timeout and IMMEDIATE transactions, without which concurrent writers fail at once with
    "database is locked" (seen in this test's first runs).
    """
    if database_url.startswith("sqlite:///"):
        return {"SQLITE_PATH": database_url.removeprefix("sqlite:///")}
    return {"DATABASE_URL": database_url}


def build_env(database_url: str, folder: Path) -> dict[str, str]:
    """The environment to build the demo content in: development, so demo threads exist."""
    env = {k: v for k, v in os.environ.items() if k not in ENGINE_VARIABLES}
    env.update(
        **database_env(database_url),
        DJANGO_ENV="development",
        DJANGO_DEBUG="1",
        DJANGO_VAR_DIR=str(folder),
        DJANGO_MEDIA_ROOT=str(WORK / "media"),
        DJANGO_PRIVATE_MEDIA_ROOT=str(folder / "private"),
        EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
    )
    return env


def _build_demo(env: dict[str, str]) -> None:
    started = time.perf_counter()
    manage(env, "migrate", "--no-input", "--verbosity", "0")
    manage(env, "setup_site")
    manage(env, "load_demo_content")
    say(f"  demo content built in {time.perf_counter() - started:.0f} s")


def sqlite_database(name: str, rebuild: bool) -> str:
    """A fresh copy of the SQLite demo template (built first if missing or out of date)."""
    WORK.mkdir(parents=True, exist_ok=True)
    template = WORK / "load-template.sqlite3"
    marker = WORK / "load-template.json"
    fingerprint = _fingerprint()
    current = json.loads(marker.read_text()).get("fingerprint") if marker.exists() else None
    if rebuild or not template.exists() or current != fingerprint:
        say(f"Building the demo template {template.relative_to(ROOT)} (a few minutes, once)")
        for path in WORK.glob("load-template.sqlite3*"):
            path.unlink()
        _build_demo(build_env(f"sqlite:///{template}", WORK / "template"))
        marker.write_text(json.dumps({"fingerprint": fingerprint}))
    target = WORK / f"{name}.sqlite3"
    for path in WORK.glob(f"{name}.sqlite3*"):
        path.unlink()
    # The backup API copies a consistent snapshot, WAL included.
    with sqlite3.connect(template) as source, sqlite3.connect(target) as copy:
        source.backup(copy)
    return f"sqlite:///{target}"


def services_env() -> dict[str, str]:
    """DATABASE_URL and REDIS_URL from scripts/services.sh (which starts them if needed)."""
    done = subprocess.run(
        [str(ROOT / "scripts" / "services.sh"), "--env"],
        check=True,
        capture_output=True,
        text=True,
    )
    found = dict(re.findall(r"export (\w+)='([^']*)'", done.stdout))
    if "DATABASE_URL" not in found:
        raise SystemExit("scripts/services.sh --env printed no DATABASE_URL")
    return found


def with_database(url: str, name: str) -> str:
    """The same server URL with another database name."""
    from urllib.parse import urlsplit, urlunsplit

    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def postgres_database(server_url: str, name: str, rebuild: bool) -> str:
    """A fresh copy (CREATE DATABASE ... TEMPLATE) of the PostgreSQL demo template database."""
    import psycopg

    template = f"{name}_template"
    marker = WORK / f"{template}.json"
    WORK.mkdir(parents=True, exist_ok=True)
    fingerprint = f"{_fingerprint()}@{server_url.split('@')[-1].rsplit('/', 1)[0]}"
    current = json.loads(marker.read_text()).get("fingerprint") if marker.exists() else None
    admin_url = with_database(server_url, "postgres")
    with psycopg.connect(admin_url, autocommit=True) as admin:
        exists = admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [template]
        ).fetchone()
        if rebuild or not exists or current != fingerprint:
            say(f"Building the demo template database {template} (a few minutes, once)")
            admin.execute(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{template}"')
            _build_demo(build_env(with_database(server_url, template), WORK / "template"))
            marker.write_text(json.dumps({"fingerprint": fingerprint}))
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return with_database(server_url, name)


# --- The server ----------------------------------------------------------------------------------


def server_env(database_url: str, folder: Path, redis_url: str = "") -> dict[str, str]:
    """Production settings on plain HTTP at 127.0.0.1 (no TLS proxy in front of a bench)."""
    env = {k: v for k, v in os.environ.items() if k not in ENGINE_VARIABLES}
    env.update(
        **database_env(database_url),
        DJANGO_ENV="production",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=f"bench-{secrets.token_urlsafe(40)}",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_HSTS_SECONDS="0",
        DJANGO_HSTS_PRELOAD="0",
        DJANGO_STATIC_ROOT=str(WORK / "static"),
        DJANGO_MEDIA_ROOT=str(WORK / "media"),
        DJANGO_VAR_DIR=str(folder),
        DJANGO_PRIVATE_MEDIA_ROOT=str(folder / "private"),
        EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
        DJANGO_LOG_FORMAT="json",
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
        env["CACHE_KEY_PREFIX"] = f"bench-{folder.name}"
    return env


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


@dataclass
class Server:
    """gunicorn serving the site, as `make serve-production` does: 2 sync workers, 30 s timeout."""

    env: dict[str, str]
    port: int
    folder: Path
    workers: int = 2
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    logs: dict[str, Path] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def collectstatic(self) -> None:
        """Hashed static files for production settings; skipped when nothing changed since."""
        manifest = Path(self.env["DJANGO_STATIC_ROOT"]) / "staticfiles.json"
        sources = [ROOT / "requirements.txt", *(ROOT / "cop_site" / "static").rglob("*")]
        newest = max(path.stat().st_mtime for path in sources if path.is_file())
        if manifest.exists() and manifest.stat().st_mtime > newest:
            return
        manage(self.env, "collectstatic", "--no-input", "--verbosity", "0")

    def start(self) -> None:
        if not port_is_free(self.port):
            raise SystemExit(f"Port {self.port} is in use: choose another with --port")
        self.folder.mkdir(parents=True, exist_ok=True)
        self.logs = {
            "access": self.folder / "access.log",
            "error": self.folder / "gunicorn.log",
            "app": self.folder / "app.log",
        }
        command = [
            str(BIN / "gunicorn"),
            "cop_site.wsgi",
            "--workers",
            str(self.workers),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--timeout",
            "30",
            "--graceful-timeout",
            "30",
            "--access-logfile",
            str(self.logs["access"]),
            # status, method, path (no query string) and duration in milliseconds
            "--access-logformat",
            '%(s)s %(m)s "%(U)s" %(M)s',
            "--error-logfile",
            str(self.logs["error"]),
            "--pid",
            str(self.folder / "gunicorn.pid"),
        ]
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=self.env,
            stdout=self.logs["app"].open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited; see {self.logs['error']}")
            if self.get("/health/")[0] == 200:
                self.started_at = time.time()
                return
            time.sleep(0.5)
        raise SystemExit(f"gunicorn did not become healthy; see {self.logs['error']}")

    def get(self, path: str, timeout: float = 10) -> tuple[int, bytes]:
        """One GET on a fresh connection: (status, body); (0, b"") if there was no answer."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request("GET", path)
            answer = connection.getresponse()
            return answer.status, answer.read()
        except OSError:
            return 0, b""
        finally:
            connection.close()

    def worker_pids(self) -> list[int]:
        import psutil

        if self.process is None:
            return []
        return [child.pid for child in psutil.Process(self.process.pid).children()]

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def status_counts(self) -> Counter:
        """Responses by status code, from gunicorn's own access log (the server's view)."""
        counts: Counter = Counter()
        path = self.logs.get("access")
        if path and path.exists():
            for line in path.read_text(errors="replace").splitlines():
                status = line.split(" ", 1)[0]
                if status.isdigit():
                    counts[int(status)] += 1
        return counts


# --- Work inside Django (run in a child process with the throwaway database's environment) -------


def django_setup(plan_path: Path, members: int, run: str) -> None:
    """Create the simulated members, their memberships, two events, and list the pages to read."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cop_site.settings")
    import django

    django.setup()
    from datetime import timedelta

    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import AnonymousUser
    from django.db.models import Count, Q
    from django.utils import timezone

    from communities import forum
    from communities.models import CommunityPage, Event, Membership, Thread
    from learning.models import CaseStudyPage, LearningHistoryPage, Region, Theme, ThemePage
    from projects.models import HighImpactProjectPage

    User = get_user_model()
    now = timezone.now()
    anonymous = AnonymousUser()
    communities = list(
        CommunityPage.objects.visible_to(anonymous)
        .filter(
            visibility=CommunityPage.Visibility.PUBLIC,
            join_policy=CommunityPage.JoinPolicy.OPEN,
            locale__language_code="en",
        )
        .annotate(thread_count=Count("threads"))
        .order_by("-thread_count", "pk")[:2]
    )
    if not communities:
        raise SystemExit("No public, open community in the demo content")
    # One password for every simulated member, new each run, hashed once (hashing is slow).
    password = secrets.token_urlsafe(16)
    hashed = make_password(password)
    users = []
    for number in range(members):
        username = f"{MEMBER_PREFIX}{number:03d}"
        user, _ = User.objects.get_or_create(
            username=username, defaults={"email": f"{username}@load.example"}
        )
        user.password = hashed
        user.is_active = True
        # Established members (older than COMMUNITY_NEW_ACCOUNT_DAYS): the hourly limits for new
        # accounts are anti-spam for fresh sign-ups, not for people who have been here a month.
        user.date_joined = now - timedelta(days=30)
        user.save()
        EmailAddress.objects.update_or_create(
            user=user,
            email=user.email,
            defaults={"verified": True, "primary": True},
        )
        for community in communities:
            Membership.objects.update_or_create(
                community=community,
                user=user,
                defaults={"status": Membership.Status.ACTIVE, "role": Membership.Role.MEMBER},
            )
        users.append(user)

    threads = list(
        Thread.objects.visible_to(anonymous).filter(community__in=communities).order_by("pk")
    )
    for number in range(max(0, 6 - len(threads))):
        community = communities[number % len(communities)]
        threads.append(
            forum.start_thread(
                community,
                users[0],
                title=f"Load test thread {number + 1}",
                body="A thread for the load test's members to read and reply to.",
            )
        )
    events = []
    for title, capacity, community in [
        ("Load test workshop (five places)", 5, communities[0]),
        ("Load test open meeting", None, None),
    ]:
        event, _ = Event.objects.update_or_create(
            title=title,
            defaults={
                "community": community,
                "start": now + timedelta(days=30),
                "end": now + timedelta(days=30, hours=2),
                "capacity": capacity,
                "venue_name": "Load test venue",
                "cancelled": False,
            },
        )
        events.append(event)

    def urls(queryset, limit: int = 10) -> list[str]:
        return [page.get_url() for page in queryset.visible_to(anonymous).live()[:limit]]

    queries = [
        line.strip()
        for line in (BENCH / "search_queries.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    plan = {
        "run": run,
        "password": password,
        "members": [user.username for user in users],
        "communities": [community.get_url() for community in communities],
        "new_thread": [
            community.get_url() + community.reverse_subpage("new_thread")
            for community in communities
        ],
        "threads": [
            {
                "url": thread.get_url(),
                "reply": thread.community.get_url()
                + thread.community.reverse_subpage("reply", kwargs={"thread_id": thread.pk}),
            }
            for thread in threads
        ],
        "events": [
            {
                "pk": event.pk,
                "url": f"/en/events/{event.pk}/",
                "rsvp": f"/en/events/{event.pk}/rsvp/",
            }
            for event in events
        ],
        "pages": {
            "home": ["/en/"],
            "theme": urls(ThemePage.objects),
            "project": urls(HighImpactProjectPage.objects),
            "case study": urls(CaseStudyPage.objects, 30),
            "learning history": urls(LearningHistoryPage.objects),
        },
        "search": {
            "queries": queries,
            "themes": list(Theme.objects.values_list("slug", flat=True)),
            "regions": list(Region.objects.filter(~Q(slug="")).values_list("slug", flat=True)[:20]),
        },
    }
    for kind, found in plan["pages"].items():
        if not found:
            raise SystemExit(f"No {kind} page visible to anonymous visitors in the demo content")
    plan_path.write_text(json.dumps(plan, indent=1))


def django_count(results_path: Path, run: str) -> None:
    """Count, in the database, what the simulated members were told was saved."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cop_site.settings")
    import django

    django.setup()
    from communities.models import RSVP, Post, Thread

    records = [json.loads(line) for line in results_path.read_text().splitlines() if line]
    found: Counter = Counter()
    post_ids: dict[str, list[int]] = {}
    for pk, body in Post.objects.filter(body__contains=f"LT{run}-").values_list("pk", "body"):
        for marker in set(MARKER.findall(body)):
            if marker.startswith(f"LT{run}-"):
                found[marker] += 1
                post_ids.setdefault(marker, []).append(pk)
    thread_titles: Counter = Counter()
    for title in Thread.objects.filter(title__contains=f"LT{run}-").values_list("title", flat=True):
        for marker in MARKER.findall(title):
            thread_titles[marker] += 1

    told = [r for r in records if r["kind"] in {"reply", "new thread"} and r["outcome"] == "saved"]
    told_markers = Counter(r["marker"] for r in told)
    summary = {
        "posts_attempted": sum(1 for r in records if r["kind"] in {"reply", "new thread"}),
        "posts_told_saved": len(told),
        "posts_refused": sum(
            1 for r in records if r["kind"] in {"reply", "new thread"} and r["outcome"] == "refused"
        ),
        "posts_unknown": sum(
            1 for r in records if r["kind"] in {"reply", "new thread"} and r["outcome"] == "error"
        ),
        "posts_shown_after_redirect": sum(1 for r in told if r.get("shown")),
        "posts_found_once": sum(1 for m in told_markers if found[m] == 1),
        "posts_missing": sorted(m for m in told_markers if found[m] == 0),
        "posts_duplicated": sorted(m for m in told_markers if found[m] > 1),
        "told_twice": sorted(m for m, n in told_markers.items() if n > 1),
        "posts_found_not_told": sorted(m for m in found if m not in told_markers),
        "threads_duplicated": sorted(m for m, n in thread_titles.items() if n > 1),
        "post_ids_match": all(
            r.get("post_id") in post_ids.get(r["marker"], [])
            for r in told
            if r.get("post_id") is not None
        ),
    }
    # RSVPs: the database holds the last answer each member was told was saved, per event.
    last: dict[tuple[str, int], str] = {}
    for record in records:
        if record["kind"] == "rsvp" and record["outcome"] == "saved":
            last[(record["user"], record["event"])] = record["answer"]
    stored = {
        (username, event): answer
        for username, event, answer in RSVP.objects.filter(
            user__username__startswith=MEMBER_PREFIX
        ).values_list("user__username", "event_id", "answer")
    }
    summary["rsvps_told_saved"] = sum(
        1 for r in records if r["kind"] == "rsvp" and r["outcome"] == "saved"
    )
    summary["rsvp_members_events"] = len(last)
    summary["rsvp_mismatches"] = sorted(
        f"{user}@{event}: told {answer}, stored {stored.get((user, event))}"
        for (user, event), answer in last.items()
        if stored.get((user, event)) != answer
    )
    print(json.dumps(summary))


def in_django(env: dict[str, str], *args: str, script: Path | None = None) -> str:
    """Run a Django-side step of this file (or `script`) in a child process with `env`."""
    done = subprocess.run(
        [PYTHON, str(script or Path(__file__).resolve()), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        say(done.stdout[-3000:] + done.stderr[-5000:])
        raise SystemExit(f"{' '.join(args[:1])} failed")
    return done.stdout


# --- The run -------------------------------------------------------------------------------------


def percentile_table(
    stats_csv: Path, codes: dict[str, Counter], cache: dict[str, Counter]
) -> list[list[str]]:
    rows = []
    with stats_csv.open() as handle:
        for row in csv.DictReader(handle):
            name = row["Name"]
            statuses = codes.get(name, Counter())
            server_errors = sum(n for code, n in statuses.items() if str(code).startswith("5"))
            answers = cache.get(name, Counter())
            hits = (
                f"{100 * answers['hit'] / sum(answers.values()):.0f}%"
                if answers.get("hit") or answers.get("miss")
                else "–"
            )
            rows.append(
                [
                    name,
                    f"{int(row['Request Count']):,}",
                    f"{int(row['Failure Count']):,}",
                    f"{server_errors:,}" if name != "Aggregated" else "",
                    f"{row['50%']} ms",
                    f"{row['95%']} ms",
                    f"{row['99%']} ms",
                    f"{float(row['Requests/s']):.1f}",
                    hits,
                ]
            )
    return rows


def print_table(header: list[str], rows: list[list[str]]) -> None:
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50, help="simulated users (default 50)")
    parser.add_argument(
        "--members",
        type=int,
        default=None,
        help="how many of them are signed-in members (default: two in five)",
    )
    parser.add_argument("--duration", type=int, default=300, help="seconds (default 300)")
    parser.add_argument("--spawn-rate", type=float, default=10, help="users started a second")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL and Redis")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the demo template")
    parser.add_argument("--keep", action="store_true", help="keep the run's folder and database")
    parser.add_argument("--django-setup", metavar="PLAN", help=argparse.SUPPRESS)
    parser.add_argument("--django-count", metavar="RESULTS", help=argparse.SUPPRESS)
    parser.add_argument("--run", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.django_setup:
        django_setup(Path(args.django_setup), args.members or 0, args.run)
        return 0
    if args.django_count:
        django_count(Path(args.django_count), args.run)
        return 0

    ensure_tools()
    members = args.members if args.members is not None else max(1, round(args.users * 2 / 5))
    members = min(members, args.users)
    run = secrets.token_hex(4)
    engine = "PostgreSQL + Redis" if args.postgres else "SQLite"
    folder = WORK / f"load-{'pg' if args.postgres else 'sqlite'}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    say(f"Load test {run} on {engine}: {args.users} users ({members} members), {args.duration} s")
    say(f"  load average before: {load_average()} on {os.cpu_count()} CPUs")

    redis_url = ""
    if args.postgres:
        found = services_env()
        database_url = postgres_database(found["DATABASE_URL"], "exchange_load", args.rebuild)
        # Redis database 13 (the test suite uses 1 to 3 and empties them; bench/pages.py 14).
        redis_url = with_database(found["REDIS_URL"], "13") if found.get("REDIS_URL") else ""
    else:
        database_url = sqlite_database("load", args.rebuild)
    env = server_env(database_url, folder, redis_url)
    manage(env, "migrate", "--no-input", "--verbosity", "0")  # the code may have moved on
    plan_path = folder / "plan.json"
    in_django(env, "--django-setup", str(plan_path), "--members", str(members), "--run", run)
    server = Server(env=env, port=args.port, folder=folder)
    say("  collecting static files")
    server.collectstatic()
    say(f"  starting gunicorn (2 workers) on {server.url}")
    server.start()

    results_path = folder / "posts.jsonl"
    codes_path = folder / "codes.json"
    locust_env = {
        **os.environ,
        "LOAD_PLAN": str(plan_path),
        "LOAD_RESULTS": str(results_path),
        "LOAD_CODES": str(codes_path),
        "LOAD_MEMBERS": str(members),
    }
    command = [
        str(BIN / "locust"),
        "-f",
        str(BENCH / "locustfile.py"),
        "--headless",
        "--users",
        str(args.users),
        "--spawn-rate",
        str(args.spawn_rate),
        "--run-time",
        f"{args.duration}s",
        "--host",
        server.url,
        "--csv",
        str(folder / "locust"),
        "--only-summary",
        "--stop-timeout",
        "30",
        "--loglevel",
        "WARNING",
    ]
    say(f"  running locust for {args.duration} s")
    try:
        started = time.perf_counter()
        locust = subprocess.run(command, cwd=ROOT, env=locust_env, capture_output=True, text=True)
        elapsed = time.perf_counter() - started
        load_during = load_average()
    finally:
        server.stop()
    (folder / "locust.out").write_text(locust.stdout + locust.stderr)
    if not (folder / "locust_stats.csv").exists():
        say(locust.stdout[-3000:] + locust.stderr[-3000:])
        raise SystemExit("locust wrote no statistics")

    answers = json.loads(codes_path.read_text())
    codes = {
        name: Counter({int(k): v for k, v in counts.items()})
        for name, counts in answers["codes"].items()
    }
    cache = {name: Counter(counts) for name, counts in answers["cache"].items()}
    counted = json.loads(in_django(env, "--django-count", str(results_path), "--run", run))
    server_codes = server.status_counts()

    print()
    print(
        f"Load test on {engine}: {args.users} users ({members} signed-in members), "
        f"{elapsed:.0f} s, gunicorn 2 workers; load average at the end {load_during}"
    )
    print()
    print_table(
        ["kind", "requests", "failures", "5xx", "p50", "p95", "p99", "req/s", "cache hits"],
        percentile_table(folder / "locust_stats.csv", codes, cache),
    )
    print(
        "\nLatencies include the wait for a free worker (2 sync workers); cache hits is the share "
        "of answers with X-Cache: hit from the anonymous page cache (– where it never answered)."
    )
    client_5xx = sum(
        n for counts in codes.values() for code, n in counts.items() if 500 <= code < 600
    )
    server_5xx = sum(n for code, n in server_codes.items() if 500 <= code < 600)
    all_codes = Counter()
    for counts in codes.values():
        all_codes.update(counts)
    print()
    print(f"status codes seen by the clients: {dict(sorted(all_codes.items()))}")
    print(f"status codes in gunicorn's access log: {dict(sorted(server_codes.items()))}")
    print()
    rows = [
        ["posts attempted (replies and new threads)", f"{counted['posts_attempted']:,}"],
        ["posts told saved (redirect to the new post)", f"{counted['posts_told_saved']:,}"],
        ["  shown on the page redirected to", f"{counted['posts_shown_after_redirect']:,}"],
        ["posts refused with a message (4xx)", f"{counted['posts_refused']:,}"],
        ["posts with no answer (connection error)", f"{counted['posts_unknown']:,}"],
        ["posts found once", f"{counted['posts_found_once']:,}"],
        ["posts missing", f"{len(counted['posts_missing']):,}"],
        ["posts duplicated", f"{len(counted['posts_duplicated']):,}"],
        [
            "posts saved that nobody was told about",
            f"{len(counted['posts_found_not_told']):,}",
        ],
        ["RSVPs told saved", f"{counted['rsvps_told_saved']:,}"],
        ["RSVP (member, event) pairs", f"{counted['rsvp_members_events']:,}"],
        [
            "RSVPs stored unlike the last answer told",
            f"{len(counted['rsvp_mismatches']):,}",
        ],
        ["5xx responses (clients / gunicorn log)", f"{client_5xx:,} / {server_5xx:,}"],
    ]
    print_table(["count", "value"], rows)
    for label in ("posts_missing", "posts_duplicated", "posts_found_not_told", "rsvp_mismatches"):
        if counted[label]:
            print(f"{label}: {', '.join(counted[label][:20])}")
    failed = bool(
        client_5xx
        or server_5xx
        or counted["posts_missing"]
        or counted["posts_duplicated"]
        or counted["rsvp_mismatches"]
        or not counted["post_ids_match"]
    )
    print()
    print("RESULT:", "FAIL" if failed else "PASS", f"(details in {folder.relative_to(ROOT)})")
    if not args.keep and not failed:
        for path in folder.glob("private"):
            shutil.rmtree(path, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
