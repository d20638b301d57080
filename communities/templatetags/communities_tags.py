"""How members appear on forum pages: a name, linked to their profile when others may see it."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext

from communities.models import Profile, display_name

register = template.Library()


@register.filter
def member_name(user: Any) -> str:
    return display_name(user)


@register.simple_tag(takes_context=True)
def member_link(context: dict, user: Any) -> str:
    """The member's name, linked to their profile page only if the viewer may see that page."""
    name = display_name(user)
    if user is None:
        return name
    viewer = context.get("request").user if context.get("request") else None
    try:
        profile = user.profile
    except Profile.DoesNotExist:
        return name
    if not profile.is_visible_to(viewer):
        return name
    return format_html('<a class="govuk-link" href="{}">{}</a>', profile.get_url(), name)


@register.inclusion_tag("communities/includes/people_working_on.html", takes_context=True)
def people_working_on(
    context: dict,
    *,
    theme: Any = None,
    region: Any = None,
    project: Any = None,
    organisation: Any = None,
    heading: str = "",
) -> dict:
    """People on a theme, place, project or organisation page (visible profiles only).

    Without a `heading` the section is called "People working on this", in the reader's language.
    """
    from django.urls import reverse
    from django.utils.http import urlencode

    from communities.directory import people_working_on as find

    request = context.get("request")
    user = request.user if request else None
    people, total = find(
        user, theme=theme, region=region, project=project, organisation=organisation
    )
    query = {}
    if theme is not None:
        query["theme"] = theme.slug
    if region is not None:
        query["region"] = region.slug
    if project is not None:
        query["project"] = project.slug
    if organisation is not None:
        query["org"] = organisation.slug
    return {
        "heading": heading or gettext("People working on this"),
        "people": people,
        "people_total": total,
        "people_url": reverse("communities:directory") + "?" + urlencode(query),
    }


@register.inclusion_tag("communities/includes/upcoming_events.html", takes_context=True)
def upcoming_events(
    context: dict, *, community: Any = None, theme: Any = None, region: Any = None
) -> dict:
    """The next three events the viewer may see, for a community, theme, region or everything."""
    from communities.events import upcoming_events as find

    request = context.get("request")
    user = request.user if request else None
    return {
        "events": find(user, community, theme=theme, region=region),
        "community": community,
        "request": request,
    }


@register.simple_tag(takes_context=True)
def organisation_communities(context: dict, organisation: Any) -> list:
    """Communities (readable by the viewer) that the organisation's visible people are in."""
    from communities.directory import communities_of

    request = context.get("request")
    return communities_of(request.user if request else None, organisation)
