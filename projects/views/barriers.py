"""Barriers and enablers explorer: what stands in projects' way and what helps, by category.

Projects record barriers and enablers in their own words. Curators merge entries that say the
same thing (a `BarrierGroup`), so the explorer shows one item with each project's wording under
it and counts it once. Counting rule: an item is either a merged group or an entry in no group;
each item counts once in each category-by-level cell where it has at least one entry, so a
merged group counts once per cell however many projects reported it. A merged group's kind and
category are the curator's; each entry keeps its own level.

Only entries on projects the person may see are counted, listed or offered for merging
(`visible_to`), and a merged group shows only its visible entries. The explorer reads every
visible entry in one query and works in Python: there are a few per project.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import Truncator
from django.utils.translation import gettext, gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from cop_site.site_structure import CURATORS
from learning.models import KnowledgePage, Theme
from projects.models import BarrierEnabler, BarrierGroup, BarrierGroupMember, HighImpactProjectPage

PER_PAGE = 25
Kind, Category, Level = BarrierEnabler.Kind, BarrierEnabler.Category, BarrierEnabler.Level
NAME_MAX = BarrierGroup._meta.get_field("name").max_length
# Headings and captions name the kinds in the plural; a whole word each, for translation.
KIND_PLURALS = {Kind.BARRIER: gettext_lazy("Barriers"), Kind.ENABLER: gettext_lazy("Enablers")}


def is_curator(user: User | AnonymousUser) -> bool:
    """Curators and superusers may merge and unmerge; everyone else may only look."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or user.groups.filter(name=CURATORS).exists()


