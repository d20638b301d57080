"""`{% savings_panel theme=... %}`: the savings picture in brief, on theme, region,
organisation and project pages, added up by the same code as the dashboard."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.translation import gettext_lazy

from projects.savings import Filters, select_records, summarise

register = template.Library()


@register.inclusion_tag("projects/savings/panel.html", takes_context=True)
def savings_panel(
    context: template.Context,
    theme=None,
    region=None,
    organisation=None,
    project=None,
    heading: str = gettext_lazy("Savings reported"),
    table_caption: str = "",
) -> dict:
    """With `table_caption`, the records themselves follow in a table, from the same query
    as the totals, so a project page fetches its records once."""
    request = context["request"]
    filters = Filters(theme=theme, region=region, organisation=organisation, project=project)
    records_url = reverse("savings_records")
    summary = summarise(
        select_records(request.user, filters), filters, records_url, breakdowns=False
    )
    return {
        "heading": heading,
        "filters": filters,
        "summary": summary,
        "dashboard_url": filters.url(reverse("savings_dashboard")),
        "table_caption": table_caption,
    }
