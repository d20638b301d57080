"""Back up the whole site into one file, and put it back.

A backup is a single `.tar.gz` holding:

- `db.sqlite3` (SQLite, copied with the online backup API, so it is consistent while the site
  keeps writing) or `db.dump` (PostgreSQL, `pg_dump --format=custom`);
- `media/`: everything under `MEDIA_ROOT` (images, renditions, documents), unless the default
  storage is not on this machine's disk (S3 and the like), which is said in the manifest;
- `private/`: forum attachments under `PRIVATE_MEDIA_ROOT`, which the database points at and
  which no other copy holds;
- `manifest.json` (last): format version, when, Django and Wagtail versions, the engine, the
  database file's size and SHA-256, and counts of pages, forum posts, savings records and users
  *taken from the copy itself*, so a restore can prove it brought back what was saved.

A restore unpacks and checks everything (member names, checksum, database integrity, file
counts) before it changes anything, then replaces the database, then the files, then counts
again. Everything an operator can get wrong raises `BackupError` with a sentence that says what
to do, so the commands can print it without a traceback.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess  # only pg_dump and pg_restore, no shell (see _run_pg)  # nosec B404
import tarfile
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

import django
import wagtail
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.core.files.storage import FileSystemStorage, storages
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction

FORMAT = "public-service-learning-exchange-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE_FILES = {"sqlite": "db.sqlite3", "postgresql": "db.dump"}
# Archive folder -> (setting naming the folder, what people call it).
FILE_SETS = {
    "media": ("MEDIA_ROOT", "media (images and documents)"),
    "private": ("PRIVATE_MEDIA_ROOT", "private media (forum attachments)"),
}
COUNT_LABELS = {
    "pages": "pages",
    "forum_posts": "forum posts",
    "savings_records": "savings records",
    "users": "users",
}

Log = Callable[[str], None]


class BackupError(Exception):
    """Something the operator can fix: the message says what went wrong and what to do."""


def _quiet(line: str) -> None:
    """Default log: say nothing (the commands pass their own writer)."""


# --- what is counted -----------------------------------------------------------------------


def counted_tables() -> dict[str, str]:
    """The tables whose rows a backup counts, by manifest key.

    Counted by table rather than through the ORM so the same SQL works on the live database,
    on the SQLite copy before it is archived, and inside a PostgreSQL snapshot.
    """
    from wagtail.models import Page

    from communities.models import Post
    from projects.models import SavingsRecord

    return {
        "pages": Page._meta.db_table,
        "forum_posts": Post._meta.db_table,
        "savings_records": SavingsRecord._meta.db_table,
        "users": get_user_model()._meta.db_table,
    }


def count_rows(cursor: Any) -> dict[str, int]:
    """Count the rows of each counted table through any DB-API cursor."""
    counts = {}
    for key, table in counted_tables().items():
        cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 - table names from models
        counts[key] = int(cursor.fetchone()[0])
    return counts


def describe_counts(counts: dict[str, int]) -> str:
    """'119 pages, 55 forum posts, ...' for people reading the output."""
    return ", ".join(f"{counts.get(key, 0)} {label}" for key, label in COUNT_LABELS.items())


def count_files(count: int) -> str:
    """'1 file', '12 files'."""
    return f"{count} file" if count == 1 else f"{count} files"


def format_bytes(size: int) -> str:
    """A size people can read at a glance."""
    amount = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if amount < 1024 or unit == "GB":
            return f"{int(amount)} bytes" if unit == "bytes" else f"{amount:.1f} {unit}"
        amount /= 1024
    return f"{amount:.1f} GB"  # pragma: no cover - the loop always returns


# --- where things are ------------------------------------------------------------------------


def engine_name(using: str = DEFAULT_DB_ALIAS) -> str:
    """'sqlite' or 'postgresql'; any other database is refused, because we cannot copy it."""
    vendor = connections[using].vendor
    if vendor not in DATABASE_FILES:
        raise BackupError(
            f"Backups support SQLite and PostgreSQL; this site's database is {vendor}."
        )
    return vendor


def default_backup_path(now: datetime | None = None) -> Path:
    """var/backups/backup-<UTC timestamp>.tar.gz: names that sort by time and say when, in UTC."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return Path(settings.VAR_DIR) / "backups" / f"backup-{stamp}.tar.gz"


