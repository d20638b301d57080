"""What is delivered at which level: the index of Table 1 functions and the function pages."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils.html import escape
from wagtail.models import PageViewRestriction

from learning.models import CaseStudyPage, DeliveryLevel, KnowledgePage, ServiceFunction
from projects.models import HighImpactProjectPage
from projects.views.levels import MATCH, MORE_LOCAL, UNSTATED, WIDER, LevelComparer
from tests.factories import (
    CaseStudyPageFactory,
    MethodPageFactory,
    SavingsRecordFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def level(slug: str) -> DeliveryLevel:
    return DeliveryLevel.objects.get(slug=slug)


def linked_case_study(sections, function: ServiceFunction, **kwargs) -> CaseStudyPage:
    page = CaseStudyPageFactory(parent=sections["case-studies"], **kwargs)
    page.service_functions.add(function)
    page.save()
    return page


def orm_count(user, function: ServiceFunction) -> int:
    """Independent count: visible projects and case studies that name the function."""
    types = ContentType.objects.get_for_models(HighImpactProjectPage, CaseStudyPage).values()
    return (
        KnowledgePage.objects.visible_to(user)
        .filter(service_functions=function, content_type__in=list(types))
        .distinct()
        .count()
    )


def summaries(response) -> dict[str, object]:
    return {s.function.slug: s for g in response.context["groups"] for s in g.functions}


def test_demo_data_has_every_table1_level_and_links():
    """The demo data holds Table 1's three levels, and some functions have work linked."""
    recommended = set(ServiceFunction.objects.values_list("recommended_level__slug", flat=True))
    assert recommended == {"local", "regional", "national"}
    assert ServiceFunction.objects.filter(pages__isnull=False).exists()
    for function in ServiceFunction.objects.all():
        assert function.source and function.criteria_note


def test_index_counts_equal_orm_counts(client):
    response = client.get(reverse("delivery_levels"))
    assert response.status_code == 200
    found = summaries(response)
    assert set(found) == set(ServiceFunction.objects.values_list("slug", flat=True))
    anonymous = AnonymousUser()
    for function in ServiceFunction.objects.all():
        assert found[function.slug].total == orm_count(anonymous, function), function.slug
    assert response.context["linked_total"] == sum(
        orm_count(anonymous, f) for f in ServiceFunction.objects.all()
    )
    # Functions appear under the level Table 1 recommends for them.
    for group in response.context["groups"]:
        assert all(s.function.recommended_level_id == group.level.pk for s in group.functions)


def test_index_marks_where_practice_differs(client, sections):
    payroll = ServiceFunction.objects.get(slug="payroll")  # recommended national
    before = summaries(client.get(reverse("delivery_levels")))["payroll"]
    linked_case_study(sections, payroll, delivery_level=level("local"))
    linked_case_study(sections, payroll, delivery_level=level("national"))
    after = summaries(client.get(reverse("delivery_levels")))["payroll"]
    assert after.total == before.total + 2
    assert after.differs == before.differs + 1
    body = client.get(reverse("delivery_levels")).content.decode()
    assert "Practice differs" in body


def test_methods_are_not_counted_as_delivery(client, sections):
    function = ServiceFunction.objects.get(slug="payroll")
    before = summaries(client.get(reverse("delivery_levels")))["payroll"].total
    method = MethodPageFactory(parent=sections["methods"])
    method.service_functions.add(function)
    method.save()
    assert summaries(client.get(reverse("delivery_levels")))["payroll"].total == before


def test_restricted_work_is_hidden_from_anonymous(client, sections):
    function = ServiceFunction.objects.get(slug="student-finance")
    hidden = linked_case_study(sections, function, title="Members-only student finance work")
    PageViewRestriction.objects.create(page=hidden, restriction_type="login")
    SavingsRecordFactory(page=hidden, description="Secret saving", amount=123456)

    anonymous_index = summaries(client.get(reverse("delivery_levels")))["student-finance"]
    assert anonymous_index.total == orm_count(AnonymousUser(), function)
    page = client.get(reverse("service_function", args=["student-finance"])).content.decode()
    assert "Members-only student finance work" not in page
    assert "Secret saving" not in page

    user = UserFactory()
    client.force_login(user)
    member_index = summaries(client.get(reverse("delivery_levels")))["student-finance"]
    assert member_index.total == anonymous_index.total + 1 == orm_count(user, function)
    page = client.get(reverse("service_function", args=["student-finance"])).content.decode()
    assert "Members-only student finance work" in page
    assert "Secret saving" in page


