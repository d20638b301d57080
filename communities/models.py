"""Communities of practice.

The communities section is part of the site's structure from the start so that navigation and
the page tree are stable; communities, forums and events arrive with their own work.
"""

from __future__ import annotations

from learning.models.pages import SectionPage


class CommunityIndexPage(SectionPage):
    """The list of communities of practice."""

    subpage_types: list[str] = []

    class Meta:
        verbose_name = "communities index"
