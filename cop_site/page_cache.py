"""Whole-page cache for anonymous readers, emptied by moving to a new generation of entries.

Most people read the exchange without signing in, and what they see depends only on the address
and the language, so a page rendered for one anonymous visitor can be replayed to the next. The
middleware keeps a page's response (status, headers, body) in the cache for
`PAGE_CACHE_SECONDS` and replays it with `X-Cache: hit` and an `Age`; the security headers,
the request id and the language cookie are added afresh by the middleware around it.

It is only for requests that cannot be personal: GET or HEAD under a language prefix (/en/, /cy/),
with no cookie but the CSRF and language ones (so no session: nobody signed in, no pending
messages), no `Authorization`, not a Wagtail preview. A response is kept only when it is a 200,
not streamed, sets no cookie (a page that used the CSRF token sets one, so forms are never
replayed), did not change the session, was not for a signed-in user, does not say `private`,
`no-cache`, `no-store` or `max-age=0`, and varies on nothing but the cookie and the language.

Emptying: every entry records the generation it was rendered in, and any change that anyone
may see (a page published, unpublished, moved, renamed or deleted, a view restriction, community
threads, posts, events and memberships, taxonomy, savings records, images, documents, tags, a
member's name) moves the site to a new generation, so every older entry stops matching at once.
Per-address purging would have to know every page a change shows on (a post appears on its
thread, the forum list, the community, the home page, theme pages and search results), and would
miss some; a generation cannot leave a stale page behind. Entries record the generation read
*before* the page was rendered, so a render that overlaps a change is stored under the old
generation and never served after it. A change inside a transaction moves the generation at
once for the process making it (the only one that can see it yet), and again for every process
when it commits, so a page rendered in between (from the old, still committed data) is never
served either.

Where the generation lives: with a shared cache (Redis) it is a counter in that cache, moved
with one atomic `incr`, which every worker and every management command sees. The local-memory
cache belongs to one process, but gunicorn runs several and `manage.py` commands change content
from another, so there the generation is a small file beside the SQLite database (or in
`var/` for another database): every process using that database reads it, and a committed
change writes a new random value into it (an atomic rename), plus a count of this process's own
uncommitted changes. An in-memory database belongs to one process, so its generation does too.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import os
import re
import secrets
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import cc_delim_re, patch_vary_headers

logger = logging.getLogger(__name__)

GENERATION_KEY = "page-cache:generation"
ENTRY_PREFIX = "page-cache:page:"

# Paths under the language prefix that are never kept, even when they answer 200 to a visitor
# with no cookie: sign-in, sign-up and password pages, addresses that carry a personal token
# (unsubscribe, invitation, calendar feeds), and files served through a permission check.
EXCLUDED_PATHS = re.compile(
    r"^/[^/]+/(?:accounts|notifications|invitations|attachments|admin)/|\.ics$"
)
# What a stored response may vary on: the cookie (only cookie-less requests are served from the
# cache) and the language (part of the key). Anything else, and the response is not kept.
ALLOWED_VARY = {"cookie", "accept-language", "accept-encoding"}
# Per-response CSP changes made by django-csp's view decorators, carried over to a replay.
CSP_ATTRIBUTES = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_exempt",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
    "_csp_exempt_ro",
)


def cache_seconds() -> int:
    """How long a page is kept: `PAGE_CACHE_SECONDS`; 0 turns the page cache off."""
    return int(getattr(settings, "PAGE_CACHE_SECONDS", 0))


def page_cache() -> Any:
    """The cache the pages (and, with a shared cache, the generation) are kept in."""
    return caches[getattr(settings, "PAGE_CACHE_ALIAS", "default")]


# Generations ------------------------------------------------------------------------------------


def _new_token() -> str:
    return secrets.token_hex(8)


class _ProcessGeneration:
    """For an in-memory database, which no other process can change: a value in this process."""

    token = _new_token()

    def current(self) -> str:
        return self.token

    def bump(self) -> None:
        type(self).token = _new_token()


class _FileGeneration:
    """A file every process using the same database reads: a change writes a new random value.

    A fresh random value (rather than a count) means two processes changing content at the same
    moment can never end on a generation some page was already stored under. The value is written
    to a temporary file and renamed over the old one, so a reader sees the old or the new value,
    never half of one.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def current(self) -> str:
        try:
            return self.path.read_text().strip() or self.bump()
        except FileNotFoundError:
            return self.bump()

    def bump(self) -> str:
        token = _new_token()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".page-cache-", dir=self.path.parent)
        try:
            with os.fdopen(handle, "w") as file:
                file.write(token)
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return token


