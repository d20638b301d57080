"""/evidence/: one place to start for the programme-wide views (issue 6).

Curators and scrutiny members come to ask "what has it saved, who is doing what, what is
reused"; this page says which view answers which question and gives each a current figure,
so the header needs one link instead of six.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext

from learning.models import KnowledgePage, ReuseLink, ServiceFunction
from projects.models import BarrierEnabler
from projects.savings import select_records, summarise


def evidence(request: HttpRequest) -> HttpResponse:
    """The hub: each programme view with what it answers and a figure the viewer may see."""
    visible = KnowledgePage.objects.visible_to(request.user).values("pk")
    summary = summarise(select_records(request.user), breakdowns=False)
    context = {
        "summary": summary,
        "functions": ServiceFunction.objects.count(),
        "functions_in_use": ServiceFunction.objects.filter(pages__in=visible).distinct().count(),
        "barriers": BarrierEnabler.objects.filter(project__in=visible).count(),
        "reuse_links": ReuseLink.objects.filter(page__in=visible, source__in=visible).count(),
        "links": {
            "savings": reverse("savings_dashboard"),
            "records": reverse("savings_records"),
            "where": reverse("who_is_doing_what"),
            "levels": reverse("delivery_levels"),
            "barriers": reverse("barriers_enablers"),
            "reuse": reverse("reuse"),
            "data": reverse("open_data"),
        },
        "breadcrumbs": [(gettext("Home"), "/")],
    }
    return render(request, "projects/evidence.html", context)
