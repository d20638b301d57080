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
member's name) moves to a new generation, so every older entry stops matching at once.
Per-address purging would have to know every page a change shows on (a post appears on its
thread, the forum list, the community, the home page, theme pages and search results), and would
miss some; a generation cannot leave a stale page behind. Entries record the generation read
*before* the page was rendered, so a render that overlaps a change is stored under the old
generation and never served after it. A change inside a transaction moves the generation at
once for the process making it (the only one that can see it yet), and again for every process
when it commits, so a page rendered in between (from the old, still committed data) is never
served either.

Scopes: members post, reply, mark posts helpful and answer invitations to events far more
often than anything else changes, and most pages (projects, case studies, themes) show none of
that, so each kind of member activity has a generation of its own: "forum" (threads, posts,
thread tags, helpful marks, attachments) and "rsvps" (answers to events), as `SCOPE_MODELS` lists;
everything else watched is the "site" scope. A change moves only its own scope's generation.
Which pages show what is found out, not listed: while the middleware renders a page to keep it,
it watches every SQL statement the render runs (Django's `execute_wrapper`, on every database
connection), and the entry records, beside the site generation, the generation of every scope
whose tables a statement named (for the forum also the search index, which holds threads and
posts). Watching the SQL catches every way such content reaches a page (a view, a template tag,
a count, a search result) without anyone having to declare it. Forum content read from
somewhere else (a search engine outside the database) is declared with `forum_data_read()`;
writing the index moves the forum generation again (`search.indexing`), since a post's
documents are written after its transaction commits. A hit must match the current generation
of every scope its entry recorded. Every entry records the site generation, because every page
(a thread page too) also shows site content: so a site change empties every page and never
needs to move another scope's generation, and a post or an answer to an event leaves the pages
that read none of its tables in the cache.

Where the generations live: with a shared cache (Redis) each is a counter in that cache, moved
with one atomic `incr`, which every worker and every management command sees; all of them are
read in the same round trip as the entry. The local-memory cache belongs to one process, but
gunicorn runs several and `manage.py` commands change content from another, so there each
generation is a small file beside the SQLite database (or in `var/` for another database; a
scope's other than the site's has the scope's name added, `.forum`): every process using that
database reads it, and a committed change writes a new random value into it (an atomic rename),
plus a count of this process's own uncommitted changes in that scope. A scope's file is read only
for an entry that recorded the scope, or to store a page. An in-memory database belongs to one
process, so its generations do too.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import logging
import os
import re
import secrets
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from contextvars import ContextVar
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

# The scopes of generation (see the module docstring): "site", and one for each kind of frequent
# member activity, with the models whose changes move it. Every other watched model is "site":
# communities, events, memberships, profiles, follows, taxonomy, tags (a tag's own row is shared
# with pages) and every Wagtail page.
SITE = "site"
FORUM = "forum"
RSVPS = "rsvps"
SCOPE_MODELS = {
    FORUM: {
        "communities.thread",
        "communities.threadtag",
        "communities.post",
        "communities.helpfulmark",
        "communities.attachment",
    },
    RSVPS: {"communities.rsvp"},
}
SCOPES = (SITE, *SCOPE_MODELS)

GENERATION_KEY = "page-cache:generation"
GENERATION_KEYS = {SITE: GENERATION_KEY} | {
    scope: f"{GENERATION_KEY}:{scope}" for scope in SCOPE_MODELS
}
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
    """For an in-memory database, which no other process can change: values in this process."""

    tokens: dict[str, str] = {}

    def current(self, scope: str = SITE) -> str:
        return self.tokens.setdefault(scope, _new_token())

    def bump(self, scope: str = SITE) -> None:
        self.tokens[scope] = _new_token()


class _FileGeneration:
    """A file every process using the same database reads: a change writes a new random value.

    A fresh random value (rather than a count) means two processes changing content at the same
    moment can never end on a generation some page was already stored under. The value is written
    to a temporary file and renamed over the old one, so a reader sees the old or the new value,
    never half of one.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def path_for(self, scope: str = SITE) -> Path:
        """The site generation's file is `path`; another scope's has the scope's name added."""
        return self.path if scope == SITE else self.path.with_name(f"{self.path.name}.{scope}")

    def current(self, scope: str = SITE) -> str:
        try:
            return self.path_for(scope).read_text().strip() or self.bump(scope)
        except FileNotFoundError:
            return self.bump(scope)

    def bump(self, scope: str = SITE) -> str:
        token = _new_token()
        path = self.path_for(scope)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".page-cache-", dir=path.parent)
        try:
            with os.fdopen(handle, "w") as file:
                file.write(token)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return token


class _CacheGeneration:
    """A counter per scope in a shared cache (Redis), moved with one atomic `incr`.

    If a key is missing (a new cache, or evicted), it starts again from a random number, so
    entries stored under an earlier count can never match the new one.
    """

    keys = GENERATION_KEYS

    def __init__(self, cache: Any) -> None:
        self.cache = cache

    def current(self, scope: str = SITE, known: Any = None) -> str:
        key = self.keys[scope]
        value = known if known is not None else self.cache.get(key)
        if value is None:
            self.cache.add(key, secrets.randbits(48), None)
            value = self.cache.get(key)
        return str(value)

    def bump(self, scope: str = SITE) -> None:
        key = self.keys[scope]
        try:
            self.cache.incr(key)
        except ValueError:  # no counter yet: any fresh random start invalidates everything
            self.cache.set(key, secrets.randbits(48), None)


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


