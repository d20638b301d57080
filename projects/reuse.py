"""Method reuse: who used, reused or adapted which method or case study, and the network of it.

Two records say that one piece of work drew on another:

- `KnowledgePage.methods_used` says a project or case study *used* a method from the library;
- a `ReuseLink` on the page that did the reusing says it *reused* a method or case study as it
  was, or *adapted* it, with a note of what changed.

Method pages, case-study pages and the /reuse/ view all show the two together, one line per
pair of pages: where a page both used a method and recorded a reuse link to it, the reuse link
wins, because it says more. Both ends of every pair must be visible to the person looking
(`KnowledgePage.objects.visible_to`), so a restricted page never shows up as a reuser, a source,
a node, an edge or a count.

Everything here takes a fixed number of queries whatever the size of the network: the reuse
links, the methods-used rows and the pages at their ends (content types and the view
restriction list are cached).
"""

from __future__ import annotations

import math
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.contrib.contenttypes.models import ContentType
from django.http import HttpRequest
from django.utils.translation import gettext_lazy

from learning.listing import type_key, type_label
from learning.models import KnowledgePage, MethodPage, ReuseLink

Viewer = User | AnonymousUser | None

#: Relation keys, strongest first, with how each reads as a label.
RELATIONS: dict[str, str] = {
    ReuseLink.Relation.ADAPTED: gettext_lazy("Adapted"),
    ReuseLink.Relation.REUSED: gettext_lazy("Reused"),
    "used": gettext_lazy("Used"),
}
_LINK_RELATIONS = frozenset({"reused", "adapted"})
#: How each relation reads in a sentence, whole, so that a translation can order the words.
RELATION_SENTENCES: dict[str, str] = {
    "adapted": gettext_lazy("%(reuser)s adapted %(source)s"),
    "reused": gettext_lazy("%(reuser)s reused %(source)s"),
    "used": gettext_lazy("%(reuser)s used %(source)s"),
}

#: The relation filter of the /reuse/ view: key -> (label, relations kept, verb phrase).
RELATION_FILTERS: dict[str, tuple[str, frozenset[str], str]] = {
    "": (
        gettext_lazy("Used, reused or adapted"),
        frozenset(RELATIONS),
        # Translators: completes "No method or case study was ..." and "3 methods ... by".
        gettext_lazy("used, reused or adapted"),
    ),
    "reused-or-adapted": (
        gettext_lazy("Reused or adapted"),
        frozenset({"reused", "adapted"}),
        gettext_lazy("reused or adapted"),
    ),
    "adapted": (gettext_lazy("Adapted only"), frozenset({"adapted"}), gettext_lazy("adapted")),
    "reused": (
        gettext_lazy("Reused as it was only"),
        frozenset({"reused"}),
        gettext_lazy("reused as they were"),
    ),
    "used": (
        gettext_lazy("Used only (from the methods each piece of work lists)"),
        frozenset({"used"}),
        gettext_lazy("used"),
    ),
}


@dataclass
class ReuseEntry:
    """One piece of work that used, reused or adapted one method or case study."""

    reuser: KnowledgePage
    source: KnowledgePage
    relation: str
    note: str = ""

    @property
    def relation_label(self) -> str:
        return RELATIONS[self.relation]

    @property
    def sentence(self) -> str:
        """ "<reuser> adapted <source>", in the reader's language."""
        return RELATION_SENTENCES[self.relation] % {
            "reuser": self.reuser.title,
            "source": self.source.title,
        }


@dataclass
class ReuseGroup:
    """A method or case study and everyone who used, reused or adapted it."""

    source: KnowledgePage
    entries: list[ReuseEntry]

    @property
    def counts(self) -> list[tuple[str, int]]:
        """(relation label, count) for each relation present, strongest first."""
        tally: dict[str, int] = defaultdict(int)
        for entry in self.entries:
            tally[entry.relation] += 1
        return [(RELATIONS[key], tally[key]) for key in RELATIONS if tally[key]]


@dataclass
class Network:
    """The reuse network a person may see, grouped by what was reused."""

    groups: list[ReuseGroup]
    relations: frozenset[str] = field(default_factory=lambda: frozenset(RELATIONS))

    @property
    def entries(self) -> list[ReuseEntry]:
        return [entry for group in self.groups for entry in group.entries]

    @property
    def reuser_count(self) -> int:
        return len({entry.reuser.pk for entry in self.entries})


def _visible_ids(user: Viewer):
    return KnowledgePage.objects.visible_to(user).values("pk")


