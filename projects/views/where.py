"""The "Who is doing what, where" page: the theme x place matrix and the map of regions.

Both come from `projects.where`, so the numbers on the page, on the map and in the JSON export
are the same numbers, and each links to the search that finds exactly those pieces of work.
Everything is a plain GET form and server-rendered HTML and SVG: nothing needs JavaScript.
"""

from __future__ import annotations

import csv
import io
import json

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_safe

from projects.where import PLURAL_LABELS, WORK_KINDS, region_map, theme_region_matrix


def _chosen_types(request: HttpRequest) -> tuple[str, list[str] | None]:
    """The `type` asked for, if it is a kind of work (else all kinds)."""
    chosen = request.GET.get("type", "")
    return chosen, ([chosen] if chosen in WORK_KINDS else None)


def who_is_doing_what(request: HttpRequest) -> HttpResponse:
    """Theme x region counts of the work the person may see, with a map of the regions."""
    chosen, types = _chosen_types(request)
    matrix = theme_region_matrix(request.user, types)
    theme = request.GET.get("theme", "")
    theme = theme if any(row["slug"] == theme for row in matrix["rows"]) else ""
    regions_map = region_map(matrix, theme or None)
    counts = {cell["column"]: cell for cell in _counts_for(matrix, theme)}
    # The table beside the map: every nation and region of the matrix, with the map's numbers.
    map_rows = [
        {
            "nation": nation,
            "total": counts[nation["slug"]],
            "regions": [
                {"name": column["name"], **counts[column["slug"]]}
                for column in matrix["columns"]
                if column["nation"] == nation["slug"] and column["kind"] == "region"
            ],
        }
        for nation in matrix["nations"]
    ]
    columns = matrix["columns"]
    rows = [
        {
            **row,
            "cells": [
                {**cell, "name": col["name"], "kind": col["kind"]}
                for cell, col in zip(row["cells"], columns, strict=True)
            ],
        }
        for row in matrix["rows"]
    ]
    context = {
        "matrix": matrix,
        "rows": rows,
        "type": chosen if types else "",
        "type_options": [("", gettext("All work"))]
        + [(kind, str(PLURAL_LABELS[kind]).capitalize()) for kind in WORK_KINDS],
        "theme": theme,
        "theme_options": [(row["slug"], row["name"]) for row in matrix["rows"]],
        "map": regions_map,
        "map_rows": map_rows,
        "breadcrumbs": [(gettext("Home"), "/")],
        "export_query": f"?type={chosen}" if types else "",
        "open_data_url": reverse("open_data"),
    }
    return render(request, "projects/who_is_doing_what.html", context)


@require_safe
def matrix_download(request: HttpRequest, extension: str) -> HttpResponse:
    """The matrix on the page, as the person sees it, to open in a spreadsheet (CSV) or a
    program (JSON): the same counts as the table, with the same `type` choice.

    Unlike /data/matrix.json (public work only, for anyone), this counts what the viewer may
    see, so a member's export includes their private communities' work and is never cached
    for others. The CSV has one row per theme: its name and slug, a count per place (headed by
    the place's slug, which is the same in every language) and the total.
    """
    chosen, types = _chosen_types(request)
    matrix = theme_region_matrix(request.user, types)
    filename = f"who-is-doing-what{'-' + chosen if types else ''}.{extension}"
    if extension == "json":
        response = HttpResponse(
            json.dumps(matrix, ensure_ascii=False, indent=1) + "\n",
            content_type="application/json",
        )
    else:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(
            ["theme", "theme_slug", *(column["slug"] for column in matrix["columns"]), "total"]
        )
        for row in matrix["rows"]:
            writer.writerow(
                [row["name"], row["slug"], *(cell["count"] for cell in row["cells"]), row["total"]]
            )
        writer.writerow(
            ["", "total", *(column["total"] for column in matrix["columns"]), matrix["total"]]
        )
        response = HttpResponse(
            buffer.getvalue(), content_type="text/csv; charset=utf-8; header=present"
        )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-cache"
    return response


def _counts_for(matrix: dict, theme: str) -> list[dict]:
    """The count and link per column for one theme's row, or the column totals for all."""
    for row in matrix["rows"]:
        if row["slug"] == theme:
            return row["cells"]
    return [{"column": c["slug"], "count": c["total"], "url": c["url"]} for c in matrix["columns"]]
