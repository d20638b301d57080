"""Checking and storing files that members attach to forum posts.

A file's name and the type its browser claims prove nothing: anyone can rename `page.html` to
`report.pdf`. So every upload is judged on its bytes, against the one type its extension allows
(`COMMUNITY_ATTACHMENT_TYPES`), and stored under a random name in private storage with that
proven type. The download view (`communities.views.attachments`) then serves it only to people
who may read the post, with headers that stop browsers from guessing a different type.

Checks read only what they need: the first few KB for magic numbers, a ZIP's central directory
(never its contents, so a "zip bomb" costs nothing), and text files in chunks.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext

from communities.models import Attachment, Post
from communities.models.attachments import private_storage

NAME_MAX = 200  # Attachment.name's max_length
HEAD_BYTES = 8192  # enough for every magic number filetype knows
TEXT_CHUNK = 64 * 1024
MB = 1024 * 1024

# Types whose bytes filetype recognises; a few have a variant that is still the same format.
MAGIC_ALIASES: dict[str, frozenset[str]] = {
    "image/png": frozenset({"image/png", "image/apng"}),  # animated PNG is still a PNG
}
# Image types, and the name Pillow gives each format (checked beyond the magic number).
PILLOW_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF"}
# Office Open XML: a ZIP with [Content_Types].xml and its application's folder.
OOXML_FOLDERS = {"docx": "word/", "xlsx": "xl/", "pptx": "ppt/"}
# OpenDocument: a ZIP whose `mimetype` entry names the type.
ODF_EXTENSIONS = frozenset({"odt", "ods"})
TEXT_EXTENSIONS = frozenset({"csv", "txt"})
# Markers of HTML or script in a "text" file: a browser that ignored our headers could run it.
HTML_MARKERS = ("<script", "<html", "<!doctype html", "<iframe")
HTML_MARKER_LEN = max(len(marker) for marker in HTML_MARKERS)

# Characters that are unsafe or awkward in a file name on some system (Windows forbids these).
_RESERVED = re.compile(r'[<>:"/\\|?*]')
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class CheckedUpload:
    """An upload whose bytes were proven to be the type its extension allows.

    `name` is safe to show and to send back in a download header; `content_type` is the proven
    type (from settings), never the one the browser sent.
    """

    upload: UploadedFile
    name: str
    content_type: str
    size: int

    @property
    def extension(self) -> str:
        return self.name.rsplit(".", 1)[-1].lower()


# --- Names ------------------------------------------------------------------------------------


def safe_name(original: str) -> str:
    """A version of an uploaded file name that is safe to store, show and send back.

    Browsers may send a whole path (old Internet Explorer did), and a name can carry control
    characters or bidirectional overrides that disguise `gpj.exe` as `exe.jpg`. We keep the last
    path part only, drop every control and format character, replace characters that are
    reserved on common file systems, and shorten the stem so the extension always survives.
    """
    name = unicodedata.normalize("NFC", original or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C"))
    name = _RESERVED.sub("_", name)
    name = _SPACES.sub(" ", name).strip()
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    # No leading dots (hidden files, "..") and no trailing ones (Windows drops them).
    stem = stem.strip(" .") or "file"
    extension = extension.strip(" .").lower()
    if not extension:
        return stem[:NAME_MAX]
    extension = extension[: NAME_MAX // 2]
    stem = stem[: NAME_MAX - len(extension) - 1].rstrip(" .") or "file"
    return f"{stem}.{extension}"


def _megabytes(size: int) -> str:
    """A limit in MB as people read it: "10 MB", "2.5 MB" (tiny test limits in bytes)."""
    if size < MB // 10:
        return gettext("%(count)s bytes") % {"count": size}
    return f"{size / MB:.1f}".removesuffix(".0") + " MB"


# --- Content checks ---------------------------------------------------------------------------


def _read_head(upload: UploadedFile) -> bytes:
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    return head


def _magic_matches(upload: UploadedFile, expected: str) -> bool:
    """filetype's best guess from the first bytes must be the expected type."""
    guessed = filetype.guess_mime(_read_head(upload))
    return guessed in MAGIC_ALIASES.get(expected, frozenset({expected}))