def _pairs(
    user: Viewer,
    *,
    sources: list[int] | None = None,
    theme_id: int | None = None,
    relations: frozenset[str] = frozenset(RELATIONS),
) -> dict[tuple[int, int], tuple[str, str]]:
    """(reuser id, source id) -> (relation, note) for every visible pair, one line per pair.

    Two queries: the reuse links and the methods-used rows, both ends filtered to what `user`
    may see. A reuse link beats a plain "used" for the same pair; of two reuse links for one
    pair (possible in the editor), the first in the page's order is kept.
    """
    visible = _visible_ids(user)
    pairs: dict[tuple[int, int], tuple[str, str]] = {}
    if relations & {"reused", "adapted"}:
        links = ReuseLink.objects.filter(
            page_id__in=visible, source_id__in=visible, relation__in=relations
        )
        if sources is not None:
            links = links.filter(source_id__in=sources)
        if theme_id is not None:
            links = links.filter(
                page_id__in=KnowledgePage.themes.through.objects.filter(theme_id=theme_id).values(
                    "knowledgepage_id"
                )
            )
        for page_id, source_id, relation, note in links.order_by(
            "page_id", "sort_order", "pk"
        ).values_list("page_id", "source_id", "relation", "note"):
            pairs.setdefault((page_id, source_id), (relation, note))
    if "used" in relations:
        used = KnowledgePage.methods_used.through.objects.filter(
            knowledgepage_id__in=visible, methodpage_id__in=visible
        )
        if sources is not None:
            used = used.filter(methodpage_id__in=sources)
        if theme_id is not None:
            used = used.filter(
                knowledgepage_id__in=KnowledgePage.themes.through.objects.filter(
                    theme_id=theme_id
                ).values("knowledgepage_id")
            )
        for page_id, method_id in used.values_list("knowledgepage_id", "methodpage_id"):
            pairs.setdefault((page_id, method_id), ("used", ""))
    return pairs


def _pages(ids: set[int]) -> dict[int, KnowledgePage]:
    """The pages with these ids, in one query (callers have already checked visibility)."""
    if not ids:
        return {}
    return {page.pk: page for page in KnowledgePage.objects.filter(pk__in=ids)}


def _by_title(entry_page: KnowledgePage) -> tuple[str, int]:
    return (entry_page.title.casefold(), entry_page.pk)


def reused_by(source: KnowledgePage, user: Viewer) -> list[ReuseEntry]:
    """Everyone who used, reused or adapted `source` that `user` may see, by title.

    For a method page this merges "used by" (methods_used) with the reuse links pointing at
    it; for a case study, only reuse links can point at it.
    """
    # Only methods can be "used" (methods_used points at MethodPage): skip that query otherwise.
    relations = frozenset(RELATIONS) if isinstance(source, MethodPage) else _LINK_RELATIONS
    pairs = _pairs(user, sources=[source.pk], relations=relations)
    pages = _pages({reuser_id for reuser_id, _ in pairs})
    entries = [
        ReuseEntry(pages[reuser_id], source, relation, note)
        for (reuser_id, _), (relation, note) in pairs.items()
        if reuser_id in pages
    ]
    return sorted(entries, key=lambda e: _by_title(e.reuser))


def reused_from(page: KnowledgePage, user: Viewer) -> list[ReuseEntry]:
    """The methods and case studies `page` records reusing or adapting, in the page's order.

    Only the sources `user` may see; plain "methods used" are listed on the page already.
    """
    links = (
        ReuseLink.objects.filter(page_id=page.pk, source_id__in=_visible_ids(user))
        .select_related("source")
        .order_by("sort_order", "pk")
    )
    entries: list[ReuseEntry] = []
    seen: set[int] = set()
    for link in links:
        if link.source_id in seen:
            continue
        seen.add(link.source_id)
        entries.append(ReuseEntry(page, link.source, link.relation, link.note))
    return entries


def reuse_network(
    user: Viewer,
    *,
    theme_id: int | None = None,
    relations: frozenset[str] = frozenset(RELATIONS),
) -> Network:
    """The whole visible network, grouped by what was reused: most reused first, then by title.

    With `theme_id`, only the work filed under that theme counts as reusing (the method or
    case study it drew on may be filed under any theme).
    """
    pairs = _pairs(user, theme_id=theme_id, relations=relations)
    pages = _pages({pk for pair in pairs for pk in pair})
    grouped: dict[int, list[ReuseEntry]] = defaultdict(list)
    for (reuser_id, source_id), (relation, note) in pairs.items():
        if reuser_id in pages and source_id in pages:
            grouped[source_id].append(
                ReuseEntry(pages[reuser_id], pages[source_id], relation, note)
            )
    groups = [
        ReuseGroup(pages[source_id], sorted(entries, key=lambda e: _by_title(e.reuser)))
        for source_id, entries in grouped.items()
    ]
    groups.sort(key=lambda g: (-len(g.entries), *_by_title(g.source)))
    return Network(groups=groups, relations=relations)


