"""`/health/`: can this process serve pages? For load balancers, uptime checks and deploys.

It asks each service a page depends on one cheap question: the database (`SELECT 1`), the cache
(write, read and delete one key) and the search engine (one full-text lookup on the database
engine, a document count on Elasticsearch, with a short timeout). The answer is JSON with each
check's result and time, 200 when all pass and 503 when any fails, and never cached, so a
balancer stops sending people to a process that would only show them errors.

Failures are reported by exception class only (a message can hold a host name or a password
from a URL); the full error goes to the log.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_safe

from search.engines import get_engine

logger = logging.getLogger(__name__)


def check_database() -> None:
    """One round trip to the default database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        if cursor.fetchone() != (1,):
            raise RuntimeError("SELECT 1 did not return 1")


def check_cache() -> None:
    """Write, read back and delete a key of our own, so a cache that drops writes fails too."""
    key = f"health:{uuid.uuid4().hex}"
    cache.set(key, "ok", 10)
    try:
        if cache.get(key) != "ok":
            raise RuntimeError("the cache did not return what was just written")
    finally:
        cache.delete(key)


def check_search() -> None:
    """Ask the configured search engine the cheapest question that proves it can answer.

    Elasticsearch: count the documents behind the site's alias (a missing alias is a failure:
    search would fail too), with `HEALTH_CHECK_TIMEOUT` and no retries, because a health check
    that waits for the engine's own 10-second timeout and retries is too slow to be useful. The
    database engine lives in the database already checked, so it looks up one word in its
    full-text structures (FTS5 on SQLite, the `tsvector` GIN index on PostgreSQL), which fails if
    they are missing.
    """
    engine = get_engine()
    client = getattr(engine, "client", None)
    if client is not None:
        client.options(request_timeout=settings.HEALTH_CHECK_TIMEOUT, max_retries=0).count(
            index=engine.alias
        )
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT 1 FROM search_searchdocument "
                "WHERE search_vector @@ plainto_tsquery('english', %s) LIMIT 1",
                ["health"],
            )
        else:
            cursor.execute(
                "SELECT rowid FROM search_document_fts WHERE search_document_fts MATCH %s LIMIT 1",
                ["health"],
            )
        cursor.fetchall()


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "cache": check_cache,
    "search": check_search,
}


def run_checks() -> tuple[bool, dict[str, dict[str, object]]]:
    """Run every check, each timed and each caught, so one failure never hides another."""
    results: dict[str, dict[str, object]] = {}
    healthy = True
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            check()
        except Exception as error:
            healthy = False
            logger.exception("Health check %s failed", name)
            results[name] = {"status": "fail", "error": type(error).__name__}
        else:
            results[name] = {"status": "ok"}
        results[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return healthy, results


@require_safe
def health(request: HttpRequest) -> JsonResponse:
    """200 with every check "ok", or 503 naming what failed; never cached anywhere."""
    healthy, results = run_checks()
    response = JsonResponse(
        {"status": "ok" if healthy else "fail", "checks": results},
        status=200 if healthy else 503,
    )
    add_never_cache_headers(response)
    return response
