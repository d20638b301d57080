"""/data/: the open data downloads, their data dictionary and the licence, and the files."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

from django.core.cache import cache
from django.db.models import Count, Max
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.http import require_safe

from learning.models import KnowledgePage
from learning.models.base import view_restrictions
from projects.opendata import (
    DATASETS,
    LICENCE,
    MATRIX_FIELDS,
    PUBLIC_ONLY,
    TYPE_LABELS,
    TYPES,
    csv_lines,
    json_chunks,
    matrix_data,
    matrix_json,
)

# Downloads are the same for everyone (public content only), so caches may keep them briefly.
CACHE_SECONDS = 300
STATS_CACHE_SECONDS = 600


def _encoded(chunks: Iterator[str]) -> Iterator[bytes]:
    for chunk in chunks:
        yield chunk.encode("utf-8")


def _open_headers(response: HttpResponse, filename: str, attachment: bool) -> HttpResponse:
    response["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    # Public content only, no cookies involved: any site may fetch it from a browser.
    response["Access-Control-Allow-Origin"] = "*"
    disposition = "attachment" if attachment else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response


@require_safe
def download(request: HttpRequest, filename: str) -> HttpResponse:
    """One file, built as for an anonymous visitor and streamed a row at a time."""
    if filename == "matrix.json":
        response = HttpResponse(matrix_json(request), content_type="application/json")
        return _open_headers(response, filename, attachment=False)
    slug, _dot, extension = filename.rpartition(".")
    dataset = DATASETS.get(slug)
    if dataset is None or extension not in ("csv", "json"):
        raise Http404("No such download")
    if extension == "csv":
        response = StreamingHttpResponse(
            _encoded(csv_lines(dataset, request)),
            content_type="text/csv; charset=utf-8; header=present",
        )
        return _open_headers(response, filename, attachment=True)
    response = StreamingHttpResponse(
        _encoded(json_chunks(dataset, request)), content_type="application/json"
    )
    return _open_headers(response, filename, attachment=False)


def _fingerprint(request: HttpRequest) -> str:
    """Changes whenever a page is published, unpublished or restricted, or the host differs."""
    live = KnowledgePage.objects.live().aggregate(latest=Max("last_published_at"), n=Count("pk"))
    raw = f"{request.get_host()}|{live['latest']}|{live['n']}|{view_restrictions()!r}"
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def file_stats(request: HttpRequest) -> dict[str, dict[str, int]]:
    """Size in bytes and number of rows of each file, made by writing the files.

    Kept in the cache until content is published or restricted (or ten minutes pass), so the
    page does not rebuild every file on each visit.
    """
    key = f"opendata:stats:{_fingerprint(request)}"
    stats = cache.get(key)
    if stats is not None:
        return stats
    stats = {}
    for dataset in DATASETS.values():
        csv_name, json_name = dataset.filenames
        lines = [chunk.encode() for chunk in csv_lines(dataset, request)]
        stats[csv_name] = {"size": sum(map(len, lines)), "rows": len(lines) - 1}
        size = sum(len(chunk.encode()) for chunk in json_chunks(dataset, request))
        stats[json_name] = {"size": size, "rows": stats[csv_name]["rows"]}
    matrix = matrix_json(request)
    stats["matrix.json"] = {"size": len(matrix.encode()), "rows": 0}
    cache.set(key, stats, STATS_CACHE_SECONDS)
    return stats


def _dictionary(columns) -> list[dict[str, str]]:
    """The data dictionary as the page shows it: types and meanings in the reader's language."""
    return [
        {
            "name": column.name,
            "type": TYPE_LABELS.get(column.type, column.type),
            "meaning": column.meaning,
            "allowed": column.allowed_text(),
            "optional": getattr(column, "optional", True),
        }
        for column in columns
    ]


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    """The downloads with their sizes, how to read them, the data dictionary and the licence."""
    stats = file_stats(request)
    matrix = matrix_data(request)
    downloads = []
    for dataset in DATASETS.values():
        downloads.append(
            {
                "title": dataset.title,
                "description": dataset.description,
                "rows": stats[dataset.filenames[0]]["rows"],
                "files": [
                    {"name": name, "format": name.rpartition(".")[2].upper(), **stats[name]}
                    for name in dataset.filenames
                ],
                "dictionary": _dictionary(dataset.columns),
                "anchor": f"dictionary-{dataset.slug}",
            }
        )
    return render(
        request,
        "projects/data/index.html",
        {
            "downloads": downloads,
            "matrix": {
                "themes": len(matrix["rows"]),
                "places": len(matrix["columns"]),
                "file": {"name": "matrix.json", "format": "JSON", **stats["matrix.json"]},
                "dictionary": _dictionary(MATRIX_FIELDS),
            },
            "types": [(TYPE_LABELS[name], meaning) for name, meaning in TYPES.items()],
            "licence": LICENCE,
            "public_only": PUBLIC_ONLY,
            "breadcrumbs": [(gettext("Home"), "/")],
        },
    )
