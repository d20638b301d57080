"""Welsh and English: language prefixes, page translations and the fallback to English.

The English page tree is the source of truth: every fact (savings, themes, places, people) is
recorded once, on the English page. The Welsh tree (a translation of the English home made with
Wagtail's simple translation) holds only the pages someone has translated. So that the Welsh site
is whole anyway:

- on the Welsh site every link to an English page points at the same path under `/cy/`
  (`localize_url_parts`, applied to every page's address by
  `keep_links_in_the_visitors_language`);
- a `/cy/` path the Welsh tree does not have is routed through the English tree instead
  (`serve`), and the page says in both languages that it is not in Welsh yet, with its content
  marked `lang="en"` (`content_language`, used by the `language_links` template tag);
- listings show each page once, in the visitor's language where there is a translation
  (`one_per_translation`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Q, QuerySet
from django.db.models.signals import post_delete, post_save
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import translation
from django.utils.translation import get_supported_language_variant
from wagtail.models import Locale, Page, Site
from wagtail.signals import page_published, page_slug_changed, page_unpublished, post_page_move

# Each language's name in that language: what the switcher shows, whatever the page's language.
LANGUAGE_NAMES: dict[str, str] = dict(settings.LANGUAGES)


def default_language() -> str:
    """The site's source language (English): the one every page exists in."""
    return settings.LANGUAGE_CODE


def language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def active_language() -> str:
    """The language of the current request or `translation.override`, as a site language."""
    try:
        return get_supported_language_variant(translation.get_language() or default_language())
    except LookupError:
        return default_language()


# Paths ------------------------------------------------------------------------------------------


def split_language(path: str) -> tuple[str | None, str]:
    """("/cy/themes/") -> ("cy", "/themes/"); an unprefixed path -> (None, path)."""
    for code in language_codes():
        prefix = f"/{code}/"
        if path.startswith(prefix):
            return code, path[len(prefix) - 1 :]
        if path == f"/{code}":
            return code, "/"
    return None, path


def path_in_language(path: str, language: str) -> str:
    """The same address in another language: its prefix swapped (or added) in front."""
    _current, rest = split_language(path)
    return f"/{language}{rest}"


# Locales ----------------------------------------------------------------------------------------

_locale_codes: dict[int, str] = {}


def _load_locales() -> dict[int, str]:
    """Read every Locale once; a new dict is swapped in whole, so threads never see it half-made."""
    global _locale_codes
    _locale_codes = dict(Locale.objects.values_list("pk", "language_code"))
    return _locale_codes


def locale_code(locale_id: int) -> str:
    """A Locale's language code by id, without a query each time (locales rarely change)."""
    codes = _locale_codes if locale_id in _locale_codes else _load_locales()
    return codes.get(locale_id, default_language())


def locale_id(language: str) -> int | None:
    """The id of the Locale for a language, or None if there is none."""
    for codes in (_locale_codes, None):
        for pk, code in (codes if codes is not None else _load_locales()).items():
            if code == language:
                return pk
    return None


def forget_locales(**kwargs: Any) -> None:
    """A Locale was added, changed or removed: read them again next time."""
    global _locale_codes
    _locale_codes = {}


post_save.connect(forget_locales, sender=Locale, dispatch_uid="cop-site-i18n-locale-saved")
post_delete.connect(forget_locales, sender=Locale, dispatch_uid="cop-site-i18n-locale-deleted")


def ensure_locales() -> dict[str, Locale]:
    """A Locale for every site language (the migration makes them; tests may start empty)."""
    return {code: Locale.objects.get_or_create(language_code=code)[0] for code in language_codes()}


def source_pages(queryset: QuerySet) -> QuerySet:
    """Only the pages in the source language (English), where every fact is recorded.

    A translated project or case study is a copy that carries its page's inline records
    (savings, milestones); counting facts on the source pages alone means a translation never
    counts them twice. Display still shows the visitor's language version (`one_per_translation`).
    """
    source = locale_id(default_language())
    return queryset if source is None else queryset.filter(locale_id=source)


def source_page(page: Page) -> Page:
    """The source-language (English) version of a page, if it is live; else the page itself."""
    if page is None or locale_code(page.locale_id) == default_language():
        return page
    found = (
        type(page)
        .objects.live()
        .filter(translation_key=page.translation_key, locale_id=locale_id(default_language()))
        .first()
    )
    return found or page


# Page URLs ----------------------------------------------------------------------------------


