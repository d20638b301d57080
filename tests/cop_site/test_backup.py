"""Backups: `manage.py backup` then `manage.py restore` bring back every page, post and record.

The commands run as an operator runs them, in their own process on a file database: the test
database lives in memory inside the test process, so it is first copied to a file (SQLite's
backup API, as the browser tests do). The restore goes into a fresh, empty database file and
into one that changed after the backup, and what comes back is compared row by row and byte
by byte. The PostgreSQL round trip runs when the suite runs on PostgreSQL.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import django
import pytest
import wagtail
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection, connections
from wagtail.models import Page

from communities.models import CommunityPage, Post, Thread
from cop_site import backups
from projects.models import SavingsRecord

ROOT = Path(settings.BASE_DIR)
PAGE = Page._meta.db_table
POST = Post._meta.db_table
SAVING = SavingsRecord._meta.db_table
USER = get_user_model()._meta.db_table

# Files a site really has: originals and renditions, a document with a Welsh name, and a
# forum attachment outside the public folder. Random bytes, so a mix-up cannot pass.
MEDIA_FILES = {
    "original_images/harbour.png": os.urandom(20_000),
    "images/harbour.width-400.png": os.urandom(3_000),
    "documents/adroddiad-blynyddol-ŵ.pdf": os.urandom(7_000),
}
PRIVATE_FILES = {"attachments/2026/05/8f3c1e.pdf": os.urandom(4_000)}


def clean_env(folder: Path, **extra: str) -> dict[str, str]:
    """The environment of an operator's shell: none of this test process's database settings."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(
            ("DJANGO_", "DATABASE_", "SQLITE_", "ELASTICSEARCH_", "REDIS_", "AWS_")
        )
    }
    env.update(
        {"DJANGO_ENV": "test", "DJANGO_VAR_DIR": str(folder / "var"), "ELASTICSEARCH_URL": ""}
    )
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str, stdin: str | None = None):
    """Run manage.py like an operator (system checks are the suite's job, skipped for speed)."""
    return subprocess.run(
        [sys.executable, "manage.py", *args, "--skip-checks"],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def write_files(root: Path, files: dict[str, bytes]) -> None:
    for relative, data in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def read_files(root: Path) -> dict[str, bytes]:
    if not root.is_dir():
        return {}
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in root.rglob("*")
        if path.is_file()
    }


def rows(cursor, sql: str) -> set[tuple]:
    cursor.execute(sql)
    return {tuple(row) for row in cursor.fetchall()}


def snapshot(cursor) -> dict[str, set[tuple]]:
    """Every page by id and title, every post, savings record and user, from any DB-API cursor."""
    return {
        "pages": rows(cursor, f'SELECT id, title, path FROM "{PAGE}"'),  # noqa: S608
        "posts": rows(cursor, f'SELECT id, thread_id, body FROM "{POST}"'),  # noqa: S608
        "savings": rows(
            cursor,
            f'SELECT id, page_id, description, CAST(amount AS TEXT) FROM "{SAVING}"',  # noqa: S608
        ),
        "users": rows(cursor, f'SELECT id, username, password FROM "{USER}"'),  # noqa: S608
    }


