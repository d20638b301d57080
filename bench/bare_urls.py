"""The site's URLconf plus /en/__bare__/, a view with a fixed response (bench/pages.py only).

The bare view sits under the same /en/ prefix as the pages it is compared with, so a request to
it goes through exactly the middleware a page request does (request log, security headers, CSP,
sessions, language and its cookie, CSRF, authentication, messages, redirects, axes): the ceiling
it gives is the cost of the stack, not of a shortcut around it. It comes before the site's own
patterns because Wagtail's page pattern would otherwise claim the address.
"""

from __future__ import annotations

from django.conf.urls.i18n import i18n_patterns
from django.http import HttpRequest, HttpResponse
from django.urls import path

from cop_site import urls as site_urls

BODY = b"bare\n"


def bare(request: HttpRequest) -> HttpResponse:
    """A fixed response: what serving a page would cost if the page itself cost nothing."""
    return HttpResponse(BODY, content_type="text/plain; charset=utf-8")


urlpatterns = [
    *i18n_patterns(path("__bare__/", bare, name="bench_bare"), prefix_default_language=True),
    *site_urls.urlpatterns,
]

# The site's error views, if it names any, stay in force.
for _name in ("handler400", "handler403", "handler404", "handler500"):
    if hasattr(site_urls, _name):
        globals()[_name] = getattr(site_urls, _name)