class _CacheGeneration:
    """A counter in a shared cache (Redis), moved with one atomic `incr`.

    If the key is missing (a new cache, or evicted), it starts again from a random number, so
    entries stored under an earlier count can never match the new one.
    """

    def __init__(self, cache: Any) -> None:
        self.cache = cache

    def current(self, known: Any = None) -> str:
        value = known if known is not None else self.cache.get(GENERATION_KEY)
        if value is None:
            self.cache.add(GENERATION_KEY, secrets.randbits(48), None)
            value = self.cache.get(GENERATION_KEY)
        return str(value)

    def bump(self) -> None:
        try:
            self.cache.incr(GENERATION_KEY)
        except ValueError:  # no counter yet: any fresh random start invalidates everything
            self.cache.set(GENERATION_KEY, secrets.randbits(48), None)


def _file_for_database() -> Path | None:
    """The generation file for the default database, or None for an in-memory database."""
    connection = connections[DEFAULT_DB_ALIAS]
    database = connection.settings_dict
    if connection.vendor == "sqlite":
        if connection.is_in_memory_db():
            return None
        return Path(f"{database['NAME']}.page-cache")
    name = (
        "-".join(str(database.get(part) or "") for part in ("HOST", "PORT", "NAME"))
        or connection.vendor
    )
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{connection.vendor}-{name}")
    return Path(settings.VAR_DIR) / f"page-cache-{safe}.generation"


def _generation_store() -> _ProcessGeneration | _FileGeneration | _CacheGeneration:
    cache = page_cache()
    if not isinstance(cache, LocMemCache):
        return _CacheGeneration(cache)
    path = _file_for_database()
    return _ProcessGeneration() if path is None else _FileGeneration(path)


# Changes this process made inside transactions not yet committed. Only this process can see such
# a change (no other connection reads uncommitted data), and local-memory entries belong to this
# process alone, so with the local-memory cache the count is part of the generation: moving it
# costs nothing, and the shared file is written once per transaction, after it commits, instead
# of once per saved row (about a millisecond each, measured).
_uncommitted_changes = itertools.count()
_local_changes = 0


def _current_generation(store: _ProcessGeneration | _FileGeneration) -> str:
    return f"{store.current()}.{_local_changes}"


def current_generation() -> str:
    """The generation pages rendered now are stored under (and hits must match)."""
    store = _generation_store()
    return store.current() if isinstance(store, _CacheGeneration) else _current_generation(store)


def _bump_local() -> None:
    global _local_changes
    _local_changes = next(_uncommitted_changes) + 1


def bump_generation() -> None:
    """Move to a new generation now, for every process: every stored page stops matching.

    Never raises: a cache or disk that is down must not stop an editor publishing or a member
    posting. The failure is logged; entries then expire within `PAGE_CACHE_SECONDS`.
    """
    if cache_seconds() <= 0:
        return
    try:
        _bump_local()
        _generation_store().bump()
    except Exception:
        logger.exception("Could not move the page cache to a new generation")


def _bump_uncommitted() -> None:
    """A change inside a transaction: visible only to this process until it commits.

    With a shared cache the counter there moves at once all the same (one `incr`), since the
    process's entries are everyone's; with the local-memory cache only this process's part does.
    """
    if cache_seconds() <= 0:
        return
    try:
        store = _generation_store()
        if isinstance(store, _CacheGeneration):
            store.bump()
        else:
            _bump_local()
    except Exception:
        logger.exception("Could not move the page cache to a new generation")


def _bump_after_commit(using: str) -> None:
    """Move again once the current transaction commits (once per transaction, however many
    changes it makes). Outside a transaction the change is already committed."""
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        return
    queue = connection.run_on_commit
    pending = getattr(connection, "_page_cache_pending", None)
    if pending is not None:
        index, callback = pending
        if index < len(queue) and queue[index][1] is callback:
            return

    def callback() -> None:
        bump_generation()

    connection._page_cache_pending = (len(queue), callback)
    transaction.on_commit(callback, using=using, robust=True)


def content_changed(sender: Any = None, **kwargs: Any) -> None:
    """Signal receiver: something anonymous visitors may see has changed."""
    action = kwargs.get("action")
    if action is not None and not action.startswith("post_"):
        return  # m2m_changed sends pre_add/pre_remove/pre_clear too; the post_ ones suffice
    using = kwargs.get("using") or DEFAULT_DB_ALIAS
    try:
        in_transaction = transaction.get_connection(using).in_atomic_block
    except Exception:
        in_transaction = False
    if not in_transaction:
        bump_generation()  # already committed: every process must see it
        return
    _bump_uncommitted()
    try:
        _bump_after_commit(using)
    except Exception:
        logger.exception("Could not schedule the page cache's move after commit")