# --- The graph ---------------------------------------------------------------------------------

GRAPH_MIN_WIDTH = 960  # the main column at 1280px; wider graphs scroll sideways
MARGIN = 8
COLUMN_GAP = 90
MIN_COLUMN_WIDTH = 200
MAX_COLUMN_WIDTH = 360
NODE_HEIGHT = 28
NODE_PITCH = 36
CHAR_WIDTH = 6.9  # average width of a character of the graph's 13px sans-serif, generously
FONT_SIZE = 13
#: The site's font stack (see main.scss), given to the SVG so its text matches the page.
FONT_FAMILY = (
    'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", '
    '"Liberation Sans", sans-serif'
)

#: Edge styles by relation: colour (3:1 or better on white) and a dash pattern, so the
#: relation never depends on colour alone.
EDGE_STYLES: dict[str, dict[str, str]] = {
    "adapted": {"stroke": "#00703c", "dasharray": "", "width": "2.5"},
    "reused": {"stroke": "#1d70b8", "dasharray": "9 4", "width": "2"},
    "used": {"stroke": "#505a5f", "dasharray": "2 4", "width": "1.5"},
}
#: Node styles by page type: fill, border and corner radius.
NODE_STYLES: dict[str, dict[str, str]] = {
    "method": {"fill": "#f3f2f1", "stroke": "#505a5f", "rx": "13", "width": "1.5"},
    "casestudy": {"fill": "#ffffff", "stroke": "#0b0c0c", "rx": "0", "width": "1.5"},
    "highimpactproject": {"fill": "#d2e2f1", "stroke": "#1d70b8", "rx": "4", "width": "2.5"},
    "other": {"fill": "#ffffff", "stroke": "#505a5f", "rx": "0", "width": "1"},
}


def _columns(nodes: list[int], edges: list[tuple[int, int]]) -> dict[int, int]:
    """A column for each node: sources on the left, work that reused on the right.

    Pages that reused nothing go in the first column; pages nothing reused go in the last;
    pages that both reused and were reused sit between, by the longest chain of reuse behind
    them. Loops (A adapted B, B adapted A) cannot stop it: their pages go in a middle column.
    """
    preds: dict[int, set[int]] = defaultdict(set)
    succs: dict[int, set[int]] = defaultdict(set)
    for source, reuser in edges:
        if source != reuser:
            succs[source].add(reuser)
            preds[reuser].add(source)
    depth = dict.fromkeys(nodes, 0)
    waiting = {n: len(preds[n]) for n in nodes}
    queue = deque(sorted(n for n in nodes if not preds[n]))
    while queue:
        node = queue.popleft()
        for nxt in sorted(succs[node]):
            depth[nxt] = max(depth[nxt], depth[node] + 1)
            waiting[nxt] -= 1
            if waiting[nxt] == 0:
                queue.append(nxt)
    middle = [n for n in nodes if preds[n] and succs[n]]
    for n in middle:
        depth[n] = max(depth[n], 1)
    last = max((depth[n] for n in middle), default=0) + 1
    columns = {}
    for n in nodes:
        if not preds[n]:
            columns[n] = 0
        elif not succs[n]:
            columns[n] = last
        else:
            columns[n] = depth[n]
    used = sorted(set(columns.values()))
    renumber = {c: i for i, c in enumerate(used)}
    return {n: renumber[c] for n, c in columns.items()}


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: max(limit - 1, 1)].rsplit(" ", 1)[0].rstrip(" :,;-–")
    return (cut or text[: limit - 1]) + "…"


