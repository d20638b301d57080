"""Delete forum-attachment files that no Attachment row refers to (run hourly from cron).

Why orphans exist: `communities.attachments.attach()` writes each file inside the transaction
that creates the post, so a file never belongs to a post that was not saved *except* when the
worker dies (SIGKILL, out of memory, power) after writing a file and before the commit: the
database rolls back, but the file stays. Writing after the commit would be worse: a kill then
loses a file a saved post points at. Deleting a post also leaves its files behind (a FileField
does not delete its file). So a few orphans are expected, and this command removes them.

How it finds them. The storage is `communities.models.attachments.private_storage`, a
FileSystemStorage under `PRIVATE_MEDIA_ROOT`, so the command walks the folder on disk with
`os.walk(followlinks=False)` and `os.lstat` rather than `storage.listdir()`: `listdir()` reports
a symlink to a folder as a folder (so walking it would leave the storage), and the storage API
has no way to ask a file's age or type without following a symlink. Any other storage backend
(S3 and the like) is refused with an error instead of guessed at.

What it will delete, and only that:

- regular files (never symlinks, never folders) under `<PRIVATE_MEDIA_ROOT>/attachments/`, the
  folder `_upload_to` puts every attachment in, never anything else in the private root;
- named as `attach()` names files (32 hex digits of a uuid4, maybe Django's `_xxxxxxx` suffix,
  an extension), so a file an operator put there by hand is reported and left alone;
- last modified more than `--older-than` minutes ago (default 60): the upload of a request
  still in its transaction has a fresh time, and no request lives an hour;
- not referred to by any `Attachment.file`, compared as resolved real paths, so a row that
  names the file as an absolute path, with `./`, `//`, backslashes or through a symlink still
  keeps it.

The folder is listed *before* the table is read, so a row committed during the walk is seen.
Empty year/month folders are kept: removing one could race `attach()` creating a file in it.

It also reports, never fixes, the reverse: rows whose file is missing (or lies outside the
storage), by id, for an operator to look at. Problems an operator must act on (missing files,
files that could not be deleted) go to stderr, so `-v 0` under cron mails only then. The exit
code is 0 whenever the command could look.
"""

from __future__ import annotations

import argparse
import os
import re
import stat
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import FileSystemStorage, Storage
from django.core.management.base import BaseCommand, CommandError

from communities.models import Attachment

# The folder communities.models.attachments._upload_to puts every attachment in.
ATTACHMENTS_FOLDER = "attachments"
# How attach() names a file on disk: uuid4().hex, then Django's "_" + 7 letters/digits suffix
# if the name was taken (it never is in practice), then the checked extension.
STORED_NAME = re.compile(r"[0-9a-f]{32}(?:_[A-Za-z0-9]{7})?\.[a-z0-9]+")
DEFAULT_MINUTES = 60


@dataclass
class StoredFile:
    """A regular file in the attachments folder, as lstat saw it during the walk."""

    path: str  # absolute, under the real storage root, no symlink in it
    relative: str  # as a storage name: "attachments/2025/01/<uuid>.pdf"
    size: int
    modified: float


@dataclass
class Scan:
    """What the walk found; only `candidates` may be deleted, and only if unreferenced."""

    folder: str
    looked_at: int = 0
    candidates: list[StoredFile] = field(default_factory=list)
    young: int = 0
    unknown: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)


def attachment_storage() -> FileSystemStorage:
    """The storage the Attachment field really uses (settings can move it), checked to be disk.

    Taken from the field rather than imported, so a change of storage in the model is seen here
    and refused if it is not a folder this command can walk safely.
    """
    storage: Storage = Attachment._meta.get_field("file").storage
    if not isinstance(storage, FileSystemStorage):
        raise CommandError(
            f"Attachments are stored with {storage.__class__.__name__}, not in a folder on this "
            "machine's disk; prune_attachments only knows how to clean a FileSystemStorage."
        )
    return storage


def scan_folder(root: str, cutoff: float) -> Scan:
    """Walk `<root>/attachments` without following symlinks, sorting files by what may go.

    `root` must already be a real path (no symlinks), so every path found is real too and can be
    compared with the resolved paths of the rows.
    """
    folder = os.path.join(root, ATTACHMENTS_FOLDER)
    scan = Scan(folder=folder)
    if os.path.islink(folder):
        # The whole attachments folder elsewhere: deleting through it would leave the storage.
        scan.unreadable.append(f"{folder} is a symlink; not followed")
        return scan
    if not os.path.isdir(folder):
        return scan  # nothing uploaded yet

    def unreadable(error: OSError) -> None:
        scan.unreadable.append(f"{error.filename}: {error.strerror}")

    for directory, _folders, names in os.walk(folder, onerror=unreadable, followlinks=False):
        for name in names:
            path = os.path.join(directory, name)
            try:
                info = os.lstat(path)
            except OSError as error:  # removed since listed, or unreadable
                unreadable(error)
                continue
            if not stat.S_ISREG(info.st_mode):
                continue  # symlinks, sockets, fifos: not something attach() writes
            scan.looked_at += 1
            relative = os.path.relpath(path, root).replace(os.sep, "/")
            if not STORED_NAME.fullmatch(name):
                scan.unknown.append(relative)
            elif info.st_mtime > cutoff:
                scan.young += 1
            else:
                scan.candidates.append(
                    StoredFile(path, relative, size=info.st_size, modified=info.st_mtime)
                )
    return scan


def _name_forms(name: str) -> set[str]:
    """The spellings of one stored name that could mean a file in the storage.

    Conservative on purpose: a form that matches nothing costs nothing, a form missed could
    delete a file a post shows.
    """
    forms = {name, name.replace("\\", "/")}
    return forms | {form.lstrip("/") for form in forms}


