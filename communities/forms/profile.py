"""The form members use to say who they are, what they work on and who may see it."""

from __future__ import annotations

from operator import attrgetter
from typing import Any

from django import forms
from django.contrib.auth.models import AnonymousUser, User
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from communities.models import Profile
from learning.models import Organisation, Region, Theme
from projects.models import HighImpactProjectPage

BIO_MAX_LENGTH = Profile._meta.get_field("bio").max_length


class ProfileForm(forms.ModelForm):
    """Every field of a member's profile.

    Error messages name the field and say how to fix it (GOV.UK style), because the defaults
    ("Ensure this value has at most 600 characters") do not tell people which box is wrong.
    Themes and projects are checkboxes: there are only a handful of each, and checkboxes are
    easier to use with a keyboard or screen reader than a multiple select.
    """

    class Meta:
        model = Profile
        fields = [
            "display_name",
            "job_title",
            "organisation",
            "region",
            "themes",
            "projects",
            "bio",
            "visibility",
            "accepts_messages",
            "language",
        ]
        labels = {
            "display_name": gettext_lazy("Display name"),
            "job_title": gettext_lazy("Job title"),
            "organisation": gettext_lazy("Organisation"),
            "region": gettext_lazy("Where you work"),
            "themes": gettext_lazy("Themes you work on"),
            "projects": gettext_lazy("High-impact projects you are involved in"),
            "bio": gettext_lazy("About you"),
            "visibility": gettext_lazy("Who can see your profile"),
            "accepts_messages": gettext_lazy(
                "Let signed-in members send you a message through the site"
            ),
            "language": gettext_lazy("Language for emails"),
        }
        help_texts = {
            "display_name": gettext_lazy(
                "How your name appears on your posts and profile. If you leave it "
                "empty, your username is shown."
            ),
            "job_title": gettext_lazy("For example, Head of Adult Social Care."),
            "organisation": gettext_lazy(
                "If your organisation is not listed, leave this empty and mention it in About you."
            ),
            "region": gettext_lazy("The nation, region or local area you mostly work in."),
            "themes": gettext_lazy("Select all that apply."),
            "projects": gettext_lazy("Select all that apply."),
            "bio": format_lazy(
                gettext_lazy(
                    "A few sentences in plain text, up to {limit} characters. "
                    "Do not include phone numbers or personal email addresses."
                ),
                limit=BIO_MAX_LENGTH,
            ),
            "visibility": gettext_lazy(
                "Your name is always shown on your posts. This controls your job "
                "title, organisation, region, themes, projects and About you."
            ),
        }
        widgets = {
            "themes": forms.CheckboxSelectMultiple,
            "projects": forms.CheckboxSelectMultiple,
            "bio": forms.Textarea(attrs={"rows": 5}),
            "visibility": forms.RadioSelect,
            "language": forms.RadioSelect,
        }
        error_messages = {
            "display_name": {
                "max_length": gettext_lazy(
                    "Display name must be %(limit_value)d characters or fewer "
                    "(it has %(show_value)d)"
                ),
            },
            "job_title": {
                "max_length": gettext_lazy(
                    "Job title must be %(limit_value)d characters or fewer (it has %(show_value)d)"
                ),
            },
            "organisation": {
                "invalid_choice": gettext_lazy("Select an organisation from the list"),
            },
            "region": {
                "invalid_choice": gettext_lazy("Select a place from the list"),
            },
            "themes": {
                "invalid_choice": gettext_lazy("Select themes from the list"),
                "invalid_pk_value": gettext_lazy("Select themes from the list"),
            },
            "projects": {
                "invalid_choice": gettext_lazy("Select projects from the list"),
                "invalid_pk_value": gettext_lazy("Select projects from the list"),
            },
            "bio": {
                "max_length": gettext_lazy(
                    "About you must be %(limit_value)d characters or fewer (it has %(show_value)d)"
                ),
            },
            "visibility": {
                "required": gettext_lazy("Select who can see your profile"),
                "invalid_choice": gettext_lazy("Select who can see your profile"),
            },
        }

    def __init__(self, *args: Any, user: User | AnonymousUser | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.order_by("name")
        self.fields["organisation"].empty_label = gettext_lazy("Not listed or prefer not to say")
        self.fields["region"].queryset = Region.objects.order_by("name")
        self.fields["region"].empty_label = gettext_lazy("Prefer not to say")
        self.fields["themes"].queryset = Theme.objects.order_by("name")
        # Places and themes by the name people read in their language (Welsh on the Welsh site).
        for name in ("region", "themes"):
            self.fields[name].label_from_instance = attrgetter("display_name")
        # Only projects this person may see are offered, so a draft or restricted project's
        # title is never disclosed; projects already chosen stay, so saving does not drop them.
        visible = HighImpactProjectPage.objects.visible_to(user).values("pk")
        chosen = self.instance.projects.values("pk") if self.instance.pk else []
        projects = HighImpactProjectPage.objects.filter(pk__in=visible)
        if chosen:
            projects = projects | HighImpactProjectPage.objects.filter(pk__in=chosen)
        self.fields["projects"].queryset = projects.order_by("title")
        # A radio list needs no empty choice: the model has a default.
        self.fields["visibility"].choices = Profile.Visibility.choices
        # Cymraeg: like every question here, optional; left out, the language stays as it was.
        self.fields["language"].required = False

    def clean_language(self) -> str:
        return self.cleaned_data.get("language") or self.instance.language
