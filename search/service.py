"""The one search service: the search page, the JSON API and anything else that searches call it.

`search(params, user)` takes the query string parameters people use in links
(`q, type, theme, region, level, model, org, tag, year, sort, page`), checks them, turns slugs
into keys, asks the configured engine, and turns keys back into names and slugs. Bad input never
raises: unknown parameters and values are ignored and out-of-range pages are clamped, and the
result says what it did.

Searches are in the visitor's language (the active one, or `lang` in the parameters): a page
translated into it is found only in that version, and what is written in it comes first, so the
Welsh site finds Welsh content first, then English. Links stay on the visitor's side of the site.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Model
from django.utils.translation import gettext, gettext_lazy

from cop_site import i18n, page_cache
from search.access import tokens_for
from search.documents import FACETS, token_value
from search.engines import get_engine
from search.engines.base import EngineHit, EngineQuery, EngineResult
from search.query import ParsedQuery, parse
from search.sources import kind_labels

PER_PAGE = 10
MAX_PAGE = 1000
SORTS = {"relevance": gettext_lazy("Best match"), "newest": gettext_lazy("Newest")}
MAX_VALUES_PER_FACET = 20
SHOWN_VALUES = {"org": 15, "tag": 20}


class BadRequest(ValueError):
    """A parameter the service cannot make sense of; the message says which and why."""


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool
    depth: int = 0
    parent: str | None = None


@dataclass
class Hit:
    title: str
    url: str
    type: str
    type_label: str
    summary: str
    highlight: str
    themes: list[str]
    regions: list[str]
    date: datetime | None
    #: The language of the title and summary when it is not the page's (for a `lang`
    #: attribute), else "".
    language: str = ""


@dataclass
class SearchResults:
    query: str
    parsed: ParsedQuery
    filters: dict[str, list[str]]
    sort: str
    page: int
    pages: int
    count: int
    hits: list[Hit]
    facets: dict[str, list[FacetValue]]
    removals: list[tuple[str, str, str, int]] = field(default_factory=list)
    loosened: list[tuple[str, str, str, int]] = field(default_factory=list)
    spelling: str | None = None
    relaxed: bool = False
    notices: list[str] = field(default_factory=list)

    @property
    def has_filters(self) -> bool:
        return any(self.filters.values())


# Facet keys <-> the slugs and names people see --------------------------------------------------


def _taxonomy_models() -> dict[str, type[Model]]:
    from taggit.models import Tag

    from learning.models import DeliveryLevel, Organisation, Region, Theme, TransformationModel

    return {
        "theme": Theme,
        "region": Region,
        "org": Organisation,
        "level": DeliveryLevel,
        "model": TransformationModel,
        "tag": Tag,
    }


def _keys_for(facet: str, values: list[str]) -> dict[str, str]:
    """Slug (as in the URL) -> engine key, for the values that exist."""
    if facet == "type":
        kinds = kind_labels()
        return {v: token_value(v) for v in values if v in kinds}
    if facet == "year":
        return {v: v for v in values if v.isdigit() and len(v) == 4}
    model = _taxonomy_models()[facet]
    rows = model.objects.filter(slug__in=values).values_list("slug", "pk")
    return {slug: str(pk) for slug, pk in rows}


def _labels_for(facet: str, keys: list[str]) -> dict[str, tuple[str, str, str | None]]:
    """Engine key -> (slug, name, parent key) for display."""
    if facet == "type":
        return {token_value(kind): (kind, label, None) for kind, label in kind_labels().items()}
    if facet == "year":
        return {key: (key, key, None) for key in keys}
    from learning.models.taxonomy import name_in_language

    model = _taxonomy_models()[facet]
    ids = [int(key) for key in keys if key.isdigit()]
    if facet == "region":
        rows = model.objects.filter(pk__in=ids).values_list(
            "pk", "slug", "name", "name_cy", "parent_id"
        )
        return {
            str(pk): (slug, name_in_language(name, name_cy), str(parent) if parent else None)
            for pk, slug, name, name_cy, parent in rows
        }
    if facet == "theme":
        rows = model.objects.filter(pk__in=ids).values_list("pk", "slug", "name", "name_cy")
        return {
            str(pk): (slug, name_in_language(name, name_cy), None)
            for pk, slug, name, name_cy in rows
        }
    rows = model.objects.filter(pk__in=ids).values_list("pk", "slug", "name")
    return {str(pk): (slug, name, None) for pk, slug, name in rows}


def _shown_names() -> dict[str, dict[str, str]]:
    """English name -> name in the active language, for themes and places that have one.

    The index stores the English names a result is filed under (documents are the same in
    every language); they are swapped for the visitor's at display time. Empty in English,
    so an English search costs no query.
    """
    from learning.models import Region, Theme
    from learning.models.taxonomy import name_in_language

    if i18n.active_language() == i18n.default_language():
        return {}
    out: dict[str, dict[str, str]] = {}
    for key, model in (("themes", Theme), ("regions", Region)):
        out[key] = {
            name: name_in_language(name, name_cy)
            for name, name_cy in model.objects.exclude(name_cy="").values_list("name", "name_cy")
        }
    return out


# Reading parameters ---------------------------------------------------------------------


def _values(params: Mapping[str, Any], name: str) -> list[str]:
    getlist = getattr(params, "getlist", None)
    raw = getlist(name) if getlist else ([params[name]] if name in params else [])
    values: list[str] = []
    for item in raw:
        for value in str(item).split(","):
            value = value.strip()[:100]
            if value and value not in values:
                values.append(value)
    return values[:MAX_VALUES_PER_FACET]


def read_page(raw: str | None) -> int:
    """The page number asked for: missing means 1; anything else must be 1 to MAX_PAGE."""
    if raw in (None, ""):
        return 1
    try:
        page = int(str(raw).strip())
    except ValueError as exc:
        raise BadRequest(gettext("page must be a whole number, 1 or more.")) from exc
    if page < 1 or page > MAX_PAGE:
        raise BadRequest(gettext("page must be between 1 and %(max)d.") % {"max": MAX_PAGE})
    return page


def read_sort(raw: str | None) -> str:
    if raw in (None, ""):
        return "relevance"
    if raw not in SORTS:
        raise BadRequest(gettext("sort must be one of: %(sorts)s.") % {"sorts": ", ".join(SORTS)})
    return str(raw)


# The search -----------------------------------------------------------------------------


def read_language(raw: str | None) -> str:
    """The language to search in: `lang` if it is a site language, else the active one."""
    if raw and raw in i18n.language_codes():
        return raw
    return i18n.active_language()


def search(params: Mapping[str, Any], user: Any, per_page: int = PER_PAGE) -> SearchResults:
    """Run one search for one person (see the module docstring). Raises BadRequest for a page
    or sort value that cannot be used."""
    language = read_language(params.get("lang"))
    parsed = parse(params.get("q"))
    page = read_page(params.get("page"))
    sort = read_sort(params.get("sort"))
    notices = []
    if parsed.truncated:
        notices.append(
            gettext("Your search was very long, so only its first 256 characters were used.")
        )

    selected: dict[str, list[str]] = {}
    keys: dict[str, list[str]] = {}
    for facet in FACETS:
        values = _values(params, facet)
        if not values:
            continue
        found = _keys_for(facet, values)
        selected[facet] = [v for v in values if v in found]
        keys[facet] = [found[v] for v in selected[facet]]
        unknown = [v for v in values if v not in found]
        if unknown:
            notices.append(
                gettext("Ignored unknown %(facet)s: %(values)s.")
                % {"facet": str(FACETS[facet]).lower(), "values": ", ".join(unknown)}
            )

    engine = get_engine()
    access = tokens_for(user)
    engine_query = EngineQuery(
        query=parsed,
        filters=keys,
        access=access,
        sort=sort,
        offset=(page - 1) * per_page,
        limit=per_page,
        language=language,
    )
    # Results can list forum threads and posts, and an index outside the database (Elasticsearch)
    # is read without SQL the page cache could see: tell it, so a kept page follows the forum.
    page_cache.forum_data_read()
    result = engine.search(engine_query)
    pages = max(1, -(-result.total // per_page))
    if page > pages and result.total:
        # Past the end (a stale link): show the last page rather than nothing.
        page = pages
        engine_query.offset = (page - 1) * per_page
        result = engine.search(engine_query)

    names = _shown_names() if result.hits else {}
    results = SearchResults(
        query=parsed.text,
        parsed=parsed,
        filters=selected,
        sort=sort,
        page=page,
        pages=pages,
        count=result.total,
        hits=[_hit(hit, language, names) for hit in result.hits],
        facets=_facets(result, selected, keys),
        relaxed=result.relaxed,
        notices=notices,
    )
    if result.total == 0 or result.relaxed:
        _advise(results, result, engine, engine_query)
    return results


def _url_for(hit: EngineHit, language: str) -> str:
    """The hit's address on the visitor's side of the site.

    Stored addresses carry the prefix of whatever language was active when they were indexed.
    What is not a translated page (a thread, an organisation, an English page) is shown under
    the visitor's own prefix, where the interface is theirs and English pages fall back; a page
    only in another language keeps its own address.
    """
    prefixed, _rest = i18n.split_language(hit.url)
    if prefixed is None:
        return hit.url
    if hit.language in ("", i18n.default_language(), language):
        return i18n.path_in_language(hit.url, language)
    return hit.url


def _hit(
    hit: EngineHit, language: str | None = None, names: dict[str, dict[str, str]] | None = None
) -> Hit:
    labels = kind_labels()
    language = language or i18n.active_language()
    names = names or {}
    theme_names, region_names = names.get("themes", {}), names.get("regions", {})
    return Hit(
        title=hit.title,
        url=_url_for(hit, language),
        type=hit.kind,
        type_label=labels.get(hit.kind, hit.kind.replace("-", " ").capitalize()),
        summary=hit.summary,
        highlight=hit.highlight,
        themes=[theme_names.get(name, name) for name in hit.display.get("themes", [])],
        regions=[region_names.get(name, name) for name in hit.display.get("regions", [])],
        date=hit.date,
        language=hit.language if hit.language and hit.language != language else "",
    )


def _facets(
    result: EngineResult, selected: dict[str, list[str]], keys: dict[str, list[str]]
) -> dict[str, list[FacetValue]]:
    out: dict[str, list[FacetValue]] = {}
    for facet in FACETS:
        counts = dict(result.facets.get(facet, {}))
        chosen_keys = keys.get(facet, [])
        for key in chosen_keys:
            counts.setdefault(key, 0)
        labels = _labels_for(facet, list(counts))
        values = []
        for key, count in counts.items():
            if key not in labels:
                continue
            slug, name, parent = labels[key]
            values.append(
                FacetValue(
                    slug,
                    name,
                    count,
                    key in chosen_keys,
                    parent=labels.get(parent, (None,))[0] if parent else None,
                )
            )
        if facet == "type":
            order = list(kind_labels())
            values.sort(key=lambda v: order.index(v.value) if v.value in order else len(order))
        elif facet == "year":
            values.sort(key=lambda v: v.value, reverse=True)
        elif facet == "region":
            values = _region_tree(values)
        else:
            values.sort(key=lambda v: (-v.count, v.label.lower()))
            limit = SHOWN_VALUES.get(facet)
            if limit and len(values) > limit:
                values = [v for i, v in enumerate(values) if i < limit or v.selected]
        out[facet] = values
    return out


def _region_tree(values: list[FacetValue]) -> list[FacetValue]:
    """Nations, then their regions, then areas, each under its parent, with depth set.

    Nations show their regions; a region shows its areas once it is chosen, so the list stays
    short until someone narrows it down."""
    by_parent: dict[str | None, list[FacetValue]] = {}
    present = {v.value for v in values}
    for value in values:
        parent = value.parent if value.parent in present else None
        by_parent.setdefault(parent, []).append(value)
    out: list[FacetValue] = []

    def walk(parent: str | None, depth: int) -> None:
        for value in sorted(by_parent.get(parent, []), key=lambda v: (-v.count, v.label)):
            value.depth = depth
            out.append(value)
            if depth == 0 or value.selected:
                walk(value.value, depth + 1)

    walk(None, 0)
    return out


def _advise(results: SearchResults, result: EngineResult, engine: Any, query: EngineQuery) -> None:
    """For an empty (or any-word) result: a filter to remove, a word to drop, what was meant."""
    if results.count:
        _suggest_spelling(results, engine, query)
        return
    for facet, count in result.without.items():
        if count:
            for value in results.facets.get(facet, []):
                if value.selected:
                    results.removals.append((facet, value.value, value.label, count))
    for kind, words, text in results.parsed.loosened():
        count = engine.count(
            EngineQuery(parse(text), query.filters, query.access, language=query.language)
        )
        if count:
            results.loosened.append((kind, words, text, count))
    _suggest_spelling(results, engine, query)


def _suggest_spelling(results: SearchResults, engine: Any, query: EngineQuery) -> None:
    parsed = results.parsed
    words = parsed.terms + [w for phrase in parsed.phrases for w in phrase]
    corrections = engine.spelling(words)
    if corrections:
        corrected = results.query
        for wrong, right in corrections.items():
            corrected = _replace_word(corrected, wrong, right)
        candidate = parse(corrected)
        found = engine.search(
            EngineQuery(candidate, query.filters, query.access, limit=0, language=query.language)
        )
        if found.total and not found.relaxed:
            results.spelling = candidate.text


def _replace_word(text: str, wrong: str, right: str) -> str:
    import re

    return re.sub(rf"\b{re.escape(wrong)}\b", right, text, flags=re.IGNORECASE)


def suggest(
    prefix: str | None, user: Any, limit: int = 8, language: str | None = None
) -> list[Hit]:
    """Titles for the as-you-type list under the search box, in the visitor's language."""
    if not prefix or not prefix.strip():
        return []
    language = read_language(language)
    hits = get_engine().suggest(prefix[:100], tokens_for(user), limit, language)
    return [_hit(hit, language) for hit in hits]