def sqlite_snapshot(path: Path) -> dict[str, set[tuple]]:
    database = sqlite3.connect(path)
    try:
        return snapshot(database.cursor())
    finally:
        database.close()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build_archive(path: Path, manifest: dict | None, members: dict[str, bytes]) -> Path:
    """An archive made by hand, to check what restore does with a bad one."""
    with tarfile.open(path, "w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        if manifest is not None:
            data = json.dumps(manifest).encode()
            info = tarfile.TarInfo(backups.MANIFEST)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def a_manifest(engine: str, database: bytes, **changes) -> dict:
    manifest = {
        "format": backups.FORMAT,
        "format_version": backups.FORMAT_VERSION,
        "created_at": "2026-01-01T00:00:00+00:00",
        "django_version": "5.2",
        "wagtail_version": "8.0",
        "engine": engine,
        "database": {
            "file": backups.DATABASE_FILES[engine],
            "bytes": len(database),
            "sha256": hashlib.sha256(database).hexdigest(),
        },
        "counts": dict.fromkeys(backups.COUNT_LABELS, 1),
        "files": {
            "media": {"included": False, "files": 0, "bytes": 0, "note": ""},
            "private": {"included": False, "files": 0, "bytes": 0, "note": ""},
        },
    }
    manifest.update(changes)
    return manifest


# --- the SQLite round trip ------------------------------------------------------------------


@dataclass
class Made:
    """A backup made by `manage.py backup` from a file copy of the test database."""

    folder: Path
    source: Path
    archive: Path
    stdout: str
    stderr: str
    expected: dict[str, set[tuple]]


FORUM_BODIES = {f"Reply {n} about hospital discharge, saved in the backup." for n in range(20)}


def add_forum_posts(path: Path) -> None:
    """Give the copy a forum: the test database has none (demo threads need demo accounts).

    Written with the ORM through a second connection to the copy, with `bulk_create` so no
    signal handler writes anything (such as search entries) to the test database.
    """
    alias = "backup_source"
    connections.settings[alias] = {**connection.settings_dict, "NAME": str(path)}
    try:
        user_model = get_user_model()
        users = user_model.objects.using(alias).bulk_create(
            user_model(username=f"backup-member-{n}", email=f"m{n}@example.invalid")
            for n in range(3)
        )
        community = CommunityPage.objects.using(alias).order_by("pk").first()
        threads = Thread.objects.using(alias).bulk_create(
            Thread(community_id=community.pk, title=f"Backup thread {n}", author=users[n % 3])
            for n in range(4)
        )
        Post.objects.using(alias).bulk_create(
            Post(thread=threads[n % 4], author=users[n % 3], body=body)
            for n, body in enumerate(sorted(FORUM_BODIES))
        )
    finally:
        connections[alias].close()
        del connections[alias]
        del connections.settings[alias]


@pytest.fixture(scope="module")
def made(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[Made]:
    if connection.vendor != "sqlite":
        pytest.skip("The SQLite round trip needs the SQLite test database (PostgreSQL below)")
    folder = tmp_path_factory.mktemp("backup")
    source = folder / "site.sqlite3"
    with django_db_blocker.unblock():
        connection.ensure_connection()
        assert connection.is_in_memory_db()  # the test database, never the development one
        copy = sqlite3.connect(source)
        connection.connection.backup(copy)  # the test database with the demo content
        copy.close()
        add_forum_posts(source)
    write_files(folder / "media", MEDIA_FILES)
    write_files(folder / "private", PRIVATE_FILES)
    env = clean_env(
        folder,
        SQLITE_PATH=str(source),
        DJANGO_MEDIA_ROOT=str(folder / "media"),
        DJANGO_PRIVATE_MEDIA_ROOT=str(folder / "private"),
    )
    done = manage(env, "backup")
    assert done.returncode == 0, done.stderr[-3000:]
    archives = list((folder / "var" / "backups").glob("*.tar.gz"))
    assert len(archives) == 1, archives
    yield Made(
        folder=folder,
        source=source,
        archive=archives[0],
        stdout=done.stdout,
        stderr=done.stderr,
        expected=sqlite_snapshot(source),
    )


def test_backup_writes_one_private_archive_with_manifest_database_and_media(made: Made):
    assert re.fullmatch(r"backup-\d{8}T\d{6}Z\.tar\.gz", made.archive.name)
    assert made.archive.stat().st_mode & 0o777 == 0o600  # password hashes, private posts
    with tarfile.open(made.archive) as archive:
        names = set(archive.getnames())
        manifest = json.load(archive.extractfile(backups.MANIFEST))
        database = archive.extractfile("db.sqlite3").read()
    assert names == {
        "manifest.json",
        "db.sqlite3",
        *(f"media/{name}" for name in MEDIA_FILES),
        *(f"private/{name}" for name in PRIVATE_FILES),
    }
    assert manifest["format_version"] == backups.FORMAT_VERSION
    assert manifest["engine"] == "sqlite"
    assert manifest["django_version"] == django.get_version()
    assert manifest["wagtail_version"] == wagtail.__version__
    assert manifest["database"]["sha256"] == hashlib.sha256(database).hexdigest()
    assert manifest["files"]["media"] == {
        "included": True,
        "files": len(MEDIA_FILES),
        "bytes": sum(len(data) for data in MEDIA_FILES.values()),
    }
    # The counts describe the copy, and the copy is the database as it was.
    expected = {key: len(made.expected[key]) for key in ("pages", "posts", "savings", "users")}
    assert manifest["counts"] == {
        "pages": expected["pages"],
        "forum_posts": expected["posts"],
        "savings_records": expected["savings"],
        "users": expected["users"],
    }
    assert expected["pages"] > 50 and expected["posts"] > 10 and expected["savings"] > 10
    assert backups.describe_counts(manifest["counts"]) in made.stdout
    assert str(made.archive) in made.stdout
    assert not list(made.archive.parent.glob("*.partial"))
    assert "Warning" not in made.stderr


@pytest.mark.django_db
def test_restore_into_a_fresh_database_brings_back_everything(made: Made):
    target = made.folder / "fresh" / "restored.sqlite3"  # neither the file nor its folder exist
    env = clean_env(
        made.folder,
        SQLITE_PATH=str(target),
        DJANGO_MEDIA_ROOT=str(made.folder / "fresh" / "media"),
        DJANGO_PRIVATE_MEDIA_ROOT=str(made.folder / "fresh" / "private"),
    )
    done = manage(env, "restore", str(made.archive), "--no-input")
    assert done.returncode == 0, done.stderr[-3000:]
    restored = sqlite_snapshot(target)
    assert restored == made.expected
    # ...and that is the test database itself: every page by id and title, every post and record.
    assert {(pk, title) for pk, title, _ in restored["pages"]} == set(
        Page.objects.values_list("id", "title")
    )
    assert {body for *_, body in restored["posts"]} >= FORUM_BODIES
    assert {(pk, page) for pk, page, *_ in restored["savings"]} == set(
        SavingsRecord.objects.values_list("id", "page_id")
    )
    assert read_files(made.folder / "fresh" / "media") == MEDIA_FILES
    assert read_files(made.folder / "fresh" / "private") == PRIVATE_FILES
    assert (
        "Counts after the restore: "
        + backups.describe_counts(
            {
                "pages": len(made.expected["pages"]),
                "forum_posts": len(made.expected["posts"]),
                "savings_records": len(made.expected["savings"]),
                "users": len(made.expected["users"]),
            }
        )
        in done.stdout
    )
    assert not list((made.folder / "var").glob(".restore-*"))  # the unpacked copy is gone


def test_restore_replaces_a_changed_database_that_is_still_open(made: Made):
    target = made.folder / "changed.sqlite3"
    shutil.copyfile(made.source, target)
    media = made.folder / "changed-media"
    write_files(media, {**MEDIA_FILES, "original_images/harbour.png": b"edited"})
    write_files(media, {"original_images/uploaded-after-the-backup.jpg": b"late"})
    # The site kept running after the backup: WAL mode, an open connection, changes made.
    site = sqlite3.connect(target)
    site.execute("PRAGMA journal_mode=WAL")
    page_id, title, _ = max(made.expected["pages"])
    site.execute(f'UPDATE "{PAGE}" SET title = ? WHERE id = ?', ("Changed", page_id))  # noqa: S608
    post_id = max(made.expected["posts"])[0]
    site.execute(f'DELETE FROM "{POST}" WHERE id = ?', (post_id,))  # noqa: S608
    site.execute(f'DELETE FROM "{SAVING}"')  # noqa: S608
    site.commit()
    assert sqlite_snapshot(target) != made.expected
    env = clean_env(
        made.folder,
        SQLITE_PATH=str(target),
        DJANGO_MEDIA_ROOT=str(media),
        DJANGO_PRIVATE_MEDIA_ROOT=str(made.folder / "changed-private"),
    )
    done = manage(env, "restore", str(made.archive), "--no-input")
    assert done.returncode == 0, done.stderr[-3000:]
    assert sqlite_snapshot(target) == made.expected
    # The connection that stayed open sees the restored database: nothing was swapped under it.
    query = f'SELECT title FROM "{PAGE}" WHERE id = ?'  # noqa: S608
    assert site.execute(query, (page_id,)).fetchone()[0] == title
    site.close()
    assert read_files(media) == MEDIA_FILES  # the edited file is back; the later one is gone
    assert read_files(made.folder / "changed-private") == PRIVATE_FILES


def test_a_truncated_archive_fails_cleanly_and_changes_nothing(made: Made):
    truncated = made.folder / "truncated.tar.gz"
    truncated.write_bytes(made.archive.read_bytes()[: made.archive.stat().st_size // 2])
    target = made.folder / "untouched.sqlite3"
    shutil.copyfile(made.source, target)
    media = made.folder / "untouched-media"
    write_files(media, {"keep.txt": b"still here"})
    before = sha256(target)
    env = clean_env(
        made.folder,
        SQLITE_PATH=str(target),
        DJANGO_MEDIA_ROOT=str(media),
        DJANGO_PRIVATE_MEDIA_ROOT=str(made.folder / "untouched-private"),
    )
    done = manage(env, "restore", str(truncated), "--no-input")
    assert done.returncode == 1
    assert "CommandError: " in done.stderr and "not a usable backup archive" in done.stderr
    assert "Traceback" not in done.stderr
    assert sha256(target) == before
    assert read_files(media) == {"keep.txt": b"still here"}


# --- refusals and errors (in this process: none gets as far as touching a database) ---------


@pytest.fixture
def var_dir(settings, tmp_path) -> Path:
    settings.VAR_DIR = tmp_path / "var"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.VAR_DIR


def other_engine() -> str:
    return "postgresql" if connection.vendor == "sqlite" else "sqlite"


def test_restore_of_a_missing_file_says_so(var_dir, tmp_path):
    with pytest.raises(CommandError, match=r"No backup at .*nowhere\.tar\.gz"):
        call_command("restore", str(tmp_path / "nowhere.tar.gz"), interactive=False)


def test_restore_of_a_file_that_is_not_an_archive_says_so(var_dir, tmp_path):
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(os.urandom(2000))
    with pytest.raises(CommandError, match=r"not a usable backup archive.*cannot be read"):
        call_command("restore", str(junk), interactive=False)


def test_restore_refuses_a_backup_from_the_other_engine(var_dir, tmp_path):
    engine = other_engine()
    database = b"a database"
    archive = build_archive(
        tmp_path / "other.tar.gz",
        a_manifest(engine, database),
        {backups.DATABASE_FILES[engine]: database},
    )
    with pytest.raises(CommandError) as raised:
        call_command("restore", str(archive), interactive=False)
    assert f"is a {engine} backup but this site runs on {connection.vendor}" in str(raised.value)


def test_restore_refuses_a_database_that_does_not_match_its_checksum(var_dir, tmp_path):
    engine = connection.vendor
    archive = build_archive(
        tmp_path / "tampered.tar.gz",
        a_manifest(engine, b"what was backed up"),
        {backups.DATABASE_FILES[engine]: b"something else"},
    )
    with pytest.raises(CommandError, match="does not match the checksum"):
        call_command("restore", str(archive), interactive=False)


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        (None, "has no manifest.json"),
        ({"format": "something else"}, "not this site's backup manifest"),
        ({"format_version": backups.FORMAT_VERSION + 1}, "newer than this code understands"),
        ({"counts": {"pages": 1}}, "manifest is incomplete"),
    ],
)
def test_restore_refuses_a_bad_manifest(var_dir, tmp_path, manifest, message):
    engine = connection.vendor
    database = b"db"
    full = None if manifest is None else {**a_manifest(engine, database), **manifest}
    archive = build_archive(
        tmp_path / "bad.tar.gz", full, {backups.DATABASE_FILES[engine]: database}
    )
    with pytest.raises(CommandError, match=message):
        call_command("restore", str(archive), interactive=False)


def test_restore_never_unpacks_outside_its_folder(var_dir, tmp_path):
    engine = connection.vendor
    archive = build_archive(
        tmp_path / "escape.tar.gz",
        a_manifest(engine, b"db"),
        {"../../escaped.txt": b"x", backups.DATABASE_FILES[engine]: b"db"},
    )
    with pytest.raises(CommandError, match="unsafe path"):
        call_command("restore", str(archive), interactive=False)
    assert not (tmp_path / "escaped.txt").exists()
    assert not list(tmp_path.rglob("escaped.txt"))

    linked = tmp_path / "link.tar.gz"
    with tarfile.open(linked, "w:gz") as tar:
        info = tarfile.TarInfo("media/passwd")
        info.type = tarfile.SYMTYPE
        info.linkname = "/etc/passwd"
        tar.addfile(info)
    with pytest.raises(CommandError, match="not a plain file"):
        call_command("restore", str(linked), interactive=False)


def test_restore_changes_nothing_unless_confirmed(made: Made, var_dir, monkeypatch, capsys):
    answers = []
    monkeypatch.setattr("builtins.input", lambda prompt: answers.append(prompt) or "no")
    with pytest.raises(CommandError, match="Restore cancelled: nothing was changed"):
        call_command("restore", str(made.archive))
    assert answers == ["Type 'yes' to replace them with the backup: "]
    out = capsys.readouterr().out
    assert "This replaces:" in out and f"everything in {settings.MEDIA_ROOT}" in out
    assert not settings.MEDIA_ROOT.exists()


def test_backup_never_overwrites_a_file(var_dir, tmp_path):
    existing = tmp_path / "precious.tar.gz"
    existing.write_bytes(b"an older backup")
    with pytest.raises(CommandError, match="already exists: a backup never overwrites"):
        call_command("backup", output=existing)
    assert existing.read_bytes() == b"an older backup"


def test_backup_is_never_written_where_the_web_server_publishes(var_dir, settings):
    output = Path(settings.MEDIA_ROOT) / "documents" / "backup.tar.gz"
    with pytest.raises(CommandError, match="inside MEDIA_ROOT"):
        call_command("backup", output=output)
    assert not output.exists()


def test_media_on_other_storage_is_named_and_left_out_of_the_archive(settings, tmp_path):
    """With S3 (or any storage that is not a local folder) media is not in the archive."""
    settings.MEDIA_ROOT = tmp_path / "media"
    write_files(settings.MEDIA_ROOT, MEDIA_FILES)  # stale local files must not be archived
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    sets = {file_set.name: file_set for file_set in backups.file_sets()}
    assert not sets["media"].included
    assert "InMemoryStorage" in sets["media"].note
    assert sets["private"].included  # forum attachments are always on local disk
    lines, warnings = [], []
    with tarfile.open(tmp_path / "b.tar.gz", "w:gz") as archive:
        entry = backups._archive_files(archive, sets["media"], lines.append, warnings)
    with tarfile.open(tmp_path / "b.tar.gz") as archive:
        assert archive.getnames() == []
    assert entry == {"included": False, "files": 0, "bytes": 0, "note": sets["media"].note}
    assert warnings == [sets["media"].note]
    assert "not in this archive" in sets["media"].note
    assert any("NOT included" in line for line in lines)


def test_files_left_out_of_a_backup_are_left_alone(var_dir, tmp_path):
    write_files(settings.MEDIA_ROOT, {"original_images/on-s3.png": b"kept"})
    manifest = a_manifest(connection.vendor, b"db")
    manifest["files"]["media"]["note"] = "Media is stored by S3Storage"
    unpacked = backups.UnpackedBackup(
        archive=tmp_path / "b.tar.gz", folder=tmp_path / "unpacked", manifest=manifest
    )
    warnings = backups.restore_files(unpacked)
    assert read_files(settings.MEDIA_ROOT) == {"original_images/on-s3.png": b"kept"}
    assert any("left as it is. Media is stored by S3Storage" in line for line in warnings)


def test_restore_refuses_to_empty_a_folder_holding_the_site(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.MEDIA_ROOT = tmp_path  # a mistake: the var folder (and its database) is inside
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "elsewhere" / "private"
    write_files(tmp_path / "var", {"db.sqlite3": b"the live database"})
    manifest = a_manifest(connection.vendor, b"db")
    manifest["files"]["media"] = {"included": True, "files": 0, "bytes": 0}
    unpacked = backups.UnpackedBackup(
        archive=tmp_path / "elsewhere" / "b.tar.gz",
        folder=tmp_path / "elsewhere" / "unpacked",
        manifest=manifest,
    )
    with pytest.raises(backups.BackupError, match="Refusing to replace"):
        backups.restore_files(unpacked)
    assert (tmp_path / "var" / "db.sqlite3").read_bytes() == b"the live database"


def test_postgres_tools_get_the_password_from_the_environment_only():
    env = backups.postgres_env(
        {
            "NAME": "exchange",
            "USER": "site",
            "PASSWORD": "s3cret",
            "HOST": "db.example",
            "PORT": 5433,
            "OPTIONS": {"sslmode": "require", "connect_timeout": 5},
        }
    )
    assert env["PGPASSWORD"] == "s3cret"
    assert (env["PGHOST"], env["PGPORT"], env["PGUSER"], env["PGDATABASE"]) == (
        "db.example",
        "5433",
        "site",
        "exchange",
    )
    assert (env["PGSSLMODE"], env["PGCONNECT_TIMEOUT"]) == ("require", "5")


def test_pg_restore_is_told_the_password_only_through_its_environment(monkeypatch, tmp_path):
    class Site:
        vendor = "postgresql"
        settings_dict = {
            "NAME": "exchange",
            "USER": "site",
            "PASSWORD": "s3cret-pw",
            "HOST": "db.example",
            "PORT": 5432,
            "OPTIONS": {},
        }

    class Connections(dict):
        def close_all(self) -> None:
            pass

    calls = []

    def run(args, **kwargs):
        calls.append((args, kwargs))
        return subprocess.CompletedProcess(args, 0, "", "")

    monkeypatch.setattr(backups, "connections", Connections(default=Site()))
    monkeypatch.setattr(backups.shutil, "which", lambda tool: f"/usr/bin/{tool}")
    monkeypatch.setattr(backups.subprocess, "run", run)
    backups._restore_postgres(tmp_path / "db.dump", "default")
    [(args, kwargs)] = calls
    assert args[0] == "/usr/bin/pg_restore"
    assert {"--clean", "--if-exists", "--no-owner", "--no-password", "--dbname=exchange"} <= set(
        args
    )
    assert not any("s3cret-pw" in arg for arg in args)
    assert kwargs["env"]["PGPASSWORD"] == "s3cret-pw"
    assert "shell" not in kwargs


# --- the PostgreSQL round trip ----------------------------------------------------------------


def pg_connect(settings_dict: dict, dbname: str):
    import psycopg

    return psycopg.connect(
        dbname=dbname,
        host=settings_dict.get("HOST") or None,
        port=settings_dict.get("PORT") or None,
        user=settings_dict.get("USER") or None,
        password=settings_dict.get("PASSWORD") or None,
        autocommit=True,
    )


def test_postgres_round_trip_into_a_fresh_database(tmp_path):
    if connection.vendor != "postgresql" or not os.environ.get("DATABASE_URL"):
        pytest.skip("DATABASE_URL does not point at PostgreSQL; the PostgreSQL run covers this")
    if not shutil.which("pg_dump") or not shutil.which("pg_restore"):
        pytest.fail("pg_dump/pg_restore missing: the PostgreSQL set-up must install them")
    settings_dict = connection.settings_dict
    source_name = settings_dict["NAME"]  # the session's test database, demo content committed
    fresh_name = f"{source_name}_restore"
    url = urlsplit(os.environ["DATABASE_URL"])
    write_files(tmp_path / "media", MEDIA_FILES)
    write_files(tmp_path / "private", PRIVATE_FILES)
    with pg_connect(settings_dict, "postgres") as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{fresh_name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{fresh_name}"')
        try:
            env = clean_env(
                tmp_path,
                DATABASE_URL=url._replace(path=f"/{source_name}").geturl(),
                DJANGO_MEDIA_ROOT=str(tmp_path / "media"),
                DJANGO_PRIVATE_MEDIA_ROOT=str(tmp_path / "private"),
            )
            done = manage(env, "backup", "--output", str(tmp_path / "pg.tar.gz"))
            assert done.returncode == 0, done.stderr[-3000:]
            with tarfile.open(tmp_path / "pg.tar.gz") as archive:
                assert "db.dump" in archive.getnames()
            env.update(
                DATABASE_URL=url._replace(path=f"/{fresh_name}").geturl(),
                DJANGO_MEDIA_ROOT=str(tmp_path / "restored-media"),
                DJANGO_PRIVATE_MEDIA_ROOT=str(tmp_path / "restored-private"),
            )
            done = manage(env, "restore", str(tmp_path / "pg.tar.gz"), "--no-input")
            assert done.returncode == 0, done.stderr[-3000:]
            with pg_connect(settings_dict, source_name) as source:
                expected = snapshot(source.cursor())
            with pg_connect(settings_dict, fresh_name) as fresh:
                restored = snapshot(fresh.cursor())
            assert len(expected["pages"]) > 50 and len(expected["savings"]) > 10
            assert restored == expected
            assert read_files(tmp_path / "restored-media") == MEDIA_FILES
            assert read_files(tmp_path / "restored-private") == PRIVATE_FILES
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{fresh_name}" WITH (FORCE)')
