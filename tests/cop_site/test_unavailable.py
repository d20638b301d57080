"""Requests the site cannot complete: it says so, and saves nothing half-way.

A database that cannot be reached gives a 503 page with Retry-After, never a 500. bench/faults.py
stops a real PostgreSQL server under the running site; these tests stand in for that with the
errors the database driver raises, wherever in a request they happen.

A form whose body ends before its Content-Length (the member's connection dropped while sending
it) is refused, not saved as half a reply or half an attachment (bench/faults.py found both).
"""

from __future__ import annotations

import io
import re
from datetime import timedelta
from unittest import mock
from urllib.parse import urlencode

import pytest
from django.db import InterfaceError, OperationalError
from django.test import Client
from django.utils import timezone

from communities.models import Attachment, CommunityPage, Membership, Post, Thread
from cop_site.middleware import DATABASE_RETRY_AFTER, LanguagePreferenceMiddleware
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    """Attachments these tests send are written under a temporary folder, never var/private."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


HEADING = "Sorry, the service is unavailable"


def failing_search(error: Exception):
    """The search page's database work, failing as it does when the server has gone away."""
    return mock.patch("search.views.run_search", side_effect=error)


def assert_unavailable_page(response, language: str = "en") -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == str(DATABASE_RETRY_AFTER)
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert f'<html lang="{language}"' in html
    assert "/static/dist/css/main.css" in html
    # The same strict policy as every page: the 503 passes through the header middleware.
    assert "script-src 'self'" in response["Content-Security-Policy"]


@pytest.mark.parametrize(
    "error",
    [
        OperationalError('connection to server at "127.0.0.1", port 5432 failed'),
        InterfaceError("connection already closed"),
    ],
)
def test_a_view_that_cannot_reach_the_database_answers_503(client, error):
    with failing_search(error):
        response = client.get("/en/search/", {"q": "housing"})
    assert_unavailable_page(response)
    html = response.content.decode()
    assert HEADING in html
    assert "Try again in a minute" in html
    assert "it may not have been saved" in html
    # Nothing of the error reaches the visitor (host names, ports, SQL).
    assert "5432" not in html and "connection" not in html.lower()


def test_the_503_page_is_in_the_visitors_language():
    with failing_search(OperationalError("server closed the connection unexpectedly")):
        response = Client().get("/cy/search/", {"q": "tai"})
    assert_unavailable_page(response, language="cy")


def test_an_outage_in_middleware_after_the_view_is_a_503_too():
    # Middleware inside DatabaseUnavailableMiddleware (here the language cookie; in real life
    # saving the session) fails after Django has already turned the error into its 500 page.
    def boom(self, request):
        raise OperationalError("the database system is shutting down")

    client = Client(raise_request_exception=False)
    with mock.patch.object(LanguagePreferenceMiddleware, "__call__", boom):
        response = client.get("/en/search/", {"q": "housing"})
    assert_unavailable_page(response)
    assert HEADING in response.content.decode()


def test_other_errors_are_still_server_errors():
    client = Client(raise_request_exception=False)
    with failing_search(RuntimeError("a bug, not an outage")):
        response = client.get("/en/search/", {"q": "housing"})
    assert response.status_code == 500
    assert "Retry-After" not in response
    assert HEADING not in response.content.decode()


@pytest.mark.parametrize(
    "message",
    [
        "no such column: communities_post.submission_key",  # a migration not run
        "no such table: communities_thread",
        "table communities_post has no column named submission_key",
        'near "FROM": syntax error',
    ],
)
def test_a_database_that_does_not_match_the_code_is_a_server_error_not_an_outage(message):
    """SQLite says OperationalError for these too; a 503 would hide a broken deployment."""
    client = Client(raise_request_exception=False)
    with failing_search(OperationalError(message)):
        response = client.get("/en/search/", {"q": "housing"})
    assert response.status_code == 500
    assert "Retry-After" not in response
    assert HEADING not in response.content.decode()


