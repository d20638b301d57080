"""The demo content: enough real content, internally consistent, and loaded idempotently."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from wagtail.models import Page, Revision

from cop_site.demo.loader import DemoDataError, load_demo_content, read_data, validate
from learning.models import (
    CaseStudyPage,
    LearningHistoryPage,
    MethodPage,
    Organisation,
    Region,
    Theme,
)
from projects.models import HighImpactProjectPage, SavingsRecord

pytestmark = pytest.mark.django_db

HIGH_IMPACT_THEMES = {
    "complex-families",
    "frail-elderly",
    "offender-management",
    "worklessness",
    "asset-management",
    "integrated-health-and-social-care",
}


def test_counts_meet_the_brief():
    assert HighImpactProjectPage.objects.live().count() == 6
    assert CaseStudyPage.objects.live().count() >= 30
    assert MethodPage.objects.live().count() >= 8
    assert LearningHistoryPage.objects.live().count() >= 2
    assert Region.objects.filter(kind="nation").count() == 2
    assert Organisation.objects.count() >= 30


def test_six_projects_one_high_impact_theme_each_from_welsh_regions():
    themes = set()
    wales = Region.objects.get(slug="wales")
    welsh = Region.descendant_ids_of([wales.pk])
    led_from = set()
    for project in HighImpactProjectPage.objects.all():
        project_themes = list(project.themes.values_list("slug", flat=True))
        assert len(project_themes) == 1
        themes.update(project_themes)
        regions = set(project.regions.values_list("pk", flat=True))
        assert regions and regions <= welsh
        led_from.update(regions)
    assert themes == HIGH_IMPACT_THEMES
    assert len(led_from) >= 4


def test_every_savings_record_has_a_source_and_sane_figures():
    records = SavingsRecord.objects.all()
    assert records.count() >= 30
    for record in records:
        assert record.source.strip()
        assert record.amount >= 0
        if record.amount_high is not None:
            assert record.amount_high >= record.amount
        if record.period == "over_years":
            assert record.years


def test_no_personal_email_addresses_in_content():
    import re

    email = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
    for page in CaseStudyPage.objects.all():
        assert not email.search(page.contact_route + page.what_they_did + page.outcomes)
    for page in HighImpactProjectPage.objects.all():
        assert not email.search(page.contact_route + page.lead_role + page.manager_role)


def test_learning_histories_quote_roles_not_names():
    for history in LearningHistoryPage.objects.all():
        chapters = [b for b in history.body if b.block_type == "chapter"]
        assert chapters, history.title
        for chapter in chapters:
            for row in chapter.value["rows"]:
                assert row["narrative"].strip()
                assert row["speaker_role"].strip()


def test_second_load_changes_nothing():
    pages, revisions = Page.objects.count(), Revision.objects.count()
    savings = list(SavingsRecord.objects.values_list("pk", flat=True).order_by("pk"))
    report = load_demo_content(log=lambda line: None)
    assert not report.changed_anything, report.lines()
    assert Page.objects.count() == pages
    assert Revision.objects.count() == revisions
    assert list(SavingsRecord.objects.values_list("pk", flat=True).order_by("pk")) == savings


def test_loader_repairs_an_edited_page():
    theme = Theme.objects.get(slug="worklessness")
    page = theme.page
    original = page.title
    page.title = "Edited by mistake"
    page.save_revision().publish()
    report = load_demo_content(log=lambda line: None)
    assert report.updated["theme pages"] == 1
    page.refresh_from_db()
    assert page.title == original


def test_command_reports_progress(capsys):
    call_command("load_demo_content", "--no-accounts")
    out = capsys.readouterr().out
    assert "already up to date" in out
    assert "case studies" in out


def test_bad_references_are_all_reported():
    data = read_data()
    data["case_studies"] = [
        dict(data["case_studies"][0], slug="bad-one", themes=["no-such-theme"], place="atlantis")
    ]
    with pytest.raises(DemoDataError) as error:
        validate(data)
    message = str(error.value)
    assert "no-such-theme" in message and "atlantis" in message
