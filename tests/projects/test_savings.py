"""The savings picture: totals equal the records behind them, whichever way they are added."""

from __future__ import annotations

import re
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.html import escape
from wagtail.models import PageViewRestriction

from learning.models import KnowledgePage, Region, Theme
from projects.models import SavingsRecord
from projects.savings import COUNTING_RULES, PERIODS, Filters, select_records, summarise
from tests.factories import (
    CaseStudyPageFactory,
    HighImpactProjectPageFactory,
    SavingsRecordFactory,
    ThemeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def orm_totals(pages) -> dict[str, tuple[Decimal, Decimal, int]]:
    """The independent sum: the database adds up counted records on the given pages."""
    out = {}
    for period in PERIODS:
        rows = SavingsRecord.objects.filter(
            page__in=pages.values("pk"), period=period, duplicate_of__isnull=True
        )
        agg = rows.aggregate(low=Sum("amount"), high=Sum(Coalesce("amount_high", "amount")))
        out[period.value] = (agg["low"] or Decimal(0), agg["high"] or Decimal(0), rows.count())
    return out


def money_tuple(money) -> tuple[Decimal, Decimal, int]:
    return (money.low, money.high, money.count)


def test_programme_totals_equal_the_database_sum_of_public_records():
    summary = summarise(select_records(AnonymousUser()))
    expected = orm_totals(KnowledgePage.objects.visible_to(AnonymousUser()))
    assert {p: money_tuple(m) for p, m in summary.total.money.items()} == expected
    # The demo content has figures in every period, and the parts add up to the total.
    assert all(count for _low, _high, count in expected.values())
    for breakdown in summary.breakdowns:
        if breakdown.dimension in ("kind", "status", "level"):
            for period in PERIODS:
                low = sum(row.money[period].low for row in breakdown.rows)
                count = sum(row.money[period].count for row in breakdown.rows)
                assert (low, count) == (expected[period][0], expected[period][2]), breakdown.title


def test_every_total_links_to_records_that_add_up_to_it():
    records_url = reverse("savings_records")
    summary = summarise(select_records(AnonymousUser()), Filters(), records_url)
    links = [(cell_url, money) for _p, money, cell_url in summary.total.cells()]
    for breakdown in summary.breakdowns:
        for row in breakdown.rows:
            links += [(url, money) for _p, money, url in row.cells() if money.count]
    assert len(links) > 20
    for url, money in links:
        query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        behind = summarise(select_records(AnonymousUser(), Filters.from_query(query)))
        assert money_tuple(behind.total.money[query["period"]]) == money_tuple(money), url


def test_the_records_page_shows_the_same_totals_as_the_dashboard_cell(client):
    summary = summarise(select_records(AnonymousUser()), Filters(), reverse("savings_records"))
    row = summary.breakdown("kind").rows[0]
    _period, money, url = row.cells()[0]
    html = client.get(url).content.decode()
    low = re.search(r'data-period="per_year" data-low="(\d+)" data-high="(\d+)"', html)
    assert (Decimal(low.group(1)), Decimal(low.group(2))) == (money.low, money.high)
    assert html.count('<tr class="govuk-table__row" id="record-') == money.count


def test_ranges_stay_ranges_and_periods_are_never_mixed(sections):
    theme = ThemeFactory()
    page = CaseStudyPageFactory(parent=sections["case-studies"])
    page.themes.add(theme)
    page.save_revision().publish()
    SavingsRecordFactory(page=page, amount=100, amount_high=300, period="per_year")
    SavingsRecordFactory(page=page, amount=1000, period="one_off")
    SavingsRecordFactory(page=page, amount=5000, period="over_years", years=5)
    summary = summarise(select_records(AnonymousUser(), Filters(theme=theme)))
    per_year = summary.total.money["per_year"]
    assert (per_year.low, per_year.high, per_year.label) == (100, 300, "£100 to £300")
    assert summary.total.money["one_off"].low == 1000
    over = summary.total.money["over_years"]
    assert (over.low, over.years_label) == (5000, "over 5 years")


def test_a_record_already_counted_elsewhere_is_listed_but_not_added(sections, client):
    theme = ThemeFactory()
    project = HighImpactProjectPageFactory(parent=sections["projects"])
    case_study = CaseStudyPageFactory(parent=sections["case-studies"])
    for page in (project, case_study):
        page.themes.add(theme)
        page.save_revision().publish()
    original = SavingsRecordFactory(page=project, amount=2000)
    SavingsRecordFactory(page=case_study, amount=2000, duplicate_of=original)
    summary = summarise(select_records(AnonymousUser(), Filters(theme=theme)))
    assert summary.total.money["per_year"].low == 2000
    assert len(summary.duplicates) == 1 and len(summary.records) == 2
    html = client.get(reverse("savings_dashboard"), {"theme": theme.slug}).content.decode()
    assert "Listed but not counted" in html


def test_records_on_restricted_pages_count_only_for_people_who_may_see_them(sections):
    theme = ThemeFactory()
    group = Group.objects.create(name="Savings insiders")
    page = CaseStudyPageFactory(parent=sections["case-studies"])
    page.themes.add(theme)
    page.save_revision().publish()
    restriction = PageViewRestriction.objects.create(page=page, restriction_type="groups")
    restriction.groups.add(group)
    SavingsRecordFactory(page=page, amount=7777)
    insider = UserFactory()
    insider.groups.add(group)
    filters = Filters(theme=theme)
    assert summarise(select_records(AnonymousUser(), filters)).is_empty
    assert summarise(select_records(UserFactory(), filters)).is_empty
    assert summarise(select_records(insider, filters)).total.money["per_year"].low == 7777


def test_drafts_never_count(sections):
    theme = ThemeFactory()
    page = CaseStudyPageFactory(parent=sections["case-studies"])
    page.themes.add(theme)
    page.save_revision().publish()
    SavingsRecordFactory(page=page, amount=10)
    page.unpublish()
    assert summarise(select_records(AnonymousUser(), Filters(theme=theme))).is_empty


def test_a_region_includes_the_places_inside_it():
    wales = Region.objects.get(slug="wales")
    in_wales = KnowledgePage.objects.visible_to(AnonymousUser()).filter(
        regions__in=Region.descendant_ids_of([wales.pk])
    )
    summary = summarise(select_records(AnonymousUser(), Filters(region=wales)))
    assert {p: money_tuple(m) for p, m in summary.total.money.items()} == orm_totals(
        in_wales.distinct()
    )


def test_a_theme_total_matches_its_pages():
    theme = Theme.objects.get(slug="asset-management")
    pages = KnowledgePage.objects.visible_to(AnonymousUser()).filter(themes=theme)
    summary = summarise(select_records(AnonymousUser(), Filters(theme=theme)))
    assert {p: money_tuple(m) for p, m in summary.total.money.items()} == orm_totals(pages)


def test_an_organisation_includes_the_projects_it_leads(sections):
    project = HighImpactProjectPageFactory(parent=sections["projects"])
    SavingsRecordFactory(page=project, amount=4321)
    organisation = project.lead_organisation
    summary = summarise(select_records(AnonymousUser(), Filters(organisation=organisation)))
    assert summary.total.money["per_year"].low == 4321


@pytest.mark.parametrize(
    "query, message",
    [
        ({"kind": "bogus"}, "is not a kind"),
        ({"theme": "no-such-theme"}, "There is no theme"),
        ({"project": "abc"}, "There is no project"),
        ({"level": "galactic"}, "is not a level"),
    ],
)
def test_bad_filters_get_a_clear_400(client, query, message):
    for name in ("savings_dashboard", "savings_records"):
        response = client.get(reverse(name), query)
        assert response.status_code == 400
        assert message in response.content.decode()


def test_the_dashboard_shows_its_counting_rules_and_a_table_for_every_chart(client):
    html = client.get(reverse("savings_dashboard")).content.decode()
    assert "How the figures are added up" in html
    for rule in COUNTING_RULES:
        assert escape(rule) in html
    charts = re.findall(r'<figure class="app-chart">.*?</figure>', html, re.S)
    assert charts
    for chart in charts:
        values = re.findall(
            r"([^.:]+): (£[^ ]+(?: to £[^ ]+)?) from",
            re.search(r"<desc[^>]*>(.*?)</desc>", chart, re.S).group(1),
        )
        assert values
        for label, value in values:
            # Every figure in a chart is in a table cell of the page too.
            assert f">{value}<span" in html or f">{value}<" in html, (label, value)


def test_the_programme_dashboard_has_a_bounded_number_of_queries(
    client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(25):
        assert client.get(reverse("savings_dashboard")).status_code == 200
    with django_assert_max_num_queries(25):
        assert client.get(reverse("savings_records")).status_code == 200


def test_theme_region_organisation_and_project_pages_show_the_same_total(client):
    theme = Theme.objects.get(slug="asset-management")
    summary = summarise(select_records(AnonymousUser(), Filters(theme=theme)))
    html = client.get(theme.page.url).content.decode()
    assert "Savings reported in this theme" in html
    assert summary.total.money["per_year"].label in html
    region = Region.objects.get(slug="london")
    html = client.get(region.page.url).content.decode()
    london = summarise(select_records(AnonymousUser(), Filters(region=region)))
    assert london.total.money["per_year"].label in html


def test_project_page_panel_links_to_its_own_picture(client, sections):
    project = HighImpactProjectPageFactory(parent=sections["projects"])
    SavingsRecordFactory(page=project, amount=250000, status="achieved")
    html = client.get(project.url).content.decode()
    assert "£250k" in html
    assert f"project={project.pk}" in html


# --- validation: what project leads are held to ------------------------------------------


def test_negative_amounts_are_refused():
    record = SavingsRecord(description="x", amount=-5, source="y")
    with pytest.raises(ValidationError) as error:
        record.clean()
    assert "amount" in error.value.message_dict


def test_end_must_be_after_start():
    import datetime as dt

    record = SavingsRecord(
        description="x",
        amount=5,
        source="y",
        start_date=dt.date(2012, 4, 1),
        end_date=dt.date(2011, 3, 31),
    )
    with pytest.raises(ValidationError) as error:
        record.clean()
    assert "end_date" in error.value.message_dict


def test_a_verified_figure_needs_a_source():
    record = SavingsRecord(description="x", amount=5, status="verified", source=" ")
    with pytest.raises(ValidationError) as error:
        record.clean()
    assert "source" in error.value.message_dict
    SavingsRecord(description="x", amount=5, status="estimated", source="").clean()


def test_a_page_cannot_end_before_it_starts(sections):
    page = CaseStudyPageFactory.build(year_start=2012, year_end=2010)
    with pytest.raises(ValidationError) as error:
        page.clean()
    assert "year_end" in error.value.message_dict


def test_a_translated_page_does_not_count_its_figures_twice():
    """A Welsh translation copies the page's savings records; the figures are the English page's."""
    from wagtail.models import Locale

    page = (
        KnowledgePage.objects.visible_to(AnonymousUser())
        .filter(savings_records__isnull=False)
        .first()
        .specific
    )
    before = summarise(select_records(AnonymousUser()))
    welsh = page.copy_for_translation(Locale.objects.get(language_code="cy"))
    welsh.slug = "tudalen-gydag-arbedion"
    welsh.save_revision().publish()
    assert SavingsRecord.objects.filter(page=welsh).count() == page.savings_records.count()

    after = summarise(select_records(AnonymousUser()))
    assert {p: money_tuple(m) for p, m in after.total.money.items()} == {
        p: money_tuple(m) for p, m in before.total.money.items()
    }
