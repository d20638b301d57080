"""The home page: the front door to projects, themes, places and the newest learning."""

from __future__ import annotations

from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext_lazy
from wagtail.admin.panels import FieldPanel
from wagtail.api import APIField

from cop_site.i18n import one_per_translation
from learning.listing import build_listing
from learning.models import BasePage, KnowledgePage, ThemePage
from learning.models.pages import MARKDOWN_HELP


class HomePage(BasePage):
    """The site's root page."""

    headline = models.CharField(
        max_length=200,
        default="Find who is doing what across public services, and reuse what works",
        help_text=gettext_lazy("The big line at the top of the home page."),
    )
    introduction = models.TextField(blank=True, help_text=MARKDOWN_HELP)

    content_panels = BasePage.content_panels + [FieldPanel("headline"), FieldPanel("introduction")]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = [
        "projects.ProjectIndexPage",
        "learning.CaseStudyIndexPage",
        "learning.LearningHistoryIndexPage",
        "learning.MethodIndexPage",
        "learning.ThemeIndexPage",
        "learning.RegionIndexPage",
        "communities.CommunityIndexPage",
    ]
    max_count = 1
    api_fields = BasePage.api_fields + [APIField("headline"), APIField("introduction")]

    class Meta:
        verbose_name = gettext_lazy("home page")

    def get_context(self, request: HttpRequest, *args, **kwargs) -> dict:
        context = super().get_context(request, *args, **kwargs)
        listing = build_listing(request, KnowledgePage.objects.visible_to(request.user), 6)
        context["latest"] = listing.page_obj.object_list
        context["type_counts"] = listing.type_counts
        # Each theme once, in the visitor's language where its page is translated.
        context["theme_pages"] = (
            one_per_translation(ThemePage.objects.visible_to(request.user))
            .select_related("theme")
            .order_by("title")
        )
        return context