def localize_url_parts(page: Page, parts: Any) -> Any:
    """Keep the visitor in their language: an English page linked from the Welsh site gets its
    `/cy/` address, where `serve` shows it (or its Welsh version, if it has one since).

    Without this, every link from a Welsh page to something not yet translated would drop the
    visitor into the English interface. Pages in other languages keep their own address.
    """
    if not parts or parts[2] is None:
        return parts
    active = active_language()
    if active == default_language() or locale_code(page.locale_id) != default_language():
        return parts
    site_id, root_url, page_path = parts
    return site_id, root_url, path_in_language(page_path, active)


def keep_links_in_the_visitors_language() -> None:
    """Make every page's address follow `localize_url_parts`, once, at start-up.

    Wagtail gives a page the address of its own language's tree and has no hook to change that,
    so `Page.get_url_parts` is wrapped here (from `CopSiteConfig.ready`). Page types that
    override it call it through `super()`, and plain `Page` objects (ancestors in breadcrumbs,
    sitemap rows) get it too.
    """
    original = Page.get_url_parts
    if getattr(original, "keeps_language", False):
        return

    def get_url_parts(self: Page, request: HttpRequest | None = None) -> Any:
        return localize_url_parts(self, original(self, request))

    get_url_parts.keeps_language = True  # type: ignore[attr-defined]
    get_url_parts.__doc__ = original.__doc__
    Page.get_url_parts = get_url_parts  # type: ignore[method-assign]


def content_language(page: Page) -> str:
    """The language a page's content is written in.

    An alias made for a tree sync is a live copy of its original, so it is in the original's
    language, whatever tree it sits in.
    """
    if getattr(page, "alias_of_id", None):
        original = Page.objects.filter(pk=page.alias_of_id).values_list("locale_id", flat=True)
        original_locale = original.first()
        if original_locale:
            return locale_code(original_locale)
    return locale_code(page.locale_id)


VERSIONS_SECONDS = 300
_GENERATION = "cop-site:i18n:page-versions"


def forget_page_versions(**kwargs: Any) -> None:
    """A page was published, withdrawn, moved, renamed or deleted: cached versions are stale.

    Every cached list is dropped at once (by moving to a new generation of keys), since a move
    or a new slug changes the address of every page below it too.
    """
    try:
        cache.incr(_GENERATION)
    except ValueError:
        cache.set(_GENERATION, 1, None)


def live_versions(page: Page) -> dict[str, Page]:
    """The live language versions of a page (itself included), by language.

    Every page view's switcher and `hreflang` links need them, so they are kept in the cache
    (as light `Page` objects that know their id, language and address) rather than queried on
    each view; `forget_page_versions` drops them whenever the page tree changes.
    """
    generation = cache.get_or_set(_GENERATION, 1, None)
    key = f"{_GENERATION}:{generation}:{page.translation_key}"
    rows = cache.get(key)
    if rows is None:
        rows = list(
            Page.objects.live()
            .filter(translation_key=page.translation_key, alias_of__isnull=True)
            .values_list("pk", "locale_id", "url_path")
        )
        cache.set(key, rows, VERSIONS_SECONDS)
    return {
        locale_code(locale): Page(
            id=pk, locale_id=locale, url_path=url_path, translation_key=page.translation_key
        )
        for pk, locale, url_path in rows
    }


for _name, _signal in {
    "published": page_published,
    "unpublished": page_unpublished,
    "moved": post_page_move,
    "renamed": page_slug_changed,
}.items():
    _signal.connect(forget_page_versions, dispatch_uid=f"cop-site-i18n-page-{_name}")
post_delete.connect(forget_page_versions, sender=Page, dispatch_uid="cop-site-i18n-page-deleted")


def translation_url(page: Page, language: str, request: HttpRequest | None = None) -> str | None:
    """The address of `page` in `language`: its live translation's, else the same path there."""
    if locale_code(page.locale_id) == language:
        with translation.override(language):
            return page.get_url(request)
    translated = live_versions(page).get(language)
    with translation.override(language):
        url = (translated or page).get_url(request)
    if url and translated is None:
        url = path_in_language(url, language)
    return url


# Listings -----------------------------------------------------------------------------------


