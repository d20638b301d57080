"""The site skeleton, the two editor groups and the moderation workflow."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from wagtail.models import Page, Site, Workflow
from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield

from cop_site.models import HomePage
from cop_site.site_structure import CURATORS, PROJECT_LEADS, ensure_site_structure
from learning.models import CaseStudyPage, LearningHistoryPage
from projects.models import HighImpactProjectPage
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead():
    user = UserFactory(username="lead")
    user.groups.add(Group.objects.get(name=PROJECT_LEADS))
    return user


@pytest.fixture
def curator():
    user = UserFactory(username="curator")
    user.groups.add(Group.objects.get(name=CURATORS))
    return user


def test_structure_is_idempotent():
    before = Page.objects.count()
    first = ensure_site_structure()
    second = ensure_site_structure()
    assert first.home.pk == second.home.pk
    assert Page.objects.count() == before
    assert Site.objects.get(is_default_site=True).root_page_id == first.home.pk
    # One English home (the site's root); the Welsh home is its translation, not a second site.
    assert HomePage.objects.filter(locale__language_code="en").count() == 1
    assert {home.translation_key for home in HomePage.objects.all()} == {first.home.translation_key}


def test_sections_have_the_navigation_addresses(client, sections):
    for slug in ("projects", "learning-histories", "case-studies", "methods", "communities",
                 "themes", "regions"):  # fmt: skip
        assert sections[slug].url == f"/en/{slug}/"
        assert client.get(f"/en/{slug}/").status_code == 200


def test_project_lead_can_edit_but_not_publish(lead, sections):
    case_study = CaseStudyPage.objects.child_of(sections["case-studies"]).first()
    perms = case_study.permissions_for_user(lead)
    assert perms.can_edit()
    assert not perms.can_publish()
    theme_page = sections["themes"].get_children().first()
    assert not theme_page.permissions_for_user(lead).can_edit()


def test_curator_can_publish_anywhere(curator, sections):
    for slug in ("case-studies", "themes", "projects"):
        assert sections[slug].permissions_for_user(curator).can_publish()


def test_learning_histories_and_case_studies_are_moderated(sections):
    workflow = Workflow.objects.get(name="Curator approval")
    for slug in ("case-studies", "learning-histories", "projects"):
        assert sections[slug].get_workflow() == workflow
    project = HighImpactProjectPage.objects.first()
    if project is not None:
        assert project.get_workflow() == workflow


def test_lead_submits_a_case_study_and_a_curator_approves_it(client, lead, curator, sections):
    parent = sections["case-studies"]
    client.force_login(lead)
    add_url = reverse("wagtailadmin_pages:add", args=("learning", "casestudypage", parent.pk))
    assert client.get(add_url).status_code == 200
    data = nested_form_data(
        {
            "title": "Shared family support in a test county",
            "slug": "shared-family-support-test",
            "summary": "A test case study.",
            "what_they_did": "They **pooled** budgets.",
            "outcomes": "",
            "contact_route": "The family support team",
            "source": "",
            "further_reading": streamfield([]),
            "savings_records": inline_formset([]),
            "reuses": inline_formset([]),
            "year_start": "",
            "year_end": "",
            "tags": "",
            "action-submit": "Submit for moderation",
        }
    )
    response = client.post(add_url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    page = CaseStudyPage.objects.get(slug="shared-family-support-test")
    assert not page.live
    state = page.current_workflow_state
    assert state is not None and state.status == "in_progress"
    assert state.current_task_state.task.name == "Curator review"
    # Not visible to the public while it waits.
    assert client.get("/en/case-studies/shared-family-support-test/").status_code == 404

    client.force_login(curator)
    approve_url = reverse(
        "wagtailadmin_pages:workflow_action",
        args=(page.pk, "approve", state.current_task_state.pk),
    )
    response = client.post(approve_url, {"comment": "Looks good"})
    assert response.status_code in (200, 302)
    page.refresh_from_db()
    assert page.live
    client.logout()
    assert client.get(page.url).status_code == 200


def test_only_curators_are_offered_approval(lead, curator, sections):
    history = LearningHistoryPage.objects.first() or CaseStudyPage.objects.first()
    history.save_revision(user=lead)
    state = history.get_workflow().start(history, lead)
    task = state.current_task_state.task.specific
    assert task.get_actions(history, lead) == []
    assert {name for name, *_ in task.get_actions(history, curator)} >= {"approve", "reject"}


def test_lead_submits_a_learning_history_under_a_project(client, lead, curator):
    project = HighImpactProjectPage.objects.live().first()
    client.force_login(lead)
    add_url = reverse(
        "wagtailadmin_pages:add", args=("learning", "learninghistorypage", project.pk)
    )
    assert client.get(add_url).status_code == 200
    data = nested_form_data(
        {
            "title": "Learning to pool budgets",
            "slug": "learning-to-pool-budgets",
            "summary": "How partners learned to pool money.",
            "learning_historians": "The regional learning historian",
            "validation_status": "participants_reviewed",
            "body": streamfield(
                [
                    (
                        "chapter",
                        {
                            "title": "Starting out",
                            "introduction": "",
                            "rows": streamfield(
                                [
                                    (
                                        "item",
                                        {
                                            "narrative": "Pooling is the true test of partnership.",
                                            "speaker_role": "Director of finance, health board",
                                            "commentary": "Money shows commitment.",
                                        },
                                    )
                                ]
                            ),
                        },
                    )
                ]
            ),
            "year_start": "",
            "year_end": "",
            "tags": "",
            "action-submit": "Submit for moderation",
        }
    )
    response = client.post(add_url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    history = LearningHistoryPage.objects.get(slug="learning-to-pool-budgets")
    assert not history.live
    assert history.current_workflow_state.status == "in_progress"
    assert history.project == project
    client.logout()
    assert "Learning to pool budgets" not in client.get(project.url).content.decode()
    task_state = history.current_workflow_state.current_task_state
    client.force_login(curator)
    client.post(
        reverse("wagtailadmin_pages:workflow_action", args=(history.pk, "approve", task_state.pk)),
        {"comment": ""},
    )
    history.refresh_from_db()
    assert history.live
    client.logout()
    assert "Learning to pool budgets" in client.get(project.url).content.decode()
    body = client.get(history.url).content.decode()
    assert "Pooling is the true test of partnership." in body
