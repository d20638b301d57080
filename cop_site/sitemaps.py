"""The sitemap: every page and forum thread an anonymous visitor may see, and nothing else.

Built on the same `visible_to` rules as the rest of the site (not Wagtail's own `public()`), so
a members-only or private community's threads can never be advertised to crawlers.

Every address is listed in each language (`i18n`), with `hreflang` alternates and the English one
as `x-default`: the Welsh address of a page is its Welsh version where there is one, else the
English page shown in the Welsh interface (cop_site.i18n).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.contrib.sitemaps import Sitemap
from django.urls import NoReverseMatch, reverse
from wagtail.models import Page

from cop_site.i18n import default_language, locale_id
from learning.models.base import VisiblePageQuerySet


class BilingualSitemap(Sitemap):
    """Each item once per site language, with its alternates (see the module docstring)."""

    i18n = True
    alternates = True
    x_default = True


class PageSitemap(BilingualSitemap):
    limit = 5000

    def items(self):
        # Each page once, from the English tree: its Welsh address comes from `location` in
        # Welsh (a translation in the Welsh tree has the same address there).
        return (
            VisiblePageQuerySet(model=Page)
            .visible_to(AnonymousUser())
            .filter(depth__gt=1, locale_id=locale_id(default_language()))
            .order_by("path")
            .only("url_path", "locale_id", "last_published_at", "latest_revision_created_at")
        )

    def location(self, page: Page) -> str:
        return page.get_url() or page.url_path

    def lastmod(self, page: Page) -> Any:
        return page.last_published_at or page.latest_revision_created_at


class ThreadSitemap(BilingualSitemap):
    limit = 5000

    def items(self):
        from communities.models import Thread

        return Thread.objects.visible_to(AnonymousUser()).select_related("community").order_by("pk")

    def location(self, thread: Any) -> str:
        return thread.get_url()

    def lastmod(self, thread: Any) -> Any:
        return thread.last_activity


class StaticViewSitemap(BilingualSitemap):
    """The programme-wide views that are not Wagtail pages but are worth finding.

    Names that do not resolve (a view not built yet, or taken out) are left out rather than
    breaking the sitemap. Every view listed shows public content to an anonymous visitor.
    """

    VIEW_NAMES = (
        "open_data",
        "savings_dashboard",
        "who_is_doing_what",
        "delivery_levels",
        "barriers_enablers",
        "reuse",
        "organisation_list",
        "tag_list",
    )

    def items(self) -> list[str]:
        return [name for name in self.VIEW_NAMES if self._url(name)]

    @staticmethod
    def _url(name: str) -> str | None:
        try:
            return reverse(name)
        except NoReverseMatch:
            return None

    def location(self, name: str) -> str:
        return reverse(name)


class ServiceFunctionSitemap(BilingualSitemap):
    """A page per service function ("What is delivered at which level"), once that view exists."""

    limit = 5000

    def items(self):
        from learning.models import ServiceFunction

        try:
            reverse("service_function", args=["x"])
        except NoReverseMatch:
            return ServiceFunction.objects.none()
        return ServiceFunction.objects.order_by("slug").only("slug")

    def location(self, function: Any) -> str:
        return reverse("service_function", args=[function.slug])


SITEMAPS = {
    "pages": PageSitemap,
    "threads": ThreadSitemap,
    "views": StaticViewSitemap,
    "service-functions": ServiceFunctionSitemap,
}
