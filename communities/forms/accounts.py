"""The extra parts of sign-up: a honeypot and the member's profile."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext, gettext_lazy

from communities.models import Profile


class SignupExtras(forms.Form):
    """Added to allauth's sign-up form (ACCOUNT_SIGNUP_FORM_CLASS).

    `website` is a honeypot: hidden from people (and from screen readers), it is filled in only
    by bots that complete every field, so a value there rejects the sign-up.
    """

    display_name = forms.CharField(
        max_length=100,
        required=False,
        label=gettext_lazy("Your name (optional)"),
        help_text=gettext_lazy(
            "How your name appears on your posts. If you leave it empty, your username is shown."
        ),
    )
    website = forms.CharField(required=False, label=gettext_lazy("Leave this field empty"))

    def clean_website(self) -> str:
        value = self.cleaned_data.get("website", "")
        if value:
            raise forms.ValidationError(
                gettext("Sign-up could not be completed. Please try again.")
            )
        return value

    def signup(self, request, user) -> None:
        """Called by allauth once the account exists: every member gets a profile."""
        Profile.objects.update_or_create(
            user=user, defaults={"display_name": self.cleaned_data.get("display_name", "")}
        )
