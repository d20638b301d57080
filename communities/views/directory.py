"""The member directory and the contact form (see `communities.directory`)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext, gettext_lazy

from communities.directory import DirectoryFilters, can_contact, filter_people, send_contact_message
from communities.forms.forum import DescribedErrorsMixin
from communities.models import CommunityPage, Profile

PEOPLE_PER_PAGE = 24


def directory(request: HttpRequest) -> HttpResponse:
    """Search and filter people; every filter is a GET parameter, so results can be shared."""
    from learning.models import Organisation, Region, Theme
    from projects.models import HighImpactProjectPage

    get = request.GET
    filters = DirectoryFilters(
        q=" ".join(get.get("q", "").split())[:100],
        org=get.get("org", "")[:100],
        org_type=get.get("org_type", "")[:40],
        region=get.get("region", "")[:100],
        theme=get.get("theme", "")[:100],
        project=get.get("project", "")[:100],
        community=get.get("community", "")[:100],
    )
    people = filter_people(request.user, filters)
    page = Paginator(people, PEOPLE_PER_PAGE).get_page(get.get("page"))
    context = {
        "filters": filters,
        "people": page,
        "total": page.paginator.count,
        "organisations": Organisation.objects.order_by("name").only("name", "slug"),
        "org_types": Organisation.Kind.choices,
        "regions": Region.objects.order_by("name").only("name", "name_cy", "slug"),
        "themes": Theme.objects.order_by("name").only("name", "name_cy", "slug"),
        "projects": HighImpactProjectPage.objects.visible_to(request.user).order_by("title"),
        "communities": CommunityPage.objects.readable_by(request.user).order_by("title"),
        "breadcrumbs": [(gettext("Home"), "/")],
        "signed_in": request.user.is_authenticated,
    }
    return render(request, "communities/directory.html", context)


class ContactForm(DescribedErrorsMixin, forms.Form):
    subject = forms.CharField(
        label=gettext_lazy("Subject"),
        max_length=150,
        widget=forms.TextInput(attrs={"class": "govuk-input"}),
        error_messages={"required": gettext_lazy("Give your message a subject.")},
    )
    body = forms.CharField(
        label=gettext_lazy("Message"),
        max_length=3000,
        widget=forms.Textarea(attrs={"class": "govuk-textarea", "rows": 8}),
        error_messages={
            "required": gettext_lazy("Write your message."),
            "max_length": gettext_lazy("Messages can be at most 3,000 characters."),
        },
        help_text=gettext_lazy("Plain text. Say who you are and why you are getting in touch."),
    )


def contact(request: HttpRequest, username: str) -> HttpResponse:
    """Send a member a message by email through the site; neither address is shown."""
    profile = Profile.objects.select_related("user").filter(user__username=username).first()
    if profile is None or not profile.user.is_active or not profile.is_visible_to(request.user):
        raise Http404("No such member")
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not can_contact(request.user, profile):
        raise Http404("This member does not take messages")
    form = ContactForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            send_contact_message(
                request.user, profile, form.cleaned_data["subject"], form.cleaned_data["body"]
            )
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, gettext("Your message has been sent to %(name)s.") % {"name": profile.name}
            )
            return HttpResponseRedirect(profile.get_url())
    context = {
        "profile": profile,
        "form": form,
        "breadcrumbs": [
            (gettext("Home"), "/"),
            (gettext("People"), "/members/"),
            (profile.name, profile.get_url()),
        ],
    }
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "communities/contact.html", context, status=status)