class ExplorerFilters(forms.Form):
    """The explorer's GET filters; an unknown value is an error, never silently ignored."""

    kind = forms.ChoiceField(
        required=False,
        label=gettext_lazy("Kind"),
        choices=[("", gettext_lazy("Barriers and enablers"))] + list(Kind.choices),
        error_messages={
            "invalid_choice": gettext_lazy(
                "“%(value)s” is not a kind: choose barriers or enablers."
            )
        },
    )
    category = forms.ChoiceField(
        required=False,
        label=gettext_lazy("Category"),
        choices=[("", gettext_lazy("All categories"))] + list(Category.choices),
        error_messages={"invalid_choice": gettext_lazy("There is no category called “%(value)s”.")},
    )
    level = forms.ChoiceField(
        required=False,
        label=gettext_lazy("Level"),
        choices=[("", gettext_lazy("All levels"))] + list(Level.choices),
        error_messages={
            "invalid_choice": gettext_lazy(
                "There is no level called “%(value)s”: choose local, regional or national."
            )
        },
    )
    theme = forms.ChoiceField(
        required=False,
        label=gettext_lazy("Theme"),
        error_messages={"invalid_choice": gettext_lazy("There is no theme called “%(value)s”.")},
    )

    def __init__(self, *args: Any, themes: list[Theme], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["theme"].choices = [("", gettext("All themes"))] + [
            (t.slug, t.display_name) for t in themes
        ]


@dataclass
class Item:
    """One line of the explorer: a merged group, or an entry that is in no group."""

    key: str  # "g<group pk>" or "e<entry pk>": the value of its checkbox
    kind: str
    category: str
    name: str
    group: BarrierGroup | None = None
    entries: list[BarrierEnabler] = field(default_factory=list)

    @property
    def kind_label(self) -> str:
        return Kind(self.kind).label

    @property
    def category_label(self) -> str:
        return Category(self.category).label

    @property
    def levels(self) -> list[str]:
        seen = {entry.level for entry in self.entries}
        return [label for value, label in Level.choices if value in seen]


def _group_of(entry: BarrierEnabler) -> BarrierGroup | None:
    try:
        return entry.group_membership.group
    except BarrierGroupMember.DoesNotExist:
        return None


def effective(entry: BarrierEnabler) -> tuple[str, str]:
    """The (kind, category) an entry is counted under: its group's when it is merged."""
    group = _group_of(entry)
    return (group.kind, group.category) if group else (entry.kind, entry.category)


def visible_entries(user: User | AnonymousUser, theme: Theme | None = None) -> list[BarrierEnabler]:
    """Every barrier and enabler on projects this person may see, with its group, in one query."""
    projects = HighImpactProjectPage.objects.visible_to(user).values("pk")
    queryset = BarrierEnabler.objects.filter(project__in=projects)
    if theme is not None:
        themed = KnowledgePage.themes.through.objects.filter(theme=theme).values("knowledgepage_id")
        queryset = queryset.filter(project_id__in=themed)
    return list(
        queryset.select_related("project", "group_membership__group").order_by(
            "project__title", "sort_order", "pk"
        )
    )


def build_items(entries: list[BarrierEnabler]) -> list[Item]:
    """Group entries into items, sorted by category then wording."""
    items: dict[str, Item] = {}
    for entry in entries:
        group = _group_of(entry)
        key = f"g{group.pk}" if group else f"e{entry.pk}"
        if key not in items:
            kind, category = effective(entry)
            items[key] = Item(
                key=key,
                kind=kind,
                category=category,
                name=group.name if group else entry.description,
                group=group,
            )
        items[key].entries.append(entry)
    order = {value: n for n, value in enumerate(Category.values)}
    return sorted(items.values(), key=lambda i: (order[i.category], i.name.lower(), i.key))


def count_table(entries: list[BarrierEnabler], kind: str, link: dict[str, str]) -> dict:
    """Category x level counts of items of one kind, each merged group once per cell."""
    cells: dict[tuple[str, str], set[str]] = defaultdict(set)
    rows: dict[str, set[str]] = defaultdict(set)
    columns: dict[str, set[str]] = defaultdict(set)
    everything: set[str] = set()
    for entry in entries:
        entry_kind, category = effective(entry)
        if entry_kind != kind:
            continue
        group = _group_of(entry)
        key = f"g{group.pk}" if group else f"e{entry.pk}"
        cells[(category, entry.level)].add(key)
        rows[category].add(key)
        columns[entry.level].add(key)
        everything.add(key)

    def url(**params: str) -> str:
        query = {**link, "kind": kind, **params}
        return "?" + urlencode({k: v for k, v in query.items() if v})

    return {
        "kind": kind,
        "label": KIND_PLURALS[kind],
        "levels": Level.choices,
        "rows": [
            {
                "category": category,
                "label": label,
                "cells": [
                    {
                        "level_label": level_label,
                        "count": len(cells[(category, level)]),
                        "url": url(category=category, level=level),
                    }
                    for level, level_label in Level.choices
                ],
                "total": len(rows[category]),
                "url": url(category=category),
            }
            for category, label in Category.choices
        ],
        "column_totals": [
            {"level_label": label, "count": len(columns[level]), "url": url(level=level)}
            for level, label in Level.choices
        ],
        "total": len(everything),
        "url": url(),
    }


def explorer(request: HttpRequest) -> HttpResponse:
    """The counts table, the filters and the list of items; curators can merge from here."""
    themes = list(Theme.objects.order_by("name"))
    form = ExplorerFilters(request.GET, themes=themes)
    curator = is_curator(request.user)
    context: dict[str, Any] = {
        "form": form,
        "curator": curator,
        "breadcrumbs": [(gettext("Home"), "/")],
    }
    if not form.is_valid():
        context["errors"] = [error for errors in form.errors.values() for error in errors]
        return render(request, "projects/barriers/explorer.html", context, status=400)
    chosen = form.cleaned_data
    theme = next((t for t in themes if t.slug == chosen["theme"]), None)
    entries = visible_entries(request.user, theme)
    kinds = [chosen["kind"]] if chosen["kind"] else list(Kind.values)
    link = {"theme": chosen["theme"]}
    matching = [
        entry
        for entry in entries
        if effective(entry)[0] in kinds
        and (not chosen["category"] or effective(entry)[1] == chosen["category"])
        and (not chosen["level"] or entry.level == chosen["level"])
    ]
    items = build_items(matching)
    page_obj = Paginator(items, PER_PAGE).get_page(request.GET.get("page"))
    querystring = urlencode({k: v for k, v in chosen.items() if v})
    context.update(
        {
            "tables": [count_table(entries, kind, link) for kind in kinds],
            "theme": theme,
            "filtered": any(chosen.values()),
            "items": page_obj.object_list,
            "page_obj": page_obj,
            "item_count": len(items),
            "querystring": querystring,
            "here": request.get_full_path(),
        }
    )
    return render(request, "projects/barriers/explorer.html", context)


class MergeError(Exception):
    """The curator's selection cannot be merged; the message says why and what to do."""


@dataclass
class Selection:
    """What a curator chose to merge, resolved to groups and unmerged entries they may see."""

    keys: list[str]
    groups: list[BarrierGroup]
    loose: list[BarrierEnabler]  # chosen entries that are in no group yet
    shown: list[BarrierEnabler]  # every visible entry the merge will cover, for confirmation
    first_name: str
    first_category: str
    kind: str


def resolve_selection(request: HttpRequest) -> Selection:
    """Turn the posted `item` values ("g12", "e34") into groups and entries, or refuse."""
    keys = list(dict.fromkeys(request.POST.getlist("item")))
    entry_ids: list[int] = []
    group_ids: list[int] = []
    for key in keys:
        prefix, number = key[:1], key[1:]
        if prefix not in ("e", "g") or not number.isdigit():
            raise MergeError(gettext("The selection was not understood. Go back and choose again."))
        (entry_ids if prefix == "e" else group_ids).append(int(number))
    entries = {e.pk: e for e in visible_entries(request.user)}
    missing = [pk for pk in entry_ids if pk not in entries]
    visible_groups = {g.pk: g for e in entries.values() if (g := _group_of(e))}
    missing += [pk for pk in group_ids if pk not in visible_groups]
    if missing:
        raise MergeError(
            gettext(
                "Some of the entries you chose no longer exist or have been changed. "
                "Go back to the explorer and choose again."
            )
        )
    groups: dict[int, BarrierGroup] = {pk: visible_groups[pk] for pk in group_ids}
    loose: list[BarrierEnabler] = []
    for pk in entry_ids:
        group = _group_of(entries[pk])
        if group:
            groups.setdefault(group.pk, group)
        else:
            loose.append(entries[pk])
    if len(groups) + len(loose) < 2:
        raise MergeError(gettext("Choose at least two items to merge."))
    kinds = {g.kind for g in groups.values()} | {e.kind for e in loose}
    if len(kinds) > 1:
        raise MergeError(
            gettext(
                "You chose barriers and enablers together. A merged item must be all barriers "
                "or all enablers: go back and choose items of one kind."
            )
        )
    # The wording and category offered first are those of the first item chosen.
    first_prefix, first_pk = keys[0][:1], int(keys[0][1:])
    first_entry = entries[first_pk] if first_prefix == "e" else None
    first_group = groups[first_pk] if first_prefix == "g" else _group_of(first_entry)
    source = first_group or first_entry
    first_name = first_group.name if first_group else first_entry.description
    loose_ids = {e.pk for e in loose}
    shown = [
        e
        for e in entries.values()
        if e.pk in loose_ids or ((g := _group_of(e)) is not None and g.pk in groups)
    ]
    return Selection(
        keys=keys,
        groups=sorted(groups.values(), key=lambda g: g.pk),
        loose=loose,
        shown=shown,
        first_name=Truncator(" ".join(first_name.split())).chars(NAME_MAX),
        first_category=source.category,
        kind=kinds.pop(),
    )


class MergeForm(forms.Form):
    """The confirmation: the merged item's wording and category."""

    name = forms.CharField(
        max_length=NAME_MAX,
        label=gettext_lazy("Wording for the merged item"),
        help_text=gettext_lazy("One sentence that says what all of these entries have in common."),
        error_messages={
            "required": gettext_lazy("Enter the wording for the merged item."),
            # Django fills in %(limit_value)d, the field's max_length.
            "max_length": gettext_lazy("The wording must be %(limit_value)d characters or fewer."),
        },
    )
    category = forms.ChoiceField(
        choices=Category.choices,
        label=gettext_lazy("Category"),
        error_messages={
            "required": gettext_lazy("Choose a category."),
            "invalid_choice": gettext_lazy("Choose a category from the list."),
        },
    )


def _back_to(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("barriers_enablers")


@require_POST
def merge(request: HttpRequest) -> HttpResponse:
    """Two steps: check the selection and ask for wording and category, then merge.

    Merging items that are already groups merges the groups: the oldest is kept, the other
    groups' entries move into it and the emptied groups are deleted.
    """
    if not is_curator(request.user):
        raise PermissionDenied("Only curators can merge barriers and enablers.")
    context: dict[str, Any] = {
        "breadcrumbs": [
            (gettext("Home"), "/"),
            (gettext("Barriers and enablers"), reverse("barriers_enablers")),
        ],
        "next": _back_to(request),
    }
    try:
        selection = resolve_selection(request)
    except MergeError as error:
        context["problem"] = str(error)
        return render(request, "projects/barriers/merge.html", context, status=400)
    context["selection"] = selection
    context["kind_label"] = str(KIND_PLURALS[selection.kind]).lower()
    if request.POST.get("step") != "confirm":
        context["form"] = MergeForm(
            initial={"name": selection.first_name, "category": selection.first_category}
        )
        return render(request, "projects/barriers/merge.html", context)
    form = MergeForm(request.POST)
    context["form"] = form
    if not form.is_valid():
        return render(request, "projects/barriers/merge.html", context, status=400)
    try:
        with transaction.atomic():
            group = _merge(selection, form.cleaned_data, request.user)
    except IntegrityError:
        context["problem"] = gettext(
            "Someone else merged some of these entries while you were choosing. "
            "Go back to the explorer and choose again."
        )
        return render(request, "projects/barriers/merge.html", context, status=409)
    count = len(selection.shown)
    messages.success(
        request,
        ngettext(
            "Merged %(count)d entry as “%(name)s”.",
            "Merged %(count)d entries as “%(name)s”.",
            count,
        )
        % {"count": count, "name": group.name},
    )
    return HttpResponseRedirect(context["next"])


def _merge(selection: Selection, data: dict[str, str], user: User) -> BarrierGroup:
    keep, *others = selection.groups or [BarrierGroup(kind=selection.kind)]
    keep.name = data["name"].strip()
    keep.kind = selection.kind
    keep.category = data["category"]
    keep.merged_by = user
    keep.save()
    if others:
        BarrierGroupMember.objects.filter(group__in=others).update(group=keep)
        BarrierGroup.objects.filter(pk__in=[g.pk for g in others]).delete()
    BarrierGroupMember.objects.bulk_create(
        [BarrierGroupMember(group=keep, entry=entry) for entry in selection.loose]
    )
    return keep


@require_POST
def unmerge(request: HttpRequest) -> HttpResponse:
    """Undo a merge (`group`), or take one entry out of its group (`member`).

    A group left with fewer than two entries is no longer a merge, so it is removed too.
    """
    if not is_curator(request.user):
        raise PermissionDenied("Only curators can undo merges.")
    entries = visible_entries(request.user)
    member, group_value = request.POST.get("member", ""), request.POST.get("group", "")
    if member.isdigit():
        entry = next((e for e in entries if e.pk == int(member)), None)
        group = _group_of(entry) if entry else None
        if group is None:
            messages.error(request, gettext("That entry is not in a merged item any more."))
            return HttpResponseRedirect(_back_to(request))
        with transaction.atomic():
            BarrierGroupMember.objects.filter(entry=entry).delete()
            if group.members.count() < 2:
                group.delete()
                text = gettext(
                    "Removed the entry from “%(name)s”, which no longer merges anything."
                ) % {"name": group.name}
            else:
                text = gettext("Removed the entry from “%(name)s”.") % {"name": group.name}
        messages.success(request, text)
        return HttpResponseRedirect(_back_to(request))
    if group_value.isdigit():
        groups = {g.pk: g for e in entries if (g := _group_of(e))}
        group = groups.get(int(group_value))
        if group is None:
            messages.error(request, gettext("That merged item does not exist any more."))
            return HttpResponseRedirect(_back_to(request))
        group.delete()
        messages.success(request, gettext("Undid the merge of “%(name)s”.") % {"name": group.name})
        return HttpResponseRedirect(_back_to(request))
    messages.error(request, gettext("Choose an entry or a merged item to undo."))
    return HttpResponseRedirect(_back_to(request))
