"""Communities of practice.

The communities section is part of the site's structure from the start so that navigation and
the page tree are stable; communities, forums and events arrive with their own work.
"""

from __future__ import annotations

from django.db import models
from wagtail.admin.panels import FieldPanel

from learning.models import BasePage
from learning.models.pages import MARKDOWN_HELP


class CommunityIndexPage(BasePage):
    """The list of communities of practice."""

    introduction = models.TextField(blank=True, help_text=MARKDOWN_HELP)

    content_panels = BasePage.content_panels + [FieldPanel("introduction")]
    parent_page_types = ["cop_site.HomePage"]
    subpage_types: list[str] = []
    max_count = 1

    class Meta:
        verbose_name = "communities index"