def test_the_site_recovers_by_itself_when_the_database_answers_again(client):
    with failing_search(OperationalError("could not connect to server")):
        assert client.get("/en/search/", {"q": "housing"}).status_code == 503
    response = client.get("/en/search/", {"q": "housing"})
    assert response.status_code == 200
    assert HEADING not in response.content.decode()


# --- Bodies cut short ---------------------------------------------------------------------------

BOUNDARY = "cut-short-boundary"


def member_and_thread():
    community = CommunityPage.objects.get(
        slug="programme-leads-and-project-managers", locale__language_code="en"
    )
    # An established member (new accounts have hourly limits) of a public community.
    member = UserFactory(date_joined=timezone.now() - timedelta(days=60))
    Membership.objects.create(community=community, user=member, status="active")
    thread = Thread.objects.create(community=community, title="Budgets", author=member)
    Post.objects.create(thread=thread, author=member, body="How did you pool budgets?")
    reply_url = community.url + community.reverse_subpage("reply", kwargs={"thread_id": thread.pk})
    return member, thread, reply_url


def reply_body(token: str, text: str, attachment: bytes) -> bytes:
    """The reply form as a browser sends it: CSRF token, then the text, then the file."""
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n'
        f"{token}\r\n",
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="body"\r\n\r\n{text}\r\n',
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="attachments"; '
        'filename="notes.txt"\r\nContent-Type: text/plain\r\n\r\n',
    ]
    return "".join(parts).encode() + attachment + f"\r\n--{BOUNDARY}--\r\n".encode()


def send(client: Client, url: str, body: bytes, length: int, content_type: str):
    """POST `body` while announcing `length` bytes, as a dropped connection leaves it."""
    return client.generic(
        "POST",
        url,
        CONTENT_TYPE=content_type,
        CONTENT_LENGTH=str(length),
        **{"wsgi.input": io.BytesIO(body)},
    )


MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"
URLENCODED = "application/x-www-form-urlencoded"


@pytest.mark.parametrize("enforce_csrf, status", [(True, 403), (False, 400)])
@pytest.mark.parametrize("cut_in", ["text", "attachment", "text without a file"])
def test_a_reply_cut_off_part_way_is_refused_and_nothing_is_saved(enforce_csrf, status, cut_in):
    member, thread, reply_url = member_and_thread()
    client = Client(enforce_csrf_checks=enforce_csrf)
    client.force_login(member)
    token = re.search(
        r'name="csrfmiddlewaretoken" value="([^"]+)"', client.get(thread.get_url()).content.decode()
    )[1]
    text = "Cut-short reply. " + "We pooled the budget. " * 50 + "END"
    attachment = b"Notes from the meeting.\n" * 2000
    if cut_in == "text without a file":  # sent without a file, a form is URL-encoded
        content_type, attachment = URLENCODED, b""
        whole = urlencode({"csrfmiddlewaretoken": token, "body": text}).encode()
    else:
        content_type = MULTIPART
        whole = reply_body(token, text, attachment)
    # Cut just before the text's last word, or half-way through the file.
    cut_at = len(whole) - len(attachment) // 2 if cut_in == "attachment" else whole.index(b"END")
    posts, files = Post.objects.count(), Attachment.objects.count()

    response = send(client, reply_url, whole[:cut_at], len(whole), content_type)

    assert response.status_code == status
    assert Post.objects.count() == posts
    assert Attachment.objects.count() == files
    # The same request, arriving whole, is saved whole: only the missing bytes made it fail.
    response = send(client, reply_url, whole, len(whole), content_type)
    assert response.status_code == 302
    post = Post.objects.get(thread=thread, author=member, body__startswith="Cut-short reply.")
    assert post.body.endswith("END")
    assert [a.size for a in post.attachments.all()] == ([len(attachment)] if attachment else [])