@dataclass
class FileSet:
    """One folder of files that goes into (or comes out of) the archive."""

    name: str
    label: str
    root: Path | None
    note: str = ""

    @property
    def included(self) -> bool:
        return self.root is not None


def file_sets() -> list[FileSet]:
    """The folders to archive, with a note for any the archive cannot hold.

    Media on S3 (or any storage that is not a folder on this machine) is not in the archive:
    copying a bucket is that service's job (versioning, replication), and pretending otherwise
    would give a backup that silently lacks every image.
    """
    found = []
    for name, (setting, label) in FILE_SETS.items():
        root = Path(getattr(settings, setting))
        note = ""
        if name == "media":
            storage = storages["default"]
            if not isinstance(storage, FileSystemStorage):
                backend = f"{type(storage).__module__}.{type(storage).__qualname__}"
                note = (
                    f"Media is stored by {backend}, not in a folder on this machine, so it is "
                    "not in this archive: back it up with that storage's own tools "
                    "(for S3, bucket versioning or replication)."
                )
                root = None
        found.append(FileSet(name=name, label=label, root=root, note=note))
    return found


def _walk(root: Path) -> Iterator[tuple[Path, str]]:
    """Regular files under root (no symlinks), with their archive-relative POSIX path."""
    if not root.is_dir():
        return
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            path = Path(folder) / name
            if path.is_symlink() or not path.is_file():
                continue
            yield path, path.relative_to(root).as_posix()


def _inside(path: Path, folder: Path) -> bool:
    """Is path the folder or anywhere under it (after resolving links)?"""
    path, folder = path.resolve(), folder.resolve()
    return path == folder or folder in path.parents


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- PostgreSQL tools -------------------------------------------------------------------------


def postgres_env(settings_dict: dict[str, Any]) -> dict[str, str]:
    """Connection details for pg_dump/pg_restore as PG* variables.

    The password goes in PGPASSWORD, never on the command line, where any user of the machine
    could read it in the process list; the other details go the same way for symmetry.
    """
    options = settings_dict.get("OPTIONS") or {}
    env = dict(os.environ)
    pairs = {
        "PGHOST": settings_dict.get("HOST"),
        "PGPORT": settings_dict.get("PORT"),
        "PGUSER": settings_dict.get("USER"),
        "PGPASSWORD": settings_dict.get("PASSWORD"),
        "PGDATABASE": settings_dict.get("NAME"),
        "PGSERVICE": options.get("service"),
        "PGPASSFILE": options.get("passfile"),
        "PGSSLMODE": options.get("sslmode"),
        "PGSSLROOTCERT": options.get("sslrootcert"),
        "PGSSLCERT": options.get("sslcert"),
        "PGSSLKEY": options.get("sslkey"),
        "PGCONNECT_TIMEOUT": options.get("connect_timeout"),
    }
    for key, value in pairs.items():
        if value:
            env[key] = str(value)
    return env


