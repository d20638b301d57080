"""prune_attachments: orphan files go, everything a row (or an upload in flight) needs stays.

Orphans here are made the way production makes them: `attach()` writes the file inside a
transaction that then never commits (as when a worker is killed), so names and folders are
exactly what the command must recognise.
"""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import pytest
from django.core.files.storage import InMemoryStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import transaction

from communities.attachments import attach, check_uploads
from communities.models import Attachment, Post, Thread
from communities.models.attachments import private_storage

pytestmark = pytest.mark.django_db

HOUR = 3600
TEXT = b"Minutes of the March meeting.\n"


class Rollback(Exception):
    """Raised inside a transaction to undo it, leaving attach()'s file behind."""


@pytest.fixture
def private_root(settings, tmp_path) -> Path:  # storage follows the setting (signal)
    root = tmp_path / "private"
    settings.PRIVATE_MEDIA_ROOT = root
    settings.MEDIA_ROOT = tmp_path / "public"
    return root


@pytest.fixture
def member(make_user):
    return make_user("pruner")


@pytest.fixture
def post(make_community, member) -> Post:
    community = make_community("prune-testers", visibility="private")
    thread = Thread.objects.create(community=community, title="Files", author=member)
    return Post.objects.create(thread=thread, author=member, body="Attached.")


def upload(name: str = "notes.txt", data: bytes = TEXT) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="text/plain")


def saved(post: Post, member, data: bytes = TEXT) -> Attachment:
    [attachment] = attach(post, check_uploads([upload(data=data)]), member)
    return attachment


def orphaned(post: Post, member, data: bytes = TEXT) -> Path:
    """A file attach() wrote in a transaction that rolled back: on disk, in no row."""
    with pytest.raises(Rollback), transaction.atomic():
        [attachment] = attach(post, check_uploads([upload(data=data)]), member)
        path = Path(attachment.file.path)
        raise Rollback
    assert path.is_file()
    assert not Attachment.objects.filter(file__endswith=path.name).exists()
    return path


def age(path: Path, seconds: float) -> Path:
    """Make a file look last modified `seconds` ago."""
    when = time.time() - seconds
    os.utime(path, (when, when), follow_symlinks=False)
    return path


