"""Shared fixtures: the site structure and the demo content are loaded once per test session.

Every test runs inside a transaction that is rolled back, so tests see the demo content and
can add to it freely without affecting each other.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import translation

from cop_site.demo.loader import load_demo_content
from cop_site.site_structure import ensure_site_structure
from search import indexing
from search.engines import set_engine
from search.engines.database import forget_bitmaps


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    # The site-level tests run on the database engine even when ELASTICSEARCH_URL is set in
    # the environment: that variable turns on the Elasticsearch contract run, which makes
    # its own engine on throwaway indices and never touches a site's live alias.
    settings.ELASTICSEARCH_URL = ""
    set_engine(None)
    with django_db_blocker.unblock():
        ensure_site_structure()
        load_demo_content(log=lambda line: None)
        indexing.rebuild()


@pytest.fixture(autouse=True)
def _clear_cache():
    # Index writes roll back with each test's transaction; the process's bitmaps must too.
    cache.clear()
    forget_bitmaps()
    yield
    cache.clear()
    forget_bitmaps()


@pytest.fixture(autouse=True)
def _default_language():
    # A request to a /cy/ page activates Welsh in this thread (LocaleMiddleware), and nothing
    # switches it back between tests: each test starts, and ends, in the site's default language.
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def structure(db):
    return ensure_site_structure()


@pytest.fixture
def sections(structure):
    return structure.sections
