"""The index follows the page tree at once: publish, unpublish, move, rename, delete, restrict."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from wagtail.models import Page, PageViewRestriction

from learning.models import LearningHistoryPage, Organisation, Theme
from projects.models import HighImpactProjectPage
from search.service import search
from tests.factories import CaseStudyPageFactory, UserFactory

pytestmark = pytest.mark.django_db


def found(q: str, user=None, **params) -> list[tuple[str, str]]:
    results = search({"q": q, **params}, user or AnonymousUser())
    return [(hit.title, hit.url) for hit in results.hits]


def publish(page):
    page.save_revision().publish()
    return page


def test_publishing_adds_and_unpublishing_removes(sections):
    page = CaseStudyPageFactory(parent=sections["case-studies"], title="Quokka befriending")
    assert found("quokka") == []  # created live by a factory, never published: not indexed
    publish(page)
    assert found("quokka") == [("Quokka befriending", "/en/case-studies/quokka-befriending/")]
    page.unpublish()
    assert found("quokka") == []


def test_a_draft_edit_does_not_change_what_is_found(sections):
    page = publish(CaseStudyPageFactory(parent=sections["case-studies"], title="Quokka rota"))
    page.title = "Wombat rota"
    page.save_revision()  # a draft: the live page is still "Quokka rota"
    assert found("wombat") == []
    assert found("quokka") == [("Quokka rota", "/en/case-studies/quokka-rota/")]
    Page.objects.get(pk=page.pk).specific.get_latest_revision().publish()
    assert found("wombat") == [("Wombat rota", "/en/case-studies/quokka-rota/")]
    assert found("quokka") == []


def test_moving_a_page_changes_its_address_in_results():
    history = LearningHistoryPage.objects.live().first()
    project = HighImpactProjectPage.objects.live().exclude(pk=history.get_parent().pk).first()
    history.title = "Narwhal tale"
    publish(history)
    history.move(project, pos="last-child")
    (_title, url), *_ = found("narwhal")
    assert url == f"{project.url}{history.slug}/"


def test_changing_a_slug_changes_the_address_of_the_page_and_its_children():
    project = HighImpactProjectPage.objects.live().filter(numchild__gt=0).first()
    child = project.get_children().live().first().specific
    child.title = "Axolotl chapter"
    publish(child)
    project.slug = "renamed-project"
    publish(project)
    assert found("axolotl") == [("Axolotl chapter", f"/en/projects/renamed-project/{child.slug}/")]


def test_deleting_a_page_removes_it(sections):
    page = publish(CaseStudyPageFactory(parent=sections["case-studies"], title="Pangolin pilot"))
    assert found("pangolin")
    page.delete()
    assert found("pangolin") == []


def test_deleting_a_section_removes_everything_under_it(sections):
    project = HighImpactProjectPage.objects.live().filter(numchild__gt=0).first()
    child = project.get_children().live().first().specific
    child.title = "Okapi chapter"
    publish(child)
    project.delete()
    assert found("okapi") == []


def test_a_view_restriction_hides_the_page_and_its_children(
    sections, django_capture_on_commit_callbacks
):
    page = publish(CaseStudyPageFactory(parent=sections["case-studies"], title="Tapir trial"))
    member = UserFactory()
    insiders = Group.objects.create(name="Insiders")
    with django_capture_on_commit_callbacks(execute=True):
        restriction = PageViewRestriction.objects.create(page=page, restriction_type="groups")
        restriction.groups.add(insiders)
    assert found("tapir") == []
    assert found("tapir", member) == []
    member.groups.add(insiders)
    assert [title for title, _url in found("tapir", member)] == ["Tapir trial"]
    with django_capture_on_commit_callbacks(execute=True):
        restriction.delete()
    assert [title for title, _url in found("tapir")] == ["Tapir trial"]


def test_renaming_a_theme_renames_it_in_the_pages_filed_under_it():
    theme = Theme.objects.filter(pages__isnull=False).distinct().first()
    theme.name = "Capybara care"
    theme.save()
    results = search({"q": "capybara"}, AnonymousUser())
    assert results.count >= 1
    assert any("Capybara care" in hit.themes for hit in results.hits)


def test_organisations_are_indexed_as_they_change():
    organisation = Organisation.objects.create(name="Gecko Borough Council", slug="gecko")
    assert found("gecko") == [("Gecko Borough Council", "/en/organisations/gecko/")]
    organisation.delete()
    assert found("gecko") == []
