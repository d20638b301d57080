"""Middleware every response passes through: request logging and the security headers.

Django's `SecurityMiddleware` already sends HSTS, `X-Content-Type-Options`, `Referrer-Policy` and
`Cross-Origin-Opener-Policy` from settings; what it lacks is here: a Content Security Policy that
is strict for the public site and relaxed only where Wagtail's admin needs inline code, and a
`Permissions-Policy` that switches off browser features the site never uses.
"""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_plus

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseBase,
    UnreadablePostError,
)
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.cache import add_never_cache_headers

from cop_site.logging import request_id_var

request_logger = logging.getLogger("cop_site.requests")

# An id from the proxy in front (X-Request-ID) is kept so its logs and ours line up; anything
# that does not look like an id is replaced, so a client cannot inject text into the logs.
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")


def client_ip(request: HttpRequest) -> str:
    """The visitor's address, trusting `X-Forwarded-For` only as far as our own proxies.

    With `TRUSTED_PROXY_COUNT` proxies in front, each appends the address it received the request
    from, so the right-most entries are theirs and the one `count` places from the right is the
    visitor's; entries further left were sent by the client and could be anything. Without
    proxies `REMOTE_ADDR` is the visitor. Login throttling keys on this, so it must not be
    spoofable, and behind a proxy it must not be the proxy (one lock-out would hit everyone).
    """
    remote = request.META.get("REMOTE_ADDR", "")
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if count <= 0:
        return remote
    forwarded = [
        part.strip()
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    if len(forwarded) < count:
        return remote
    return forwarded[-count]


class RequestLogMiddleware:
    """One structured log line per request: id, method, path, status and duration.

    Outermost in `MIDDLEWARE`, so the duration covers everything Django does, static files
    included. The path is logged without its query string, which can hold personal tokens
    (calendar feeds, unsubscribe links). The id is also returned as `X-Request-ID`, so a person
    reporting a problem can quote it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            response["X-Request-ID"] = request_id
            request_logger.info(
                "%s %s %s %.1fms",
                request.method,
                request.path,
                response.status_code,
                duration_ms,
                extra={
                    "request_id": request_id,
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": duration_ms,
                    "ip": client_ip(request),
                },
            )
            return response
        finally:
            request_id_var.reset(token)


class PermissionsPolicyMiddleware:
    """Send `Permissions-Policy` from `settings.PERMISSIONS_POLICY` on every response.

    Each feature listed is allowed for nobody (`feature=()`): the site uses no camera, microphone,
    location, payment or sensors, so a script that got in somehow cannot ask for them either.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.header = ", ".join(f"{feature}=()" for feature in settings.PERMISSIONS_POLICY)

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if self.header and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = self.header
        return response


class RejectNullCharactersMiddleware:
    """Answer 404 for a NUL character in the path and 400 for one in the query string.

    PostgreSQL text cannot hold NUL, so a `%00` that reached a query (an invitation token, a
    username, a search) would fail with a server error there, where SQLite quietly found
    nothing. No address on the site contains one, so it is refused before any view runs, the
    same on both databases. Form fields already refuse NUL (Django's CharField validator).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if "\x00" in request.path_info:
            raise Http404("No such page")
        if "\x00" in unquote_plus(request.META.get("QUERY_STRING", "")):
            return HttpResponseBadRequest("The address holds a character no search or filter uses.")
        return self.get_response(request)


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the policy relaxed under `CSP_RELAXED_PATH_PREFIXES` only.

    The public site runs on `CONTENT_SECURITY_POLICY` as it is (no `unsafe-inline` anywhere).
    Wagtail's admin uses inline scripts and styles, and shows page previews in a frame of its
    own, so its paths get `CSP_RELAXED_DIRECTIVES` in place of those directives. The admin is
    used by signed-in editors only, and every other directive still applies there. A preview
    keeps the public page's policy, but may be framed by the admin.
    """

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        """The configured policy, with the admin's replacements on its paths."""
        parts = super().get_policy_parts(request, response, report_only)
        if report_only:
            return parts
        prefixes = tuple(getattr(settings, "CSP_RELAXED_PATH_PREFIXES", ()))
        if prefixes and request.path_info.startswith(prefixes):
            parts.replace = {**settings.CSP_RELAXED_DIRECTIVES, **(parts.replace or {})}
        elif getattr(request, "is_dummy", False):
            # Wagtail renders an admin preview by running the page's public URL through the
            # middleware again on a "dummy" request, then shows it in a frame of the admin: the
            # page keeps the public policy (so a preview shows what CSP would block), except that
            # the admin may frame it.
            parts.replace = {"frame-ancestors": ["'self'"], **(parts.replace or {})}
        return parts


class LocaleMiddleware(DjangoLocaleMiddleware):
    """Django's `LocaleMiddleware`, except that a machine endpoint's own 404 stays a 404.

    Django answers a 404 at an unprefixed address with a redirect to the same address under the
    visitor's language when that would match a URL pattern, and Wagtail's page pattern matches
    almost anything. An unprefixed address that did reach a view (an API item that does not
    exist, a calendar of a community that is not there) is not missing its prefix, so the API
    and feeds keep answering 404 rather than redirecting to an HTML page.
    """

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if response.status_code == 404 and not _language_prefix(request.path_info):
            try:
                resolve(request.path_info, getattr(request, "urlconf", None))
            except Resolver404:
                pass
            else:
                return response
        return super().process_response(request, response)


def _language_prefix(path: str) -> str:
    first = path.split("/", 2)[1] if path.count("/") >= 2 else ""
    return first if first in {code for code, _name in settings.LANGUAGES} else ""


# Cymraeg (see settings): responses that are the same for everyone, and may be cached or saved as
# files (open data downloads, feeds, the sitemap, the pages API, calendar files), are always in
# the site's default language, whatever a visitor's cookie or browser asks for.
LANGUAGE_NEUTRAL_PATHS = re.compile(r"^/(?:data/.|feeds/|sitemap\.xml|api/v2/|health/)|\.ics$")


class LanguagePreferenceMiddleware:
    """After Django's `LocaleMiddleware`: keep shared responses neutral, remember the choice.

    A visit to an /en/ or /cy/ address sets the language cookie, so an unprefixed link (an old
    bookmark, a link in an email, "/" itself) brings the visitor back to the language they were
    using rather than to their browser's. Shared responses (`LANGUAGE_NEUTRAL_PATHS`) are in the
    default language, so a Welsh visitor's download holds the same addresses as anyone's.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if LANGUAGE_NEUTRAL_PATHS.search(request.path_info):
            translation.activate(settings.LANGUAGE_CODE)
            request.LANGUAGE_CODE = settings.LANGUAGE_CODE
        response = self.get_response(request)
        first = _language_prefix(request.path_info)
        cookie = settings.LANGUAGE_COOKIE_NAME
        if first and request.COOKIES.get(cookie) != first:
            response.set_cookie(
                cookie,
                first,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response


# Database outages --------------------------------------------------------------------------------
# Errors that mean "the database cannot be reached right now" (server down or restarting, a
# failover, a dropped connection), not a bug: the visitor gets a 503 with Retry-After instead.
# SQLite reports a database that does not match the code (a migration not run) and bad SQL as
# OperationalError too, where PostgreSQL raises ProgrammingError. Those are bugs or a broken
# deployment, not an outage: they stay 500s (and reach the error log as such), never "try again
# in a minute", which would hide them behind a page that promises they will pass.
NOT_AN_OUTAGE = re.compile(
    r"^no such (?:table|column|function)|^table \S+ has no column named|syntax error",
    re.IGNORECASE,
)
# Seconds a client (or a crawler, or a load balancer) is asked to wait before trying again.
DATABASE_RETRY_AFTER = 30
database_logger = logging.getLogger("cop_site.database")


def is_outage(error: BaseException | None) -> bool:
    """Whether a database error means the database cannot be reached (a 503), not a bug."""
    if isinstance(error, InterfaceError):
        return True
    return isinstance(error, OperationalError) and not NOT_AN_OUTAGE.search(str(error))


def database_unavailable_response() -> HttpResponse:
    """The 503 page (templates/503.html): rendered without the database, so it cannot fail too."""
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(DATABASE_RETRY_AFTER)
    add_never_cache_headers(response)
    return response


def _note_database_error(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    # Sent by Django while it turns an uncaught exception into a 500, inside its `except`, so
    # the exception is still the current one: remember that this request's 500 was an outage.
    if request is not None and is_outage(sys.exc_info()[1]):
        request.database_unavailable = True  # type: ignore[attr-defined]


got_request_exception.connect(_note_database_error, dispatch_uid="cop_site.database_unavailable")


class DatabaseUnavailableMiddleware:
    """A clear 503 page, with `Retry-After`, when the database cannot be reached, never a 500.

    When PostgreSQL is restarted, fails over or is unreachable for a few seconds, every request
    that needs it raises `OperationalError` (or `InterfaceError` on a connection that died).
    That is an outage, not a bug: visitors should read "try again in a minute", and crawlers and
    load balancers should come back later rather than count a server error. Django reconnects
    by itself once the database answers again (`CONN_HEALTH_CHECKS`), so nothing needs a restart.

    Errors raised by a view reach `process_exception`. Errors raised by middleware inside this
    one (saving the session on the way out) have already become Django's 500 by the time the
    response gets here: `_note_database_error` marked the request, and the 500 is replaced.
    Placed inside the security-header middleware, so the 503 carries the same headers as any page.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if response.status_code == 500 and getattr(request, "database_unavailable", False):
            return database_unavailable_response()
        return response

    def process_exception(
        self, request: HttpRequest, exception: Exception
    ) -> HttpResponseBase | None:
        if not is_outage(exception):
            return None
        database_logger.error(
            "Database unavailable: %s %s answered 503",
            request.method,
            request.path,
            exc_info=exception,
        )
        return database_unavailable_response()


# Bodies cut short ------------------------------------------------------------------------------


class _WholeBody:
    """A request body that raises when the client stopped short of its Content-Length."""

    def __init__(self, stream: Any, length: int) -> None:
        self._stream = stream
        self._remaining = length

    def _counted(self, data: bytes, wanted: int) -> bytes:
        # WSGI input blocks until it has what was asked for, so fewer bytes mean the end came.
        self._remaining -= len(data)
        if len(data) < wanted:
            raise OSError(f"the body ended {self._remaining} bytes before its Content-Length")
        return data

    def read(self, size: int | None = -1) -> bytes:
        wanted = self._remaining if size is None or size < 0 else min(size, self._remaining)
        return self._counted(self._stream.read(size), wanted)

    def readline(self, size: int | None = -1) -> bytes:
        # A line may end early at its newline; only an empty read before the end is a cut.
        wanted = 1 if self._remaining > 0 and size != 0 else 0
        return self._counted(self._stream.readline(size), wanted)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._stream, name)  # close() and anything else a stream offers


class IncompleteBodyMiddleware:
    """Refuse a request whose body ends before its Content-Length: never save half a post.

    When a member's connection drops part-way through sending a form, gunicorn (and runserver)
    give Django the bytes that did arrive, without an error, and Django parses them: the first
    half of a reply, or an attachment cut short, with the CSRF token (sent first) intact, was
    saved as if whole (bench/faults.py, "cut off part-way"). Reading past the end of what
    arrived raises here instead, which Django reports as `UnreadablePostError`: the CSRF check
    refuses the form (403, "nothing was saved") and any other reader of the body gets a 400.
    Before the CSRF middleware, the first to read a body.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        length = request.META.get("CONTENT_LENGTH") or ""
        if length.isdigit() and int(length) > 0 and hasattr(request, "_stream"):
            request._stream = _WholeBody(request._stream, int(length))  # type: ignore[attr-defined]
        return self.get_response(request)

    def process_exception(
        self, request: HttpRequest, exception: Exception
    ) -> HttpResponseBase | None:
        if isinstance(exception, UnreadablePostError):
            return HttpResponseBadRequest(
                "The request ended before all of it arrived, so nothing was saved. Send it again."
            )
        return None
