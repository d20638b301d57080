"""Organisation and tag pages: everything one organisation did, everything with one tag."""

from __future__ import annotations

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext
from taggit.models import Tag

from learning.listing import build_listing
from learning.models import KnowledgePage, KnowledgePageTag, Organisation


def organisation_list(request: HttpRequest) -> HttpResponse:
    """Every organisation with how many visible pages involve it, grouped by kind."""
    visible = KnowledgePage.objects.visible_to(request.user).values("pk")
    organisations = (
        Organisation.objects.select_related("region")
        .annotate(
            page_count=Count("pages", filter=Q(pages__in=visible), distinct=True)
            + Count("led_projects", filter=Q(led_projects__in=visible), distinct=True)
        )
        .order_by("kind", "name")
    )
    groups: dict[str, list[Organisation]] = {}
    for organisation in organisations:
        groups.setdefault(organisation.get_kind_display(), []).append(organisation)
    return render(
        request,
        "learning/organisation_list.html",
        {"groups": groups, "breadcrumbs": [(gettext("Home"), "/")]},
    )


def organisation_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """Everything an organisation leads or took part in, newest first, paginated."""
    organisation = get_object_or_404(Organisation.objects.select_related("region"), slug=slug)
    involved = KnowledgePage.organisations.through.objects.filter(
        organisation_id=organisation.pk
    ).values("knowledgepage_id")
    queryset = KnowledgePage.objects.visible_to(request.user).filter(
        Q(pk__in=involved) | Q(highimpactprojectpage__lead_organisation=organisation)
    )
    led = list(
        KnowledgePage.objects.visible_to(request.user)
        .filter(highimpactprojectpage__lead_organisation=organisation)
        .order_by("title")
    )
    return render(
        request,
        "learning/organisation_detail.html",
        {
            "organisation": organisation,
            "led_projects": led,
            "listing": build_listing(request, queryset),
            "breadcrumbs": [(gettext("Home"), "/"), (gettext("Organisations"), "/organisations/")],
        },
    )


def tag_list(request: HttpRequest) -> HttpResponse:
    """Every tag in use on visible content, with counts."""
    visible = KnowledgePage.objects.visible_to(request.user).values("pk")
    tags = (
        Tag.objects.filter(learning_knowledgepagetag_items__content_object__in=visible)
        .annotate(item_count=Count("learning_knowledgepagetag_items", distinct=True))
        .order_by("name")
    )
    return render(
        request,
        "learning/tag_list.html",
        {"tags": tags, "breadcrumbs": [(gettext("Home"), "/")]},
    )


def tag_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """Everything with one tag, across content types."""
    tag = get_object_or_404(Tag, slug=slug)
    tagged = KnowledgePageTag.objects.filter(tag=tag).values("content_object_id")
    queryset = KnowledgePage.objects.visible_to(request.user).filter(pk__in=tagged)
    return render(
        request,
        "learning/tag_detail.html",
        {
            "tag": tag,
            "listing": build_listing(request, queryset),
            "breadcrumbs": [(gettext("Home"), "/"), (gettext("Tags"), "/tags/")],
        },
    )