def prune(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("prune_attachments", *args, stdout=out, stderr=err)  # raising = exit code 1
    return out.getvalue(), err.getvalue()


def relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def test_old_orphan_goes_referenced_and_young_files_stay(private_root, post, member):
    kept = Path(saved(post, member).file.path)
    age(kept, 3 * HOUR)
    old = age(orphaned(post, member, b"x" * 5000), 2 * HOUR)
    young = age(orphaned(post, member), 10 * 60)

    out, err = prune()

    assert not old.exists()
    assert kept.read_bytes() == TEXT
    assert young.exists()
    assert f"Deleted {relative(old, private_root)} (5,000 bytes (4.9 KB))" in out
    assert "Looked at 3 files." in out
    assert "Left 1 file newer than 60 minutes alone" in out
    assert "Deleted 1 file of 1 orphans, freeing 5,000 bytes (4.9 KB)." in out
    assert "Every attachment row's file is present." in out
    assert err == ""
    assert kept.parent == old.parent  # same month folder: it is the name that decided


def test_older_than_sets_the_age(private_root, post, member):
    orphan = age(orphaned(post, member), 10 * 60)
    prune()
    assert orphan.exists()
    out, _err = prune("--older-than", "5")
    assert not orphan.exists()
    assert "Deleted 1 file" in out


@pytest.mark.parametrize("minutes", ["0", "-5", "soon"])
def test_older_than_must_be_a_positive_whole_number(private_root, minutes):
    with pytest.raises(CommandError, match="older-than"):
        prune("--older-than", minutes)


def test_dry_run_lists_and_deletes_nothing(private_root, post, member):
    first = age(orphaned(post, member, b"a" * 100), 2 * HOUR)
    second = age(orphaned(post, member, b"b" * 50), 2 * HOUR)

    out, _err = prune("--dry-run")

    assert first.exists() and second.exists()
    assert f"Would delete {relative(first, private_root)} (100 bytes)" in out
    assert f"Would delete {relative(second, private_root)} (50 bytes)" in out
    assert "Dry run: 2 files would be deleted, freeing 150 bytes." in out
    assert "Deleted" not in out
    out, _err = prune()
    assert not first.exists() and not second.exists()


def test_nothing_to_do(private_root, post, member):
    kept = age(Path(saved(post, member).file.path), 2 * HOUR)
    out, err = prune()
    assert kept.exists()
    assert "Looked at 1 file." in out
    assert "No orphan files." in out
    assert err == ""


def test_no_folder_yet(private_root):
    out, err = prune()
    assert not private_root.exists()
    assert "Looked at 0 files." in out and "No orphan files." in out
    assert err == ""


@pytest.mark.parametrize(
    "spelling",
    [
        lambda root, name: str(root / name),  # absolute
        lambda root, name: f"./{name}",
        lambda root, name: name.replace("/", "//"),
        lambda root, name: name.replace("/", "\\"),
        lambda root, name: f"/{name}",
        lambda root, name: f"attachments/../{name}",
    ],
    ids=["absolute", "dot-slash", "double-slash", "backslashes", "leading-slash", "dot-dot"],
)
def test_a_row_keeps_its_file_in_any_spelling(private_root, post, member, spelling):
    attachment = saved(post, member)
    path = age(Path(attachment.file.path), 2 * HOUR)
    Attachment.objects.filter(pk=attachment.pk).update(
        file=spelling(private_root, attachment.file.name)
    )
    out, _err = prune()
    assert path.exists()
    assert "No orphan files." in out


def test_a_row_through_a_symlinked_root_keeps_its_file(private_root, post, member, tmp_path):
    attachment = saved(post, member)
    path = age(Path(attachment.file.path), 2 * HOUR)
    alias = tmp_path / "alias"
    alias.symlink_to(private_root)
    Attachment.objects.filter(pk=attachment.pk).update(file=str(alias / attachment.file.name))
    prune()
    assert path.exists()


def test_only_upload_shaped_regular_files_in_the_attachments_folder(
    private_root, post, member, tmp_path
):
    orphan = age(orphaned(post, member), 2 * HOUR)
    month = orphan.parent
    uuid_name = "0123456789abcdef0123456789abcdef.txt"
    elsewhere = [
        private_root / uuid_name,  # the private root, outside attachments/
        private_root / "exports" / uuid_name,
        month / "README.txt",  # put there by a person
        month / "0123456789ABCDEF0123456789ABCDEF.txt",
    ]
    outside = tmp_path / "outside"
    outside.mkdir()
    target = outside / "fedcba9876543210fedcba9876543210.txt"
    for path in [*elsewhere, target]:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(TEXT)
        age(path, 2 * HOUR)
    file_link = month / "11111111111111111111111111111111.txt"
    file_link.symlink_to(target)
    folder_link = private_root / "attachments" / "2001"
    folder_link.symlink_to(outside, target_is_directory=True)

    out, _err = prune()

    assert not orphan.exists()
    assert all(path.exists() for path in elsewhere)
    assert target.read_bytes() == TEXT
    assert file_link.is_symlink() and folder_link.is_symlink()
    assert "Looked at 3 files." in out  # the orphan and the two oddly named files
    assert (
        f"Left alone, not named as uploads are: {relative(month, private_root)}/README.txt" in out
    )
    assert "Deleted 1 file of 1 orphans" in out


def test_a_symlinked_attachments_folder_is_not_followed(private_root, post, member, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    stray = outside / "fedcba9876543210fedcba9876543210.txt"
    stray.write_bytes(TEXT)
    age(stray, 2 * HOUR)
    private_root.mkdir()
    (private_root / "attachments").symlink_to(outside, target_is_directory=True)
    out, err = prune()
    assert stray.exists()
    assert "Looked at 0 files." in out
    assert "is a symlink; not followed" in err


def test_rows_whose_file_is_missing_are_reported_not_changed(private_root, post, member):
    present = saved(post, member)
    gone = saved(post, member)
    Path(gone.file.path).unlink()
    outside = saved(post, member)
    Attachment.objects.filter(pk=outside.pk).update(file="../../etc/passwd")

    out, err = prune()

    assert "2 attachment rows point at a missing file (not changed; look at them): ids " in err
    assert err.rstrip().endswith(f"ids {gone.pk}, {outside.pk}")
    assert str(present.pk) not in err.split("ids ")[1].split(", ")
    assert Attachment.objects.filter(pk__in=[gone.pk, outside.pk]).count() == 2
    assert "Every attachment row's file is present." not in out


def test_quiet_run_prints_only_what_needs_an_operator(private_root, post, member):
    orphan = age(orphaned(post, member), 2 * HOUR)
    out, err = prune("-v", "0")
    assert not orphan.exists()
    assert out == "" and err == ""
    gone = saved(post, member)
    Path(gone.file.path).unlink()
    out, err = prune("-v", "0")
    assert out == ""
    assert (
        f"1 attachment row points at a missing file (not changed; look at them): ids {gone.pk}"
        in err
    )


def test_storage_that_is_not_a_folder_is_refused(private_root, monkeypatch):
    monkeypatch.setattr(private_storage, "_wrapped", InMemoryStorage())
    with pytest.raises(CommandError, match="InMemoryStorage"):
        prune()
