"""Template helpers for listing knowledge pages."""

from __future__ import annotations

from django import template

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
    regions = [r.name for r in page.regions.all()]
    if regions:
        parts.append(", ".join(regions[:3]) + (" and more" if len(regions) > 3 else ""))
    years = getattr(page, "years_label", "")
    if years:
        parts.append(years)
    return " · ".join(parts)
