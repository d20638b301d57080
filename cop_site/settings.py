"""Settings for the learning exchange, read from the environment.

One module serves development, tests and production so that the differences between them are
visible in one place. `DJANGO_ENV` picks the profile (`development` by default, `test` when
running under pytest, `production` for deployments); every other variable only overrides a
sensible default, so a fresh clone runs with no configuration at all.
"""

from __future__ import annotations

import os
import secrets
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
PROJECT_DIR = BASE_DIR / "cop_site"
VAR_DIR = Path(os.environ.get("DJANGO_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    """Read a yes/no variable; accepts the spellings people actually type."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    """Read a comma-separated list, ignoring blanks."""
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


ENV = os.environ.get("DJANGO_ENV") or ("test" if "pytest" in sys.modules else "development")
TESTING = ENV == "test"
PRODUCTION = ENV == "production"
DEBUG = env_bool("DJANGO_DEBUG", default=ENV == "development")


def _secret_key() -> str:
    """Use DJANGO_SECRET_KEY; in development keep a generated key in an ignored local file.

    A production deployment must never fall back to a key on disk it did not choose, so there a
    missing key is a configuration error rather than a silent default.
    """
    key = os.environ.get("DJANGO_SECRET_KEY")
    if key:
        return key
    if PRODUCTION and not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_ENV=production.")
    if TESTING:
        return "test-only-not-secret"
    key_file = BASE_DIR / ".secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", ["*"] if DEBUG or TESTING else ["localhost", "127.0.0.1"]
)
PORT = int(os.environ.get("PORT", "8000"))

INSTALLED_APPS = [
    "cop_site",
    "learning",
    "projects",
    "communities",
    "search",
    "wagtail.contrib.routable_page",
    "wagtail.api.v2",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "rest_framework",
    "django_filters",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.syndication",
    "django.contrib.sitemaps",
    "allauth",
    "allauth.account",
    "django_tasks",
    "django_tasks_db",
    # Production hardening: login throttling (django-axes) and the Content Security Policy
    # (django-csp); configured in the "Production hardening" block below.
    "axes",
    "csp",
    # Welsh and English (see the "Cymraeg" block below): Wagtail's locales and its simple
    # translation of pages in the admin.
    "wagtail.locales",
    "wagtail.contrib.simple_translation",
]

MIDDLEWARE = [
    # Production hardening (see that block below): the request log is outermost so its duration
    # covers everything; the header middleware sit beside SecurityMiddleware.
    "cop_site.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "cop_site.middleware.PermissionsPolicyMiddleware",
    "cop_site.middleware.ContentSecurityPolicyMiddleware",
    "cop_site.middleware.RejectNullCharactersMiddleware",
    # A database that cannot be reached gives a 503 page with Retry-After, not a 500; inside the
    # header middleware so that page carries the same security headers.
    "cop_site.middleware.DatabaseUnavailableMiddleware",
    # A body that ends before its Content-Length (the member's connection dropped) is refused
    # rather than half saved; before CSRF, the first middleware to read a body.
    "cop_site.middleware.IncompleteBodyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Cymraeg (see that block below): the language from the /en/ or /cy/ prefix (unprefixed
    # pages redirect there), then the visitor's remembered choice and machine endpoints' English.
    "cop_site.middleware.LocaleMiddleware",
    "cop_site.middleware.LanguagePreferenceMiddleware",
    # Anonymous pages replayed from the cache (see "Page cache" below): inside the language and
    # header middleware (fresh cookie, request id and policy headers on every reply), outside
    # CSRF, authentication and messages (so it sees their cookies and leaves those pages out).
    "cop_site.page_cache.AnonymousPageCacheMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last, as django-axes asks: turns a sign-in it flagged as locked out into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cop_site.urls"
WSGI_APPLICATION = "cop_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cop_site.context_processors.navigation",
            ],
        },
    },
]

# SQLite by default. WAL lets readers carry on while one writer commits; IMMEDIATE transactions
# take the write lock up front so concurrent writers queue for `timeout` seconds instead of
# failing with "database is locked" half-way through (measured: 800/800 commits versus ~120/800).
SQLITE_PATH = Path(os.environ.get("SQLITE_PATH", VAR_DIR / "db.sqlite3"))
SQLITE_OPTIONS = {
    "timeout": 10,
    "transaction_mode": "IMMEDIATE",
    "init_command": (
        "PRAGMA journal_mode=WAL;"
        "PRAGMA synchronous=NORMAL;"
        "PRAGMA busy_timeout=10000;"
        "PRAGMA foreign_keys=ON;"
    ),
}
if os.environ.get("DATABASE_URL"):
    DATABASES = {
        "default": dj_database_url.parse(
            os.environ["DATABASE_URL"], conn_max_age=60, conn_health_checks=True
        )
    }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Fail fast when the server is unreachable (libpq would otherwise wait indefinitely),
        # so /health/ and pages answer with an error instead of hanging a worker.
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
            "connect_timeout", int(os.environ.get("DATABASE_CONNECT_TIMEOUT", "5"))
        )
    elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        # A sqlite:/// URL gets the same safe options as SQLITE_PATH (without them concurrent
        # writers failed with "database is locked" within half a second under the load test).
        DATABASES["default"]["OPTIONS"] = {
            **SQLITE_OPTIONS,
            **DATABASES["default"].get("OPTIONS", {}),
        }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            "OPTIONS": SQLITE_OPTIONS,
            "TEST": {"NAME": os.environ.get("SQLITE_TEST_PATH") or None},
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "cop-site",
    }
}
# Real engines: REDIS_URL (redis://host:6379/0, rediss:// for TLS) gives every process one shared
# cache, so what one worker clears (e.g. after publishing) is cleared for all, and sessions are
# read from it (`cached_db`: still written to the database, so a Redis restart signs nobody out).
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    _redis_location = REDIS_URL
    if TESTING and os.environ.get("PYTEST_XDIST_WORKER"):
        # Each test process clears the cache around every test (FLUSHDB): give each xdist
        # worker its own Redis database so one never empties another's mid-test.
        from urllib.parse import urlsplit, urlunsplit

        _url = urlsplit(REDIS_URL)
        _base = int(_url.path.strip("/") or 0)
        _worker = int(os.environ["PYTEST_XDIST_WORKER"].removeprefix("gw") or 0)
        _redis_location = urlunsplit(_url._replace(path=f"/{_base + 1 + _worker}"))
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": _redis_location,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "exchange"),
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                # Seconds: an unreachable Redis fails a request (and /health/) quickly.
                "SOCKET_CONNECT_TIMEOUT": 2,
                "SOCKET_TIMEOUT": 2,
            },
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# Page cache (cop_site.page_cache): pages read without signing in are kept whole for this many
# seconds (0 turns it off) in the default cache, and all of them are dropped at once whenever
# content anyone may see changes; the time limit is only a safety net.
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "300"))
PAGE_CACHE_ALIAS = "default"
PAGE_CACHE_MAX_BYTES = 2 << 20

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    # Real hashing costs ~100 ms per login; tests log in hundreds of times.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Cymraeg (Welsh) and English --------------------------------------------------------------------
# Every interface page lives under /en/ or /cy/ (cop_site/urls.py); machine endpoints (admin, API,
# data files, feeds, sitemap, health, calendars) stay unprefixed. The interface strings come from
# locale/cy/LC_MESSAGES/django.po (compiled by `make run` and `make test`). Pages are translated
# in the admin with Wagtail's simple translation: the English tree is the source of truth, the
# Welsh tree holds the translated pages, and a /cy/ address with no Welsh page shows the English
# one with a notice (cop_site/i18n.py). See README, "Cymraeg (Welsh)".
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("cy", "Cymraeg")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
# No alias copies of every English page in the Welsh tree: untranslated pages are served by the
# fallback instead, so facts (savings, people, threads) are never copied into a second tree.
WAGTAILSIMPLETRANSLATION_SYNC_PAGE_TREE = False
# The language a visitor last chose (by visiting /en/ or /cy/), so unprefixed links keep it.
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = PRODUCTION
LANGUAGE_COOKIE_HTTPONLY = True
# Account emails in the member's language, and sign-in/out redirects to the visitor's.
ACCOUNT_ADAPTER = "communities.adapter.AccountAdapter"
TIME_ZONE = "Europe/London"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "static_collected"))
# Outside production WhiteNoise serves straight from the apps' static folders (no collectstatic).
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Real engines: with AWS_STORAGE_BUCKET_NAME set, uploaded media (images, documents) go to
# S3-compatible object storage through django-storages, so several app servers share them and
# the app's disk holds nothing to back up. AWS_S3_ENDPOINT_URL points at a non-AWS service
# (MinIO, Ceph, a cloud's S3 API); credentials come from AWS_ACCESS_KEY_ID and
# AWS_SECRET_ACCESS_KEY (or the instance's role). Forum attachments stay on PRIVATE_MEDIA_ROOT:
# they are served only through the permission check.
AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
MEDIA_ORIGIN = ""  # where media is served from, when that is not this site (see the CSP)
if AWS_STORAGE_BUCKET_NAME:
    AWS_S3_ENDPOINT_URL = os.environ.get("AWS_S3_ENDPOINT_URL") or None
    AWS_S3_REGION_NAME = os.environ.get("AWS_S3_REGION_NAME") or None
    AWS_S3_CUSTOM_DOMAIN = os.environ.get("AWS_S3_CUSTOM_DOMAIN") or None
    AWS_LOCATION = os.environ.get("AWS_LOCATION", "media")
    # Private objects with signed, expiring URLs unless a public bucket (or a CDN in front,
    # AWS_S3_CUSTOM_DOMAIN) is configured: a bucket left open by mistake leaks nothing.
    AWS_QUERYSTRING_AUTH = env_bool("AWS_QUERYSTRING_AUTH", default=not AWS_S3_CUSTOM_DOMAIN)
    AWS_DEFAULT_ACL = None
    AWS_S3_FILE_OVERWRITE = False
    AWS_S3_OBJECT_PARAMETERS = {"CacheControl": "max-age=86400"}
    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage"}
    if AWS_S3_CUSTOM_DOMAIN:
        MEDIA_ORIGIN = f"https://{AWS_S3_CUSTOM_DOMAIN}"
    elif AWS_S3_ENDPOINT_URL:
        from urllib.parse import urlsplit

        _endpoint = urlsplit(AWS_S3_ENDPOINT_URL)
        MEDIA_ORIGIN = f"{_endpoint.scheme}://{_endpoint.netloc}"
    else:
        MEDIA_ORIGIN = "https://*.amazonaws.com"

DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# Background work (notification emails): run at once in development and tests; in production
# queued in the database and run by `manage.py db_worker` (django-tasks-db), off the request.
TASKS_BACKEND = os.environ.get("TASKS_BACKEND", "database" if PRODUCTION else "immediate")
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend"
        if TASKS_BACKEND == "database"
        else "django_tasks.backends.immediate.ImmediateBackend"
    }
}

EMAIL_BACKEND = (
    "django.core.mail.backends.locmem.EmailBackend"
    if TESTING
    else os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "exchange@localhost")
if os.environ.get("EMAIL_URL") and not TESTING:
    # smtp://user:password@host:587?tls=1 (or smtps://... for implicit TLS): one variable for
    # the whole mail server, as DATABASE_URL is for the database.
    from urllib.parse import parse_qs, unquote, urlsplit

    _mail = urlsplit(os.environ["EMAIL_URL"])
    _options = parse_qs(_mail.query)
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _mail.hostname or "localhost"
    EMAIL_PORT = _mail.port or (465 if _mail.scheme == "smtps" else 587)
    EMAIL_HOST_USER = unquote(_mail.username or "")
    EMAIL_HOST_PASSWORD = unquote(_mail.password or "")
    EMAIL_USE_SSL = _mail.scheme == "smtps"
    EMAIL_USE_TLS = not EMAIL_USE_SSL and _options.get("tls", ["1"])[0] not in ("0", "false")
# Where the file-based email backend writes (EMAIL_BACKEND=...filebased.EmailBackend): the
# browser tests read sign-up links from here.
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))

# Accounts (django-allauth): members sign up with a verified email address and never need the
# Wagtail admin, which stays for editors and curators.
AUTHENTICATION_BACKENDS = [
    # First, so a locked-out sign-in is refused before any password is checked (django-axes).
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
ACCOUNT_LOGIN_METHODS = {"email", "username"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SIGNUP_FORM_CLASS = "communities.forms.accounts.SignupExtras"
ACCOUNT_FORMS = {
    "login": "communities.forms.allauth_forms.LoginForm",
    "signup": "communities.forms.allauth_forms.SignupForm",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Learning Exchange] "
ACCOUNT_RATE_LIMITS = {} if TESTING else {"login_failed": "10/m/ip,5/5m/key"}
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/communities/"
ACCOUNT_LOGOUT_REDIRECT_URL = "/"

# Communities: attachments live outside MEDIA_ROOT and are served only through a view that
# applies the post's permission rule.
PRIVATE_MEDIA_ROOT = Path(os.environ.get("DJANGO_PRIVATE_MEDIA_ROOT", VAR_DIR / "private"))
COMMUNITY_ATTACHMENT_MAX_BYTES = int(os.environ.get("COMMUNITY_ATTACHMENT_MAX_BYTES", 10 << 20))
COMMUNITY_ATTACHMENTS_PER_POST = 5
# Extension -> the content type its bytes must prove to be (checked by communities.attachments).
COMMUNITY_ATTACHMENT_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "csv": "text/csv",
    "txt": "text/plain",
}
COMMUNITY_INVITATION_DAYS = 14
# New accounts (younger than NEW_ACCOUNT_DAYS) are limited, so a spammer's fresh account can do
# little harm before a facilitator notices; established members are not slowed down.
COMMUNITY_NEW_ACCOUNT_DAYS = 7
COMMUNITY_NEW_ACCOUNT_LIMITS = {"threads_per_hour": 3, "posts_per_hour": 10, "links_per_post": 2}

# Wagtail
WAGTAIL_SITE_NAME = "Public Service Learning Exchange"
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", f"http://127.0.0.1:{PORT}")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "pptx", "rtf", "txt", "xlsx", "zip"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
# Wagtail's image form with one check made to say so: an image Pillow cannot read (a JPEG header
# over anything else) is "not a valid image", not a server error (learning/image_forms.py).
WAGTAILIMAGES_IMAGE_FORM_BASE = "learning.image_forms.CheckedImageForm"
WAGTAIL_ALLOW_UNICODE_SLUGS = False
WAGTAILAPI_BASE_URL = WAGTAILADMIN_BASE_URL
WAGTAILAPI_LIMIT_MAX = 100
TAGGIT_CASE_INSENSITIVE = True

# Site search (see search/engines): the database engine unless an Elasticsearch URL is given,
# e.g. https://user:password@search.example:9200. The site reads and writes through an alias
# named by the prefix; `manage.py search_index` manages the versioned indices behind it.
ELASTICSEARCH_URL = os.environ.get("ELASTICSEARCH_URL", "")
ELASTICSEARCH_API_KEY = os.environ.get("ELASTICSEARCH_API_KEY", "")
ELASTICSEARCH_INDEX_PREFIX = os.environ.get("ELASTICSEARCH_INDEX_PREFIX", "exchange")
ELASTICSEARCH_REPLICAS = int(os.environ.get("ELASTICSEARCH_REPLICAS", "0"))

# Logs go to standard output for the process manager (systemd, a container runtime) to keep.
# In production they are JSON lines (cop_site.logging.JsonFormatter) and every request gets one
# line with its id, method, path, status and duration (cop_site.middleware.RequestLogMiddleware);
# elsewhere plain text, and runserver's own line per request is enough.
LOG_FORMAT = os.environ.get("DJANGO_LOG_FORMAT", "json" if PRODUCTION else "plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "cop_site.logging.JsonFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
    "loggers": {
        "cop_site.requests": {
            "level": os.environ.get("DJANGO_REQUEST_LOG_LEVEL", "INFO" if PRODUCTION else "WARNING")
        },
    },
}

# Production hardening ---------------------------------------------------------------------------
# Everything below applies in every environment unless it says otherwise, so development and the
# test suite run under the same Content Security Policy and login throttling as production.

# Proxies in front of the app (a load balancer, a TLS-terminating proxy): how many, so the
# visitor's address is read from X-Forwarded-For (cop_site.middleware.client_ip) and HTTPS from
# X-Forwarded-Proto. 0 means requests come straight from visitors; then neither header is trusted.
TRUSTED_PROXY_COUNT = int(os.environ.get("DJANGO_PROXY_COUNT", "0"))
if TRUSTED_PROXY_COUNT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    # HTTPS only: redirect plain HTTP (turn off only if the proxy already does), HSTS for a
    # year including subdomains, and cookies that never travel over plain HTTP or to scripts.
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    # Load balancers probe over plain HTTP inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)
    if not SECURE_HSTS_PRELOAD:
        # Turning preload off is a deliberate choice (the preload list is hard to leave), so
        # check --deploy's reminder about it (security.W021) is not a warning here.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_HTTPONLY = True
    # Wagtail's admin and our own scripts take the CSRF token from the page, never the cookie.
    CSRF_COOKIE_HTTPONLY = True
    # __Host- cookies are only accepted over HTTPS, for this exact host, on path /.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    # Hashed static names (CompressedManifestStaticFilesStorage) are served with a ten-year,
    # immutable Cache-Control by WhiteNoise; this is for the few files asked for by plain name.
    WHITENOISE_MAX_AGE = int(os.environ.get("WHITENOISE_MAX_AGE", "3600"))

# Content Security Policy (django-csp; Django 5.2 has none built in, 6.0's follows django-csp):
# only this site's own scripts, styles, fonts and frames, no inline code at all, so markup that
# slipped past sanitising still cannot run. Templates must not use style= or inline <script>.
# Wagtail's admin needs inline scripts and styles and frames its own previews: it alone gets
# CSP_RELAXED_DIRECTIVES (cop_site.middleware.ContentSecurityPolicyMiddleware).
_CSP_IMAGES = ["'self'", "data:", *([MEDIA_ORIGIN] if MEDIA_ORIGIN else [])]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": _CSP_IMAGES,
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        **({"upgrade-insecure-requests": True} if PRODUCTION else {}),
    }
}
CSP_RELAXED_PATH_PREFIXES = ["/admin/"]
CSP_RELAXED_DIRECTIVES = {
    "script-src": ["'self'", "'unsafe-inline'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": [*_CSP_IMAGES, "blob:"],
    "frame-ancestors": ["'self'"],
}
# No avatars fetched from gravatar.com in the admin (no editor's email hash leaves the site) and
# no update check against releases.wagtail.org: the admin's policy stays 'self'.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_UPDATE_CHECK = False

# Browser features the site never uses, switched off for it and anything it frames.
PERMISSIONS_POLICY = [
    "accelerometer",
    "autoplay",
    "camera",
    "display-capture",
    "encrypted-media",
    "geolocation",
    "gyroscope",
    "hid",
    "idle-detection",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "publickey-credentials-get",
    "screen-wake-lock",
    "serial",
    "usb",
    "xr-spatial-tracking",
]

# Login throttling (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one username from
# one address, that pair is locked out for AXES_COOLOFF_TIME and sees cop_site/lockout.html (429).
# Keyed on the pair, so failures from elsewhere never lock a member out for 15 minutes; allauth's
# own limit (ACCOUNT_RATE_LIMITS: 5 per name in 5 minutes from anywhere, 10 a minute per address)
# stays in front as the short, wide net. Covers the members' sign-in (allauth) and Wagtail's.
# Off by default under pytest only because Django's test client calls authenticate() without a
# request, which axes refuses; tests/cop_site/test_production.py turns it on and tests it.
AXES_ENABLED = env_bool("AXES_ENABLED", default=not TESTING)
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "cop_site.lockout.attempted_username"
AXES_CLIENT_IP_CALLABLE = "cop_site.middleware.client_ip"
AXES_LOCKOUT_CALLABLE = "cop_site.lockout.lockout_response"
AXES_VERBOSE = False

# /health/ (cop_site.health): seconds a search-server check may take before it counts as failed.
HEALTH_CHECK_TIMEOUT = float(os.environ.get("HEALTH_CHECK_TIMEOUT", "2"))

VAR_DIR.mkdir(parents=True, exist_ok=True)
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
