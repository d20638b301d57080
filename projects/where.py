"""Who is doing what, where: the theme x place matrix behind the page, the map and the export.

Counts follow the site's one permission rule (`KnowledgePage.objects.visible_to`) and the search
service's own rules, so that every number links to a search that finds exactly that many
things: search files a piece of work under each place it names *and every region and nation
around it* (see `Region.with_ancestors` in learning/search_sources.py), and the matrix rolls
local areas up into their region and nation the same way (`Region.descendant_ids_of`). The
links restrict search to the same kinds of content (`type=project&type=case-study...`), because
communities, forum threads and member profiles carry themes and places in search too and are
not counted here.

The whole matrix takes a fixed handful of queries whatever the number of themes and places:
themes, places, and the two classification through tables for the visible pages (the view
restriction list, the region tree and content types are cached).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils.text import get_text_list
from django.utils.translation import gettext, gettext_lazy

from learning.models import KnowledgePage, Region, Theme
from learning.models.taxonomy import name_in_language
from learning.search_sources import PAGE_KINDS
from search.service import MAX_VALUES_PER_FACET

# The kinds of knowledge page the matrix counts, as search's `type` facet names them, in the
# order the selector shows them. Theme and region pages are search kinds too but not "work".
WORK_KINDS: dict[str, str] = {
    kind: label for kind, label in PAGE_KINDS.values() if kind not in ("theme", "region")
}
PLURAL_LABELS = {
    "project": gettext_lazy("projects"),
    "case-study": gettext_lazy("case studies"),
    "learning-history": gettext_lazy("learning histories"),
    "method": gettext_lazy("methods"),
}
NATIONS = ("wales", "england")  # column groups, in this order

MAP_DATA = Path(__file__).resolve().parent / "geo" / "regions.json"


def _model_for_kind(kind: str) -> type[KnowledgePage]:
    label = next(model for model, (k, _label) in PAGE_KINDS.items() if k == kind)
    return apps.get_model(label)


def clean_types(types: list[str] | None) -> list[str]:
    """The known work kinds among `types`, in display order; all of them when none is known."""
    chosen = [kind for kind in WORK_KINDS if types and kind in types]
    return chosen or list(WORK_KINDS)


def search_url(types: list[str], themes: list[str] | None, regions: list[str]) -> str:
    """The search page filtered to these kinds, themes (any of) and places (any of)."""
    params = [("type", kind) for kind in types]
    params += [("theme", slug) for slug in themes or []]
    params += [("region", slug) for slug in regions]
    return f"{reverse('search')}?{urlencode(params)}"


def counted_label(types: list[str]) -> str:
    """What the counts are of, in words: "projects and case studies".

    A plain string in the active language (the matrix is also written out as JSON).
    """
    words = [str(PLURAL_LABELS[kind]) for kind in types]
    if len(words) == len(WORK_KINDS):
        return gettext("projects, case studies, learning histories and methods")
    if len(words) == 1:
        return words[0]
    return str(get_text_list(words, gettext("and")))


def theme_region_matrix(user: Any, types: list[str] | None = None) -> dict:
    """Counts of the work this person may see, by theme and place, with a search link each.

    `types` are search `type` facet values ("project", "case-study", "learning-history",
    "method"); unknown values are dropped, and none (or only unknown) means all four.

    Returns plain data (JSON-serialisable), so the page, the map and `/data/matrix.json`
    share it::

        {
          "types": ["project", ...],            # the kinds counted
          "counted": "projects, case studies, learning histories and methods",
          "nations": [{"slug": "wales", "name": "Wales", "span": 5}, ...],
          "columns": [                           # each nation, then its regions
            {"slug": "wales", "name": "Wales", "kind": "nation", "nation": "wales",
             "total": 12, "url": "/search/?type=...&theme=...&region=wales"},
            {"slug": "north-wales", "name": "North Wales", "kind": "region",
             "nation": "wales", "total": 4, "url": "..."},
            ...
          ],
          "rows": [                              # one per theme, by name
            {"slug": "frail-elderly", "name": "Frail elderly",
             "cells": [{"column": "wales", "count": 3,
                        "url": "/search/?type=...&theme=frail-elderly&region=wales"}, ...],
             "total": 5,
             "url": "/search/?type=...&theme=frail-elderly&region=wales&region=england"},
            ...
          ],
          "total": 40, "url": "...",             # every piece with a theme and a place
        }

    A cell counts the pieces filed under that theme and under any place inside that column's
    nation or region (local areas roll up). A piece with several places or themes counts in
    each of their cells, but once in each row, column and grand total. Totals count pieces with
    at least one theme and one place in Wales or England; a column total's link names every
    theme, so it is None when there are more themes than search accepts in one facet.
    """
    types = clean_types(types)
    visible = KnowledgePage.objects.visible_to(user)
    if len(types) < len(WORK_KINDS):
        content_types = ContentType.objects.get_for_models(
            *[_model_for_kind(kind) for kind in types], for_concrete_models=False
        )
        visible = visible.filter(content_type__in=list(content_types.values()))
    page_ids = visible.values("pk")

    # Names in the visitor's language (Welsh on /cy/ where there is one); rows and columns stay
    # in the order of the English names, so both sites list them alike.
    themes = [
        (pk, slug, name_in_language(name, name_cy))
        for pk, slug, name, name_cy in Theme.objects.order_by("name").values_list(
            "pk", "slug", "name", "name_cy"
        )
    ]
    english_names: dict[int, str] = {}
    places: dict[int, tuple[str, str, str, int | None]] = {}
    for pk, slug, name, name_cy, kind, parent_id in Region.objects.values_list(
        "pk", "slug", "name", "name_cy", "kind", "parent_id"
    ):
        english_names[pk] = name
        places[pk] = (slug, name_in_language(name, name_cy), kind, parent_id)
    through_themes = KnowledgePage.themes.through.objects.filter(knowledgepage_id__in=page_ids)
    through_places = KnowledgePage.regions.through.objects.filter(knowledgepage_id__in=page_ids)
    themes_of: dict[int, set[int]] = {}
    for page_id, theme_id in through_themes.values_list("knowledgepage_id", "theme_id"):
        themes_of.setdefault(page_id, set()).add(theme_id)
    places_of: dict[int, set[int]] = {}
    for page_id, region_id in through_places.values_list("knowledgepage_id", "region_id"):
        places_of.setdefault(page_id, set()).add(region_id)

    # Columns: each nation, then its regions by name.
    nation_ids = {places[pk][0]: pk for pk in places if places[pk][2] == Region.Kind.NATION}
    column_ids: list[int] = []
    nations = []
    for nation_slug in NATIONS:
        nation_pk = nation_ids.get(nation_slug)
        if nation_pk is None:
            continue
        regions = sorted(
            (pk for pk, p in places.items() if p[3] == nation_pk and p[2] == Region.Kind.REGION),
            key=lambda pk: english_names[pk],
        )
        column_ids.extend([nation_pk, *regions])
        nations.append(
            {"slug": nation_slug, "name": places[nation_pk][1], "span": 1 + len(regions)}
        )
    wanted = set(column_ids)

    # Each piece's columns: every place it names and every place around them, as search files
    # it (`Region.with_ancestors`), worked out here from the rows already read.
    def around(pk: int | None) -> list[int]:
        out = []
        while pk is not None and pk in places and pk not in out:
            out.append(pk)
            pk = places[pk][3]
        return out

    cells: dict[tuple[int, int], int] = {}
    row_totals: dict[int, int] = {}
    column_totals: dict[int, int] = {}
    total = 0
    for page_id, page_places in places_of.items():
        page_themes = themes_of.get(page_id)
        columns = wanted.intersection(pk for place in page_places for pk in around(place))
        if not page_themes or not columns:
            continue
        total += 1
        for theme_id in page_themes:
            row_totals[theme_id] = row_totals.get(theme_id, 0) + 1
            for column in columns:
                cells[theme_id, column] = cells.get((theme_id, column), 0) + 1
        for column in columns:
            column_totals[column] = column_totals.get(column, 0) + 1

    all_themes = [slug for _pk, slug, _name in themes]
    theme_filter = all_themes if len(all_themes) <= MAX_VALUES_PER_FACET else None
    nation_slugs = [n["slug"] for n in nations]
    columns_out = [
        {
            "slug": places[pk][0],
            "name": places[pk][1],
            "kind": places[pk][2],
            "nation": places[pk][0] if places[pk][3] is None else places[places[pk][3]][0],
            "total": column_totals.get(pk, 0),
            "url": search_url(types, theme_filter, [places[pk][0]]) if theme_filter else None,
        }
        for pk in column_ids
    ]
    rows = [
        {
            "slug": slug,
            "name": name,
            "cells": [
                {
                    "column": places[column][0],
                    "count": cells.get((theme_pk, column), 0),
                    "url": search_url(types, [slug], [places[column][0]]),
                }
                for column in column_ids
            ],
            "total": row_totals.get(theme_pk, 0),
            "url": search_url(types, [slug], nation_slugs),
        }
        for theme_pk, slug, name in themes
    ]
    return {
        "types": types,
        "counted": counted_label(types),
        "nations": nations,
        "columns": columns_out,
        "rows": rows,
        "total": total,
        "url": search_url(types, theme_filter, nation_slugs) if theme_filter else None,
    }


@cache
def map_shapes() -> dict:
    """The committed region shapes (see projects/geo/build_map.py), read once per process."""
    return json.loads(MAP_DATA.read_text(encoding="utf-8"))


# Sequential shades for the map, lightest first (ColorBrewer "Blues"); zero has a light grey.
ZERO_FILL = "#f3f2f1"
SHADES = ("#bdd7e7", "#6baed6", "#3182bd", "#08519c")
_SHADES_FOR = {1: (2,), 2: (1, 3), 3: (0, 2, 3), 4: (0, 1, 2, 3)}


def shade_bands(counts: list[int]) -> list[dict]:
    """Up to four bands of the non-zero counts, each with its fill and label, for the legend.

    Bands split the regions into quarters by count (not the range into equal steps), so one
    busy region such as London does not leave every other region in the lightest shade.
    """
    values = sorted(count for count in counts if count > 0)
    if not values:
        return []
    distinct = sorted(set(values))
    if len(distinct) <= len(SHADES):
        uppers = distinct
    else:
        quarters = len(SHADES)
        uppers = sorted(
            {values[-(-len(values) * k // quarters) - 1] for k in range(1, quarters + 1)}
        )
    fills = _SHADES_FOR[len(uppers)]
    bands, low = [], 1
    for upper, shade in zip(uppers, fills, strict=True):
        label = (
            str(upper)
            if low == upper
            else gettext("%(low)d to %(high)d") % {"low": low, "high": upper}
        )
        bands.append({"low": low, "high": upper, "fill": SHADES[shade], "label": label})
        low = upper + 1
    return bands


def region_map(matrix: dict, theme: str | None = None) -> dict:
    """The map of regions for one theme (or all themes), from a matrix and the shapes.

    Each region has its count, the search link that finds those pieces, its fill and the
    band it is in; `bands` is the legend. The counts are the matrix's own (a cell for one
    theme, the column total for all themes), so the map and the table never disagree.
    """
    shapes = map_shapes()
    row = next((r for r in matrix["rows"] if r["slug"] == theme), None) if theme else None
    counts: dict[str, tuple[int, str | None]] = {}
    if row is not None:
        counts = {cell["column"]: (cell["count"], cell["url"]) for cell in row["cells"]}
    else:
        counts = {col["slug"]: (col["total"], col["url"]) for col in matrix["columns"]}
    names = {col["slug"]: col["name"] for col in matrix["columns"]}
    regions = []
    for slug, shape in shapes["regions"].items():
        count, url = counts.get(slug, (0, None))
        regions.append(
            {
                "slug": slug,
                "name": names.get(slug, shape["name"]),
                "nation": shape["nation"],
                "d": shape["d"],
                "count": count,
                "url": url,
            }
        )
    bands = shade_bands([region["count"] for region in regions])
    for region in regions:
        region["fill"] = ZERO_FILL
        region["band"] = "none"
        for band in bands:
            if band["low"] <= region["count"] <= band["high"]:
                region["fill"], region["band"] = band["fill"], band["label"]
    return {
        "theme": row["slug"] if row else None,
        "theme_name": row["name"] if row else None,
        "viewBox": shapes["viewBox"],
        "regions": regions,
        "bands": bands,
        "zero_fill": ZERO_FILL,
        "source": shapes["source"],
    }