# A page saved with only these fields changed a draft, a lock or editors' comments: none of them
# shows on the live page, so saving a draft does not empty the cache (publishing it does).
DRAFT_ONLY_FIELDS = {
    "latest_revision",
    "latest_revision_created_at",
    "draft_title",
    "has_unpublished_changes",
    "locked",
    "locked_at",
    "locked_by",
    "wagtail_admin_comments",
}


def _page_changed(sender: Any, update_fields: Iterable[str] | None = None, **kwargs: Any) -> None:
    """A page was saved: empty the cache unless only its draft, lock or comments changed."""
    if update_fields is not None and set(update_fields) <= _draft_only_fields():
        return
    content_changed(sender, **kwargs)


def _draft_only_fields() -> set[str]:
    from wagtail.models import COMMENTS_RELATION_NAME

    return DRAFT_ONLY_FIELDS | {COMMENTS_RELATION_NAME}


def _user_changed(sender: Any, update_fields: Iterable[str] | None = None, **kwargs: Any) -> None:
    """A member's name shows on their posts and profile; a sign-in (last_login only) shows
    nowhere, so it does not empty the cache."""
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    content_changed(sender, **kwargs)


# Which changes count ----------------------------------------------------------------------------

# Every model of these apps is shown on public pages (pages, taxonomy, savings, projects,
# communities, tags, images, documents), except those listed in IGNORED_MODELS.
WATCHED_APPS = {"cop_site", "learning", "projects", "communities", "taggit", "wagtailimages"}
WATCHED_APPS |= {"wagtaildocs"}
# Wagtail's own models that change what a page shows or who may see it (every Page subclass is
# watched wherever it lives).
WATCHED_MODELS = {
    "wagtailcore.page",
    "wagtailcore.pageviewrestriction",
    "wagtailcore.site",
    "wagtailcore.locale",
}
# Never on a page an anonymous visitor can read, or made while a page renders (image renditions),
# so a change to them must not empty the cache.
IGNORED_MODELS = {
    "wagtailimages.rendition",
    "communities.notification",
    "communities.notificationpreference",
    "communities.digestdelivery",
    "communities.contactmessage",
    "communities.invitation",
    "communities.flag",
    "communities.moderationaction",
    "communities.postrevision",
    "communities.mention",
    "communities.eventmessage",
}


def watched_models() -> list[type]:
    """The models whose saves and deletes empty the page cache."""
    from django.apps import apps
    from wagtail.models import Page

    found = []
    for model in apps.get_models():
        label = model._meta.label_lower
        if label in IGNORED_MODELS:
            continue
        if (
            model._meta.app_label in WATCHED_APPS
            or label in WATCHED_MODELS
            or issubclass(model, Page)
        ):
            found.append(model)
    return found


