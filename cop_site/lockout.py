"""How django-axes sees a sign-in here: who is trying, and the page shown when it locks them out.

Members sign in through allauth with an email address or a username in a field called `login`;
editors sign in to Wagtail's admin with `username`. allauth passes whichever the person typed to
`authenticate()` as `email` and `username` together, so axes' default (one configured form field)
would see different names for the same attempt. `attempted_username` reads all of them.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def attempted_username(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """What the person typed as their name (`AXES_USERNAME_CALLABLE`), in lower case.

    Lower case because sign-in ignores case for email addresses (and `Admin` and `admin` are
    one attempt at the same account as far as a guesser is concerned).
    """
    credentials = credentials or {}
    for key in ("login", "username", "email"):
        value = credentials.get(key)
        if value:
            return str(value).strip().lower()
    data = getattr(request, "POST", None) or {}
    for key in ("login", "username", "email"):
        value = data.get(key)
        if value:
            return str(value).strip().lower()
    return None


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict | None = None,
) -> HttpResponse:
    """A 429 in the site's own layout that says how long to wait and what else to do.

    axes' default is a bare line of text, and its template option only passes the wait as a
    duration string; people need "15 minutes" and a way forward (reset the password). The
    status tells scripts to slow down. The page never says whether the account exists.
    """
    minutes = max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    return render(
        request,
        "cop_site/lockout.html",
        {"cooloff_minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
