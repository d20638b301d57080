"""The search page: the search service's results as HTML, every filter a plain link."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.translation import gettext

from search.documents import FACETS
from search.engines.base import EngineUnavailable
from search.service import PER_PAGE, SORTS, BadRequest, SearchResults
from search.service import search as run_search

logger = logging.getLogger(__name__)

# Facets shown open; the rest start folded (native <details>), so on a phone the results are
# not pushed below a hundred places and organisations. A facet with a choice in it is open.
OPEN_FACETS = ("type", "theme")


def _query_string(params: dict[str, list[str]]) -> str:
    return urlencode([(name, value) for name, values in params.items() for value in values])


def _current(results: SearchResults) -> dict[str, list[str]]:
    params: dict[str, list[str]] = {}
    if results.query:
        params["q"] = [results.query]
    for facet, values in results.filters.items():
        if values:
            params[facet] = list(values)
    if results.sort != "relevance":
        params["sort"] = [results.sort]
    return params


def toggle_url(results: SearchResults, facet: str, value: str, only: bool = False) -> str:
    """The link that adds or removes one filter value (and goes back to page 1)."""
    params = _current(results)
    values = params.get(facet, [])
    if value in values:
        values = [v for v in values if v != value]
    else:
        values = [value] if only else [*values, value]
    params[facet] = values
    return "?" + _query_string(params)


def search(request: HttpRequest) -> HttpResponse:
    """Search everything the person may see, with facets, as an HTML page."""
    try:
        results = run_search(request.GET, request.user)
    except EngineUnavailable:
        logger.exception("Search engine unavailable")
        context = {
            "query": request.GET.get("q", "")[:256],
            "breadcrumbs": [(gettext("Home"), "/")],
        }
        return render(request, "search/unavailable.html", context, status=503)
    except BadRequest as error:
        cleaned: QueryDict = request.GET.copy()
        cleaned.pop("page", None)
        cleaned.pop("sort", None)
        results = run_search(cleaned, request.user)
        results.notices.insert(
            0, gettext("%(error)s Showing the first page instead.") % {"error": error}
        )
        status = 400
    else:
        status = 200

    facets = []
    for facet, label in FACETS.items():
        values = [
            {"value": v, "url": toggle_url(results, facet, v.value)}
            for v in results.facets.get(facet, [])
        ]
        if values:
            chosen = len(results.filters.get(facet, []))
            facets.append(
                {
                    "name": facet,
                    "label": label,
                    "values": values,
                    "selected_count": chosen,
                    "open": bool(chosen) or facet in OPEN_FACETS,
                }
            )
    selected = [
        {
            "facet_label": FACETS[facet],
            "label": next((v.label for v in results.facets[facet] if v.value == value), value),
            "url": toggle_url(results, facet, value),
        }
        for facet, values in results.filters.items()
        for value in values
    ]
    current = _current(results)
    clear_params = {"q": current["q"]} if "q" in current else {}
    page_obj = Paginator(range(results.count), PER_PAGE).get_page(results.page)
    context = {
        "results": results,
        "query": results.query,
        "facets": facets,
        "selected": selected,
        "clear_url": "?" + _query_string(clear_params),
        "hidden_filters": [
            (facet, value) for facet, values in results.filters.items() for value in values
        ],
        "sorts": [
            {"value": key, "label": label, "url": _sort_url(results, key)}
            for key, label in SORTS.items()
        ],
        "removals": [
            {
                "label": f"{FACETS[facet]}: {label}",
                "count": count,
                "url": toggle_url(results, facet, value),
            }
            for facet, value, label, count in results.removals
        ],
        "loosened": [
            {
                "kind": kind,
                "words": words,
                "count": count,
                "url": "?" + _query_string({**current, "q": [text]}),
            }
            for kind, words, text, count in results.loosened
        ],
        "spelling_url": "?" + _query_string({**current, "q": [results.spelling]})
        if results.spelling
        else "",
        "page_obj": page_obj,
        "breadcrumbs": [(gettext("Home"), "/")],
        "searched": bool(results.query or results.has_filters),
    }
    return render(request, "search/search.html", context, status=status)


def _sort_url(results: SearchResults, sort: str) -> str:
    params = _current(results)
    params.pop("sort", None)
    if sort != "relevance":
        params["sort"] = [sort]
    return "?" + _query_string(params)