def build_graph(network: Network, request: HttpRequest | None = None) -> dict[str, Any]:
    """A deterministic layered drawing of `network` for an inline SVG, computed here.

    One node per distinct page and one edge per pair in the network. Within each column,
    nodes are ordered by the average position of the pages they connect to (two sweeps), so
    most arrows run roughly level; ties go by title, so the same data always draws the same.
    """
    entries = network.entries
    pages: dict[int, KnowledgePage] = {}
    for entry in entries:
        pages[entry.source.pk] = entry.source
        pages[entry.reuser.pk] = entry.reuser
    if not pages:
        return {"nodes": [], "edges": [], "width": 0, "height": 0}
    edge_keys = [(e.source.pk, e.reuser.pk) for e in entries]
    columns = _columns(sorted(pages), edge_keys)
    column_count = max(columns.values()) + 1

    # Order within columns: sources by how much they were reused, then barycentre sweeps.
    out_degree: dict[int, int] = defaultdict(int)
    neighbours: dict[int, set[int]] = defaultdict(set)
    for source, reuser in edge_keys:
        out_degree[source] += 1
        neighbours[source].add(reuser)
        neighbours[reuser].add(source)
    stacks: list[list[int]] = [[] for _ in range(column_count)]
    for pk in pages:
        stacks[columns[pk]].append(pk)
    stacks[0].sort(key=lambda pk: (-out_degree[pk], *_by_title(pages[pk])))

    def position(pk: int) -> float:
        stack = stacks[columns[pk]]
        return (stack.index(pk) + 0.5) / len(stack)

    def barycentre(pk: int, placed: dict[int, float]) -> float:
        others = [placed[n] for n in neighbours[pk] if columns[n] != columns[pk]]
        return round(sum(others) / len(others), 6) if others else 0.5

    def sweep(order: range) -> None:
        for c in order:
            placed = {pk: position(pk) for stack in stacks for pk in stack}
            stacks[c].sort(key=lambda pk: (barycentre(pk, placed), *_by_title(pages[pk])))

    sweep(range(1, column_count))
    sweep(range(column_count - 2, -1, -1))
    sweep(range(1, column_count))

    inner = max(GRAPH_MIN_WIDTH - 2 * MARGIN, column_count * MIN_COLUMN_WIDTH)
    inner = max(inner, column_count * MIN_COLUMN_WIDTH + (column_count - 1) * COLUMN_GAP)
    width = inner + 2 * MARGIN
    # Columns no wider than MAX_COLUMN_WIDTH; what is left over widens the gaps for the arrows.
    column_width = min((inner - (column_count - 1) * COLUMN_GAP) / column_count, MAX_COLUMN_WIDTH)
    gap = (inner - column_count * column_width) / (column_count - 1) if column_count > 1 else 0
    label_chars = max(int((column_width - 20) / CHAR_WIDTH), 12)
    tallest = max(len(stack) for stack in stacks)
    height = tallest * NODE_PITCH + 2 * MARGIN

    nodes: list[dict[str, Any]] = []
    boxes: dict[int, tuple[float, float]] = {}
    for c, stack in enumerate(stacks):
        x = MARGIN + c * (column_width + gap)
        slot = (height - 2 * MARGIN) / len(stack)
        for i, pk in enumerate(stack):
            page = pages[pk]
            y = MARGIN + (i + 0.5) * slot - NODE_HEIGHT / 2
            boxes[pk] = (x, y)
            kind = type_key(ContentType.objects.get_for_id(page.content_type_id))
            label = type_label(page)
            nodes.append(
                {
                    "id": pk,
                    "x": _num(x),
                    "y": _num(y),
                    "width": _num(column_width),
                    "height": NODE_HEIGHT,
                    "text_x": _num(x + 10),
                    "text_y": _num(y + NODE_HEIGHT / 2 + FONT_SIZE * 0.35),
                    "label": _shorten(page.title, label_chars),
                    "title": f"{label}: {page.title}",
                    "url": page.get_url(request) or "",
                    "kind": kind if kind in NODE_STYLES else "other",
                    "style": NODE_STYLES.get(kind, NODE_STYLES["other"]),
                }
            )

    edges: list[dict[str, Any]] = []
    for entry in entries:
        sx, sy = boxes[entry.source.pk]
        rx, ry = boxes[entry.reuser.pk]
        y1 = sy + NODE_HEIGHT / 2
        y2 = ry + NODE_HEIGHT / 2
        if columns[entry.reuser.pk] > columns[entry.source.pk]:
            x1, x2 = sx + column_width, rx
            bend = (x2 - x1) / 2
            d = _curve((x1, y1), (x1 + bend, y1), (x2 - bend, y2), (x2, y2))
        else:
            # Same or earlier column (a loop): leave and arrive on the left, bowing outwards.
            bow = min(MARGIN + gap / 2, 60)
            d = _curve((sx, y1), (sx - bow, y1), (rx - bow, y2), (rx, y2))
        title = entry.sentence
        if entry.note:
            title += f": {entry.note}"
        edges.append(
            {
                "d": d,
                "relation": entry.relation,
                "style": EDGE_STYLES[entry.relation],
                "title": title,
                "source": entry.source.pk,
                "reuser": entry.reuser.pk,
            }
        )
    return {
        "nodes": nodes,
        "edges": edges,
        "width": _num(width),
        "height": _num(height),
        "columns": column_count,
        "font_family": FONT_FAMILY,
        "font_size": FONT_SIZE,
    }


def _num(value: float) -> str:
    """A coordinate for SVG: whole numbers plain, others to one decimal place."""
    if math.isclose(value, round(value)):
        return str(round(value))
    return f"{value:.1f}"


def _curve(*points: tuple[float, float]) -> str:
    """An SVG cubic Bézier path through a start, two control points and an end."""
    start, *rest = (f"{_num(x)} {_num(y)}" for x, y in points)
    return f"M{start} C{' '.join(rest)}"
