"""The form members use to say who they are, what they work on and who may see it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import AnonymousUser, User

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
        ]
        labels = {
            "display_name": "Display name",
            "job_title": "Job title",
            "organisation": "Organisation",
            "region": "Where you work",
            "themes": "Themes you work on",
            "projects": "High-impact projects you are involved in",
            "bio": "About you",
            "visibility": "Who can see your profile",
            "accepts_messages": "Let signed-in members send you a message through the site",
        }
        help_texts = {
            "display_name": "How your name appears on your posts and profile. If you leave it "
            "empty, your username is shown.",
            "job_title": "For example, Head of Adult Social Care.",
            "organisation": "If your organisation is not listed, leave this empty and mention "
            "it in About you.",
            "region": "The nation, region or local area you mostly work in.",
            "themes": "Select all that apply.",
            "projects": "Select all that apply.",
            "bio": f"A few sentences in plain text, up to {BIO_MAX_LENGTH} characters. "
            "Do not include phone numbers or personal email addresses.",
            "visibility": "Your name is always shown on your posts. This controls your job "
            "title, organisation, region, themes, projects and About you.",
        }
        widgets = {
            "themes": forms.CheckboxSelectMultiple,
            "projects": forms.CheckboxSelectMultiple,
            "bio": forms.Textarea(attrs={"rows": 5}),
            "visibility": forms.RadioSelect,
        }
        error_messages = {
            "display_name": {
                "max_length": "Display name must be %(limit_value)d characters or fewer "
                "(it has %(show_value)d)",
            },
            "job_title": {
                "max_length": "Job title must be %(limit_value)d characters or fewer "
                "(it has %(show_value)d)",
            },
            "organisation": {
                "invalid_choice": "Select an organisation from the list",
            },
            "region": {
                "invalid_choice": "Select a place from the list",
            },
            "themes": {
                "invalid_choice": "Select themes from the list",
                "invalid_pk_value": "Select themes from the list",
            },
            "projects": {
                "invalid_choice": "Select projects from the list",
                "invalid_pk_value": "Select projects from the list",
            },
            "bio": {
                "max_length": "About you must be %(limit_value)d characters or fewer "
                "(it has %(show_value)d)",
            },
            "visibility": {
                "required": "Select who can see your profile",
                "invalid_choice": "Select who can see your profile",
            },
        }

    def __init__(self, *args: Any, user: User | AnonymousUser | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.order_by("name")
        self.fields["organisation"].empty_label = "Not listed or prefer not to say"
        self.fields["region"].queryset = Region.objects.order_by("name")
        self.fields["region"].empty_label = "Prefer not to say"
        self.fields["themes"].queryset = Theme.objects.order_by("name")
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
