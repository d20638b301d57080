"""Wagtail API v2 exposes each page type's structured fields to anyone who wants to reuse them."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_lists_the_six_projects(client):
    response = client.get("/api/v2/pages/?type=projects.HighImpactProjectPage&limit=50")
    assert response.status_code == 200
    data = response.json()
    assert data["meta"]["total_count"] == 6


def test_project_detail_has_structured_fields(client):
    listing = client.get("/api/v2/pages/?type=projects.HighImpactProjectPage&limit=1").json()
    page_id = listing["items"][0]["id"]
    detail = client.get(f"/api/v2/pages/{page_id}/").json()
    assert detail["lead_organisation"]["slug"]
    assert detail["themes"] and {"name", "slug"} <= set(detail["themes"][0])
    for key in ("milestones", "barriers_enablers", "savings_records", "aims", "status"):
        assert key in detail


def test_case_study_fields_selectable(client):
    response = client.get(
        "/api/v2/pages/?type=learning.CaseStudyPage&fields=place,savings_records,themes&limit=5"
    )
    assert response.status_code == 200
    items = response.json()["items"]
    assert items and "savings_records" in items[0] and "themes" in items[0]


def test_learning_history_body_is_structured(client):
    items = client.get("/api/v2/pages/?type=learning.LearningHistoryPage&fields=body").json()[
        "items"
    ]
    assert items
    assert items[0]["body"][0]["type"] == "chapter"


def test_drafts_never_appear(client, sections):
    from tests.factories import CaseStudyPageFactory

    draft = CaseStudyPageFactory(parent=sections["case-studies"], title="Secret draft")
    draft.unpublish()
    response = client.get("/api/v2/pages/?type=learning.CaseStudyPage&limit=100")
    titles = [item["title"] for item in response.json()["items"]]
    assert "Secret draft" not in titles
    assert client.get(f"/api/v2/pages/{draft.pk}/").status_code == 404


def test_images_and_documents_endpoints(client):
    assert client.get("/api/v2/images/").status_code == 200
    assert client.get("/api/v2/documents/").status_code == 200
