"""Settings come from the environment; production refuses to start without a secret key."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def run_settings(env: dict[str, str], code: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    clean.update(env)
    clean["DJANGO_SETTINGS_MODULE"] = "cop_site.settings"
    script = f"import django; django.setup(); from django.conf import settings; {code}"
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_requires_a_secret_key(tmp_path):
    result = run_settings(
        {"DJANGO_ENV": "production", "DJANGO_DEBUG": "0", "DJANGO_VAR_DIR": str(tmp_path)},
        "print(settings.SECRET_KEY)",
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_environment_overrides(tmp_path):
    result = run_settings(
        {
            "DJANGO_ENV": "production",
            "DJANGO_SECRET_KEY": "x" * 60,
            "DJANGO_ALLOWED_HOSTS": "exchange.example, www.exchange.example",
            "DATABASE_URL": "postgres://user:pw@db.example:5432/exchange",
            "PORT": "9001",
            "DJANGO_VAR_DIR": str(tmp_path),
        },
        "print(settings.DEBUG, settings.ALLOWED_HOSTS, settings.DATABASES['default']['ENGINE'], "
        "settings.DATABASES['default']['NAME'], settings.PORT)",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "False ['exchange.example', 'www.exchange.example'] "
        "django.db.backends.postgresql exchange 9001"
    )


def test_development_generates_and_keeps_a_key(tmp_path):
    code = "print(settings.SECRET_KEY)"
    env = {"DJANGO_ENV": "development", "DJANGO_VAR_DIR": str(tmp_path)}
    first = run_settings(env, code)
    second = run_settings(env, code)
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout and len(first.stdout.strip()) >= 40


def test_sqlite_is_configured_for_concurrent_writers():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite-only settings")
    options = settings.DATABASES["default"]["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 5
    assert "journal_mode=WAL" in options["init_command"]
