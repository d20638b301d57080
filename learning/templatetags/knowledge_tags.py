"""Template helpers for listing knowledge pages."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext

from learning.listing import type_label as _type_label

register = template.Library()


@register.filter
def type_label(page) -> str:
    """'Case study', 'High-impact project'... for any knowledge page, without extra queries."""
    return _type_label(page)


@register.filter
def card_meta(page) -> str:
    """A short line of facts for a card: places and years (the card shows the type itself)."""
    parts = []
    regions = [r.display_name for r in page.regions.all()]
    if regions:
        shown = ", ".join(regions[:3])
        # Translators: "Cardiff, Newport, Swansea and more": more places than the card shows.
        parts.append(
            gettext("%(places)s and more") % {"places": shown} if len(regions) > 3 else shown
        )
    years = getattr(page, "years_label", "")
    if years:
        parts.append(years)
    return " · ".join(parts)
