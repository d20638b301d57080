"""Production configuration, checked the way it runs: `DJANGO_ENV=production` in its own process.

Settings are read once per process, so each test starts Python with a production environment.
The response tests collect the static files (hashed names, as production serves them) and send
requests through Django's full middleware stack, on a copy of the test database.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]

# What a real deployment sets (README, "Production"), minus the database and paths.
PRODUCTION_ENV = {
    "DJANGO_ENV": "production",
    "DJANGO_ALLOWED_HOSTS": "exchange.example,testserver",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://exchange.example",
    "ELASTICSEARCH_URL": "",
    "TASKS_BACKEND": "immediate",
}


def production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "SQLITE_", "PYTEST_", "AXES_", "SECURE_"))
    }
    env.update(PRODUCTION_ENV)
    env["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(50)
    env["DJANGO_VAR_DIR"] = str(tmp_path / "var")
    env["DJANGO_STATIC_ROOT"] = str(tmp_path / "static")
    env["DJANGO_SETTINGS_MODULE"] = "cop_site.settings"
    env.update(extra)
    return env


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def read_settings(env: dict[str, str], *names: str) -> dict:
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        f"names = {list(names)!r}; "
        "print(json.dumps({n: getattr(settings, n, None) for n in names}, default=str))"
    )
    result = run(env, "-c", code)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_check_deploy_is_clean(tmp_path):
    result = run(
        production_env(tmp_path), "manage.py", "check", "--deploy", "--fail-level", "WARNING"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_is_clean_behind_a_proxy_without_preload(tmp_path):
    env = production_env(
        tmp_path,
        DJANGO_PROXY_COUNT="1",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_HSTS_PRELOAD="0",
    )
    result = run(env, "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    # With the redirect off, Django reminds us (W008) that the proxy must redirect instead.
    assert "security.W008" in result.stdout + result.stderr
    assert "W021" not in result.stdout + result.stderr
    values = read_settings(env, "SECURE_PROXY_SSL_HEADER", "SECURE_HSTS_PRELOAD")
    assert values == {
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "SECURE_HSTS_PRELOAD": False,
    }


def test_production_settings(tmp_path):
    values = read_settings(
        production_env(tmp_path),
        "DEBUG",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SECURE_PROXY_SSL_HEADER",
        "SESSION_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "CSRF_COOKIE_SECURE",
        "CSRF_COOKIE_HTTPONLY",
        "CSRF_TRUSTED_ORIGINS",
        "STORAGES",
        "WHITENOISE_USE_FINDERS",
        "TASKS",
        "AXES_ENABLED",
    )
    assert values["DEBUG"] is False
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] == 365 * 24 * 3600
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_HSTS_PRELOAD"] is True
    assert values["SECURE_PROXY_SSL_HEADER"] is None  # no proxy configured: not trusted
    for name in ("SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "CSRF_COOKIE_SECURE"):
        assert values[name] is True, name
    assert values["CSRF_COOKIE_HTTPONLY"] is True
    assert values["CSRF_TRUSTED_ORIGINS"] == ["https://exchange.example"]
    assert values["STORAGES"]["staticfiles"]["BACKEND"] == (
        "whitenoise.storage.CompressedManifestStaticFilesStorage"
    )
    assert values["WHITENOISE_USE_FINDERS"] is False
    assert values["AXES_ENABLED"] is True


def test_production_without_allowed_hosts_only_serves_localhost(tmp_path):
    env = production_env(tmp_path)
    del env["DJANGO_ALLOWED_HOSTS"]
    assert read_settings(env, "ALLOWED_HOSTS") == {"ALLOWED_HOSTS": ["localhost", "127.0.0.1"]}


def test_real_engines_from_the_environment(tmp_path):
    env = production_env(
        tmp_path,
        REDIS_URL="redis://cache.example:6379/2",
        AWS_STORAGE_BUCKET_NAME="exchange-media",
        AWS_S3_ENDPOINT_URL="https://objects.example:9000",
        AWS_S3_REGION_NAME="uk-south",
    )
    values = read_settings(
        env,
        "CACHES",
        "SESSION_ENGINE",
        "STORAGES",
        "AWS_STORAGE_BUCKET_NAME",
        "AWS_S3_ENDPOINT_URL",
        "AWS_QUERYSTRING_AUTH",
        "CONTENT_SECURITY_POLICY",
    )
    cache = values["CACHES"]["default"]
    assert cache["BACKEND"] == "django_redis.cache.RedisCache"
    assert cache["LOCATION"] == "redis://cache.example:6379/2"
    assert values["SESSION_ENGINE"] == "django.contrib.sessions.backends.cached_db"
    assert values["STORAGES"]["default"]["BACKEND"] == "storages.backends.s3.S3Storage"
    assert values["AWS_S3_ENDPOINT_URL"] == "https://objects.example:9000"
    # No CDN domain: objects stay private behind signed URLs.
    assert values["AWS_QUERYSTRING_AUTH"] is True
    # Images come from the object store, so the policy must allow exactly that origin.
    images = values["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["img-src"]
    assert "https://objects.example:9000" in images

    # The storage class is importable and builds its client from these settings (no network).
    code = (
        "import django; django.setup(); from django.core.files.storage import storages; "
        "s = storages['default']; print(type(s).__name__, s.bucket_name, s.location, "
        "s.connection.meta.client.meta.endpoint_url)"
    )
    result = run(env, "-c", code)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split() == [
        "S3Storage",
        "exchange-media",
        "media",
        "https://objects.example:9000",
    ]


def test_defaults_use_no_external_service(tmp_path):
    env = production_env(tmp_path)
    for name in ("REDIS_URL", "AWS_STORAGE_BUCKET_NAME"):
        env.pop(name, None)
    values = read_settings(env, "CACHES", "STORAGES", "SESSION_ENGINE")
    assert values["CACHES"]["default"]["BACKEND"].endswith("LocMemCache")
    assert values["STORAGES"]["default"]["BACKEND"].endswith("FileSystemStorage")
    assert values["SESSION_ENGINE"] == "django.contrib.sessions.backends.db"


# Responses under production settings --------------------------------------------------------

REQUESTS_SCRIPT = r"""
import json, sys, django
django.setup()
from django.conf import settings
from django.test import Client
from django.templatetags.static import static