def one_per_translation(queryset: QuerySet, language: str | None = None) -> QuerySet:
    """Each page of `queryset` once: in `language` (the active one) where it has a version there,
    otherwise in English. Counts and facts stay those of the English tree.

    Works on any page queryset that is already filtered for the visitor (`visible_to`), so a
    Welsh draft never hides the live English page.
    """
    language = language or active_language()
    default_id = locale_id(default_language())
    wanted_id = locale_id(language)
    if wanted_id is None or wanted_id == default_id:
        return queryset.filter(locale_id=default_id)
    translated = queryset.filter(locale_id=wanted_id).values("translation_key")
    return queryset.filter(
        Q(locale_id=wanted_id) | (Q(locale_id=default_id) & ~Q(translation_key__in=translated))
    )


def page_in_language(pages: Iterable[Page]) -> Page | None:
    """Of the language versions of one page, the visitor's if it is live, else the English one."""
    by_language = {locale_code(page.locale_id): page for page in pages}
    mine = by_language.get(active_language())
    if mine is not None and mine.live:
        return mine
    return by_language.get(default_language()) or next(iter(by_language.values()), None)


# Serving ----------------------------------------------------------------------------------------


def _fallback_route(request: HttpRequest, path: str) -> tuple[Page, list, dict] | None:
    """The page at `path` in another language's tree (English first), or None."""
    site = Site.find_for_request(request)
    if site is None:
        return None
    active = locale_id(active_language())
    roots = [site.root_page] + [
        root
        for root in site.root_page.get_translations().order_by("locale__language_code")
        if root.locale_id != active
    ]
    components = [component for component in path.split("/") if component]
    for root in roots:
        if root.locale_id == active:
            continue
        try:
            return root.specific.route(request, components)
        except Http404:
            continue
    return None


def _route(request: HttpRequest, path: str) -> tuple[Page, list, dict] | None:
    """Wagtail's routing (`Page.route_for_request`) from the root of the visitor's language.

    The same as Wagtail's, which starts from `site.root_page.localized`, without the query for
    the active Locale that `localized` makes on every page view: the Welsh root comes from the
    cached versions of the home page, and English needs no lookup at all.
    """
    site = Site.find_for_request(request)
    if site is None:
        return None
    root = site.root_page
    language = active_language()
    if locale_code(root.locale_id) != language:
        translated = live_versions(root).get(language)
        if translated is not None:
            root = Page.objects.get(pk=translated.pk)
    components = [part for part in path.split("/") if part]
    # Below the home page, Wagtail's own `Page.route` finds the child and makes it specific, so
    # the home page itself need not be fetched as its specific type (a query per page view)
    # unless it is the page asked for or routes differently.
    plain = components and getattr(root.specific_class, "route", None) is Page.route
    try:
        return (root if plain else root.specific).route(request, components)
    except Http404:
        return None


def serve(request: HttpRequest, path: str) -> HttpResponse:
    """Wagtail's page view, with a fallback when the visitor's language tree lacks the page.

    `/cy/<path>` that only the English tree has shows the English page, in the Welsh interface,
    with a notice (never a 404). If the English page has a Welsh version at a different address,
    the visitor is sent there instead.
    """
    if not hasattr(request, "_wagtail_route_for_request"):
        request._wagtail_route_for_request = _route(request, path)
    if request._wagtail_route_for_request is None:
        route = _fallback_route(request, path)
        if route is not None:
            page = route[0]
            translated = live_versions(page).get(active_language())
            if translated is not None and not route[1] and not route[2]:
                url = translated.get_url(request)
                if url and url != request.path:
                    return redirect(url)
            request._wagtail_route_for_request = route  # Wagtail's own per-request cache
    from wagtail import views as wagtail_views  # needs the app registry ready

    return wagtail_views.serve(request, path)


# Members' language ------------------------------------------------------------------------------


def language_for(user: Any) -> str:
    """The language a member reads email in: their profile's choice, else the site default."""
    try:
        language = user.profile.language
    except (AttributeError, ObjectDoesNotExist):
        language = ""
    return language if language in language_codes() else default_language()


@contextlib.contextmanager
def in_language_of(user: Any) -> Iterator[str]:
    """Render (and send) what is inside in this member's chosen language."""
    language = language_for(user)
    with translation.override(language):
        yield language


@contextlib.contextmanager
def in_language_for_address(email: str) -> Iterator[str]:
    """For an email address that may not be a member's yet (an invitation, a sign-up): its
    member's language if it has one, else the language the sender is using now."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(email__iexact=email).first() if email else None
    language = language_for(user) if user is not None else active_language()
    with translation.override(language):
        yield language
