"""The Evidence hub: each programme view with a figure the viewer may see."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.urls import reverse
from wagtail.models import PageViewRestriction

from projects.savings import select_records, summarise
from tests.factories import CaseStudyPageFactory, SavingsRecordFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_hub_links_every_programme_view(client, structure):
    response = client.get("/en/evidence/")
    assert response.status_code == 200
    html = response.content.decode()
    for name in ("savings_dashboard", "who_is_doing_what", "delivery_levels",
                 "barriers_enablers", "reuse", "open_data"):  # fmt: skip
        assert f'href="{reverse(name)}"' in html, name


def test_the_hub_shows_the_dashboard_totals(client, structure):
    summary = summarise(select_records(AnonymousUser()), breakdowns=False)
    html = client.get("/en/evidence/").content.decode()
    assert f"{len(summary.counted)} savings record" in html
    for _period, money, _url in summary.total.cells():
        if money.count:
            assert money.label in html


def test_a_restricted_saving_is_not_in_the_public_figures(client, sections):
    group = Group.objects.create(name="Hub insiders")
    page = CaseStudyPageFactory(parent=sections["case-studies"])
    restriction = PageViewRestriction.objects.create(page=page, restriction_type="groups")
    restriction.groups.add(group)
    SavingsRecordFactory(page=page, amount=123456789, description="Hidden saving")
    public = client.get("/en/evidence/").content.decode()
    insider = UserFactory()
    insider.groups.add(group)
    client.force_login(insider)
    inside = client.get("/en/evidence/").content.decode()
    count = len(summarise(select_records(AnonymousUser()), breakdowns=False).counted)
    assert f"{count} savings record" in public
    assert f"{count + 1} savings record" in inside


def test_the_header_marks_evidence_current_inside_its_views(client, structure):
    for path in ("/en/evidence/", "/en/savings/", "/en/reuse/"):
        html = client.get(path).content.decode()
        assert 'href="/en/evidence/" aria-current=' in html, path
    assert 'href="/en/evidence/" aria-current=' not in client.get("/en/projects/").content.decode()


def test_the_hub_takes_a_fixed_number_of_queries(client, structure, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        assert client.get("/en/evidence/").status_code == 200