client = Client()
out = {}
def record(name, response, body=False):
    out[name] = {
        "status": response.status_code,
        "headers": {k.lower(): v for k, v in response.items()},
        "location": response.get("Location", ""),
    }
    if body:
        out[name]["body"] = b"".join(response.streaming_content).decode() if response.streaming \
            else response.content.decode()

record("home_http", client.get("/"))
# follow: pages may live under a language prefix (/en/), reached by a redirect from /.
record("home", client.get("/", secure=True, follow=True), body=True)
record("admin_login", client.get("/admin/login/", secure=True))
record("health_http", client.get("/health/"))
record("missing", client.get("/no-such-page/", secure=True, follow=True), body=True)
script = static("dist/js/main.mjs")
out["script_url"] = script
record("script", client.get(script, secure=True), body=True)
record("css", client.get(static("dist/css/main.css"), secure=True))
print("RESULT" + json.dumps(out))
"""


@pytest.fixture(scope="module")
def production_responses(tmp_path_factory, django_db_blocker) -> dict:
    """Collect static files, then request pages under production settings in one process."""
    folder = tmp_path_factory.mktemp("production")
    env = production_env(folder)
    with django_db_blocker.unblock():
        if connection.vendor == "sqlite":
            # The test database lives in memory: give the other process a copy on disk.
            database = folder / "site.sqlite3"
            connection.ensure_connection()
            copy = sqlite3.connect(database)
            connection.connection.backup(copy)
            copy.close()
            env["SQLITE_PATH"] = str(database)
        else:
            # Read-only requests, so the other process can use the test database itself.
            db = settings.DATABASES["default"]
            env["DATABASE_URL"] = (
                f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
            )
    collected = run(env, "manage.py", "collectstatic", "--no-input")
    assert collected.returncode == 0, collected.stderr[-3000:]
    result = run(env, "-c", REQUESTS_SCRIPT)
    assert result.returncode == 0, result.stderr[-3000:]
    line = next(x for x in result.stdout.splitlines() if x.startswith("RESULT"))
    return {"data": json.loads(line.removeprefix("RESULT")), "log": result.stdout}


def directives(header: str) -> dict[str, list[str]]:
    parts = (part.strip().split() for part in header.split(";") if part.strip())
    return {part[0]: part[1:] for part in parts}


def test_plain_http_is_redirected_to_https(production_responses):
    home = production_responses["data"]["home_http"]
    assert home["status"] == 301
    assert home["location"].startswith("https://")


def test_security_headers_on_a_page(production_responses):
    home = production_responses["data"]["home"]
    assert home["status"] == 200
    headers = home["headers"]
    assert headers["strict-transport-security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["cross-origin-opener-policy"] == "same-origin"
    assert headers["x-frame-options"] == "DENY"
    assert "camera=()" in headers["permissions-policy"]
    assert "geolocation=()" in headers["permissions-policy"]
    assert re.fullmatch(r"[A-Za-z0-9._:-]+", headers["x-request-id"])


def test_public_pages_have_a_strict_content_security_policy(production_responses):
    for name in ("home", "missing"):
        response = production_responses["data"][name]
        header = response["headers"]["content-security-policy"]
        assert "unsafe-inline" not in header and "unsafe-eval" not in header, name
        policy = directives(header)
        assert policy["script-src"] == ["'self'"]
        assert policy["style-src"] == ["'self'"]
        assert policy["img-src"] == ["'self'", "data:"]
        assert policy["object-src"] == ["'none'"]
        assert policy["base-uri"] == ["'self'"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert policy["form-action"] == ["'self'"]
        assert "upgrade-insecure-requests" in policy
    # The custom 404 page is the site's own, under the same policy.
    assert production_responses["data"]["missing"]["status"] == 404
    assert "Page not found" in production_responses["data"]["missing"]["body"]


def test_pages_use_no_inline_script_or_style(production_responses):
    html = production_responses["data"]["home"]["body"]
    assert " style=" not in html
    assert "<style" not in html
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert re.search(r'\bsrc="', tag) or 'type="application/json"' in tag, tag
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"


def test_only_the_admin_gets_the_relaxed_policy(production_responses):
    admin = production_responses["data"]["admin_login"]
    policy = directives(admin["headers"]["content-security-policy"])
    assert "'unsafe-inline'" in policy["script-src"]
    assert "'unsafe-inline'" in policy["style-src"]
    assert policy["frame-ancestors"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]


def test_health_is_exempt_from_the_https_redirect(production_responses):
    health = production_responses["data"]["health_http"]
    assert health["status"] == 200, health
    assert "no-cache" in health["headers"]["cache-control"]


def test_static_files_have_hashed_names_and_far_future_caching(production_responses):
    data = production_responses["data"]
    assert re.fullmatch(r"/static/dist/js/main\.[0-9a-f]{12}\.mjs", data["script_url"])
    script = data["script"]
    assert script["status"] == 200
    assert "immutable" in script["headers"]["cache-control"]
    max_age = int(re.search(r"max-age=(\d+)", script["headers"]["cache-control"])[1])
    assert max_age >= 365 * 24 * 3600
    # One self-contained module: nothing imported by an (unhashed) relative path.
    assert not re.search(r"""\bimport\b[^;]*?from\s*['"]\.""", script["body"])
    assert "initAll" in script["body"]
    assert "immutable" in data["css"]["headers"]["cache-control"]


def test_requests_are_logged_as_json_lines(production_responses):
    lines = [
        json.loads(line)
        for line in production_responses["log"].splitlines()
        if line.startswith("{")
    ]
    home = production_responses["data"]["home"]
    logged = [line for line in lines if line.get("request_id") == home["headers"]["x-request-id"]]
    summary = next(line for line in logged if line["logger"] == "cop_site.requests")
    assert summary["method"] == "GET"
    assert summary["status"] == 200
    assert summary["level"] == "INFO"
    assert isinstance(summary["duration_ms"], float)
    assert summary["time"].endswith("+00:00")
    assert "?" not in summary["path"]
    # Other records written during a request carry its id too (here Django's 404 warning).
    missing = production_responses["data"]["missing"]["headers"]["x-request-id"]
    warning = next(
        line for line in lines if line["logger"] == "django.request" and line["level"] == "WARNING"
    )
    assert warning["request_id"] == missing


# Login throttling (django-axes) -------------------------------------------------------------
# In-process: the same settings in every environment, except that pytest turns axes off by
# default (Django's test client logs in without a request, which axes refuses); on here.


def test_allauths_own_limit_still_applies_after_an_axes_lock(client, settings, db):
    from allauth.account.models import EmailAddress

    from tests.factories import UserFactory

    settings.AXES_ENABLED = True
    user = UserFactory(username="bryn", email="bryn@example.invalid", password=PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    statuses = [sign_in(client, "bryn", "wrong").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    # Next, allauth's per-name limit answers first, on the sign-in form itself.
    response = sign_in(client, "bryn", PASSWORD)
    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()
    assert signed_in_user_id(client) is None


PASSWORD = "correct horse battery staple"


@pytest.fixture
def throttled(settings, db):
    from allauth.account.models import EmailAddress

    from tests.factories import UserFactory

    settings.AXES_ENABLED = True
    # allauth's own limit (5 failures per name in 5 minutes, from anywhere) answers before axes
    # is asked; without it these tests see axes alone.
    settings.ACCOUNT_RATE_LIMITS = False
    user = UserFactory(username="rhian", email="rhian@example.invalid", password=PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def sign_in(client, login: str, password: str, ip: str = "198.51.100.7"):
    from django.urls import reverse

    return client.post(
        reverse("account_login"), {"login": login, "password": password}, REMOTE_ADDR=ip
    )


def signed_in_user_id(client):
    user_id = client.session.get("_auth_user_id")
    return int(user_id) if user_id else None


def test_five_wrong_passwords_lock_that_name_from_that_address(client, throttled, settings):
    from django.urls import reverse

    for attempt in range(1, settings.AXES_FAILURE_LIMIT):
        response = sign_in(client, "rhian", "wrong")
        assert response.status_code == 200, attempt  # the form again, with its error
    locked = sign_in(client, "rhian", "wrong")
    assert locked.status_code == 429
    html = locked.content.decode()
    assert '<h1 class="govuk-heading-xl">Too many attempts to sign in</h1>' in html
    assert "Wait 15 minutes" in html
    assert f'href="{reverse("account_reset_password")}"' in html
    assert " style=" not in html
    # Even the right password is refused now, from this address.
    assert sign_in(client, "rhian", PASSWORD).status_code == 429
    assert signed_in_user_id(client) is None


def test_the_lock_is_for_one_name_from_one_address(client, throttled, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "rhian", "wrong")
    assert sign_in(client, "rhian", PASSWORD).status_code == 429
    # The member, from elsewhere, still gets in as far as axes is concerned.
    assert sign_in(client, "rhian", PASSWORD, ip="203.0.113.9").status_code == 302
    assert signed_in_user_id(client) == throttled.pk
    # Another name from the locked address is not locked either.
    client.logout()
    assert sign_in(client, "someone-else", "wrong").status_code == 200


def test_capitals_do_not_give_a_guesser_more_tries(client, throttled, settings):
    names = ["rhian", "Rhian", "RHIAN", "rHian", "rhiaN"]
    responses = [sign_in(client, name, "wrong").status_code for name in names]
    assert responses[-1] == 429
    assert responses[:-1] == [200] * (settings.AXES_FAILURE_LIMIT - 1)


def test_a_lock_ends_after_the_cool_off(client, throttled, settings):
    from axes.models import AccessAttempt
    from django.utils import timezone

    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "rhian", "wrong")
    assert sign_in(client, "rhian", PASSWORD).status_code == 429
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timezone.timedelta(seconds=1)
    )
    assert sign_in(client, "rhian", PASSWORD).status_code == 302
    assert signed_in_user_id(client) == throttled.pk


def test_signing_in_clears_earlier_failures(client, throttled, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "rhian", "wrong")
    assert sign_in(client, "rhian", PASSWORD).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, "rhian", "wrong").status_code == 200


def test_an_unknown_name_gets_the_same_lock_and_page(client, throttled, settings):
    # Same answers as for a real account, so the lock tells nobody which names exist.
    statuses = [sign_in(client, "nobody-here", "wrong").status_code for _ in range(5)]
    assert statuses == [200] * (settings.AXES_FAILURE_LIMIT - 1) + [429]


def test_the_admin_sign_in_is_throttled_too(client, throttled, settings):
    throttled.is_staff = True
    throttled.is_superuser = True
    throttled.save()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(
            "/admin/login/", {"username": "rhian", "password": "wrong"}, REMOTE_ADDR="192.0.2.1"
        )
        assert response.status_code == 200
    response = client.post(
        "/admin/login/", {"username": "rhian", "password": "wrong"}, REMOTE_ADDR="192.0.2.1"
    )
    assert response.status_code == 429
    assert "Too many attempts to sign in" in response.content.decode()


def test_behind_a_proxy_the_visitor_address_is_used(rf, settings):
    from cop_site.middleware import client_ip

    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7")
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.2"  # no proxy configured: the header is not trusted
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "198.51.100.7"  # what our proxy saw, not what the client wrote
    settings.TRUSTED_PROXY_COUNT = 3  # fewer entries than proxies: trust none of them
    assert client_ip(request) == "10.0.0.2"


def test_nul_in_an_address_is_refused_before_any_query(client, db):
    assert client.get("/members/a%00b/").status_code == 404
    assert client.get("/search/", {"q": "care\x00home"}).status_code == 400