def test_function_page_shows_recommendation_criteria_and_work(client):
    function = ServiceFunction.objects.get(slug="support-into-employment")
    response = client.get(reverse("service_function", args=[function.slug]))
    assert response.status_code == 200
    body = response.content.decode()
    assert function.recommended_level.name in body
    for name, _value, label in function.criteria():
        assert name in body and label in body
    rows = response.context["rows"]
    assert len(rows) == response.context["total"] == orm_count(AnonymousUser(), function)
    assert rows, "the demo data links work to this function"
    assert {r.pk for r in rows} == set(
        function.pages.live()
        .filter(content_type__model__in=["highimpactprojectpage", "casestudypage"])
        .values_list("pk", flat=True)
    )
    for row in rows:
        assert escape(row.title) in body
    counted = sum(response.context[k] for k in ("matches", "wider", "more_local", "unstated"))
    assert counted == response.context["total"]


def test_function_page_shows_savings_of_linked_work(client, sections):
    function = ServiceFunction.objects.get(slug="common-training")
    page = linked_case_study(sections, function, title="Shared training hub")
    SavingsRecordFactory(page=page, description="Joint training contract", amount=250000)
    body = client.get(reverse("service_function", args=[function.slug])).content.decode()
    assert "Shared training hub" in body
    assert "Joint training contract" in body
    assert "£250k" in body


def test_function_page_empty_state(client):
    function = ServiceFunction.objects.filter(pages__isnull=True).first()
    assert function is not None
    response = client.get(reverse("service_function", args=[function.slug]))
    assert response.status_code == 200
    assert "No project or case study you can see has been linked" in response.content.decode()


def test_unknown_function_is_404(client):
    assert client.get(reverse("service_function", args=["no-such-function"])).status_code == 404


def test_level_comparison_bands_neighbourhood_with_local():
    levels = list(DeliveryLevel.objects.all())
    comparer = LevelComparer(levels)
    local, regional, national = level("local"), level("regional"), level("national")
    assert comparer.compare(local.pk, level("neighbourhood").pk) == MATCH
    assert comparer.compare(local.pk, local.pk) == MATCH
    assert comparer.compare(local.pk, national.pk) == WIDER
    assert comparer.compare(national.pk, regional.pk) == MORE_LOCAL
    assert comparer.compare(regional.pk, None) == UNSTATED


def test_function_page_verdicts(client, sections):
    function = ServiceFunction.objects.get(slug="eligibility-criteria")  # national
    linked_case_study(
        sections, function, title="Eligibility at home", delivery_level=level("local")
    )
    linked_case_study(
        sections, function, title="Eligibility nationally", delivery_level=level("national")
    )
    linked_case_study(sections, function, title="Eligibility somewhere")
    response = client.get(reverse("service_function", args=[function.slug]))
    verdicts = {row.title: row.verdict for row in response.context["rows"]}
    assert verdicts["Eligibility at home"] == MORE_LOCAL
    assert verdicts["Eligibility nationally"] == MATCH
    assert verdicts["Eligibility somewhere"] == UNSTATED
    assert response.context["more_local"] >= 1 and response.context["unstated"] >= 1


def test_key_facts_link_to_function_pages(client):
    page = CaseStudyPage.objects.live().filter(service_functions__isnull=False).first()
    body = client.get(page.url).content.decode()
    for function in page.service_functions.all():
        assert reverse("service_function", args=[function.slug]) in body


def test_query_bounds_do_not_grow_with_content(client, sections, django_assert_max_num_queries):
    function = ServiceFunction.objects.get(slug="housing")
    with django_assert_max_num_queries(8):
        client.get(reverse("delivery_levels"))
    with django_assert_max_num_queries(12):
        client.get(reverse("service_function", args=[function.slug]))
    for n in range(6):
        page = linked_case_study(sections, function, title=f"Housing work {n}")
        SavingsRecordFactory(page=page, description=f"Housing saving {n}")
    with django_assert_max_num_queries(8):
        client.get(reverse("delivery_levels"))
    with django_assert_max_num_queries(12):
        response = client.get(reverse("service_function", args=[function.slug]))
    assert "Housing saving 5" in response.content.decode()