def _open_zip(upload: UploadedFile) -> zipfile.ZipFile | None:
    """The upload as a ZIP, or None if it is not one.

    zipfile also accepts a ZIP with anything stuck in front of it (a "polyglot" that is both
    HTML and a ZIP), so the file must also start with a ZIP entry header.
    """
    if not _read_head(upload).startswith(b"PK\x03\x04"):
        return None
    try:
        return zipfile.ZipFile(upload.file)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        return None


def _is_ooxml(upload: UploadedFile, folder: str) -> bool:
    archive = _open_zip(upload)
    if archive is None:
        return False
    try:
        names = archive.namelist()
    finally:
        archive.close()
        upload.seek(0)
    return "[Content_Types].xml" in names and any(n.startswith(folder) for n in names)


def _is_odf(upload: UploadedFile, expected: str) -> bool:
    archive = _open_zip(upload)
    if archive is None:
        return False
    try:
        info = archive.getinfo("mimetype")
        if info.file_size > 200:  # the real entry is one short line; don't inflate more
            return False
        with archive.open(info) as entry:
            declared = entry.read(201)
    except (KeyError, zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, EOFError):
        return False  # no entry, a broken or encrypted archive, an unknown compression
    finally:
        archive.close()
        upload.seek(0)
    return declared.strip() == expected.encode("ascii")


def _is_image(upload: UploadedFile, expected: str) -> bool:
    """Pillow can read the whole header and structure as the expected image format.

    A magic number is only the first bytes: "GIF89a" or a PNG signature followed by a web page
    passes it. Opening the image parses every header the format has and `verify()` walks its
    structure (for PNG, every chunk's checksum) without decoding the pixels, so a broken image
    or an image header glued onto something else is refused, cheaply.
    """
    from PIL import Image

    upload.seek(0)
    try:
        with Image.open(upload.file) as image:
            found = image.format
            image.verify()
    except Exception:  # Pillow raises many kinds for bad data (and for bombs): all mean no
        return False
    finally:
        upload.seek(0)
    return PILLOW_FORMATS.get(expected) == found


def _text_problem(upload: UploadedFile) -> str | None:
    """Why this is not plain UTF-8 text, or None if it is.

    The reason is a whole sentence (for translators), with "%(name)s" for the file's name.
    Read in chunks through an incremental decoder, so a large file is never held whole; the end
    of each chunk is kept so a marker split across two chunks is still found.
    """
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    upload.seek(0)
    seen_text = False
    tail = ""
    try:
        while True:
            chunk = upload.read(TEXT_CHUNK)
            final = not chunk
            if b"\x00" in chunk:
                return gettext(
                    "“%(name)s” contains binary data (NUL bytes), so it cannot be attached."
                )
            try:
                text = decoder.decode(chunk, final=final)
            except UnicodeDecodeError:
                return gettext("“%(name)s” is not UTF-8 text, so it cannot be attached.")
            if not seen_text and text.strip():
                seen_text = True
                if text.lstrip().startswith("<"):
                    return gettext(
                        "“%(name)s” looks like HTML, not plain text, so it cannot be attached."
                    )
            window = (tail + text).lower()
            if any(marker in window for marker in HTML_MARKERS):
                return gettext("“%(name)s” contains HTML or script, so it cannot be attached.")
            tail = window[-HTML_MARKER_LEN:]
            if final:
                return None
    finally:
        upload.seek(0)


