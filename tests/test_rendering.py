"""Every page type renders with the real demo content, and shows what people come for."""

from __future__ import annotations

import pytest
from taggit.models import Tag

from learning.models import (
    CaseStudyPage,
    LearningHistoryPage,
    MethodPage,
    Organisation,
    RegionPage,
    ThemePage,
)
from projects.models import HighImpactProjectPage

pytestmark = pytest.mark.django_db


def get_ok(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, f"{url}: {response.status_code}"
    return response.content.decode()


def test_home(client):
    body = get_ok(client, "/en/")
    assert "Browse by theme" in body and "Frail elderly" in body
    assert 'href="#main-content"' in body  # skip link
    for url in ("/en/projects/", "/en/learning-histories/", "/en/case-studies/", "/en/methods/",
                "/en/communities/", "/en/themes/", "/en/regions/", "/en/search/"):  # fmt: skip
        assert f'class="govuk-service-navigation__link" href="{url}"' in body


@pytest.mark.parametrize(
    "url", ["/en/projects/", "/en/case-studies/", "/en/learning-histories/", "/en/methods/",
            "/en/themes/", "/en/regions/", "/en/communities/", "/en/organisations/", "/en/tags/",
            "/en/accessibility/"],
)  # fmt: skip
def test_sections(client, url):
    get_ok(client, url)


def test_project_page_joins_everything_up(client):
    project = HighImpactProjectPage.objects.live().first()
    body = get_ok(client, project.url)
    assert project.lead_organisation.name in body
    assert "Milestones" in body
    assert "Barriers and enablers" in body
    if project.lead_is_illustrative:
        assert "Illustrative" in body
    for partner in project.organisations.all():
        assert partner.name in body
    for history in LearningHistoryPage.objects.child_of(project).live():
        assert history.title in body


def test_case_study_shows_savings_and_contact(client):
    case_study = next(cs for cs in CaseStudyPage.objects.live() if cs.savings_records.exists())
    body = get_ok(client, case_study.url)
    assert "Who to contact" in body
    record = case_study.savings_records.first()
    assert record.amount_label.replace("£", "&#163;") in body or record.amount_label in body
    assert "Source:" in body


def test_learning_history_renders_two_columns(client):
    history = LearningHistoryPage.objects.live().first()
    body = get_ok(client, history.url)
    assert 'class="app-lh-row"' in body
    assert "app-lh-row__narrative" in body and "app-lh-row__commentary" in body
    assert "app-lh-row__speaker" in body


def test_method_shows_where_used(client):
    method = next(m for m in MethodPage.objects.live() if m.used_by.exists())
    body = get_ok(client, method.url)
    assert "Where it has been used" in body
    assert method.used_by.first().title in body


def test_theme_page_lists_with_counts(client):
    theme_page = ThemePage.objects.get(theme__slug="frail-elderly", locale__language_code="en")
    body = get_ok(client, theme_page.url)
    assert "Everything in this theme" in body
    assert "app-count" in body


def test_theme_type_filter(client):
    theme_page = ThemePage.objects.get(theme__slug="frail-elderly", locale__language_code="en")
    body = get_ok(client, theme_page.url + "?type=highimpactproject")
    assert "High-impact project" in body


def test_region_page_includes_places_inside(client):
    wales = RegionPage.objects.get(region__slug="wales", locale__language_code="en")
    body = get_ok(client, wales.url)
    project = HighImpactProjectPage.objects.live().first()
    assert project.title in get_ok(client, wales.url + "?type=highimpactproject")
    assert "Regions in Wales" in body


def test_organisation_page(client):
    project = HighImpactProjectPage.objects.live().first()
    body = get_ok(client, f"/en/organisations/{project.lead_organisation.slug}/")
    assert project.title in body


def test_tag_page_lists_across_types(client):
    tag = Tag.objects.filter(learning_knowledgepagetag_items__isnull=False).first()
    body = get_ok(client, f"/en/tags/{tag.slug}/")
    assert tag.name.capitalize() in body or tag.name in body


def test_unknown_things_are_404(client):
    assert client.get("/en/organisations/no-such-org/").status_code == 404
    assert client.get("/en/tags/no-such-tag/").status_code == 404
    assert client.get("/en/projects/no-such-project/").status_code == 404


def test_bad_page_numbers_fall_back(client):
    for value in ("abc", "-1", "99999", "1.5"):
        assert client.get(f"/en/case-studies/?page={value}").status_code == 200


def test_search_finds_demo_content(client):
    body = get_ok(client, "/en/search/?q=frail+elderly")
    assert "result" in body
    assert get_ok(client, "/en/search/?q=" + "x" * 5000)


def test_organisations_index_counts(client):
    assert Organisation.objects.exists()
    body = get_ok(client, "/en/organisations/")
    assert "Council" in body