def referenced_paths(root: str, names: Iterable[str]) -> set[str]:
    """Resolved real paths of every file the rows name, in any spelling."""
    paths: set[str] = set()
    for name in names:
        if name:
            # An absolute name replaces root in join(); realpath then folds "..", "//", "./"
            # and symlinks, as the walked paths (under a real root, no symlinks) already are.
            paths.update(os.path.realpath(os.path.join(root, f)) for f in _name_forms(name))
    return paths


def missing_rows(storage: FileSystemStorage, rows: Iterable[tuple[int, str]]) -> list[int]:
    """Ids of rows whose file the download view could not serve: absent or outside storage."""
    missing = []
    for pk, name in rows:
        try:
            present = bool(name) and os.path.isfile(storage.path(name))
        except SuspiciousFileOperation:  # a path outside the storage: never served
            present = False
        if not present:
            missing.append(pk)
    return missing


def _rows() -> Iterator[tuple[int, str]]:
    """Every row's id and stored name, in chunks so a large table is never held as objects."""
    return Attachment.objects.order_by("pk").values_list("pk", "file").iterator(chunk_size=2000)


def _minutes(value: str) -> int:
    """--older-than: whole minutes, at least 1 (0 would race uploads being committed)."""
    try:
        minutes = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number of minutes") from None
    if minutes < 1:
        raise argparse.ArgumentTypeError(
            "must be at least 1: a file that new may belong to an upload not yet committed"
        )
    return minutes


def human_size(size: int) -> str:
    """Bytes as an operator reads them: "2,048 bytes (2.0 KB)"."""
    text = f"{size:,} byte" + ("" if size == 1 else "s")
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if size >= scale:
            return f"{text} ({size / scale:.1f} {unit})"
    return text


def _files(count: int) -> str:
    return f"{count:,} file" + ("" if count == 1 else "s")


class Command(BaseCommand):
    help = (
        "Delete forum-attachment files in private storage that no attachment refers to and "
        "that are older than --older-than minutes; report attachments whose file is missing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--older-than",
            type=_minutes,
            default=DEFAULT_MINUTES,
            metavar="MINUTES",
            help=f"Only files last changed this many minutes ago or more (default "
            f"{DEFAULT_MINUTES}), so an upload whose post is not saved yet is never touched.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="List the orphan files; delete nothing."
        )

    def handle(self, *args, **options) -> None:
        storage = attachment_storage()
        minutes: int = options["older_than"]
        dry_run: bool = options["dry_run"]
        verbose = options["verbosity"] >= 1
        root = os.path.realpath(storage.location)
        cutoff = time.time() - minutes * 60

        def say(message: str, style=None) -> None:
            if verbose:
                self.stdout.write(style(message) if style else message)

        say(f"Looking for orphan files in {os.path.join(root, ATTACHMENTS_FOLDER)}")
        scan = scan_folder(root, cutoff)  # before reading rows: see the module docstring
        referenced = referenced_paths(root, (name for _pk, name in _rows()))
        # Walked paths are real already (real root, symlinks never entered): compare as they are.
        orphans = [f for f in scan.candidates if f.path not in referenced]

        deleted: list[StoredFile] = []
        failed: list[str] = []
        for orphan in orphans:
            if dry_run:
                say(f"Would delete {orphan.relative} ({human_size(orphan.size)})")
                deleted.append(orphan)
                continue
            problem = self._delete(orphan, cutoff)
            if problem is None:
                say(f"Deleted {orphan.relative} ({human_size(orphan.size)})")
                deleted.append(orphan)
            elif problem:
                failed.append(f"{orphan.relative}: {problem}")

        say(f"Looked at {_files(scan.looked_at)}.")
        if scan.young:
            say(
                f"Left {_files(scan.young)} newer than {minutes} minutes alone (an upload may "
                "not be saved yet)."
            )
        for relative in scan.unknown:
            say(f"Left alone, not named as uploads are: {relative}", self.style.WARNING)
        if not orphans:
            say("No orphan files.", self.style.SUCCESS)
        elif dry_run:
            freed = sum(f.size for f in deleted)
            say(
                f"Dry run: {_files(len(deleted))} would be deleted, freeing {human_size(freed)}.",
                self.style.SUCCESS,
            )
        else:
            freed = sum(f.size for f in deleted)
            say(
                f"Deleted {_files(len(deleted))} of {len(orphans):,} orphans, freeing "
                f"{human_size(freed)}.",
                self.style.SUCCESS,
            )

        for problem in scan.unreadable:
            self.stderr.write(f"Could not look at {problem}")
        for problem in failed:
            self.stderr.write(f"Could not delete {problem}")
        missing = missing_rows(storage, _rows())
        if missing:
            ids = ", ".join(str(pk) for pk in missing)
            self.stderr.write(
                self.style.WARNING(
                    f"{len(missing):,} attachment "
                    + ("row points" if len(missing) == 1 else "rows point")
                    + f" at a missing file (not changed; look at them): ids {ids}"
                )
            )
        else:
            say("Every attachment row's file is present.")

    @staticmethod
    def _delete(orphan: StoredFile, cutoff: float) -> str | None:
        """Delete one orphan; None if done, "" if it went away first, else the reason.

        It is looked at again just before: a file replaced since the walk (by a symlink, or
        rewritten, so newer) is left alone.
        """
        try:
            info = os.lstat(orphan.path)
            if not stat.S_ISREG(info.st_mode) or info.st_mtime > cutoff:
                return "changed since it was listed; left alone"
            os.unlink(orphan.path)
        except FileNotFoundError:
            return ""
        except OSError as error:
            return error.strerror or str(error)
        return None