def _run_pg(tool: str, args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    """Run pg_dump or pg_restore, turning a missing tool or a failure into a BackupError."""
    executable = shutil.which(tool)
    if executable is None:
        raise BackupError(
            f"{tool} is not installed: install the PostgreSQL client tools "
            "(Debian: apt-get install postgresql-client) in the same major version as the server."
        )
    done = subprocess.run(  # noqa: S603 - fixed executable, no shell, arguments we built  # nosec B603
        [executable, "--no-password", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise BackupError(f"{tool} failed (exit {done.returncode}): {done.stderr.strip()[-2000:]}")
    return done


# --- making a backup --------------------------------------------------------------------------


@dataclass
class BackupResult:
    """What `create_backup` wrote."""

    path: Path
    manifest: dict[str, Any]
    size: int
    seconds: float
    warnings: list[str] = field(default_factory=list)


def _dump_sqlite(target: Path, using: str) -> dict[str, int]:
    """Copy the live SQLite database with the online backup API and count what the copy holds.

    The backup API copies a consistent snapshot while other connections keep reading and
    writing (copying the file would tear it, and miss whatever sits in the WAL). The copy is
    switched to a rollback journal so it is one self-contained file.
    """
    connection = connections[using]
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        connection.connection.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")
        problems = [row[0] for row in copy.execute("PRAGMA quick_check")]
        if problems != ["ok"]:
            raise BackupError(
                "The live database failed SQLite's integrity check, so a copy would not be "
                f"trustworthy: {'; '.join(problems[:5])}"
            )
        return count_rows(copy.cursor())
    finally:
        copy.close()


def _dump_postgres(target: Path, using: str) -> dict[str, int]:
    """pg_dump the database, counting rows in the very snapshot pg_dump copies.

    A REPEATABLE READ transaction exports its snapshot and counts; pg_dump then reads that same
    snapshot (`--snapshot`), so the manifest's counts describe the dump exactly, however busy
    the site is.
    """
    connection = connections[using]
    connection.ensure_connection()
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        counts = count_rows(cursor)
        _run_pg(
            "pg_dump",
            ["--format=custom", f"--snapshot={snapshot}", f"--file={target}"],
            postgres_env(connection.settings_dict),
        )
    return counts


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(time.time())
    info.mode = 0o600
    archive.addfile(info, io.BytesIO(data))


def _claim(output: Path) -> Path:
    """Resolve the output path, refusing to overwrite anything or to publish the backup.

    A backup holds password hashes and private forum posts; under MEDIA_ROOT the web server
    would hand it to anyone who guessed its name.
    """
    if output.is_dir():
        output = output / default_backup_path().name
    if output.exists():
        raise BackupError(f"{output} already exists: a backup never overwrites a file.")
    if _inside(output, Path(settings.MEDIA_ROOT)):
        raise BackupError(
            f"{output} is inside MEDIA_ROOT, which the web server publishes: "
            "write backups somewhere private (the default is var/backups/)."
        )
    try:
        output.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as error:
        raise BackupError(f"Cannot create the folder {output.parent}: {error}") from error
    return output


def create_backup(
    output: Path | None = None, log: Log = _quiet, *, using: str = DEFAULT_DB_ALIAS
) -> BackupResult:
    """Write a backup archive of the database and media to `output` (a new file)."""
    started = time.monotonic()
    engine = engine_name(using)
    output = _claim(Path(output) if output else default_backup_path())
    partial = output.with_name(output.name + ".partial")
    warnings: list[str] = []
    created = False
    try:
        with tempfile.TemporaryDirectory(prefix=".backup-", dir=output.parent) as staging:
            dump = Path(staging) / DATABASE_FILES[engine]
            name = connections[using].settings_dict["NAME"]
            try:
                if engine == "sqlite":
                    log(f"Copying the SQLite database {name}")
                    counts = _dump_sqlite(dump, using)
                else:
                    log(f"Dumping the PostgreSQL database {name}")
                    counts = _dump_postgres(dump, using)
            except (DatabaseError, sqlite3.Error) as error:
                raise BackupError(
                    f"Could not read the database {name} ({error}): check DATABASE_URL or "
                    "SQLITE_PATH, and that `manage.py migrate` has run."
                ) from error
            database = {
                "file": dump.name,
                "bytes": dump.stat().st_size,
                "sha256": _sha256(dump),
            }
            log(f"  database: {format_bytes(database['bytes'])}; {describe_counts(counts)}")
            descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            created = True
            with (
                os.fdopen(descriptor, "wb") as raw,
                tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6) as archive,
            ):
                archive.add(dump, arcname=dump.name)
                files = {}
                for file_set in file_sets():
                    files[file_set.name] = _archive_files(archive, file_set, log, warnings)
                manifest = {
                    "format": FORMAT,
                    "format_version": FORMAT_VERSION,
                    "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "django_version": django.get_version(),
                    "wagtail_version": wagtail.__version__,
                    "engine": engine,
                    "database": database,
                    "counts": counts,
                    "files": files,
                }
                _add_bytes(archive, MANIFEST, json.dumps(manifest, indent=2).encode())
        _publish(partial, output)
    except OSError as error:
        raise BackupError(f"Could not write the backup {output}: {error}") from error
    finally:
        if created:
            partial.unlink(missing_ok=True)
    return BackupResult(
        path=output,
        manifest=manifest,
        size=output.stat().st_size,
        seconds=time.monotonic() - started,
        warnings=warnings,
    )


def _archive_files(
    archive: tarfile.TarFile, file_set: FileSet, log: Log, warnings: list[str]
) -> dict[str, Any]:
    """Add one folder's files under `<name>/`; a file deleted meanwhile is simply not counted."""
    if not file_set.included:
        warnings.append(file_set.note)
        log(f"  {file_set.label}: NOT included. {file_set.note}")
        return {"included": False, "files": 0, "bytes": 0, "note": file_set.note}
    count = size = 0
    for path, relative in _walk(file_set.root):
        try:
            info = archive.gettarinfo(path, arcname=f"{file_set.name}/{relative}")
            with path.open("rb") as handle:
                archive.addfile(info, handle)
        except FileNotFoundError:
            continue
        count += 1
        size += info.size
    log(f"  {file_set.label}: {count_files(count)}, {format_bytes(size)} from {file_set.root}")
    return {"included": True, "files": count, "bytes": size}


def _publish(partial: Path, output: Path) -> None:
    """Give the finished file its name without ever replacing a file that appeared meanwhile."""
    try:
        os.link(partial, output)
    except FileExistsError as error:
        raise BackupError(
            f"{output} appeared while the backup ran; nothing was overwritten."
        ) from error
    except OSError:
        # Filesystems without hard links: check, then rename (a narrow race, not a silent one).
        if output.exists():
            raise BackupError(
                f"{output} already exists: a backup never overwrites a file."
            ) from None
        partial.rename(output)


# --- reading a backup --------------------------------------------------------------------------


@dataclass
class UnpackedBackup:
    """An archive unpacked into a private folder and checked, ready to restore."""

    archive: Path
    folder: Path
    manifest: dict[str, Any]

    @property
    def database(self) -> Path:
        return self.folder / self.manifest["database"]["file"]


def _corrupt(path: Path, why: str) -> BackupError:
    return BackupError(f"{path} is not a usable backup archive: {why}.")


def _check_member(path: Path, member: tarfile.TarInfo) -> None:
    """Only the names a backup writes, as plain files and folders, may be unpacked."""
    name = PurePosixPath(member.name)
    if name.is_absolute() or ".." in name.parts or not name.parts:
        raise _corrupt(path, f"it holds an unsafe path {member.name!r}")
    if not (member.isfile() or member.isdir()):
        raise _corrupt(path, f"it holds {member.name!r}, which is not a plain file")
    top = name.parts[0]
    if len(name.parts) == 1 and member.isfile() and top in {MANIFEST, *DATABASE_FILES.values()}:
        return
    if top in FILE_SETS:
        return
    raise _corrupt(path, f"it holds {member.name!r}, which no backup of this site contains")


def _read_manifest(path: Path, folder: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except FileNotFoundError:
        raise _corrupt(path, "it has no manifest.json") from None
    except (ValueError, UnicodeDecodeError) as error:
        raise _corrupt(path, f"its manifest.json is not valid JSON ({error})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _corrupt(path, "its manifest.json is not this site's backup manifest")
    version = manifest.get("format_version")
    if not isinstance(version, int):
        raise _corrupt(path, "its manifest has no format version")
    if version > FORMAT_VERSION:
        raise BackupError(
            f"{path} uses backup format {version}, newer than this code understands "
            f"({FORMAT_VERSION}): restore it with the version of the site that made it."
        )
    engine = manifest.get("engine")
    database = manifest.get("database")
    counts = manifest.get("counts")
    if (
        engine not in DATABASE_FILES
        or not isinstance(database, dict)
        or database.get("file") != DATABASE_FILES[engine]
        or not isinstance(database.get("sha256"), str)
        or not isinstance(counts, dict)
        or set(counts) != set(COUNT_LABELS)
        or not all(isinstance(value, int) for value in counts.values())
        or not isinstance(manifest.get("files"), dict)
    ):
        raise _corrupt(path, "its manifest is incomplete")
    return manifest


def _check_contents(path: Path, unpacked: UnpackedBackup) -> None:
    """The database file matches its checksum and opens cleanly; each folder is complete."""
    manifest = unpacked.manifest
    database = unpacked.database
    if not database.is_file():
        raise _corrupt(path, f"it has no {database.name}")
    if _sha256(database) != manifest["database"]["sha256"]:
        raise _corrupt(path, f"{database.name} does not match the checksum in its manifest")
    if manifest["engine"] == "sqlite":
        try:
            copy = sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)
            try:
                problems = [row[0] for row in copy.execute("PRAGMA quick_check")]
            finally:
                copy.close()
        except sqlite3.DatabaseError as error:
            raise _corrupt(path, f"its database does not open ({error})") from None
        if problems != ["ok"]:
            raise _corrupt(path, f"its database fails SQLite's check: {'; '.join(problems[:5])}")
    else:
        _run_pg("pg_restore", ["--list", str(database)], dict(os.environ))
    for name, details in manifest["files"].items():
        if name not in FILE_SETS or not isinstance(details, dict):
            raise _corrupt(path, f"its manifest names an unknown folder {name!r}")
        if details.get("included"):
            found = sum(1 for _ in _walk(unpacked.folder / name))
            if found != details.get("files"):
                raise _corrupt(
                    path,
                    f"{name}/ holds {found} files but its manifest says {details.get('files')}",
                )


@contextmanager
def unpack_backup(path: Path, *, using: str = DEFAULT_DB_ALIAS) -> Iterator[UnpackedBackup]:
    """Unpack and check an archive in a private temporary folder, removed afterwards.

    Everything is read and checked here, before any restore step changes anything: a truncated
    or tampered archive, or one from the other database engine, fails with nothing touched.
    """
    path = Path(path)
    if not path.exists():
        raise BackupError(f"No backup at {path}: check the path (backups are in var/backups/).")
    if not path.is_file():
        raise BackupError(f"{path} is not a file.")
    var_dir = Path(settings.VAR_DIR)
    var_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".restore-", dir=var_dir) as staging:
        folder = Path(staging)
        try:
            with tarfile.open(path, mode="r:gz") as archive:
                for member in archive:
                    _check_member(path, member)
                    archive.extract(member, folder, filter="data")
        except (tarfile.TarError, EOFError, zlib.error, OSError) as error:
            raise _corrupt(path, f"it cannot be read as a .tar.gz ({error})") from None
        manifest = _read_manifest(path, folder)
        engine = engine_name(using)
        if manifest["engine"] != engine:
            raise BackupError(
                f"{path} is a {manifest['engine']} backup but this site runs on {engine}: "
                "restore it into a site configured for the same engine "
                "(set or unset DATABASE_URL)."
            )
        unpacked = UnpackedBackup(archive=path, folder=folder, manifest=manifest)
        _check_contents(path, unpacked)
        yield unpacked


# --- restoring ---------------------------------------------------------------------------------


@dataclass
class RestoreResult:
    """What a restore found afterwards, and anything the operator still has to do."""

    counts: dict[str, int]
    seconds: float
    warnings: list[str] = field(default_factory=list)


def restore_target(using: str = DEFAULT_DB_ALIAS) -> str:
    """The database a restore will replace, as people would name it."""
    settings_dict = connections[using].settings_dict
    if connections[using].vendor == "sqlite":
        return f"SQLite database {settings_dict['NAME']}"
    host = settings_dict.get("HOST") or "local socket"
    return f"PostgreSQL database {settings_dict.get('NAME')} on {host}"


def _restore_sqlite(source: Path, using: str) -> None:
    """Copy the archived database into the configured file with the backup API.

    The backup API takes the write lock and replaces every page in one go, so a site still
    running sees either the old database or the restored one; copying the file over would
    corrupt it (and leave a stale WAL beside it).
    """
    connection = connections[using]
    if connection.is_in_memory_db():
        raise BackupError(
            "The configured SQLite database is in memory: there is nothing to restore into."
        )
    target = Path(connection.settings_dict["NAME"])
    connections.close_all()
    target.parent.mkdir(parents=True, exist_ok=True)
    archived = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    live = sqlite3.connect(target, timeout=30)
    try:
        archived.backup(live)
    except sqlite3.Error as error:
        raise BackupError(f"Could not write {target}: {error}") from error
    finally:
        live.close()
        archived.close()


def _restore_postgres(source: Path, using: str) -> None:
    """pg_restore into the configured database in one transaction.

    `--clean --if-exists` drops what is there first (and works on an empty database);
    `--no-owner` lets another role own the restored tables; `--single-transaction` means a
    failure part-way leaves the database as it was.
    """
    connection = connections[using]
    connections.close_all()
    settings_dict = connection.settings_dict
    name = settings_dict.get("NAME")
    service = (settings_dict.get("OPTIONS") or {}).get("service")
    target = name or (f"service={service}" if service else "")
    if not target:
        raise BackupError("DATABASE_URL names no database to restore into.")
    _run_pg(
        "pg_restore",
        [
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            f"--dbname={target}",
            str(source),
        ],
        postgres_env(settings_dict),
    )


def _refuse_to_clear(target: Path, protected: list[Path]) -> None:
    """Never empty a folder that holds the code, the database or the backup being restored."""
    for keep in protected:
        if _inside(keep, target):
            raise BackupError(
                f"Refusing to replace {target}: it contains {keep}. Point the setting at a "
                "folder of its own."
            )


def restore_files(
    unpacked: UnpackedBackup, log: Log = _quiet, *, using: str = DEFAULT_DB_ALIAS
) -> list[str]:
    """Replace each archived folder's contents with the archive's; return warnings.

    The folder is emptied, not kept alongside: files uploaded after the backup would belong to
    no row of the restored database. Folders the archive does not hold are left alone.
    """
    warnings = []
    sets = {file_set.name: file_set for file_set in file_sets()}
    roots = [Path(getattr(settings, setting)) for setting, _ in FILE_SETS.values()]
    database_name = connections[using].settings_dict.get("NAME")
    for name, details in unpacked.manifest["files"].items():
        file_set = sets[name]
        if not details.get("included"):
            note = details.get("note") or f"{file_set.label} is not in this backup."
            warnings.append(f"{file_set.label}: left as it is. {note}")
            continue
        if file_set.root is None:
            warnings.append(
                f"{file_set.label}: the backup holds {count_files(details.get('files', 0))}, "
                "but this site "
                f"stores media elsewhere ({file_set.note}); restore them there from "
                f"{unpacked.archive} by hand."
            )
            continue
        target = file_set.root
        protected = [
            Path(settings.BASE_DIR),
            Path(settings.VAR_DIR),
            unpacked.archive,
            unpacked.folder,
            *(root for root in roots if root.resolve() != target.resolve()),
        ]
        if connections[using].vendor == "sqlite" and database_name:
            protected.append(Path(database_name))
        _refuse_to_clear(target, protected)
        target.mkdir(parents=True, exist_ok=True)
        for child in list(target.iterdir()):
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
        staged = unpacked.folder / name
        if staged.is_dir():
            for child in list(staged.iterdir()):
                shutil.move(child, target / child.name)
        log(f"  {file_set.label}: {count_files(details.get('files', 0))} restored to {target}")
    return warnings


def live_counts(using: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    """Count the configured database now (a fresh connection, after a restore)."""
    with connections[using].cursor() as cursor:
        return count_rows(cursor)


def migration_warnings(using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Say if the restored database is behind or ahead of this code's migrations."""
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connections[using])
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    unknown = set(executor.loader.applied_migrations) - set(executor.loader.disk_migrations)
    warnings = []
    if pending:
        warnings.append(
            f"{len(pending)} migrations of this code are not applied in the restored database: "
            "run `manage.py migrate`."
        )
    if unknown:
        warnings.append(
            f"The restored database has {len(unknown)} migrations this code does not know: "
            "it was made by a newer version of the site; run that version."
        )
    return warnings


def restore_backup(
    path: Path,
    *,
    confirm: Callable[[dict[str, Any]], bool],
    log: Log = _quiet,
    using: str = DEFAULT_DB_ALIAS,
) -> RestoreResult:
    """Check an archive, ask `confirm`, then replace the database and files and count again.

    The counts afterwards must equal the manifest's: a restore that brings back fewer pages,
    posts, savings records or users than were saved is reported as a failure, not a success.
    """
    started = time.monotonic()
    changing = False
    try:
        with unpack_backup(Path(path), using=using) as unpacked:
            manifest = unpacked.manifest
            warnings = []
            if manifest.get("django_version") != django.get_version() or (
                manifest.get("wagtail_version") != wagtail.__version__
            ):
                warnings.append(
                    f"The backup was made with Django {manifest.get('django_version')} and "
                    f"Wagtail {manifest.get('wagtail_version')}; this is Django "
                    f"{django.get_version()} and Wagtail {wagtail.__version__}."
                )
            if not confirm(manifest):
                raise BackupError("Restore cancelled: nothing was changed.")
            log(f"Restoring the {restore_target(using)}")
            changing = True
            if manifest["engine"] == "sqlite":
                _restore_sqlite(unpacked.database, using)
            else:
                _restore_postgres(unpacked.database, using)
            connections.close_all()
            warnings += restore_files(unpacked, log, using=using)
    except OSError as error:
        if changing:
            raise BackupError(
                f"The restore stopped part-way ({error}): fix the cause and run it again "
                "(the archive is unchanged)."
            ) from error
        raise BackupError(f"Could not unpack {path} ({error}): nothing was changed.") from error
    try:
        counts = live_counts(using)
    except DatabaseError as error:
        raise BackupError(f"The restored database could not be counted: {error}") from error
    if counts != manifest["counts"]:
        raise BackupError(
            f"The restored database holds {describe_counts(counts)}, but the backup's manifest "
            f"says {describe_counts(manifest['counts'])}."
        )
    for alias in caches:
        try:
            caches[alias].clear()
        except Exception as error:  # a cache that is down must not fail a finished restore
            warnings.append(f"Could not clear the {alias} cache ({error}): clear it by hand.")
    warnings += migration_warnings(using)
    if getattr(settings, "ELASTICSEARCH_URL", ""):
        warnings.append(
            "Search runs on Elasticsearch, which is not in the backup: "
            "run `manage.py search_index --rebuild`."
        )
    return RestoreResult(counts=counts, seconds=time.monotonic() - started, warnings=warnings)
