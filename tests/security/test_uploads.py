"""Uploads with a spoofed type are refused, with a message that says which file and why.

Files go through the real forms over HTTP: a reply with an attachment in the forum, and an
image or document in the Wagtail admin. Each spoof (a program, a web page or an SVG with a
script, renamed to an allowed extension; a browser-sent type that lies; polyglots that are two
formats at once) must be refused: the form answers 400 and names the file, no post or
attachment row is written and no file lands in private storage. A file that is accepted is
served with the type proven from its bytes (never the one the browser sent), as a download
(images may be shown, never run), with `X-Content-Type-Options: nosniff` and a sandboxing
Content-Security-Policy.
"""

from __future__ import annotations

import html
import io
import zipfile
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from communities.models import Attachment, Post
from tests.security.conftest import PDF_BYTES, World

pytestmark = pytest.mark.django_db

HTML_PAGE = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG_SCRIPT = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
    b"<script>alert(document.domain)</script></svg>"
)
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00"


def image(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "teal").save(buffer, fmt)
    return buffer.getvalue()


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


DOCX = zip_bytes({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"})

# name, bytes, the Content-Type the browser claims, words the refusal must contain
SPOOFS = [
    ("report.pdf", EXE, "application/pdf", "is not really a .pdf file"),
    ("report.pdf", HTML_PAGE, "application/pdf", "is not really a .pdf file"),
    ("chart.png", HTML_PAGE, "image/png", "is not really a .png file"),
    ("logo.png", SVG_SCRIPT, "image/png", "is not really a .png file"),
    ("photo.jpg", image("PNG"), "image/jpeg", "is not really a .jpg file"),
    ("logo.svg", SVG_SCRIPT, "image/svg+xml", "is not a type of file you can attach"),
    ("page.html", HTML_PAGE, "text/plain", "is not a type of file you can attach"),
    ("setup.exe", EXE, "application/pdf", "is not a type of file you can attach"),
    ("report.pdf.exe", EXE, "application/pdf", "is not a type of file you can attach"),
    ("notes.txt", b"Minutes\n<script>alert(1)</script>\n", "text/plain", "contains HTML or script"),
    ("notes.txt", HTML_PAGE, "text/plain", "looks like HTML"),
    ("notes.txt", "Nodiadau".encode("utf-16"), "text/plain", "contains binary data"),
    ("notes.txt", "Caf\xe9 notes".encode("latin-1"), "text/plain", "is not UTF-8 text"),
    ("figures.csv", b"a,b\n\x00\x01", "text/csv", "contains binary data"),
    # Polyglots: a web page with a ZIP (a .docx) after it; image headers in front of a page.
    ("plan.docx", HTML_PAGE + DOCX, "application/octet-stream", "is not a real .docx document"),
    ("map.png", image("PNG")[:16] + HTML_PAGE, "image/png", "is not really a .png file"),
    ("anim.gif", b"GIF89a/*" + HTML_PAGE + b"*/", "image/gif", "is not really a .gif file"),
    ("photo.jpg", b"\xff\xd8\xff\xe0" + HTML_PAGE, "image/jpeg", "is not really a .jpg file"),
    ("report.pdf", b"", "application/pdf", "is empty"),
]


def _reply(client: Client, world: World, upload: SimpleUploadedFile):
    url = world.public.url + world.public.reverse_subpage(
        "reply", kwargs={"thread_id": world.thread.pk}
    )
    return client.post(url, {"body": "Here is the file.", "attachments": [upload]})


def _stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


@pytest.mark.parametrize(
    "name,data,claimed,message", SPOOFS, ids=[f"{s[0]}-{i}" for i, s in enumerate(SPOOFS)]
)
def test_a_spoofed_attachment_is_refused_with_a_clear_message(
    world: World, private_root: Path, name, data, claimed, message
):
    client = Client()
    client.force_login(world.member)
    files_before = _stored_files(private_root)
    posts_before = Post.objects.count()
    attachments_before = Attachment.objects.count()

    response = _reply(client, world, SimpleUploadedFile(name, data, content_type=claimed))

    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert message in page and name in page, f"no clear message for {name}"
    assert "govuk-error-summary" in page
    assert Post.objects.count() == posts_before
    assert Attachment.objects.count() == attachments_before
    assert _stored_files(private_root) == files_before


def test_the_same_form_accepts_real_files(world: World, private_root: Path):
    """The refusals above are about the files: real ones of the same types go through."""
    client = Client()
    client.force_login(world.member)
    for name, data in (
        ("report.pdf", PDF_BYTES),
        ("chart.png", image("PNG")),
        ("photo.jpg", image("JPEG")),
        ("anim.gif", image("GIF")),
        ("plan.docx", DOCX),
        ("notes.txt", b"Minutes of the meeting\n"),
    ):
        response = _reply(client, world, SimpleUploadedFile(name, data, content_type="text/html"))
        assert response.status_code == 302, (name, response.content[:500])
        assert Attachment.objects.filter(name=name).exists()


@pytest.mark.parametrize(
    "name,data,served_as,disposition",
    [
        ("report.pdf", PDF_BYTES, "application/pdf", "attachment"),
        (
            "plan.docx",
            DOCX,
            "application/vnd.openxmlformats-officedocument.wordprocessingml",
            "attachment",
        ),
        ("notes.txt", b"Plain words\n", "text/plain; charset=utf-8", "attachment"),
        ("figures.csv", b"a,b\n1,2\n", "text/csv; charset=utf-8", "attachment"),
        # Images may be shown in the browser, but as images only: nosniff and the sandbox.
        ("chart.png", image("PNG"), "image/png", "inline"),
    ],
)
def test_served_attachments_are_downloads_that_cannot_run(
    world: World, private_root: Path, name, data, served_as, disposition
):
    client = Client()
    client.force_login(world.member)
    # The browser claims HTML; the file is served as what its bytes proved it to be.
    _reply(client, world, SimpleUploadedFile(name, data, content_type="text/html"))
    attachment = Attachment.objects.get(name=name)
    response = client.get(attachment.get_url())
    assert response.status_code == 200
    assert response["Content-Type"].startswith(served_as)
    assert response["Content-Disposition"].startswith(disposition)
    assert response["X-Content-Type-Options"] == "nosniff"
    policy = response["Content-Security-Policy"]
    assert "sandbox" in policy and "default-src 'none'" in policy
    assert "private" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == data


def test_a_real_image_with_a_page_after_it_is_served_only_as_an_image(
    world: World, private_root: Path
):
    """A whole, valid PNG followed by HTML is still a valid PNG (image viewers ignore the
    tail), so it is accepted; what matters is that no browser can take it for a page."""
    client = Client()
    client.force_login(world.member)
    data = image("PNG") + HTML_PAGE
    _reply(client, world, SimpleUploadedFile("both.png", data, content_type="text/html"))
    response = client.get(Attachment.objects.get(name="both.png").get_url())
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


# --- Images and documents in the Wagtail admin (editors' uploads) ------------------------------


@pytest.fixture
def editor() -> Client:
    user = User.objects.create_superuser("sec_editor", "editor@example.org", "pw-for-tests")
    client = Client()
    client.force_login(user)
    return client


ADMIN_SPOOFS = [
    ("chart.png", HTML_PAGE, "image/png"),
    ("logo.png", SVG_SCRIPT, "image/png"),
    ("logo.svg", SVG_SCRIPT, "image/svg+xml"),
    ("page.html", HTML_PAGE, "text/html"),
    ("photo.jpg", b"\xff\xd8\xff\xe0" + HTML_PAGE, "image/jpeg"),  # a JPEG header, then a page
]
CHECKED_FORM = "learning.image_forms.CheckedImageForm"


def _admin_refuses(editor: Client, name: str, data: bytes, claimed: str) -> None:
    from wagtail.images import get_image_model

    image_model = get_image_model()
    before = image_model.objects.count()
    response = editor.post(
        "/admin/images/add/",
        {"title": "Spoof", "file": SimpleUploadedFile(name, data, content_type=claimed)},
    )
    assert image_model.objects.count() == before
    text = html.unescape(response.content.decode())
    assert response.status_code == 200, response.status_code
    assert any(
        phrase in text
        for phrase in ("Not a supported image format", "Not a valid", "Upload a valid image")
    ), text[:2000]


@pytest.mark.parametrize("name,data,claimed", ADMIN_SPOOFS[:4])
def test_the_admin_refuses_an_image_that_is_not_one(editor: Client, name, data, claimed):
    _admin_refuses(editor, name, data, claimed)


@pytest.mark.parametrize("name,data,claimed", ADMIN_SPOOFS)
def test_the_checked_image_form_refuses_each_with_a_message(
    editor: Client, settings, name, data, claimed
):
    """With learning.image_forms.CheckedImageForm, even the broken JPEG is a form error."""
    settings.WAGTAILIMAGES_IMAGE_FORM_BASE = CHECKED_FORM
    _admin_refuses(editor, name, data, claimed)


def test_the_site_uses_the_checked_image_form():
    from django.conf import settings

    assert getattr(settings, "WAGTAILIMAGES_IMAGE_FORM_BASE", "") == CHECKED_FORM


@pytest.mark.parametrize("form_base", ["", CHECKED_FORM])
def test_the_admin_takes_a_real_image(editor: Client, settings, form_base: str):
    from wagtail.images import get_image_model

    settings.WAGTAILIMAGES_IMAGE_FORM_BASE = form_base

    response = editor.post(
        "/admin/images/add/",
        {"title": "Real", "file": SimpleUploadedFile("real.png", image("PNG"), "image/png")},
    )
    assert response.status_code == 302
    assert get_image_model().objects.filter(title="Real").exists()


@pytest.mark.parametrize("name", ["page.html", "logo.svg", "run.exe", "script.js"])
def test_the_admin_refuses_documents_of_other_types(editor: Client, name: str):
    from wagtail.documents import get_document_model

    before = get_document_model().objects.count()
    editor.post(
        "/admin/documents/add/",
        {"title": "Spoof", "file": SimpleUploadedFile(name, HTML_PAGE, "text/plain")},
    )
    assert get_document_model().objects.count() == before


def test_a_text_document_with_markup_is_never_served_as_a_page(editor: Client):
    from wagtail.documents import get_document_model

    editor.post(
        "/admin/documents/add/",
        {"title": "Notes", "file": SimpleUploadedFile("notes.txt", HTML_PAGE, "text/html")},
    )
    document = get_document_model().objects.get(title="Notes")
    response = Client().get(document.url)
    assert response.status_code == 200
    assert not response["Content-Type"].startswith("text/html")
    assert response["X-Content-Type-Options"] == "nosniff"
