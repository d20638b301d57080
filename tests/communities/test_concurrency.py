"""Concurrent replies to one thread lose nothing on SQLite (WAL, IMMEDIATE transactions)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

WRITERS = 8
REPLIES_EACH = 25


@pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="checks SQLite's locking; PostgreSQL has its own run",
)
def test_eight_threads_replying_at_once_lose_nothing(django_db_blocker, tmp_path: Path):
    copy = tmp_path / "concurrency.sqlite3"
    with django_db_blocker.unblock():
        connection.ensure_connection()
        target = sqlite3.connect(copy)
        connection.connection.backup(target)  # the migrated test database, demo content and all
        target.close()
    env = {
        **os.environ,
        "DJANGO_ENV": "test",
        "SQLITE_PATH": str(copy),
        "ELASTICSEARCH_URL": "",
        "DJANGO_PRIVATE_MEDIA_ROOT": str(tmp_path / "private"),
    }
    finished = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.communities.concurrent_replies",
            str(WRITERS),
            str(REPLIES_EACH),
        ],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    result = json.loads(finished.stdout.strip().splitlines()[-1])
    assert result["errors"] == [], result["errors"]
    assert result["posts"] == 1 + WRITERS * REPLIES_EACH
    assert result["reply_count"] == WRITERS * REPLIES_EACH
    print(
        f"{WRITERS} threads x {REPLIES_EACH} replies: {result['seconds']} s, "
        f"{result['replies_per_second']} replies/s, p95 {result['p95_ms']} ms"
    )
