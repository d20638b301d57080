"""Template context shared by every page."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cop_site.i18n import active_language, split_language

# (label, address without the language prefix). The labels are interface strings, translated
# with the rest of the catalogue; the addresses are the same in both languages.
NAV_ITEMS = [
    (_("Projects"), "/projects/"),
    (_("Learning histories"), "/learning-histories/"),
    (_("Case studies"), "/case-studies/"),
    (_("Methods"), "/methods/"),
    (_("Communities"), "/communities/"),
    (_("People"), "/members/"),
    (_("Themes"), "/themes/"),
    (_("Regions"), "/regions/"),
    (_("Evidence"), "/evidence/"),
    # Translators: the navigation link to the search page (a noun: "Chwilio").
    (pgettext_lazy("navigation", "Search"), "/search/"),
]
# The programme-wide views the Evidence hub leads to: the hub is "current" inside them too.
EVIDENCE_PATHS = (
    "/evidence/", "/savings/", "/who-is-doing-what/", "/delivery-levels/",
    "/barriers-and-enablers/", "/reuse/", "/data/",
)  # fmt: skip


def navigation(request: HttpRequest) -> dict:
    """Header navigation, with the section the visitor is in marked as current.

    The sections are fixed parts of the site's structure (created by `setup_site`), so their
    addresses are known without a database query on every request; each is given under the
    visitor's language prefix (a Welsh section page, or the English one shown in Welsh).
    """
    _language, path = split_language(request.path)
    prefix = f"/{active_language()}"
    return {
        "nav_items": [
            {
                "label": label,
                "url": prefix + url,
                "current": path.startswith(EVIDENCE_PATHS if url == "/evidence/" else url),
            }
            for label, url in NAV_ITEMS
        ]
    }
