"""The sitemap: every page and forum thread an anonymous visitor may see, and nothing else.

Built on the same `visible_to` rules as the rest of the site (not Wagtail's own `public()`), so
a members-only or private community's threads can never be advertised to crawlers.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.contrib.sitemaps import Sitemap
from wagtail.models import Page

from learning.models.base import VisiblePageQuerySet


class PageSitemap(Sitemap):
    limit = 5000

    def items(self):
        return (
            VisiblePageQuerySet(model=Page)
            .visible_to(AnonymousUser())
            .filter(depth__gt=1)
            .order_by("path")
            .only("url_path", "last_published_at", "latest_revision_created_at")
        )

    def location(self, page: Page) -> str:
        return page.get_url() or page.url_path

    def lastmod(self, page: Page) -> Any:
        return page.last_published_at or page.latest_revision_created_at


class ThreadSitemap(Sitemap):
    limit = 5000

    def items(self):
        from communities.models import Thread

        return Thread.objects.visible_to(AnonymousUser()).select_related("community").order_by("pk")

    def location(self, thread: Any) -> str:
        return thread.get_url()

    def lastmod(self, thread: Any) -> Any:
        return thread.last_activity


SITEMAPS = {"pages": PageSitemap, "threads": ThreadSitemap}
