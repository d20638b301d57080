"""Accepting an invitation to an invitation-only community."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext

from communities import membership
from communities.models import Invitation


def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows what the invitation is for; POST (signed in) uses it, once."""
    invitation = (
        Invitation.objects.select_related("community", "invited_by", "invited_by__profile")
        .filter(token=token, community__live=True)
        .first()
    )
    if invitation is None:
        raise Http404("No such invitation")
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    community = invitation.community
    if request.method == "POST":
        try:
            membership.accept_invitation(token, request.user)
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            messages.success(
                request, gettext("Welcome to %(community)s.") % {"community": community.title}
            )
            return HttpResponseRedirect(community.url)
    context = {
        "invitation": invitation,
        "community": community,
        "usable": invitation.usable,
        "breadcrumbs": [
            (gettext("Home"), "/"),
            (gettext("Communities"), community.get_parent().url),
        ],
    }
    return render(
        request,
        "communities/invitation.html",
        context,
        status=200 if invitation.usable else 410,
    )
