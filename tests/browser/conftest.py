"""A real server and a real browser (Chromium through Playwright) for end-to-end journeys.

The server runs in its own process on a copy of the test database, because the test database
lives in memory inside the test process. Skipped, with the reason, where Playwright or Chromium
is missing.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass
class LiveSite:
    url: str
    mail_dir: Path
    env: dict[str, str]

    def manage(self, *args: str) -> str:
        """Run a manage.py command against the server's database (e.g. to set up people)."""
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=settings.BASE_DIR,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    def emails(self) -> list[str]:
        return [path.read_text() for path in sorted(self.mail_dir.glob("*.log"))]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _copy_test_database(folder: Path, port: int) -> tuple[dict[str, str], Callable[[], None]]:
    """A copy of the test database for the server process: environment to use it, and a cleanup.

    SQLite: the test database lives in memory, so it is backed up to a file. PostgreSQL: a new
    database made from the test database as its template (a file-level copy, about a second),
    which needs the test database to have no open connection while it is copied.
    """
    if connection.vendor == "sqlite":
        database = folder / "site.sqlite3"
        connection.ensure_connection()
        copy = sqlite3.connect(database)
        connection.connection.backup(copy)
        copy.close()
        return {"SQLITE_PATH": str(database), "DATABASE_URL": ""}, lambda: None

    import psycopg
    from psycopg import sql

    db = settings.DATABASES["default"]
    name = f"{db['NAME']}_live{port}"
    credentials = {
        "host": db["HOST"],
        "port": db["PORT"] or 5432,
        "user": db["USER"],
        "password": db["PASSWORD"],
        "dbname": "postgres",
    }
    connection.close()
    with psycopg.connect(**credentials, autocommit=True) as admin:
        admin.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(db["NAME"])
            )
        )
    url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{credentials['port']}/{name}"

    def drop() -> None:
        with psycopg.connect(**credentials, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )

    return {"DATABASE_URL": url}, drop


@pytest.fixture(scope="module")
def live_site(django_db_blocker, tmp_path_factory) -> Iterator[LiveSite]:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.skip("Playwright is not installed (pip install playwright), so no browser test")
    if _chromium() is None:
        pytest.skip("Chromium is not installed, so no browser test")
    folder = tmp_path_factory.mktemp("live")
    port = _free_port()
    with django_db_blocker.unblock():
        database_env, drop_copy = _copy_test_database(folder, port)
    env = {
        **os.environ,
        **database_env,
        # Its own cache keys, so it shares nothing with the test process (or another worker's
        # server) when the cache is Redis.
        "CACHE_KEY_PREFIX": f"live{port}",
        "DJANGO_ENV": "development",
        "DJANGO_DEBUG": "false",
        "ELASTICSEARCH_URL": "",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(folder / "mail"),
        "DJANGO_PRIVATE_MEDIA_ROOT": str(folder / "private"),
        "DJANGO_MEDIA_ROOT": str(folder / "media"),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "WAGTAILADMIN_BASE_URL": f"http://127.0.0.1:{port}",
    }
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            if server.poll() is not None:
                pytest.fail(f"The server did not start: {server.stderr.read()[-3000:]}")
            time.sleep(0.2)
    try:
        yield LiveSite(url=f"http://127.0.0.1:{port}", mail_dir=folder / "mail", env=env)
    finally:
        server.terminate()
        server.wait(timeout=10)
        with django_db_blocker.unblock():
            drop_copy()


@pytest.fixture(scope="module")
def browser(live_site):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=_chromium(), args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A page in a fresh browser context (no cookies) for one test; closed afterwards. When the
    test fails, the hook below keeps a screenshot and the HTML of this page."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    yield tab
    context.close()


# --- Failure artefacts ------------------------------------------------------------------------
# When a browser test fails, what the browser showed is kept in test-artifacts/ (git-ignored;
# CI keeps the folder): a full-page screenshot and the HTML of every page the test had open,
# `<test>.png` and `<test>.html` for the first, `<test>-2.png` and so on for the others. A
# message alone rarely says why a journey stopped; the page usually does.

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
_PAGES_BEFORE = pytest.StashKey[set]()


def _artifact_name(item: pytest.Item) -> str:
    """tests/browser/test_x.py::test_y[a-b] -> test_x.test_y-a-b, safe as a file name."""
    module = Path(item.path).stem
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", f"{module}.{item.name}").strip("-")[:150]


def _open_pages(item: pytest.Item) -> list:
    """Every page the test had open: pages among its fixtures first, then pages it opened
    itself in the module's browser (the existing journeys call browser.new_context())."""
    from playwright.sync_api import Page

    pages = [value for value in item.funcargs.values() if isinstance(value, Page)]
    browser = item.funcargs.get("browser")
    if browser is not None:
        before = item.stash.get(_PAGES_BEFORE, set())
        for context in browser.contexts:
            pages += [tab for tab in context.pages if id(tab) not in before]
    unique = {id(tab): tab for tab in pages if not tab.is_closed()}
    return list(unique.values())


def _save_artifacts(item: pytest.Item) -> list[str]:
    ARTIFACTS.mkdir(exist_ok=True)
    saved = []
    for number, tab in enumerate(_open_pages(item), start=1):
        stem = _artifact_name(item) + ("" if number == 1 else f"-{number}")
        try:
            tab.wait_for_load_state(timeout=5_000)  # a test can fail mid-navigation
            (ARTIFACTS / f"{stem}.html").write_text(tab.content(), encoding="utf-8")
            tab.screenshot(path=str(ARTIFACTS / f"{stem}.png"), full_page=True, timeout=15_000)
            saved.append(f"{ARTIFACTS / stem}.png/.html ({tab.url})")
        except Exception as error:  # never hide the test's own failure behind this one
            saved.append(f"{ARTIFACTS / stem}: could not be saved ({error})")
    return saved


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item):
    browser = item.funcargs.get("browser")
    if browser is not None:
        item.stash[_PAGES_BEFORE] = {id(tab) for ctx in browser.contexts for tab in ctx.pages}
    # A passing run must not leave an older failure's pictures behind.
    mine = re.compile(re.escape(_artifact_name(item)) + r"(-\d+)?\.(png|html)")
    for old in ARTIFACTS.glob(f"{_artifact_name(item)}*"):
        if mine.fullmatch(old.name):
            old.unlink()
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed:
        saved = _save_artifacts(item)
        if saved:
            report.sections.append(("browser artefacts", "\n".join(saved)))