def connect_signals() -> None:
    """Connect the receivers (from `CopSiteConfig.ready`): saves, deletes and many-to-many
    changes of the watched models, a member's name, and Wagtail's page publishing signals.

    Receivers are connected per model, never for every sender: a delete receiver on a model
    stops Django's fast bulk delete for it, which must not happen to sessions or notifications.
    """
    from django.contrib.auth import get_user_model
    from django.db.models.signals import m2m_changed, post_delete, post_save
    from wagtail.models import Page
    from wagtail.signals import (
        page_published,
        page_slug_changed,
        page_unpublished,
        post_page_move,
    )

    for model in watched_models():
        uid = f"page-cache-{model._meta.label_lower}"
        on_save = _page_changed if issubclass(model, Page) else content_changed
        post_save.connect(on_save, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(content_changed, sender=model, dispatch_uid=f"{uid}-delete")
        for field in model._meta.local_many_to_many:
            through = field.remote_field.through
            m2m_changed.connect(
                content_changed,
                sender=through,
                dispatch_uid=f"page-cache-{through._meta.label_lower}-m2m",
            )
    user = get_user_model()
    post_save.connect(_user_changed, sender=user, dispatch_uid="page-cache-user-save")
    post_delete.connect(content_changed, sender=user, dispatch_uid="page-cache-user-delete")
    for name, connect in {
        "published": page_published.connect,
        "unpublished": page_unpublished.connect,
        "moved": post_page_move.connect,
        "slug": page_slug_changed.connect,
    }.items():
        connect(content_changed, dispatch_uid=f"page-cache-page-{name}")


# The middleware ---------------------------------------------------------------------------------


def _language_prefix_pattern() -> re.Pattern[str]:
    codes = "|".join(re.escape(code) for code, _name in settings.LANGUAGES)
    return re.compile(rf"^/(?:{codes})/")


class AnonymousPageCacheMiddleware:
    """Replay pages to anonymous readers from the cache (see the module docstring).

    Placed after the language middleware (the language is known, and its cookie is set on every
    reply) and before CSRF, authentication and messages (whose cookies and session use it must
    see, to leave such responses out). The request log, security headers and CSP sit outside it,
    so a replay gets a fresh request id and the same policy headers as a rendered page.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.prefix = _language_prefix_pattern()

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not self.may_use_cache(request):
            return self.get_response(request)
        cache = page_cache()
        key = self.key(request)
        try:
            store = _generation_store()
            if isinstance(store, _CacheGeneration):
                found = cache.get_many([GENERATION_KEY, key])
                generation = store.current(found.get(GENERATION_KEY))
            else:
                found = {key: cache.get(key)}
                generation = _current_generation(store)
        except Exception:
            logger.exception("The page cache could not be read; serving without it")
            return self.get_response(request)
        entry = found.get(key)
        if entry is not None and entry[0] == generation:
            return self.replay(request, entry)
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        if self.may_store(request, response):
            entry = (
                generation,
                time.time(),
                response.status_code,
                list(response.items()),
                response.content,
                {
                    name: getattr(response, name)
                    for name in CSP_ATTRIBUTES
                    if hasattr(response, name)
                },
            )
            try:
                cache.set(key, entry, cache_seconds())
            except Exception:
                logger.exception("The page cache could not store %s", request.path)
            response["X-Cache"] = "miss"
        else:
            response["X-Cache"] = "pass"
        return response

    def may_use_cache(self, request: HttpRequest) -> bool:
        """Whether this request is one whose page is the same for every anonymous visitor."""
        if cache_seconds() <= 0 or isinstance(page_cache(), DummyCache):
            return False
        if request.method not in ("GET", "HEAD"):
            return False
        path = request.path_info
        if not self.prefix.match(path) or EXCLUDED_PATHS.search(path):
            return False
        if getattr(request, "is_dummy", False) or "HTTP_AUTHORIZATION" in request.META:
            return False  # a Wagtail preview; or credentials of some other kind
        harmless = {settings.CSRF_COOKIE_NAME, settings.LANGUAGE_COOKIE_NAME}
        return all(name in harmless for name in request.COOKIES)

    def key(self, request: HttpRequest) -> str:
        """The entry's key: scheme, host, path with query string, and language."""
        language = getattr(request, "LANGUAGE_CODE", "") or ""
        parts = "\n".join(
            (request.scheme or "", request.get_host(), request.get_full_path(), language)
        )
        return ENTRY_PREFIX + hashlib.sha256(parts.encode("utf-8", "surrogateescape")).hexdigest()

    def may_store(self, request: HttpRequest, response: HttpResponseBase) -> bool:
        """Whether this response is the same for every anonymous visitor and may be replayed."""
        if request.method != "GET" or response.status_code != 200 or response.streaming:
            return False
        if response.cookies or request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
            return False  # a cookie (CSRF token used, messages queued) belongs to this visitor
        session = getattr(request, "session", None)
        if session is not None and session.modified:
            return False
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return False
        if isinstance(getattr(request, "_csp_nonce", None), str):
            return False  # the body holds this response's nonce
        directives = {
            part.strip().lower()
            for part in cc_delim_re.split(response.get("Cache-Control", ""))
            if part.strip()
        }
        if directives & {"private", "no-cache", "no-store", "max-age=0"}:
            return False
        vary = {
            part.strip().lower()
            for part in cc_delim_re.split(response.get("Vary", ""))
            if part.strip()
        }
        if not vary <= ALLOWED_VARY:
            return False
        limit = int(getattr(settings, "PAGE_CACHE_MAX_BYTES", 2 << 20))
        return len(response.content) <= limit

    def replay(self, request: HttpRequest, entry: tuple) -> HttpResponse:
        """A response rebuilt from a stored entry, marked as a hit with its age."""
        _generation, stored_at, status, headers, body, csp = entry
        response = HttpResponse(b"" if request.method == "HEAD" else body, status=status)
        for name, value in headers:
            response[name] = value
        for name, value in csp.items():
            setattr(response, name, value)
        response["Age"] = str(max(0, int(time.time() - stored_at)))
        response["X-Cache"] = "hit"
        return response
