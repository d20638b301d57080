"""`{% reused_from page as entries %}`: what a project or case study reused or adapted.

A tag rather than page context so that the project and case-study templates need only one
include line each, and the permission rule is applied for whoever is looking.
"""

from __future__ import annotations

from django import template

from learning.models import KnowledgePage
from projects.reuse import ReuseEntry, reused_from

register = template.Library()


@register.simple_tag(takes_context=True)
def reused_from_for(context: template.Context, page: KnowledgePage) -> list[ReuseEntry]:
    """The visible methods and case studies `page` records reusing or adapting."""
    request = context.get("request")
    return reused_from(page, getattr(request, "user", None))