# Changes this process made inside transactions not yet committed, per scope. Only this process
# can see such a change (no other connection reads uncommitted data), and local-memory entries
# belong to this process alone, so with the local-memory cache the count is part of the
# generation: moving it costs nothing, and the shared file is written once per transaction, after
# it commits, instead of once per saved row (about a millisecond each, measured). Each scope has
# its own count: a shared one would move the site generation of every process a member posts
# through (the count is never reset), and with local-memory entries kept per process that would
# empty the site pages of every worker during forum activity, which the scopes are there to stop.
_uncommitted_changes = itertools.count()
_local_changes: dict[str, int] = dict.fromkeys(SCOPES, 0)


def _current_generation(store: _ProcessGeneration | _FileGeneration, scope: str = SITE) -> str:
    return f"{store.current(scope)}.{_local_changes[scope]}"


def current_generation(scope: str = SITE) -> str:
    """The generation of `scope` pages rendered now are stored under (and hits must match)."""
    store = _generation_store()
    if isinstance(store, _CacheGeneration):
        return store.current(scope)
    return _current_generation(store, scope)


def _bump_local(scope: str) -> None:
    _local_changes[scope] = next(_uncommitted_changes) + 1


def bump_generation(scope: str = SITE) -> None:
    """Move `scope` to a new generation now, for every process: every stored page that recorded
    it stops matching (moving the site generation empties every page).

    Never raises: a cache or disk that is down must not stop an editor publishing or a member
    posting. The failure is logged; entries then expire within `PAGE_CACHE_SECONDS`.
    """
    if cache_seconds() <= 0:
        return
    try:
        _bump_local(scope)
        _generation_store().bump(scope)
    except Exception:
        logger.exception("Could not move the page cache to a new %s generation", scope)


def _bump_uncommitted(scope: str) -> None:
    """A change inside a transaction: visible only to this process until it commits.

    With a shared cache the counter there moves at once all the same (one `incr`), since the
    process's entries are everyone's; with the local-memory cache only this process's part does.
    """
    if cache_seconds() <= 0:
        return
    try:
        store = _generation_store()
        if isinstance(store, _CacheGeneration):
            store.bump(scope)
        else:
            _bump_local(scope)
    except Exception:
        logger.exception("Could not move the page cache to a new %s generation", scope)


def _bump_after_commit(using: str, scope: str) -> None:
    """Move `scope` again once the current transaction commits (once per transaction and scope,
    however many changes it makes). Outside a transaction the change is already committed."""
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        return
    queue = connection.run_on_commit
    pending = getattr(connection, "_page_cache_pending", None)
    if not isinstance(pending, dict):
        pending = connection._page_cache_pending = {}
    if scope in pending:
        index, callback = pending[scope]
        if index < len(queue) and queue[index][1] is callback:
            return

    def callback() -> None:
        bump_generation(scope)

    pending[scope] = (len(queue), callback)
    transaction.on_commit(callback, using=using, robust=True)


def scope_of(model: Any) -> str:
    """The scope a change to `model` (a model class, or anything else a signal sends) moves."""
    label = getattr(getattr(model, "_meta", None), "label_lower", None)
    return next((scope for scope, labels in SCOPE_MODELS.items() if label in labels), SITE)


def content_changed(sender: Any = None, **kwargs: Any) -> None:
    """Signal receiver: something anonymous visitors may see has changed (in `sender`'s scope)."""
    action = kwargs.get("action")
    if action is not None and not action.startswith("post_"):
        return  # m2m_changed sends pre_add/pre_remove/pre_clear too; the post_ ones suffice
    mark_changed(scope_of(sender), kwargs.get("using") or DEFAULT_DB_ALIAS)


def mark_changed(scope: str = SITE, using: str = DEFAULT_DB_ALIAS) -> None:
    """Something in `scope` changed through the database connection `using`: move its
    generation now if that change is committed, else now for this process and again on commit.
    Never raises (see `bump_generation`)."""
    try:
        in_transaction = transaction.get_connection(using).in_atomic_block
    except Exception:
        in_transaction = False
    if not in_transaction:
        bump_generation(scope)  # already committed: every process must see it
        return
    _bump_uncommitted(scope)
    try:
        _bump_after_commit(using, scope)
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


# Tables that hold a scope's content without being its models' own. The search index has a
# document per thread with its posts' text (communities.search_sources), so a page that reads it
# (the search results) depends on the forum. The FTS5 tables are SQLite's; PostgreSQL searches the
# first.
SCOPE_TABLES = {
    FORUM: (
        "search_searchdocument",
        "search_searchchange",
        "search_document_fts",
        "search_document_words",
        "search_document_vocab",
    ),
}


