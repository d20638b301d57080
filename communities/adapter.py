"""django-allauth, in each member's language: account emails and the redirects after sign-in.

Set as `ACCOUNT_ADAPTER`. An account email (confirming an address, resetting a password) is
rendered in the language of the member it is for, whatever language the request that caused it
was in; for an address that belongs to nobody yet (signing up) it is the visitor's current one.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest

from cop_site.i18n import (
    active_language,
    in_language_for_address,
    in_language_of,
    path_in_language,
    split_language,
)


def _in_language(url: str) -> str:
    """A site address under the visitor's language prefix (addresses elsewhere are left)."""
    if url.startswith("/") and not url.startswith("//") and split_language(url)[0] is None:
        return path_in_language(url, active_language())
    return url


def _links_in(language: str, context: dict[str, Any]) -> dict[str, Any]:
    """The context with its links to this site's pages moved to `language`'s side.

    allauth builds some links (the password reset link) before it sends, in the language of the
    request; the email's reader gets them in their own.
    """
    moved = {}
    for key, value in context.items():
        if isinstance(value, str) and value.startswith(("http://", "https://", "/")):
            parts = urlsplit(value)
            if split_language(parts.path)[0] is not None:
                value = urlunsplit(parts._replace(path=path_in_language(parts.path, language)))
        moved[key] = value
    return moved


class AccountAdapter(DefaultAccountAdapter):
    """allauth's adapter with the member's language around every email it sends."""

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        user = context.get("user")
        known = user is not None and getattr(user, "pk", None)
        with in_language_of(user) if known else in_language_for_address(email) as language:
            super().send_mail(template_prefix, email, _links_in(language, context))

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        return _in_language(super().get_login_redirect_url(request))

    def get_logout_redirect_url(self, request: HttpRequest) -> str:
        return _in_language(super().get_logout_redirect_url(request))

    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        return _in_language(super().get_signup_redirect_url(request))
