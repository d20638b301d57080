"""manage.py generate_content: bulk synthetic pages that behave like real ones, and go again.

The pages are written with raw inserts that bypass Wagtail, so these tests check what Wagtail
would otherwise have guaranteed: a valid tree, routable live pages, classification rows, a
working search after indexing, and a clean removal.
"""

from __future__ import annotations

from collections import Counter
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from taggit.models import Tag
from wagtail.models import Page
from wagtail.search.backends import get_search_backend

from cop_site.demo.synthetic import SLUG_PREFIX, ward_names, with_article
from learning.models import (
    CaseStudyIndexPage,
    CaseStudyPage,
    KnowledgePage,
    KnowledgePageTag,
    MethodIndexPage,
    MethodPage,
)
from projects.models import HighImpactProjectPage, ProjectIndexPage

pytestmark = pytest.mark.django_db

SCALE = 30


def run(*args: str) -> str:
    out = StringIO()
    call_command("generate_content", *args, stdout=out)
    return out.getvalue()


def synthetic() -> list[Page]:
    return list(Page.objects.filter(slug__startswith=SLUG_PREFIX).order_by("path"))


def section_numchild_is_right() -> bool:
    for index_model in (CaseStudyIndexPage, ProjectIndexPage, MethodIndexPage):
        index = Page.objects.get(pk=index_model.objects.get(locale__language_code="en").pk)
        if index.numchild != index.get_children().count():
            return False
    return True


@pytest.fixture
def generated(db) -> str:
    # A small batch size so that several batches (and their numchild updates) are exercised.
    return run("--scale", str(SCALE), "--batch-size", "12")


def test_creates_live_pages_of_each_type(generated):
    pages = synthetic()
    assert len(pages) == SCALE
    assert all(p.live and not p.has_unpublished_changes and p.first_published_at for p in pages)
    kinds = Counter(type(p.specific) for p in pages)
    # 80/15/5 spread evenly: every type appears even in a small run.
    assert kinds[CaseStudyPage] > kinds[HighImpactProjectPage] > kinds[MethodPage] > 0
    assert f"Created {SCALE} pages" in generated
    assert "rebuild_search_index" in generated and "update_index" in generated


def test_pages_are_classified_and_have_prose(generated):
    for page in KnowledgePage.objects.filter(slug__startswith=SLUG_PREFIX):
        assert 1 <= page.themes.count() <= 3
        assert 1 <= page.regions.count() <= 3
        assert 1 <= page.organisations.count() <= 3
        assert 2 <= page.tags.count() <= 6
        assert 2005 <= page.year_start <= 2025
        assert page.year_end is None or page.year_end >= page.year_start
        assert page.summary.endswith((".", "?"))
        specific = page.specific
        text = " ".join(
            getattr(specific, name, "")
            for name in ("what_they_did", "outcomes", "body", "aims", "approach")
        )
        assert 300 < len(text.split()) < 900, page.title
    case_study = CaseStudyPage.objects.filter(slug__startswith=SLUG_PREFIX).first()
    assert case_study.place_id in set(case_study.regions.values_list("pk", flat=True))
    project = HighImpactProjectPage.objects.filter(slug__startswith=SLUG_PREFIX).first()
    assert project.lead_organisation_id in set(project.organisations.values_list("pk", flat=True))


def test_tree_stays_valid(generated):
    assert Page.find_problems() == ([], [], [], [], [])
    assert section_numchild_is_right()
    slugs = [p.slug for p in synthetic()]
    assert len(set(slugs)) == len(slugs)
    assert all(p.url_path == f"{p.get_parent().url_path}{p.slug}/" for p in synthetic()[:5])


def test_one_of_each_type_renders(generated, client):
    for model in (CaseStudyPage, HighImpactProjectPage, MethodPage):
        page = model.objects.filter(slug__startswith=SLUG_PREFIX).first()
        response = client.get(page.url)
        assert response.status_code == 200, page.url
        assert page.title in response.content.decode()


def test_wagtail_search_finds_them_once_indexed(generated):
    backend = get_search_backend()
    for model in (CaseStudyPage, HighImpactProjectPage, MethodPage):
        backend.add_bulk(model, list(model.objects.filter(slug__startswith=SLUG_PREFIX)))
    page = CaseStudyPage.objects.filter(slug__startswith=SLUG_PREFIX).first()
    word = max(page.title.split(), key=len)
    assert page.pk in {p.pk for p in Page.objects.live().search(word)}


def test_clear_removes_them_and_nothing_else(generated):
    others = Page.objects.exclude(slug__startswith=SLUG_PREFIX).count()
    tags = Tag.objects.count()
    output = run("--clear")
    assert f"Deleted {SCALE} synthetic pages" in output
    assert synthetic() == []
    assert Page.objects.count() == others
    assert Tag.objects.count() == tags  # the tag vocabulary stays for next time
    assert Page.find_problems() == ([], [], [], [], [])
    assert section_numchild_is_right()
    with connection.cursor() as cursor:  # no orphaned child or relation rows
        for table, column in (
            (KnowledgePage._meta.db_table, "page_ptr_id"),
            (CaseStudyPage._meta.db_table, "knowledgepage_ptr_id"),
            (KnowledgePage.themes.through._meta.db_table, "knowledgepage_id"),
            (KnowledgePageTag._meta.db_table, "content_object_id"),
        ):
            cursor.execute(
                f"SELECT COUNT(*) FROM {table} WHERE {column} NOT IN "  # noqa: S608
                "(SELECT id FROM wagtailcore_page)"
            )
            assert cursor.fetchone()[0] == 0, table
    assert "no synthetic pages" in run("--clear")


def test_clear_deletes_an_edited_page_through_wagtail(generated):
    page = CaseStudyPage.objects.filter(slug__startswith=SLUG_PREFIX).first()
    page.title = "Edited in the admin"
    page.save_revision().publish()
    output = run("--clear")
    assert "1 had been edited or linked to" in output
    assert synthetic() == []
    assert section_numchild_is_right()


def test_same_seed_same_pages_and_runs_add_up(db):
    run("--scale", "12", "--seed", "5")
    first = [(p.slug, p.title) for p in synthetic()]
    run("--clear")
    run("--scale", "5", "--seed", "5")
    output = run("--scale", "7", "--seed", "5")  # adds to the five, numbered after them
    assert "5 synthetic pages already existed" in output
    assert [(p.slug, p.title) for p in synthetic()] == first
    run("--clear")
    run("--scale", "12", "--seed", "6")
    assert [p.title for p in synthetic()] != [title for _slug, title in first]


def test_refuses_in_production(settings):
    settings.ENV = "production"
    with pytest.raises(CommandError, match="production"):
        run("--scale", "1")


def test_needs_a_scale():
    with pytest.raises(CommandError, match="--scale"):
        run()


def test_needs_the_site_structure():
    # Remove the case studies section's own row inside the test's transaction (rolled back).
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {CaseStudyIndexPage._meta.db_table}")  # noqa: S608
    with pytest.raises(CommandError, match="setup_site"):
        run("--scale", "1")


def test_text_helpers():
    assert with_article("early help hub") == "an early help hub"
    assert with_article("one-off grant") == "a one-off grant"
    assert with_article("NHS trust") == "an NHS trust"
    assert ward_names("Newport", "Wales") == ward_names("Newport", "Wales")
