"""RSS and Atom feeds of new content: everything, or one theme, region or tag.

New content is a newly published project, case study, learning history or method, newest
first by when it was first published. Feeds are read by programs that never sign in, and
are often shared, so they hold public content only (`visible_to(AnonymousUser())`) whoever
asks. A region's feed includes the places inside it, as its page does.

For the same reason a feed is the same for everyone: its words are written in the site's own
language (English) whatever language the asker's browser prefers, as the open data files are,
because feed addresses carry no language and caches share them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.syndication.views import Feed
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import translation
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.translation import gettext, gettext_lazy
from taggit.models import Tag

from learning.models import (
    KnowledgePage,
    KnowledgePageTag,
    Region,
    RegionPage,
    Theme,
    ThemePage,
)
from learning.search_sources import PAGE_KINDS

ITEMS = 30
SCOPES = ("latest", "theme", "region", "tag")
FORMATS = {"rss": Rss201rev2Feed, "atom": Atom1Feed}


@dataclass(frozen=True)
class Scope:
    """What a feed is of: its name, its home on the site and which pages it holds."""

    kind: str
    slug: str
    name: str
    link: str
    pages: Q

    @property
    def title(self) -> str:
        if self.kind == "latest":
            return gettext("Public Service Learning Exchange: new content")
        return str(SCOPE_TITLES[self.kind]) % {"name": self.name}


# Whole titles per kind of scope, so that a translation can put the name where it belongs.
SCOPE_TITLES = {
    "theme": gettext_lazy("Public Service Learning Exchange: new in the theme %(name)s"),
    "region": gettext_lazy("Public Service Learning Exchange: new in the place %(name)s"),
    "tag": gettext_lazy("Public Service Learning Exchange: new in the tag %(name)s"),
}


def search_link(facet: str, slug: str) -> str:
    """Where a feed points when its theme or place has no public page of its own."""
    return f"{reverse('search')}?{urlencode({facet: slug})}"


def scope_for(kind: str, slug: str | None) -> Scope:
    """The scope named in the address; 404 for an unknown kind or slug."""
    if kind == "latest":
        return Scope("latest", "", "everything", "/", Q())
    if kind == "theme":
        theme = get_object_or_404(Theme, slug=slug)
        ids = KnowledgePage.themes.through.objects.filter(theme_id=theme.pk)
        page = ThemePage.objects.visible_to(AnonymousUser()).filter(theme=theme).first()
        link = page.url if page is not None else search_link("theme", theme.slug)
        return Scope(
            kind, theme.slug, theme.display_name, link, Q(pk__in=ids.values("knowledgepage_id"))
        )
    if kind == "region":
        region = get_object_or_404(Region, slug=slug)
        places = Region.descendant_ids_of([region.pk])
        ids = KnowledgePage.regions.through.objects.filter(region_id__in=places)
        page = RegionPage.objects.visible_to(AnonymousUser()).filter(region=region).first()
        link = page.url if page is not None else search_link("region", region.slug)
        return Scope(
            kind, region.slug, region.display_name, link, Q(pk__in=ids.values("knowledgepage_id"))
        )
    if kind == "tag":
        tag = get_object_or_404(Tag, slug=slug)
        ids = KnowledgePageTag.objects.filter(tag=tag).values("content_object_id")
        return Scope(
            kind, tag.slug, tag.name, reverse("tag_detail", args=[tag.slug]), Q(pk__in=ids)
        )
    raise Http404("No such feed")


def feed_items(scope: Scope) -> QuerySet:
    """The newest public pages in a scope, with what each item shows fetched in two queries."""
    return (
        KnowledgePage.objects.visible_to(AnonymousUser())
        .filter(scope.pages)
        .filter(first_published_at__isnull=False)
        .prefetch_related("themes")
        .order_by("-first_published_at", "-pk")[:ITEMS]
    )


def kind_label(page: KnowledgePage) -> str:
    label = page.specific_class._meta.label if page.specific_class else ""
    return str(PAGE_KINDS.get(label, ("", gettext_lazy("Page")))[1])


class KnowledgeFeed(Feed):
    """New public content in a scope, as RSS 2.0."""

    feed_type = Rss201rev2Feed

    def __call__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.request = request
        with translation.override(settings.LANGUAGE_CODE):  # the same for everyone (see above)
            response = super().__call__(request, *args, **kwargs)
        response["Cache-Control"] = "public, max-age=300"
        return response

    def get_object(self, request: HttpRequest, kind: str, slug: str | None = None) -> Scope:
        return scope_for(kind, slug)

    def title(self, scope: Scope) -> str:
        return scope.title

    def link(self, scope: Scope) -> str:
        return scope.link

    def feed_url(self, scope: Scope) -> str:
        return self.request.path

    def description(self, scope: Scope) -> str:
        if scope.kind == "latest":
            return gettext(
                "Newly published projects, case studies, learning histories and methods."
            )
        return gettext(
            "Newly published projects, case studies, learning histories and methods: %(name)s."
        ) % {"name": scope.name}

    def items(self, scope: Scope) -> QuerySet:
        return feed_items(scope)

    def item_title(self, page: KnowledgePage) -> str:
        return f"{kind_label(page)}: {page.title}"

    def item_description(self, page: KnowledgePage) -> str:
        return page.summary_text

    def item_link(self, page: KnowledgePage) -> str:
        return page.get_url(request=self.request) or "/"

    def item_pubdate(self, page: KnowledgePage) -> datetime | None:
        return page.first_published_at

    def item_updateddate(self, page: KnowledgePage) -> datetime | None:
        # Atom requires an updated date on every entry.
        return page.last_published_at or page.first_published_at

    def item_categories(self, page: KnowledgePage) -> list[str]:
        return [kind_label(page), *(theme.display_name for theme in page.themes.all())]


class KnowledgeAtomFeed(KnowledgeFeed):
    """The same feed as Atom 1.0."""

    feed_type = Atom1Feed

    def subtitle(self, scope: Scope) -> str:
        return self.description(scope)


def feed(request: HttpRequest, kind: str, fmt: str, slug: str | None = None) -> HttpResponse:
    """/feeds/latest.rss, /feeds/themes/<slug>.atom and so on."""
    if kind not in SCOPES or fmt not in FORMATS:
        raise Http404("No such feed")
    view = KnowledgeAtomFeed() if fmt == "atom" else KnowledgeFeed()
    return view(request, kind=kind, slug=slug)
