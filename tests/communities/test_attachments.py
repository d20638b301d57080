"""Attachments: uploads are judged on their bytes, stored privately, and served by the one rule."""

from __future__ import annotations

import io
import logging
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.utils import timezone
from PIL import Image

from communities.attachments import attach, check_upload, check_uploads, safe_name
from communities.models import (
    Attachment,
    CommunityIndexPage,
    CommunityPage,
    Membership,
    Post,
    Thread,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
PDF_BYTES = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"


# --- Real, minimal file bytes -----------------------------------------------------------------


def image_bytes(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), "red").save(buffer, fmt)
    return buffer.getvalue()


def zip_bytes(entries: dict[str, bytes], stored_first: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if stored_first:
            archive.writestr(stored_first, entries.pop(stored_first), zipfile.ZIP_STORED)
        for name, data in entries.items():
            archive.writestr(name, data, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def ooxml_bytes(folder: str) -> bytes:
    return zip_bytes(
        {"[Content_Types].xml": b"<?xml version='1.0'?><Types/>", f"{folder}document.xml": b"<x/>"}
    )


def odf_bytes(mimetype: str) -> bytes:
    return zip_bytes(
        {"mimetype": mimetype.encode(), "content.xml": b"<office:document-content/>"},
        stored_first="mimetype",
    )


def upload(name: str, data: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


VALID_FILES = [
    ("report.pdf", PDF_BYTES, "application/pdf"),
    ("map.png", image_bytes("PNG"), "image/png"),
    ("photo.jpg", image_bytes("JPEG"), "image/jpeg"),
    ("photo.jpeg", image_bytes("JPEG"), "image/jpeg"),
    ("wave.gif", image_bytes("GIF"), "image/gif"),
    ("notes.docx", ooxml_bytes("word/"), DOCX),
    ("budget.xlsx", ooxml_bytes("xl/"), XLSX),
    ("slides.pptx", ooxml_bytes("ppt/"), PPTX),
    ("notes.odt", odf_bytes(ODT), ODT),
    ("budget.ods", odf_bytes(ODS), ODS),
    ("data.csv", b"area,count\nCaerdydd,3\nAbertawe,5\n", "text/csv"),
    ("bom.csv", "\ufeffarea,count\nGwynedd,<5\n".encode(), "text/csv"),
    ("readme.txt", "Diolch yn fawr — thank you.\n".encode(), "text/plain"),
]


# --- Content checks ---------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "data", "content_type"), VALID_FILES)
def test_each_allowed_type_with_real_bytes_passes(name, data, content_type):
    checked = check_upload(upload(name, data, content_type="text/html"))
    assert checked.name == name
    assert checked.content_type == content_type  # the proven type, not the browser's claim
    assert checked.size == len(data)


def errors_of(exc: pytest.ExceptionInfo[ValidationError]) -> list[str]:
    return exc.value.messages


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("report.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>"),
        ("map.png", PDF_BYTES),
        ("photo.jpg", image_bytes("PNG")),
        ("notes.docx", zip_bytes({"[Content_Types].xml": b"<Types/>", "other/x.xml": b"<x/>"})),
        ("notes.docx", zip_bytes({"word/document.xml": b"<x/>"})),  # no [Content_Types].xml
        ("notes.docx", ooxml_bytes("xl/")),  # a spreadsheet renamed
        ("notes.docx", b"PK\x03\x04 this is not really a zip at all"),
        ("notes.docx", b"<html>" + ooxml_bytes("word/")),  # a polyglot: HTML in front of a ZIP
        ("notes.odt", odf_bytes(ODS)),
        ("notes.odt", zip_bytes({"content.xml": b"<x/>"})),
        ("data.csv", b"<html><body>hi</body></html>"),
        ("data.csv", b"  \n <svg onload=alert(1)>"),
        ("data.csv", b"a,b\n1,<SCRIPT src=//evil.example></script>\n"),
        ("data.csv", b"a,b\n1,\x002\n"),
        ("readme.txt", "caf\u00e9".encode("latin-1")),
    ],
)
def test_bytes_that_do_not_match_the_extension_fail(name, data):
    with pytest.raises(ValidationError) as exc:
        check_upload(upload(name, data))
    assert exc.value.code == "type_mismatch"
    assert name in errors_of(exc)[0]


@pytest.mark.parametrize(("name", "data", "content_type"), VALID_FILES[:10:3])
def test_files_uploaded_to_disk_are_checked_too(name, data, content_type):
    """Django keeps large uploads in a temporary file rather than in memory."""
    temporary = TemporaryUploadedFile(name, "application/octet-stream", len(data), None)
    temporary.write(data)
    temporary.seek(0)
    try:
        assert check_upload(temporary).content_type == content_type
    finally:
        temporary.close()


def test_pdf_that_is_really_html_fails():
    html = b"<html><body><script>document.cookie</script></body></html>"
    with pytest.raises(ValidationError, match=r"report\.pdf"):
        check_upload(upload("report.pdf", html, "application/pdf"))


def test_script_split_across_chunks_is_found():
    data = b"a" * (64 * 1024 - 3) + b"<script>"
    with pytest.raises(ValidationError):
        check_upload(upload("long.txt", data))


@pytest.mark.parametrize("name", ["setup.exe", "page.html", "noextension", "archive.zip"])
def test_extensions_that_are_not_allowed_fail(name):
    with pytest.raises(ValidationError) as exc:
        check_upload(upload(name, PDF_BYTES))
    assert exc.value.code == "type_not_allowed"
    message = errors_of(exc)[0]
    assert name in message
    assert ".pdf" in message and ".docx" in message  # says what is allowed


def test_oversize_fails_and_says_the_limit(settings):
    settings.COMMUNITY_ATTACHMENT_MAX_BYTES = 2 * 1024 * 1024
    with pytest.raises(ValidationError) as exc:
        check_upload(upload("big.txt", b"x" * (2 * 1024 * 1024 + 1)))
    assert exc.value.code == "too_large"
    assert "big.txt" in errors_of(exc)[0]
    assert "2 MB" in errors_of(exc)[0]


def test_small_limit(settings):
    settings.COMMUNITY_ATTACHMENT_MAX_BYTES = 10
    with pytest.raises(ValidationError) as exc:
        check_upload(upload("report.pdf", PDF_BYTES))
    assert exc.value.code == "too_large"


def test_empty_file_fails():
    with pytest.raises(ValidationError) as exc:
        check_upload(upload("empty.txt", b""))
    assert exc.value.code == "empty"
    assert "empty.txt" in errors_of(exc)[0]


def test_too_many_files_fails_and_every_error_is_reported(settings):
    settings.COMMUNITY_ATTACHMENTS_PER_POST = 2
    files = [
        upload("a.pdf", PDF_BYTES),
        upload("b.pdf", PDF_BYTES),
        upload("c.exe", b"MZ"),
    ]
    with pytest.raises(ValidationError) as exc:
        check_uploads(files)
    messages = exc.value.messages
    assert len(messages) == 2
    assert "at most 2" in messages[0]
    assert "c.exe" in messages[1]


def test_check_uploads_counts_existing_attachments(settings):
    settings.COMMUNITY_ATTACHMENTS_PER_POST = 2
    assert len(check_uploads([upload("a.pdf", PDF_BYTES)], existing=1)) == 1
    with pytest.raises(ValidationError):
        check_uploads([upload("a.pdf", PDF_BYTES)], existing=2)


def test_check_uploads_returns_checked_files():
    checked = check_uploads([upload("a.pdf", PDF_BYTES), upload("b.png", image_bytes("PNG"))])
    assert [c.name for c in checked] == ["a.pdf", "b.png"]


@pytest.mark.parametrize(
    ("original", "expected"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("..\\..\\windows\\notes.txt", "notes.txt"),
        ("C:\\Users\\Me\\Report.PDF", "Report.pdf"),
        ("bad\x00na\x1bme\n.txt", "badname.txt"),
        ("evil\u202egpj.exe", "evilgpj.exe"),  # right-to-left override removed
        ('what?"is<this>.csv', "what__is_this_.csv"),
        ("..", "file"),
        ("...pdf", "file.pdf"),
        ("  spaced   out .txt ", "spaced out.txt"),
    ],
)
def test_names_are_made_safe(original, expected):
    assert safe_name(original) == expected


def test_long_names_keep_their_extension():
    name = safe_name("a" * 500 + ".docx")
    assert len(name) == 200
    assert name.endswith(".docx")


def test_unsafe_upload_name_is_cleaned_in_check():
    checked = check_upload(upload("../../secret\x07.pdf", PDF_BYTES))
    assert checked.name == "secret.pdf"


# --- Storing and serving ----------------------------------------------------------------------


@pytest.fixture
def private_root(settings, tmp_path) -> Path:  # storage follows the setting (signal)
    root = tmp_path / "private"
    settings.PRIVATE_MEDIA_ROOT = root
    settings.MEDIA_ROOT = tmp_path / "public"
    return root


@pytest.fixture
def community():
    index = CommunityIndexPage.objects.live().first()
    assert index is not None, "the demo content should include the communities index"
    page = index.add_child(
        instance=CommunityPage(
            title="Attachment testers", slug="attachment-testers", visibility="private"
        )
    )
    page.save_revision().publish()
    page.refresh_from_db()
    assert page.live and page.visibility == "private"
    return page


@pytest.fixture
def member(community):
    user = UserFactory(username="attach-member")
    Membership.objects.create(community=community, user=user, role="member", status="active")
    return user


@pytest.fixture
def facilitator(community):
    user = UserFactory(username="attach-facilitator")
    Membership.objects.create(community=community, user=user, role="facilitator", status="active")
    return user


@pytest.fixture
def post(community, member):
    thread = Thread.objects.create(community=community, title="Sharing files", author=member)
    return Post.objects.create(thread=thread, author=member, body="Here is the report.")


def stored(post, member, name, data) -> Attachment:
    [attachment] = attach(post, check_uploads([upload(name, data)]), member)
    return attachment


def test_attach_stores_under_a_random_name_in_private_storage(private_root, post, member):
    attachment = stored(post, member, "../Our report.pdf", PDF_BYTES)
    attachment.refresh_from_db()
    path = Path(attachment.file.path)
    assert attachment.name == "Our report.pdf"
    assert attachment.content_type == "application/pdf"
    assert attachment.size == len(PDF_BYTES)
    assert attachment.uploaded_by == member
    assert attachment.post == post
    assert path.is_relative_to(private_root)
    assert path.read_bytes() == PDF_BYTES
    assert "report" not in path.name.lower()
    assert path.suffix == ".pdf"
    assert len(path.stem) == 32  # a uuid
    assert not (private_root.parent / "public").exists()


def test_attach_stores_each_file(private_root, post, member):
    checked = check_uploads([upload("a.pdf", PDF_BYTES), upload("b.png", image_bytes("PNG"))])
    attachments = attach(post, checked, member)
    assert [a.name for a in attachments] == ["a.pdf", "b.png"]
    assert post.attachments.count() == 2
    assert len({a.file.name for a in attachments}) == 2


def get(client, attachment, name=None):
    url = attachment.get_url() if name is None else f"/en/attachments/{attachment.pk}/{name}"
    return client.get(url)


def test_member_downloads_with_safe_headers(client, private_root, post, member):
    attachment = stored(post, member, "Our report.pdf", PDF_BYTES)
    client.force_login(member)
    response = get(client, attachment)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="Our report.pdf"' in response["Content-Disposition"]
    cache_control = response["Cache-Control"]
    assert "private" in cache_control and "max-age=0" in cache_control
    assert "public" not in cache_control


def test_images_are_inline_and_text_says_utf8(client, private_root, post, member):
    image = stored(post, member, "map.png", image_bytes("PNG"))
    text = stored(post, member, "data.csv", b"a,b\n1,2\n")
    client.force_login(member)
    response = get(client, image)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline;")
    response = get(client, text)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")


def test_only_get_and_head(client, private_root, post, member):
    attachment = stored(post, member, "report.pdf", PDF_BYTES)
    client.force_login(member)
    assert client.head(attachment.get_url()).status_code == 200
    assert client.post(attachment.get_url()).status_code == 405


def test_anonymous_non_member_and_wrong_name_get_404(client, private_root, post, member):
    attachment = stored(post, member, "report.pdf", PDF_BYTES)
    assert get(client, attachment).status_code == 404
    client.force_login(UserFactory(username="attach-outsider"))
    assert get(client, attachment).status_code == 404
    client.force_login(member)
    assert get(client, attachment, name="other.pdf").status_code == 404
    assert client.get(f"/en/attachments/{attachment.pk + 1000}/report.pdf").status_code == 404


def test_superuser_gets_it(client, private_root, post, member):
    attachment = stored(post, member, "report.pdf", PDF_BYTES)
    admin = UserFactory(username="attach-admin", is_superuser=True, is_staff=True)
    client.force_login(admin)
    assert get(client, attachment).status_code == 200


@pytest.mark.parametrize("change", ["hidden", "deleted"])
def test_hidden_or_deleted_post_only_for_facilitators(
    client, private_root, post, member, facilitator, change
):
    attachment = stored(post, member, "report.pdf", PDF_BYTES)
    if change == "hidden":
        post.hidden = True
    else:
        post.deleted = timezone.now()
    post.save()
    client.force_login(member)
    assert get(client, attachment).status_code == 404
    client.force_login(facilitator)
    response = get(client, attachment)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES


def test_missing_file_is_404_and_logged(client, private_root, post, member, caplog):
    attachment = stored(post, member, "report.pdf", PDF_BYTES)
    Path(attachment.file.path).unlink()
    client.force_login(member)
    with caplog.at_level(logging.WARNING, logger="communities.views.attachments"):
        response = get(client, attachment)
    assert response.status_code == 404
    assert any("missing" in record.getMessage() for record in caplog.records)
