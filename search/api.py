"""The search service as JSON, with an OpenAPI description (django-ninja, already part of Wagtail).

`GET /api/search/` takes the same parameters as the search page and returns the same results;
`GET /api/search/suggest/?q=` returns titles for as-you-type suggestions. The description is at
`/api/search/openapi.json`. Bad values give a 400 with a `detail` message, never a 500.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.http import HttpRequest, HttpResponse
from ninja import Field, NinjaAPI, Query, Schema
from ninja.errors import ValidationError

from search.documents import FACETS
from search.engines.base import EngineUnavailable
from search.service import MAX_PAGE, BadRequest, SearchResults, suggest
from search.service import search as run_search

logger = logging.getLogger(__name__)

api = NinjaAPI(
    title="Learning exchange search API",
    version="1.0",
    description=(
        "Search everything published on the learning exchange: projects, case studies, "
        "learning histories, methods, theme and region pages and organisations. Results and "
        "facet counts include only what the signed-in person (or an anonymous visitor) may see. "
        "Filters: several values of one facet are OR-ed, different facets are AND-ed; each "
        "facet's counts are taken with every other facet's filter applied. Facet values are the "
        "slugs used in site URLs; repeat a parameter or separate values with commas."
    ),
    urls_namespace="search-api",
    docs_url=None,
)


class ErrorOut(Schema):
    detail: str


class ResultOut(Schema):
    title: str
    url: str
    type: str
    type_label: str
    summary: str
    highlight: str
    themes: list[str]
    regions: list[str]
    date: datetime | None
    language: str = Field(
        "", description="The result's language (en or cy) when it is not the one searched in."
    )


class FacetValueOut(Schema):
    value: str
    label: str
    count: int
    selected: bool
    parent: str | None = None
    depth: int = 0


class FacetsOut(Schema):
    type: list[FacetValueOut]
    theme: list[FacetValueOut]
    region: list[FacetValueOut]
    org: list[FacetValueOut]
    level: list[FacetValueOut]
    model: list[FacetValueOut]
    tag: list[FacetValueOut]
    year: list[FacetValueOut]


class SearchOut(Schema):
    query: str
    count: int
    page: int
    pages: int
    sort: str
    results: list[ResultOut]
    facets: FacetsOut
    spelling: str | None = None
    relaxed: bool = False
    notices: list[str] = []


class SuggestionOut(Schema):
    title: str
    url: str
    type: str
    type_label: str


class SuggestOut(Schema):
    query: str
    suggestions: list[SuggestionOut]


class SearchParams(Schema):
    q: str = ""
    type: list[str] = []
    theme: list[str] = []
    region: list[str] = []
    level: list[str] = []
    model: list[str] = []
    org: list[str] = []
    tag: list[str] = []
    year: list[str] = []
    sort: str = "relevance"
    page: str = "1"
    lang: str = Field(
        "",
        description="en or cy: the language to search in (a translated page is found in it, "
        "and what is written in it comes first). By default the visitor's language.",
    )


@api.exception_handler(BadRequest)
def bad_request(request: HttpRequest, exc: BadRequest) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc)}, status=400)


@api.exception_handler(EngineUnavailable)
def unavailable(request: HttpRequest, exc: EngineUnavailable) -> HttpResponse:
    logger.exception("Search engine unavailable")
    return api.create_response(
        request, {"detail": "Search is unavailable right now; try again shortly."}, status=503
    )


@api.exception_handler(ValidationError)
def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields = sorted({str(error.get("loc", ["?"])[-1]) for error in exc.errors})
    return api.create_response(
        request, {"detail": f"Invalid value for: {', '.join(fields)}."}, status=400
    )


def as_json(results: SearchResults) -> dict:
    return {
        "query": results.query,
        "count": results.count,
        "page": results.page,
        "pages": results.pages,
        "sort": results.sort,
        "results": [vars(hit) for hit in results.hits],
        "facets": {facet: [vars(v) for v in results.facets.get(facet, [])] for facet in FACETS},
        "spelling": results.spelling,
        "relaxed": results.relaxed,
        "notices": results.notices,
    }


@api.get(
    "/",
    response={200: SearchOut, 400: ErrorOut, 503: ErrorOut},
    summary="Search with facets",
    description=f"`sort` is `relevance` (default) or `newest`; `page` is 1 to {MAX_PAGE}; ten "
    "results a page. `highlight` is HTML: escaped text with `<mark>` around matched words.",
)
def search(request: HttpRequest, params: Query[SearchParams]) -> dict:
    return as_json(run_search(request.GET, request.user))


@api.get(
    "/suggest/",
    response={200: SuggestOut, 503: ErrorOut},
    summary="Suggestions as you type",
    description="Up to eight titles whose words start with what has been typed so far.",
)
def suggestions(request: HttpRequest, q: str = "", lang: str = "") -> dict:
    hits = suggest(q, request.user, language=lang or None)
    return {
        "query": q[:100],
        "suggestions": [
            {"title": h.title, "url": h.url, "type": h.type, "type_label": h.type_label}
            for h in hits
        ],
    }
