"""Member profiles: a member edits their own, and others see as much as its visibility allows.

Who may see what is decided in one place, `Profile.objects.visible_to(user)`; these views only
ask it. A member's name is never secret (it is on every post they write), but everything else
on the profile is shown only to the people `visible_to` lets in.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext

from communities.directory import can_contact
from communities.forms.profile import ProfileForm
from communities.models import Profile
from projects.models import HighImpactProjectPage


def _profile_of(user: AbstractBaseUser) -> Profile:
    """The member's profile, made now if the account somehow has none.

    A signal gives every new account a profile, but accounts loaded from fixtures or created
    before the signal existed may not have one, and that must not turn into a 500.
    """
    profile, _created = Profile.objects.select_related(
        "user", "organisation", "region"
    ).get_or_create(user=user)
    return profile


@login_required
def edit_profile(request: HttpRequest) -> HttpResponse:
    """Let the signed-in member change their own profile, and only their own.

    The profile is always the requester's, never one named in the URL, so there is no way to
    edit someone else's. After saving, the member lands on their public page to see what others
    see.
    """
    profile = _profile_of(request.user)
    if request.method == "POST":
        form = ProfileForm(request.POST, instance=profile, user=request.user)
        if form.is_valid():
            form.save()
            messages.success(request, gettext("Your profile has been saved."))
            return redirect(profile.get_url())
    else:
        form = ProfileForm(instance=profile, user=request.user)
    response = render(
        request,
        "communities/profile_edit.html",
        {
            "form": form,
            "profile": profile,
            "breadcrumbs": [(gettext("Home"), "/"), (profile.name, profile.get_url())],
        },
    )
    patch_cache_control(response, private=True, no_store=True)
    return response


def member_profile(request: HttpRequest, username: str) -> HttpResponse:
    """A member's page: always their name, and the rest only for those allowed to see it.

    A hidden profile answers 404 to everyone but its owner and superusers, exactly like an
    unknown username, so the page does not even confirm that the account exists. Deactivated
    accounts answer 404 to everyone: their owners can no longer sign in to see it.
    """
    User = get_user_model()
    member = get_object_or_404(User, username=username, is_active=True)
    profile = _profile_of(member)
    viewer = request.user
    is_owner = viewer.is_authenticated and viewer.pk == member.pk
    details_visible = Profile.objects.visible_to(viewer).filter(pk=profile.pk).exists()
    # `visible_to` already lets the owner and superusers in, so this is the one rule.
    if not details_visible and profile.visibility == Profile.Visibility.HIDDEN:
        raise Http404("No such member.")

    context: dict = {
        "member": member,
        "profile": profile,
        "details_visible": details_visible,
        "is_owner": is_owner,
        "can_contact": can_contact(viewer, profile),
        "breadcrumbs": [
            (gettext("Home"), "/"),
            (gettext("People"), reverse("communities:directory")),
        ],
    }
    if details_visible:
        # Projects go through the pages' own rule too: a profile must not reveal the title of a
        # draft or restricted project to someone who could not open it.
        context["themes"] = list(profile.themes.order_by("name"))
        context["projects"] = list(
            HighImpactProjectPage.objects.visible_to(viewer)
            .filter(pk__in=profile.projects.values("pk"))
            .order_by("title")
        )
    response = render(request, "communities/member_profile.html", context)
    if profile.visibility != Profile.Visibility.PUBLIC:
        # What this page shows depends on who is asking: never let a shared cache keep it.
        patch_cache_control(response, private=True)
    return response
