"""The language switcher, `hreflang` alternates and `lang` attributes for pages and views.

`{% language_links as languages %}` gives the base template, for the page being shown, the address
of the same thing in each site language (a page's translation, else the same path under the
other prefix, where `cop_site.i18n.serve` falls back to English), the `x-default` address, and
whether the content is in another language than the interface (then the page carries a notice and
its content `lang="en"`). `{% lang_attr page %}` marks one listed page whose content is in
another language than the page around it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import template
from django.http import HttpRequest
from django.urls import Resolver404, resolve
from django.utils.html import format_html
from django.utils.safestring import SafeString
from wagtail.models import Page

from cop_site import i18n

register = template.Library()


@dataclass
class LanguageLink:
    code: str
    name: str
    url: str
    current: bool


@dataclass
class LanguageLinks:
    """What the header and `<head>` need to offer the page in every language."""

    links: list[LanguageLink] = field(default_factory=list)
    x_default: str = ""
    #: The language of the page's content when it differs from the interface's, else "".
    fallback_language: str = ""

    @property
    def others(self) -> list[LanguageLink]:
        return [link for link in self.links if not link.current]


def _with_query(request: HttpRequest, url: str) -> str:
    query = request.META.get("QUERY_STRING", "")
    return f"{url}?{query}" if query else url


def _same_path(request: HttpRequest, language: str) -> str | None:
    """The current address under another language's prefix, if the site answers there."""
    prefixed, _rest = i18n.split_language(request.path)
    candidate = i18n.path_in_language(request.path, language)
    if prefixed is None:
        try:
            resolve(candidate)
        except Resolver404:
            return None
    return candidate


@register.simple_tag(takes_context=True)
def language_links(context: template.Context) -> LanguageLinks:
    """The page being shown, in each site language (see the module docstring)."""
    request: HttpRequest | None = context.get("request")
    if request is None:
        return LanguageLinks()
    active = i18n.active_language()
    page = context.get("page")
    if not isinstance(page, Page) or not page.pk:
        page = None
    # A routable page's sub-view (a forum thread, an event list) has its own address under
    # the page's: only the page's own address has translations to look up.
    on_page_itself = page is not None and page.get_url(request) == request.path
    result = LanguageLinks()
    for code in i18n.language_codes():
        if on_page_itself:
            url = i18n.translation_url(page, code, request)
        else:
            url = _same_path(request, code)
        if url is None:
            continue
        result.links.append(
            LanguageLink(code, i18n.LANGUAGE_NAMES[code], _with_query(request, url), code == active)
        )
    for link in result.links:
        if link.code == i18n.default_language():
            # The address without a prefix: it sends each visitor to their own language (as
            # the sitemap's x-default does), else to English.
            prefixed, rest = i18n.split_language(link.url)
            result.x_default = rest if prefixed else link.url
    if page is not None:
        language = i18n.content_language(page)
        if language != active:
            result.fallback_language = language
    return result


@register.simple_tag
def lang_attr(page: Any) -> SafeString | str:
    """` lang="en"` for a listed page whose content is not in the page's language, else ""."""
    if not isinstance(page, Page):
        return ""
    language = i18n.content_language(page)
    return format_html(' lang="{}"', language) if language != i18n.active_language() else ""


@register.filter
def in_active_language(pages: Any) -> list[Page]:
    """These pages, each replaced by its live version in the visitor's language where it has one.

    One query for the lot: breadcrumbs and lists of pages read in Welsh wherever a Welsh version
    exists, and stay English (marked with `lang_attr`) where none does yet.
    """
    pages = list(pages)
    target = i18n.locale_id(i18n.active_language())
    others = [page for page in pages if page.locale_id != target]
    if target is None or not others:
        return pages
    found = {
        page.translation_key: page
        for page in Page.objects.live().filter(
            locale_id=target, translation_key__in=[page.translation_key for page in others]
        )
    }
    return [
        page if page.locale_id == target else found.get(page.translation_key, page)
        for page in pages
    ]


@register.simple_tag(takes_context=True)
def absolute_url(context: template.Context, url: str) -> str:
    """An address with scheme and host, for `hreflang` links (which must be absolute)."""
    request = context.get("request")
    return request.build_absolute_uri(url) if request is not None else url