class TableNames:
    """Some tables' names, to find as whole words (quoted or not) in SQL text."""

    def __init__(self, names: Iterable[str]) -> None:
        self.names = tuple(sorted({name.lower() for name in names}, key=len, reverse=True))
        self.pattern = re.compile(rf"\b(?:{'|'.join(map(re.escape, self.names))})\b")

    def in_sql(self, lowered: str) -> bool:
        """Whether this SQL (already lower-cased) names one of the tables. A plain substring
        test first, the whole-word one only then: ten times faster than the pattern alone on
        the 28 KB of SQL a project page runs (0.2 ms against 2 ms, measured)."""
        return any(name in lowered for name in self.names) and bool(self.pattern.search(lowered))


@functools.cache
def scope_tables() -> dict[str, TableNames]:
    """Each scope's tables (but the site's), to find in the SQL a render runs: the tables of
    its models and those `SCOPE_TABLES` adds."""
    from django.apps import apps

    return {
        scope: TableNames(
            {apps.get_model(label)._meta.db_table for label in labels}
            | set(SCOPE_TABLES.get(scope, ()))
        )
        for scope, labels in SCOPE_MODELS.items()
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


# What a render reads -----------------------------------------------------------------------------


class _Reads:
    """The scopes (but the site) the page being rendered read content of."""

    __slots__ = ("scopes",)

    def __init__(self) -> None:
        self.scopes: set[str] = set()


_rendering: ContextVar[_Reads | None] = ContextVar("page_cache_rendering", default=None)


def forum_data_read() -> None:
    """Say that the page being rendered shows forum content read from outside the database
    (a search engine's index, say), so its entry follows the forum generation too.

    Forum tables read with SQL are noticed without this. Outside a render it does nothing.
    """
    reads = _rendering.get()
    if reads is not None:
        reads.scopes.add(FORUM)


class _SqlWatch:
    """A database execute wrapper: notes the scopes whose tables a statement names."""

    def __init__(self, reads: _Reads) -> None:
        self.reads = reads
        self.tables = scope_tables()

    def __call__(self, execute: Callable, sql: Any, params: Any, many: bool, context: Any) -> Any:
        if len(self.reads.scopes) < len(self.tables):
            lowered = (sql if isinstance(sql, str) else str(sql)).lower()
            for scope, tables in self.tables.items():
                if scope not in self.reads.scopes and tables.in_sql(lowered):
                    self.reads.scopes.add(scope)
        return execute(sql, params, many, context)


@contextmanager
def _watching(watch: _SqlWatch) -> Iterator[None]:
    """Note in `watch.reads` which scopes the code run inside reads, through SQL on any
    database connection of this thread, or by calling `forum_data_read`."""
    token = _rendering.set(watch.reads)
    try:
        with ExitStack() as stack:
            for alias in connections:
                stack.enter_context(connections[alias].execute_wrapper(watch))
            yield
    finally:
        _rendering.reset(token)


def _recorded(entry: Any) -> dict[str, str] | None:
    """The generations an entry was stored under, by scope (None for an entry of another form)."""
    recorded = entry[0] if isinstance(entry, tuple) and entry else None
    return recorded if isinstance(recorded, dict) and SITE in recorded else None


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
            entry, generations = self.read(cache, store, key)
            recorded = _recorded(entry)
            if recorded is not None and all(
                generations.get(scope) == value for scope, value in recorded.items()
            ):
                return self.replay(request, entry)
            for scope in SCOPES:  # read before rendering, as the entry will record them
                if scope not in generations:
                    generations[scope] = _current_generation(store, scope)
            reads = _Reads()
            watch = _SqlWatch(reads)
        except Exception:
            logger.exception("The page cache could not be read; serving without it")
            return self.get_response(request)
        with _watching(watch):
            response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        if self.may_store(request, response):
            scopes = [scope for scope in SCOPES if scope == SITE or scope in reads.scopes]
            entry = (
                {scope: generations[scope] for scope in scopes},
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

    def read(self, cache: Any, store: Any, key: str) -> tuple[Any, dict[str, str]]:
        """The entry kept under `key` (or None) and the current generations it needs.

        With a shared cache every generation comes in the same round trip as the entry; with
        generation files a scope's (but the site's) is read only if the entry recorded it.
        """
        if isinstance(store, _CacheGeneration):
            found = cache.get_many([*(store.keys[scope] for scope in SCOPES), key])
            generations = {
                scope: store.current(scope, found.get(store.keys[scope])) for scope in SCOPES
            }
            return found.get(key), generations
        entry = cache.get(key)
        recorded = _recorded(entry)
        scopes = [scope for scope in SCOPES if recorded is not None and scope in recorded]
        return entry, {scope: _current_generation(store, scope) for scope in scopes or (SITE,)}

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
        _generations, stored_at, status, headers, body, csp = entry
        response = HttpResponse(b"" if request.method == "HEAD" else body, status=status)
        for name, value in headers:
            response[name] = value
        for name, value in csp.items():
            setattr(response, name, value)
        response["Age"] = str(max(0, int(time.time() - stored_at)))
        response["X-Cache"] = "hit"
        return response
