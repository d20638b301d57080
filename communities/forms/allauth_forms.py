"""allauth's sign-in and sign-up forms in the site's words (ACCOUNT_FORMS).

A separate module from `accounts` because allauth's own forms module imports
ACCOUNT_SIGNUP_FORM_CLASS (`accounts.SignupExtras`) while it loads.
"""

from __future__ import annotations

from allauth.account import forms as allauth_forms
from django import forms
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

# Labels and messages in the site's words (GOV.UK style: say what to do, not "field required").
_LOGIN_MESSAGES = {
    "login": (
        gettext_lazy("Email address or username"),
        gettext_lazy("Enter your email address or username"),
    ),
    "password": (gettext_lazy("Password"), gettext_lazy("Enter your password")),
}
_SIGNUP_MESSAGES = {
    "email": (
        gettext_lazy("Email address"),
        gettext_lazy("Enter your email address, like name@example.org"),
    ),
    "username": (
        gettext_lazy("Username"),
        gettext_lazy("Choose a username: others use it to @mention you"),
    ),
    "password1": (gettext_lazy("Password"), gettext_lazy("Enter a password")),
    "password2": (gettext_lazy("Password again"), gettext_lazy("Enter the same password again")),
}


def _reword(form: forms.Form, wording: dict[str, tuple[Promise, Promise]]) -> None:
    for name, (label, required) in wording.items():
        field = form.fields.get(name)
        if field is not None:
            field.label = label
            field.error_messages["required"] = required
            field.widget.attrs.pop("placeholder", None)


class LoginForm(allauth_forms.LoginForm):
    """allauth's sign-in form, with labels and messages people understand."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _reword(self, _LOGIN_MESSAGES)


class SignupForm(allauth_forms.SignupForm):
    """allauth's sign-up form (plus `SignupExtras`), with labels and messages people understand."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _reword(self, _SIGNUP_MESSAGES)
        self.fields["username"].help_text = gettext_lazy(
            "Letters, numbers and . _ - only. Others use it to @mention you in forums."
        )
