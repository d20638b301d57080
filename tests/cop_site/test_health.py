"""/health/ answers 200 only when the database, the cache and the search engine all answer."""

from __future__ import annotations

import time

import pytest
from django.db import OperationalError

from cop_site import health
from search.engines import set_engine
from search.engines.elasticsearch import ElasticsearchEngine

pytestmark = pytest.mark.django_db

CHECK_NAMES = {"database", "cache", "search"}


def get_health(client):
    started = time.perf_counter()
    response = client.get("/health/")
    return response, time.perf_counter() - started


def test_all_checks_pass(client):
    response, _ = get_health(client)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == CHECK_NAMES
    for name, check in body["checks"].items():
        assert check["status"] == "ok", name
        assert isinstance(check["ms"], float) and check["ms"] >= 0
    # Never cached by a proxy or the browser: a stale "ok" would hide an outage.
    assert "no-store" in response["Cache-Control"]
    assert "max-age=0" in response["Cache-Control"]


def test_head_is_answered_and_writes_are_refused(client):
    assert client.head("/health/").status_code == 200
    assert client.post("/health/").status_code == 405


def test_the_cache_check_really_uses_the_cache(client, settings):
    # A cache that drops what is written (Django's dummy cache) is not a working cache.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    response, _ = get_health(client)
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["cache"]["status"] == "fail"
    assert checks["cache"]["error"] == "RuntimeError"
    assert checks["database"]["status"] == "ok"


def test_an_unreachable_redis_fails_quickly(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 2, "SOCKET_TIMEOUT": 2},
        }
    }
    response, seconds = get_health(client)
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["checks"]["cache"]["status"] == "fail"
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["search"]["status"] == "ok"
    assert seconds < 5
    # The error is named, never described: messages can carry hosts and passwords.
    assert "127.0.0.1" not in response.content.decode()


def test_a_database_failure_is_reported(client, monkeypatch):
    class DownConnection:
        vendor = "postgresql"

        def cursor(self):
            raise OperationalError("could not connect to server at db.internal:5432")

    monkeypatch.setattr(health, "connection", DownConnection())
    response, _ = get_health(client)
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"]["status"] == "fail"
    assert checks["database"]["error"] == "OperationalError"
    # The database engine's index lives in that database, so search is down with it.
    assert checks["search"]["status"] == "fail"
    assert checks["cache"]["status"] == "ok"
    assert "db.internal" not in response.content.decode()


def test_an_unreachable_search_server_fails_quickly(client, settings):
    settings.HEALTH_CHECK_TIMEOUT = 1
    set_engine(ElasticsearchEngine("http://127.0.0.1:1", prefix="health-test"))
    try:
        response, seconds = get_health(client)
    finally:
        set_engine(None)
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["search"]["status"] == "fail"
    assert checks["database"]["status"] == "ok"
    assert checks["cache"]["status"] == "ok"
    assert seconds < 5


def test_the_search_server_check_counts_the_live_alias_without_retries(client, settings):
    settings.HEALTH_CHECK_TIMEOUT = 1.5
    calls = []

    class Client:
        def options(self, **options):
            calls.append(("options", options))
            return self

        def count(self, index):
            calls.append(("count", index))
            return {"count": 216}

    class Engine:
        alias = "exchange"
        client = Client()

    set_engine(Engine())
    try:
        response, _ = get_health(client)
    finally:
        set_engine(None)
    assert response.status_code == 200
    assert calls == [("options", {"request_timeout": 1.5, "max_retries": 0}), ("count", "exchange")]


def test_a_missing_full_text_index_is_a_failure(client, django_db_blocker, monkeypatch):
    # The database engine's check reads the full-text structures, not just the documents table:
    # point it at a table that does not exist, as after a migration that never ran.
    real = health.connection

    class Renamed:
        vendor = real.vendor

        def cursor(self):
            cursor = real.cursor()
            execute = cursor.execute

            def broken(sql, params=None):
                sql = sql.replace("search_document_fts", "missing_fts").replace(
                    "search_vector", "missing_vector"
                )
                return execute(sql, params)

            cursor.execute = broken
            return cursor

    monkeypatch.setattr(health, "connection", Renamed())
    response, _ = get_health(client)
    assert response.status_code == 503
    assert response.json()["checks"]["search"]["status"] == "fail"
