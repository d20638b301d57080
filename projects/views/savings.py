"""The savings dashboard and the records behind each of its totals."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext

from learning.models import DeliveryLevel, Organisation, Region, Theme
from projects.models import SavingsRecord
from projects.savings import (
    FilterError,
    Filters,
    bar_chart,
    counting_rules,
    select_records,
    summarise,
)

RECORDS_PER_PAGE = 50


def _filters_or_error(request: HttpRequest) -> Filters | HttpResponse:
    try:
        return Filters.from_query(request.GET, request.user)
    except FilterError as error:
        return render(
            request,
            "projects/savings/bad_filter.html",
            {"message": str(error), "breadcrumbs": [(gettext("Home"), "/")]},
            status=400,
        )


def _choices() -> dict:
    return {
        "themes": Theme.objects.order_by("name"),
        "regions": Region.objects.exclude(kind=Region.Kind.AREA).order_by("parent_id", "name"),
        "organisations": Organisation.objects.order_by("name"),
        "levels": DeliveryLevel.objects.order_by("order", "name"),
        "kinds": SavingsRecord.Kind.choices,
        "statuses": SavingsRecord.Status.choices,
        "periods": SavingsRecord.Period.choices,
    }


def dashboard(request: HttpRequest) -> HttpResponse:
    """Totals by kind, status, period, level and sector, for the programme or one scope."""
    filters = _filters_or_error(request)
    if isinstance(filters, HttpResponse):
        return filters
    records_url = reverse("savings_records")
    summary = summarise(select_records(request.user, filters), filters, records_url)
    sections = [
        (
            breakdown,
            bar_chart(breakdown)
            if any(row.money[SavingsRecord.Period.PER_YEAR].count for row in breakdown.rows)
            else None,
        )
        for breakdown in summary.breakdowns
    ]
    return render(
        request,
        "projects/savings/dashboard.html",
        {
            "filters": filters,
            "summary": summary,
            "sections": sections,
            "active_filters": filters.active(request.path),
            "rules": counting_rules(),
            "records_url": filters.url(records_url),
            "choices": _choices(),
            "breadcrumbs": [(gettext("Home"), "/")],
        },
    )


def records(request: HttpRequest) -> HttpResponse:
    """Every record behind a total, each with its page and source; the totals at the foot."""
    filters = _filters_or_error(request)
    if isinstance(filters, HttpResponse):
        return filters
    summary = summarise(select_records(request.user, filters), filters)
    paginator = Paginator(summary.records, RECORDS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "projects/savings/records.html",
        {
            "filters": filters,
            "summary": summary,
            "page_obj": page,
            "active_filters": filters.active(request.path),
            "choices": _choices(),
            "paginator": paginator,
            "rules": counting_rules(),
            "dashboard_url": filters.url(reverse("savings_dashboard")),
            "breadcrumbs": [
                (gettext("Home"), "/"),
                (gettext("The savings picture"), filters.url(reverse("savings_dashboard"))),
            ],
        },
    )
