"""What is delivered at which level: Table 1 of the Wales report (002 §8.1) as data.

Each service function carries the level Table 1 recommends for it. Projects and case studies
link to the functions they deliver and carry the level they are delivered at, so for every
function the site can say where it is delivered today and whether that matches the
recommendation. Only pages the person may see are counted or shown (`visible_to`).

Table 1 has three levels (local, regional or sub-regional, national); the site has a fourth,
neighbourhood, below local. When practice is compared with a recommendation, neighbourhood
counts as local: a function Table 1 would keep local is still local when it is run for one
neighbourhood.

Both pages take a fixed handful of queries however many functions and pages there are.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.db.models import F, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy

from learning.models import CaseStudyPage, DeliveryLevel, KnowledgePage, ServiceFunction
from learning.models.taxonomy import name_in_language
from projects.models import HighImpactProjectPage, SavingsRecord

PER_PAGE = 20

# Table 1 has no neighbourhood level: compare neighbourhood work as local work.
TABLE1_BAND = {"neighbourhood": "local"}

# The LGA's four tests (Place-based budgets, 2010), as 002 §8.1 quotes them: each says when
# governance can sit below national level.
CRITERIA_TESTS = {
    "performance": gettext_lazy(
        "Integrated commissioning and decision making at a lower spatial geography "
        "could yield performance gains."
    ),
    "economies_of_scale": gettext_lazy("There are not national economies of scale."),
    "equity": gettext_lazy(
        "The public does not expect strong geographical equity, defined as the same "
        "service or level of entitlement from one place to another."
    ),
    "risk": gettext_lazy(
        "Risks, both financial and political, can be managed below the national level."
    ),
}

MATCH = "match"
WIDER = "wider"
MORE_LOCAL = "more-local"
UNSTATED = "unstated"
COMPARISON_LABELS = {
    MATCH: gettext_lazy("Matches the recommendation"),
    WIDER: gettext_lazy("Delivered more widely than recommended"),
    MORE_LOCAL: gettext_lazy("Delivered more locally than recommended"),
    UNSTATED: gettext_lazy("Level not stated"),
}


def delivery_pages(user) -> QuerySet:
    """Projects and case studies the person may see: the work this page compares.

    Methods and learning histories may name functions too, but they are not delivery, so they
    are left out of "where it is delivered today".
    """
    types = ContentType.objects.get_for_models(HighImpactProjectPage, CaseStudyPage).values()
    return KnowledgePage.objects.visible_to(user).filter(content_type__in=list(types))


class LevelComparer:
    """Compares a page's delivery level with a recommended one, by Table 1's three bands."""

    def __init__(self, levels: list[DeliveryLevel]) -> None:
        by_slug = {level.slug: level for level in levels}
        self.order: dict[int, int] = {}
        for level in levels:
            band = by_slug.get(TABLE1_BAND.get(level.slug, level.slug), level)
            self.order[level.pk] = band.order

    def compare(self, recommended_id: int, actual_id: int | None) -> str:
        """One of MATCH, WIDER, MORE_LOCAL or UNSTATED."""
        if actual_id is None or actual_id not in self.order:
            return UNSTATED
        actual, wanted = self.order[actual_id], self.order.get(recommended_id)
        if wanted is None or actual == wanted:
            return MATCH
        return WIDER if actual > wanted else MORE_LOCAL


@dataclass
class FunctionSummary:
    """One function on the index page: how much visible work delivers it, and at which levels."""

    function: ServiceFunction
    total: int = 0
    by_level: list[tuple[DeliveryLevel | None, int]] = field(default_factory=list)
    differs: int = 0
    unstated: int = 0

    @property
    def url(self) -> str:
        return reverse("service_function", args=[self.function.slug])


@dataclass
class LevelGroup:
    """The functions Table 1 recommends at one level."""

    level: DeliveryLevel
    functions: list[FunctionSummary]


def level_overview(user) -> dict:
    """Every function grouped by recommended level, with counts of the visible work linked.

    Three queries: levels, functions, and the (function, page level) pairs of visible work.
    Also a recommended-by-actual cross table of links, for the picture across all functions.
    """
    levels = list(DeliveryLevel.objects.order_by("order", "name"))
    level_by_id = {level.pk: level for level in levels}
    comparer = LevelComparer(levels)
    functions = list(ServiceFunction.objects.order_by("name"))
    through = KnowledgePage.service_functions.through
    links = through.objects.filter(knowledgepage__in=delivery_pages(user).values("pk")).values_list(
        "servicefunction_id", "knowledgepage__delivery_level_id"
    )
    per_function: dict[int, Counter] = defaultdict(Counter)
    for function_id, level_id in links:
        per_function[function_id][level_id] += 1

    groups: dict[int, list[FunctionSummary]] = defaultdict(list)
    cross: dict[tuple[int, int | None], int] = Counter()
    linked_total = differs_total = 0
    for function in functions:
        counts = per_function.get(function.pk, Counter())
        summary = FunctionSummary(function=function, total=sum(counts.values()))
        summary.by_level = [
            (level_by_id.get(level_id), n)
            for level_id, n in sorted(
                counts.items(),
                key=lambda kv: (kv[0] is None, level_by_id[kv[0]].order if kv[0] else 0),
            )
        ]
        for level_id, n in counts.items():
            verdict = comparer.compare(function.recommended_level_id, level_id)
            if verdict in (WIDER, MORE_LOCAL):
                summary.differs += n
            elif verdict == UNSTATED:
                summary.unstated += n
            cross[(function.recommended_level_id, level_id)] += n
        linked_total += summary.total
        differs_total += summary.differs
        groups[function.recommended_level_id].append(summary)

    recommended_levels = [level for level in levels if groups.get(level.pk)]
    actual_levels = levels + ([None] if any(k[1] is None for k in cross) else [])
    cross_rows = [
        {
            "level": level,
            "cells": [
                cross.get((level.pk, actual.pk if actual else None), 0) for actual in actual_levels
            ],
            "total": sum(v for (rec, _a), v in cross.items() if rec == level.pk),
        }
        for level in recommended_levels
    ]
    return {
        "groups": [
            LevelGroup(level=level, functions=groups[level.pk]) for level in recommended_levels
        ],
        "function_count": len(functions),
        "linked_total": linked_total,
        "differs_total": differs_total,
        "functions_linked": sum(1 for f in functions if per_function.get(f.pk)),
        "cross_columns": actual_levels,
        "cross_rows": cross_rows,
    }


def delivery_levels(request: HttpRequest) -> HttpResponse:
    """The index: every Table 1 function by recommended level, and where it is delivered today."""
    context = level_overview(request.user)
    context["breadcrumbs"] = [(gettext("Home"), "/")]
    return render(request, "projects/levels/index.html", context)


def service_function(request: HttpRequest, slug: str) -> HttpResponse:
    """One function: the recommendation, the four criteria, where it is delivered, the evidence."""
    function = get_object_or_404(
        ServiceFunction.objects.select_related("recommended_level"), slug=slug
    )
    levels = list(DeliveryLevel.objects.order_by("order", "name"))
    comparer = LevelComparer(levels)
    pages = (
        delivery_pages(request.user)
        .filter(
            pk__in=KnowledgePage.service_functions.through.objects.filter(
                servicefunction=function
            ).values("knowledgepage_id")
        )
        .select_related("delivery_level")
        .annotate(outcomes_text=F("casestudypage__outcomes"))
        .order_by("title", "pk")
    )
    verdicts = Counter(
        comparer.compare(function.recommended_level_id, level_id)
        for level_id in pages.values_list("delivery_level_id", flat=True)
    )
    page_obj = Paginator(pages, PER_PAGE).get_page(request.GET.get("page"))
    rows = list(page_obj.object_list)
    ids = [page.pk for page in rows]
    records: dict[int, list[SavingsRecord]] = defaultdict(list)
    for record in SavingsRecord.objects.filter(page_id__in=ids).order_by(
        "page_id", "sort_order", "pk"
    ):
        records[record.page_id].append(record)
    regions: dict[int, list[str]] = defaultdict(list)
    through = KnowledgePage.regions.through
    for page_id, name, name_cy in (
        through.objects.filter(knowledgepage_id__in=ids)
        .order_by("region__name")
        .values_list("knowledgepage_id", "region__name", "region__name_cy")
    ):
        regions[page_id].append(name_in_language(name, name_cy))
    for page in rows:
        page.verdict = comparer.compare(function.recommended_level_id, page.delivery_level_id)
        page.verdict_label = COMPARISON_LABELS[page.verdict]
        page.place_names = regions.get(page.pk, [])
        page.evidence_records = records.get(page.pk, [])
    criteria = [
        {"name": name, "test": CRITERIA_TESTS[key], "value": value, "label": label}
        for key, (name, value, label) in zip(
            ServiceFunction.CRITERIA, function.criteria(), strict=True
        )
    ]
    context = {
        "function": function,
        "criteria": criteria,
        "page_obj": page_obj,
        "rows": rows,
        "total": sum(verdicts.values()),
        "matches": verdicts[MATCH],
        "wider": verdicts[WIDER],
        "more_local": verdicts[MORE_LOCAL],
        "unstated": verdicts[UNSTATED],
        "breadcrumbs": [
            (gettext("Home"), "/"),
            (gettext("What is delivered at which level"), reverse("delivery_levels")),
        ],
    }
    return render(request, "projects/levels/function.html", context)
