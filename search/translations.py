"""Which language each page's search document is in, and where else the same page exists.

The page source calls `add_languages` on every batch of page documents, so the index knows each
page's language and, for a page translated into Welsh (or back), that another version exists.
Searches then show each page once, in the visitor's language where it can (see
`EngineQuery.language`). Publishing, unpublishing or deleting one version changes what its
other versions say, so `connect` re-indexes them too.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete
from wagtail.models import Page
from wagtail.signals import page_published, page_unpublished

from cop_site.i18n import content_language, locale_code
from learning.models.base import access_tokens_for_path
from search.documents import IndexDocument


def add_languages(documents: list[IndexDocument], pages: Iterable[Page]) -> None:
    """Set `language` and `also_in` on the documents of these pages, in one query.

    A document lists another language only where everyone who may find it may also find the
    version in that language (its access tokens include all of this one's): otherwise hiding
    it in favour of that version would hide the page altogether from some people.
    """
    by_key = {document.key: document for document in documents}
    pages = [page for page in pages if f"page:{page.pk}" in by_key]
    if not pages:
        return
    versions: dict[Any, list[tuple[int, str, str]]] = {}
    rows = (
        Page.objects.live()
        .filter(translation_key__in={page.translation_key for page in pages})
        .values_list("pk", "translation_key", "locale_id", "path", "alias_of_id")
    )
    for pk, key, locale_id, path, alias_of in rows:
        if alias_of:
            continue  # a synced alias is a copy of its original, not another language's version
        versions.setdefault(key, []).append((pk, locale_code(locale_id), path))
    for page in pages:
        document = by_key[f"page:{page.pk}"]
        document.language = content_language(page)
        mine = set(document.access)
        document.also_in = sorted(
            {
                language
                for pk, language, path in versions.get(page.translation_key, [])
                if pk != page.pk
                and language != document.language
                and mine <= set(access_tokens_for_path(path))
            }
        )


def reindex_other_versions(page: Page) -> None:
    """Re-index the other language versions of `page` (their `also_in` may have changed)."""
    from learning.search_sources import reindex_pages

    others = list(
        Page.objects.filter(translation_key=page.translation_key)
        .exclude(pk=page.pk)
        .values_list("pk", flat=True)
    )
    if others:
        reindex_pages(others)


def _on_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    if isinstance(instance, Page) and getattr(instance, "translation_key", None):
        # robust: what was saved stays saved; if this follow-up fails (database gone,
        # engine down) it is logged, not shown as an error page for something that was kept.
        transaction.on_commit(lambda: reindex_other_versions(instance), robust=True)


def connect() -> None:
    """Keep translations' documents in step when one version is published or withdrawn."""
    page_published.connect(_on_changed, dispatch_uid="search-translations-published")
    page_unpublished.connect(_on_changed, dispatch_uid="search-translations-unpublished")
    post_delete.connect(_on_changed, sender=Page, dispatch_uid="search-translations-deleted")