def _content_problem(upload: UploadedFile, extension: str, expected: str) -> str | None:
    """Why the bytes are not what the extension says, or None if they are.

    A whole sentence, with "%(name)s" and "%(extension)s" for the file's name and extension.
    """
    not_a_document = gettext(
        "“%(name)s” is not a real .%(extension)s document, so it cannot be attached."
    )
    if extension in OOXML_FOLDERS:
        if not _is_ooxml(upload, OOXML_FOLDERS[extension]):
            return not_a_document
        return None
    if extension in ODF_EXTENSIONS:
        if not _is_odf(upload, expected):
            return not_a_document
        return None
    if extension in TEXT_EXTENSIONS:
        return _text_problem(upload)
    if not _magic_matches(upload, expected) or (
        expected in PILLOW_FORMATS and not _is_image(upload, expected)
    ):
        return gettext("“%(name)s” is not really a .%(extension)s file, so it cannot be attached.")
    return None


# --- Public API -------------------------------------------------------------------------------


def check_upload(upload: UploadedFile) -> CheckedUpload:
    """Prove one upload is an allowed, non-empty, small-enough file of the type it claims.

    Raises ValidationError naming the file, so a form can say which one was refused and why.
    """
    name = safe_name(upload.name or "")
    allowed: dict[str, str] = settings.COMMUNITY_ATTACHMENT_TYPES
    max_bytes: int = settings.COMMUNITY_ATTACHMENT_MAX_BYTES
    size = upload.size or 0
    params = {"name": name}

    if size <= 0:
        raise ValidationError(gettext("“%(name)s” is empty."), code="empty", params=params)
    if size > max_bytes:
        raise ValidationError(
            gettext("“%(name)s” is too large: files can be at most %(limit)s."),
            code="too_large",
            params={**params, "limit": _megabytes(max_bytes)},
        )
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    expected = allowed.get(extension)
    if expected is None:
        raise ValidationError(
            gettext("“%(name)s” is not a type of file you can attach. Allowed: %(allowed)s."),
            code="type_not_allowed",
            params={**params, "allowed": ", ".join(f".{ext}" for ext in sorted(allowed))},
        )
    problem = _content_problem(upload, extension, expected)
    if problem is not None:
        raise ValidationError(
            problem, code="type_mismatch", params={**params, "extension": extension}
        )
    return CheckedUpload(upload=upload, name=name, content_type=expected, size=size)


def check_uploads(uploads: list[UploadedFile], existing: int = 0) -> list[CheckedUpload]:
    """Check every upload for one post, reporting every problem at once.

    A person who chose six files, one of them wrong, should learn both things in one go rather
    than fix one and be refused again. `existing` counts attachments the post already has.
    """
    limit: int = settings.COMMUNITY_ATTACHMENTS_PER_POST
    errors: list[ValidationError] = []
    if existing + len(uploads) > limit:
        errors.append(
            ValidationError(
                gettext("A post can have at most %(limit)d attachments; you chose %(count)d."),
                code="too_many",
                params={"limit": limit, "count": existing + len(uploads)},
            )
        )
    checked: list[CheckedUpload] = []
    for upload in uploads:
        try:
            checked.append(check_upload(upload))
        except ValidationError as error:
            errors.append(error)
    if errors:
        raise ValidationError(errors)
    return checked


def attach(post: Post, checked: list[CheckedUpload], user) -> list[Attachment]:
    """Store checked uploads in private storage and record them on the post.

    On disk each file gets a random name plus its checked extension, never the member's name:
    a name chosen by a user must not decide a path, and the stored name tells nobody anything.
    If anything fails, files already written are removed so no orphan is left behind.
    """
    created: list[Attachment] = []
    try:
        with transaction.atomic():
            for item in checked:
                attachment = Attachment(
                    post=post,
                    name=item.name,
                    content_type=item.content_type,
                    size=item.size,
                    uploaded_by=user if getattr(user, "is_authenticated", False) else None,
                )
                item.upload.seek(0)
                disk_name = f"{uuid.uuid4().hex}.{item.extension}"
                attachment.file.save(disk_name, item.upload, save=False)
                created.append(attachment)
                attachment.save()
    except Exception:
        for attachment in created:
            if attachment.file.name:
                private_storage.delete(attachment.file.name)
        raise
    return created
