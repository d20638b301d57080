"""Site search.

Until the faceted search service lands, this searches published knowledge pages with Wagtail's
database backend, applying the same `visible_to` rule as every listing.
"""

from __future__ import annotations

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from learning.models import KnowledgePage

MAX_QUERY_LENGTH = 200


def search(request: HttpRequest) -> HttpResponse:
    """Full-text search over projects, case studies, learning histories and methods."""
    query = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    page_obj = None
    if query:
        results = KnowledgePage.objects.visible_to(request.user).search(query)
        paginator = Paginator(results, 20)
        try:
            page_obj = paginator.page(request.GET.get("page", 1))
        except PageNotAnInteger:
            page_obj = paginator.page(1)
        except EmptyPage:
            page_obj = paginator.page(paginator.num_pages)
    return render(
        request,
        "search/search.html",
        {"query": query, "page_obj": page_obj, "breadcrumbs": [("Home", "/")]},
    )
