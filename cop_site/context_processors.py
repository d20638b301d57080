"""Template context shared by every page."""

from __future__ import annotations

from django.http import HttpRequest

NAV_ITEMS = [
    ("Projects", "/projects/"),
    ("Learning histories", "/learning-histories/"),
    ("Case studies", "/case-studies/"),
    ("Methods", "/methods/"),
    ("Communities", "/communities/"),
    ("People", "/members/"),
    ("Themes", "/themes/"),
    ("Regions", "/regions/"),
    ("Evidence", "/evidence/"),
    ("Search", "/search/"),
]
# The programme-wide views the Evidence hub leads to: the hub is "current" inside them too.
EVIDENCE_PATHS = (
    "/evidence/", "/savings/", "/who-is-doing-what/", "/delivery-levels/",
    "/barriers-and-enablers/", "/reuse/", "/data/",
)  # fmt: skip


def navigation(request: HttpRequest) -> dict:
    """Header navigation, with the section the visitor is in marked as current.

    The sections are fixed parts of the site's structure (created by `setup_site`), so their
    addresses are known without a database query on every request.
    """
    path = request.path
    return {
        "nav_items": [
            {
                "label": label,
                "url": url,
                "current": path.startswith(EVIDENCE_PATHS if url == "/evidence/" else url),
            }
            for label, url in NAV_ITEMS
        ]
    }
