"""Search engines behind the one search service, chosen by configuration.

The database engine is the default; setting `ELASTICSEARCH_URL` switches to Elasticsearch.
"""

from __future__ import annotations

from django.conf import settings

from search.engines.base import Engine

_engine: Engine | None = None


def get_engine() -> Engine:
    """The configured engine, created once per process."""
    global _engine
    if _engine is None:
        if getattr(settings, "ELASTICSEARCH_URL", ""):
            from search.engines.elasticsearch import ElasticsearchEngine

            _engine = ElasticsearchEngine(settings.ELASTICSEARCH_URL)
        else:
            from search.engines.database import DatabaseEngine

            _engine = DatabaseEngine()
    return _engine


def set_engine(engine: Engine | None) -> None:
    """Use a particular engine (tests); None goes back to the configured one."""
    global _engine
    _engine = engine
