"""The reuse network at /reuse/: who used, reused or adapted which method or case study.

One page shows the network twice, as a server-drawn SVG graph and, as its text alternative, a
list grouped by what was reused. Both come from one `projects.reuse.reuse_network` call, so
they always show the same pages and links. Filters are a plain GET form; nothing needs
JavaScript. Bad filters get a 400 page that says what was wrong.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext, ngettext

from learning.models import Theme
from projects.reuse import (
    EDGE_STYLES,
    NODE_STYLES,
    RELATION_FILTERS,
    Network,
    build_graph,
    reuse_network,
)

#: Groups (methods or case studies reused) per page of the list; the graph shows the same page.
GROUPS_PER_PAGE = 25


class BadFilter(ValueError):
    """A query-string value the page cannot use; the message is shown to the person."""


def reuse_network_view(request: HttpRequest) -> HttpResponse:
    """The reuse network the person may see, filtered by theme and relation, one page at a time."""
    themes = list(Theme.objects.order_by("name"))
    try:
        theme, relation = _filters(request, themes)
        network = reuse_network(
            request.user,
            theme_id=theme.pk if theme else None,
            relations=RELATION_FILTERS[relation][1],
        )
        page_obj = _page(request, network)
    except BadFilter as error:
        return render(
            request,
            "projects/reuse/bad_filter.html",
            {"message": str(error), "breadcrumbs": [(gettext("Home"), "/")]},
            status=400,
        )
    shown = Network(groups=list(page_obj.object_list), relations=network.relations)
    query = {"theme": theme.slug if theme else "", "relation": relation}
    context = {
        "network": network,
        "shown": shown,
        "page_obj": page_obj,
        "querystring": urlencode({k: v for k, v in query.items() if v}),
        "graph": build_graph(shown, request),
        "edge_styles": list(EDGE_STYLES.items()),
        "theme": theme,
        "themes": themes,
        "relation": relation,
        "relation_phrase": RELATION_FILTERS[relation][2],
        "relation_options": [(key, label) for key, (label, _, _) in RELATION_FILTERS.items()],
        "edge_legend": [
            (key, label, EDGE_STYLES[key])
            for key, label in (
                ("adapted", gettext("Adapted from")),
                ("reused", gettext("Reused as it was")),
                ("used", gettext("Used (listed among the methods it used)")),
            )
            if key in network.relations
        ],
        "node_legend": [
            (gettext("Method"), NODE_STYLES["method"]),
            (gettext("Case study"), NODE_STYLES["casestudy"]),
            (gettext("High-impact project"), NODE_STYLES["highimpactproject"]),
        ],
        "reset_url": reverse("reuse"),
        "breadcrumbs": [(gettext("Home"), "/")],
    }
    return render(request, "projects/reuse/network.html", context)


def _filters(request: HttpRequest, themes: list[Theme]) -> tuple[Theme | None, str]:
    slug = request.GET.get("theme", "").strip()
    theme = None
    if slug:
        theme = next((t for t in themes if t.slug == slug), None)
        if theme is None:
            raise BadFilter(
                gettext("There is no theme called “%(slug)s”. Choose a theme from the list.")
                % {"slug": slug}
            )
    relation = request.GET.get("relation", "").strip()
    if relation not in RELATION_FILTERS:
        names = ", ".join(f"“{key}”" for key in RELATION_FILTERS if key)
        raise BadFilter(
            gettext(
                "“%(relation)s” is not a kind of reuse this page knows. Use one of %(names)s, "
                "or leave it out to see all of them."
            )
            % {"relation": relation, "names": names}
        )
    return theme, relation


def _page(request: HttpRequest, network: Network):
    paginator = Paginator(network.groups, GROUPS_PER_PAGE, allow_empty_first_page=True)
    raw = request.GET.get("page", "1").strip() or "1"
    if not raw.isdigit() or int(raw) < 1:
        raise BadFilter(
            gettext("“%(raw)s” is not a page number. Page numbers are whole numbers from 1.")
            % {"raw": raw}
        )
    number = int(raw)
    if number > paginator.num_pages:
        raise BadFilter(
            ngettext(
                "There is no page %(number)d: this list has %(pages)d page.",
                "There is no page %(number)d: this list has %(pages)d pages.",
                paginator.num_pages,
            )
            % {"number": number, "pages": paginator.num_pages}
        )
    return paginator.page(number)
