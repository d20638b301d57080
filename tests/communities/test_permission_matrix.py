"""The permission matrix: every forum surface, for every visibility and every kind of person.

The rule (`communities.permissions`): a public community's forum is read by anyone, a
members-only one by anyone signed in, a private one by its active members only; curators and
superusers read and moderate every community; a community's facilitators moderate it and also
see what was hidden or deleted there. Anything a person may not read answers 404, never 403.

Each test builds one small world (a community of one visibility, its author, one thread with an
opening post carrying an attachment and one reply, and the person looking), then asks one surface
what that person gets. `MATRIX` below is the table of expected outcomes, written out in full.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, NamedTuple

import pytest
from django.contrib.auth.models import AnonymousUser, Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from wagtail.models import PageViewRestriction

from communities.attachments import attach, check_upload
from communities.models import Attachment, CommunityIndexPage, CommunityPage, Post, Thread
from communities.search_sources import FORUM_SOURCE
from search.engines import get_engine
from search.service import search
from tests.communities.conftest import join, thread_in

pytestmark = pytest.mark.django_db

VISIBILITIES = ("public", "members", "private")
PEOPLE = ("anonymous", "signed_in", "member", "facilitator", "curator", "superuser")

# Words that appear nowhere in the demo content, so a search for one finds only this world.
TITLE = "Quillwort estuary survey"  # the thread's title
TITLE_PREFIX = "quillw"  # for as-you-type suggestions
OPENING_WORD = "xerophyte"  # only in the opening post, so only the thread document has it
REPLY_WORD = "brackenridge"  # only in the reply
HIDDEN_WORD = "sphagnum"  # only in a reply a facilitator hid
DELETED_WORD = "tamarisk"  # only in a reply its author deleted
FILE_BYTES = b"area,count\nGwynedd,3\n"
DESCRIPTION = "We compare notes on estuaries and saltmarsh."


class Expect(NamedTuple):
    """What one person gets from one community: one row of MATRIX, one field per column."""

    thread: int  # the thread page; also its attachment download
    count: str | None  # "1 thread" on /communities/, or None: no count shown
    found: bool  # search (service, page, API, suggest) finds the thread (and its replies)
    feed: int  # RSS and Atom feeds of the community
    sitemap: bool  # the thread is listed in /sitemap.xml
    moderate: int  # the moderation queue, the thread's and a post's moderate pages
    hidden: int  # a hidden thread's page; also hidden/deleted posts shown, their attachments


# fmt: off
# Every cell of the matrix. The community page itself answers 200 to everyone (a private one
# shows its name and description, and lists threads only where `thread` is 200).
#
#  visibility  person          thread  index count  search  feed  sitemap  moderate  hidden
MATRIX: dict[tuple[str, str], Expect] = {
    ("public",  "anonymous"):   Expect(200, "1 thread", True,  200,  True,    404,      404),
    ("public",  "signed_in"):   Expect(200, "1 thread", True,  200,  True,    404,      404),
    ("public",  "member"):      Expect(200, "1 thread", True,  200,  True,    404,      404),
    ("public",  "facilitator"): Expect(200, "1 thread", True,  200,  True,    200,      200),
    ("public",  "curator"):     Expect(200, "1 thread", True,  200,  True,    200,      200),
    ("public",  "superuser"):   Expect(200, "1 thread", True,  200,  True,    200,      200),
    ("members", "anonymous"):   Expect(404, None,       False, 404,  False,   404,      404),
    ("members", "signed_in"):   Expect(200, "1 thread", True,  404,  False,   404,      404),
    ("members", "member"):      Expect(200, "1 thread", True,  404,  False,   404,      404),
    ("members", "facilitator"): Expect(200, "1 thread", True,  404,  False,   200,      200),
    ("members", "curator"):     Expect(200, "1 thread", True,  404,  False,   200,      200),
    ("members", "superuser"):   Expect(200, "1 thread", True,  404,  False,   200,      200),
    ("private", "anonymous"):   Expect(404, None,       False, 404,  False,   404,      404),
    ("private", "signed_in"):   Expect(404, None,       False, 404,  False,   404,      404),
    ("private", "member"):      Expect(200, "1 thread", True,  404,  False,   404,      404),
    ("private", "facilitator"): Expect(200, "1 thread", True,  404,  False,   200,      200),
    ("private", "curator"):     Expect(200, "1 thread", True,  404,  False,   200,      200),
    ("private", "superuser"):   Expect(200, "1 thread", True,  404,  False,   200,      200),
}
# fmt: on

CELLS = [
    pytest.param(visibility, person, id=f"{visibility}-{person}")
    for visibility in VISIBILITIES
    for person in PEOPLE
]


def test_the_matrix_covers_every_cell():
    assert set(MATRIX) == {(v, p) for v in VISIBILITIES for p in PEOPLE}


# --- Building one world -----------------------------------------------------------------------


@dataclass
class World:
    community: CommunityPage
    thread: Thread
    opening: Post
    reply: Post
    attachment: Attachment
    viewer: User | None
    client: Client

    @property
    def user(self) -> Any:
        return self.viewer or AnonymousUser()

    def get(self, url: str, **params: str):
        return self.client.get(url, params)


def make_person(person: str, community: CommunityPage, make_user, status: str = "active"):
    """One person of the given kind, with whatever membership of `community` that implies."""
    if person == "anonymous":
        return None
    if person == "curator":
        return make_user("matrix-curator", curator=True)
    if person == "superuser":
        return make_user("matrix-superuser", is_superuser=True, is_staff=True)
    user = make_user(f"matrix-{person}")
    if person in ("member", "facilitator"):
        join(user, community, role=person, status=status)
    return user


def live_community(visibility: str, slug: str = "") -> CommunityPage:
    """A live community made directly, without a revision: much quicker than publishing one
    (the `make_community` fixture), which the unpublishing test still does for real."""
    index = CommunityIndexPage.objects.live().first()
    page = index.add_child(
        instance=CommunityPage(
            title=f"Matrix {slug or visibility}",
            slug=f"matrix-{slug or visibility}",
            visibility=visibility,
            summary=f"A {visibility} community for the permission matrix.",
            description=DESCRIPTION,
            live=True,
        )
    )
    page.refresh_from_db()
    return page


@pytest.fixture
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "public"


@pytest.fixture
def build(make_community, make_user, private_media, django_capture_on_commit_callbacks):
    """Build a world; with `index`, put its community, threads and posts in the search index.

    The index is written on commit, which a test never reaches, so the commit callbacks are
    dropped and the community is indexed in one go instead (as a rebuild would).
    """

    def build(
        visibility: str,
        person: str,
        *,
        index: bool = False,
        publish: bool = False,
        status: str = "active",
        hidden_thread: bool = False,
        replies: tuple[tuple[str, dict], ...] = (),
    ) -> World:
        with django_capture_on_commit_callbacks(execute=False):
            if publish:
                community = make_community(f"matrix-{visibility}", visibility=visibility)
            else:
                community = live_community(visibility)
            author = make_user("matrix-author")
            join(author, community)
            thread = thread_in(community, author, TITLE, f"The opening post, about {OPENING_WORD}.")
            opening = thread.first_post()
            upload = SimpleUploadedFile("counts.csv", FILE_BYTES, content_type="text/csv")
            [attachment] = attach(opening, [check_upload(upload)], author)
            reply = Post.objects.create(
                thread=thread, author=author, body=f"A reply about {REPLY_WORD}."
            )
            for body, fields in replies:
                Post.objects.create(thread=thread, author=author, body=body, **fields)
            if hidden_thread:
                thread.hidden = True
                thread.save()
            viewer = make_person(person, community, make_user, status=status)
        if index:
            FORUM_SOURCE.reindex_community(community)
        client = Client()
        if viewer is not None:
            client.force_login(viewer)
        return World(community, thread, opening, reply, attachment, viewer, client)

    return build


# --- Small readers of what a surface shows ----------------------------------------------------


def index_entry(world: World) -> str:
    """The community's entry on the communities index page, as HTML."""
    index = CommunityIndexPage.objects.live().first()
    response = world.get(index.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert TITLE not in html  # the index never shows what is said inside
    entries = html.split('<li class="app-community-list__item">')
    [entry] = [e for e in entries if f'href="{world.community.url}"' in e]
    return entry.split("</li>")[0]


def shown_count(entry: str) -> str | None:
    match = re.search(r"· (\d+ threads?)", entry)
    return match.group(1) if match else None


def thread_urls(results: list[dict]) -> list[str]:
    return [hit["url"] for hit in results]


# --- 1. The community page --------------------------------------------------------------------


@pytest.mark.parametrize(("visibility", "person"), CELLS)
def test_community_page(build, visibility, person):
    expect = MATRIX[visibility, person]
    world = build(visibility, person)
    response = world.get(world.community.url)
    assert response.status_code == 200  # name and description are for everyone
    html = response.content.decode()
    assert world.community.title in html
    assert DESCRIPTION in html
    assert (TITLE in html) == (expect.thread == 200)
    assert (world.thread.get_url() in html) == (expect.thread == 200)


def test_members_only_community_page_does_not_call_itself_private(build):
    world = build("members", "anonymous")
    html = world.get(world.community.url).content.decode()
    assert "only its members can read" not in html


# --- 2. The thread page -----------------------------------------------------------------------


@pytest.mark.parametrize(("visibility", "person"), CELLS)
def test_thread_page(build, visibility, person):
    expect = MATRIX[visibility, person]
    world = build(visibility, person)
    community, thread = world.community, world.thread
    response = world.get(thread.get_url())
    assert response.status_code == expect.thread
    if expect.thread == 200:
        html = response.content.decode()
        assert OPENING_WORD in html
        assert REPLY_WORD in html
        assert world.attachment.get_url() in html
    short = community.url + f"threads/{thread.pk}/"  # redirects to the full address
    assert world.get(short).status_code == (301 if expect.thread == 200 else 404)
    # The rest of what readers reach gives away nothing to those who may not read.
    assert world.get(community.url + "members/").status_code == expect.thread
    if expect.thread == 404:
        for page in (
            f"threads/{thread.pk}/reply/",
            "threads/new/",
            f"posts/{world.reply.pk}/history/",
            f"posts/{world.reply.pk}/flag/",
        ):
            assert world.get(community.url + page).status_code == 404, page


# --- 3. The thread count on the communities index ---------------------------------------------


@pytest.mark.parametrize(("visibility", "person"), CELLS)
def test_index_thread_count(build, visibility, person):
    expect = MATRIX[visibility, person]
    world = build(visibility, person)
    entry = index_entry(world)
    assert world.community.title in entry  # every live community is listed
    assert shown_count(entry) == expect.count


# --- 4. Attachment downloads ------------------------------------------------------------------


@pytest.mark.parametrize(("visibility", "person"), CELLS)
def test_attachment_download(build, visibility, person):
    expect = MATRIX[visibility, person]
    world = build(visibility, person)
    response = world.get(world.attachment.get_url())
    assert response.status_code == expect.thread
    if expect.thread == 200:
        assert b"".join(response.streaming_content) == FILE_BYTES


# --- 5. Site search ---------------------------------------------------------------------------


@pytest.mark.parametrize(("visibility", "person"), CELLS)
def test_search_service(build, visibility, person):
    expect = MATRIX[visibility, person]
    world = build(visibility, person, index=True)
    opening = search({"q": OPENING_WORD}, world.user)
    assert opening.count == int(expect.found)
    assert [hit.url for hit in opening.hits] == ([world.thread.get_url()] if expect.found else [])
    reply = search({"q": REPLY_WORD}, world.user)
    assert reply.count == int(expect.found)
    assert [hit.url for hit in reply.hits] == ([world.thread.get_url()] if expect.found else [])
    # A misspelling is corrected only to a word this person could find (where the engine
    # suggests spellings at all: not the database engine on PostgreSQL).
    if get_engine().spelling_supported:
        misspelt = search({"q": "xerophite"}, world.user)
        assert misspelt.spelling == (OPENING_WORD if expect.found else None)


@pytest.mark.parametrize(("visibility", "person"), CELLS)
def test_search_page_api_and_suggestions(build, visibility, person):
    expect = MATRIX[visibility, person]
    world = build(visibility, person, index=True)

    # The HTML search page.
    response = world.get("/en/search/", q=OPENING_WORD)
    assert response.status_code == 200
    html = response.content.decode()
    assert (TITLE in html) == expect.found
    assert (world.thread.get_url() in html) == expect.found

    # The JSON API: results, and the "type" facet's counts.
    response = world.get("/api/search/", q=OPENING_WORD)
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == int(expect.found)
    assert thread_urls(data["results"]) == ([world.thread.get_url()] if expect.found else [])
    types = {value["value"]: value["count"] for value in data["facets"]["type"]}
    assert types.get("thread", 0) == int(expect.found)
    # The title word finds the thread once (its replies are part of it), in results and facets.
    data = world.get("/api/search/", q=TITLE.split()[0]).json()
    types = {value["value"]: value["count"] for value in data["facets"]["type"]}
    assert types.get("thread", 0) == int(expect.found)
    assert data["count"] == int(expect.found)

    # Suggestions as you type.
    response = world.get("/api/search/suggest/", q=TITLE_PREFIX)
    assert response.status_code == 200
    suggestions = response.json()["suggestions"]
    assert (TITLE in {s["title"] for s in suggestions}) == expect.found
    assert (world.thread.get_url() in thread_urls(suggestions)) == expect.found
    if not expect.found:
        assert not any(TITLE in s["title"] for s in suggestions)


# --- 6. Feeds ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("visibility", "person"), CELLS)
def test_feeds(build, visibility, person):
    expect = MATRIX[visibility, person]
    world = build(visibility, person)
    for kind in ("rss", "atom"):
        response = world.get(world.community.url + f"feed/{kind}/")
        assert response.status_code == expect.feed, kind
        if expect.feed == 200:
            assert TITLE in response.content.decode()


# --- 7. The sitemap ---------------------------------------------------------------------------


@pytest.mark.parametrize(("visibility", "person"), CELLS)
def test_sitemap(build, visibility, person):
    expect = MATRIX[visibility, person]
    world = build(visibility, person)
    response = world.get("/sitemap.xml")
    assert response.status_code == 200
    xml = response.content.decode()
    assert (f"{world.thread.get_url()}</loc>" in xml) == expect.sitemap
    assert f"{world.community.url}</loc>" in xml  # the community page itself is public


# --- 8. Moderation surfaces -------------------------------------------------------------------


@pytest.mark.parametrize(("visibility", "person"), CELLS)
def test_moderation_pages(build, visibility, person):
    expect = MATRIX[visibility, person]
    world = build(visibility, person)
    community = world.community
    assert world.get(community.url + "moderation/").status_code == expect.moderate
    moderate = community.url + f"threads/{world.thread.pk}/moderate/"
    assert world.get(moderate).status_code == expect.moderate
    post_moderate = community.url + f"posts/{world.reply.pk}/moderate/"
    assert world.get(post_moderate).status_code == expect.moderate


@pytest.mark.parametrize("visibility", VISIBILITIES)
def test_facilitating_another_community_gives_nothing_here(build, visibility):
    """A facilitator elsewhere is just a signed-in person here (the `signed_in` row)."""
    expect = MATRIX[visibility, "signed_in"]
    world = build(visibility, "signed_in", hidden_thread=True)
    join(world.viewer, live_community("public", slug="elsewhere"), role="facilitator")
    community = world.community
    assert world.get(world.thread.get_url()).status_code == 404  # hidden, and not theirs
    assert world.get(community.url + "moderation/").status_code == 404
    moderate = community.url + f"threads/{world.thread.pk}/moderate/"
    assert world.get(moderate).status_code == 404
    world.thread.hidden = False
    world.thread.save()
    assert world.get(world.thread.get_url()).status_code == expect.thread
    assert world.get(moderate).status_code == 404


# --- 9. Hidden threads, hidden posts, deleted posts -------------------------------------------


@pytest.mark.parametrize(("visibility", "person"), CELLS)
def test_hidden_thread(build, visibility, person):
    expect = MATRIX[visibility, person]
    world = build(visibility, person, index=True, hidden_thread=True)
    sees = expect.hidden == 200
    assert world.get(world.thread.get_url()).status_code == expect.hidden
    assert world.get(world.attachment.get_url()).status_code == expect.hidden

    home = world.get(world.community.url).content.decode()
    assert (TITLE in home) == sees
    entry = index_entry(world)
    if expect.count is not None:
        assert shown_count(entry) == ("1 thread" if sees else "0 threads")

    # Hidden threads are not indexed at all: nobody finds them, moderators included.
    assert search({"q": OPENING_WORD}, world.user).count == 0
    assert search({"q": REPLY_WORD}, world.user).count == 0
    suggestions = world.get("/api/search/suggest/", q=TITLE_PREFIX).json()["suggestions"]
    assert not any(TITLE in s["title"] for s in suggestions)

    # Never in a feed or the sitemap.
    for kind in ("rss", "atom"):
        response = world.get(world.community.url + f"feed/{kind}/")
        assert response.status_code == expect.feed
        assert TITLE not in response.content.decode()
    assert world.thread.get_url() not in world.get("/sitemap.xml").content.decode()


@pytest.mark.parametrize(("visibility", "person"), CELLS)
def test_hidden_and_deleted_posts(build, visibility, person):
    expect = MATRIX[visibility, person]
    world = build(
        visibility,
        person,
        index=True,
        replies=(
            (f"A hidden reply about {HIDDEN_WORD}.", {"hidden": True}),
            (f"A deleted reply about {DELETED_WORD}.", {"deleted": timezone.now()}),
        ),
    )
    hidden = Post.objects.get(body__contains=HIDDEN_WORD)
    deleted = Post.objects.get(body__contains=DELETED_WORD)
    upload = SimpleUploadedFile("hidden.csv", FILE_BYTES, content_type="text/csv")
    [hidden_file] = attach(hidden, [check_upload(upload)], hidden.author)
    sees = expect.hidden == 200

    response = world.get(world.thread.get_url())
    assert response.status_code == expect.thread
    if expect.thread == 200:
        html = response.content.decode()
        assert REPLY_WORD in html  # the ordinary reply is there for every reader
        assert (f'id="post-{hidden.pk}"' in html) == sees
        assert (HIDDEN_WORD in html) == sees  # facilitators read what they hid
        assert (f'id="post-{deleted.pk}"' in html) == sees
        assert DELETED_WORD not in html  # a deleted post's words are shown to nobody

    assert world.get(hidden_file.get_url()).status_code == expect.hidden

    # Hidden and deleted posts are not indexed: nobody finds them, moderators included.
    assert search({"q": HIDDEN_WORD}, world.user).count == 0
    assert search({"q": DELETED_WORD}, world.user).count == 0
    assert search({"q": REPLY_WORD}, world.user).count == int(expect.found)


# --- 10. A membership that was asked for but not yet approved ---------------------------------


@pytest.mark.parametrize("role", ["member", "facilitator"])
def test_requested_membership_of_a_private_community_reads_nothing(build, role):
    world = build("private", role, index=True, status="requested")
    community = world.community
    assert world.get(world.thread.get_url()).status_code == 404
    assert world.get(world.attachment.get_url()).status_code == 404
    home = world.get(community.url)
    assert home.status_code == 200
    assert TITLE not in home.content.decode()
    assert shown_count(index_entry(world)) is None
    assert search({"q": OPENING_WORD}, world.user).count == 0
    assert world.get("/api/search/", q=OPENING_WORD).json()["count"] == 0
    suggestions = world.get("/api/search/suggest/", q=TITLE_PREFIX).json()["suggestions"]
    assert not any(TITLE in s["title"] for s in suggestions)
    assert world.get(community.url + "moderation/").status_code == 404
    moderate = community.url + f"threads/{world.thread.pk}/moderate/"
    assert world.get(moderate).status_code == 404


# --- 11. An unpublished community -------------------------------------------------------------


@pytest.mark.parametrize(("visibility", "person"), CELLS)
def test_unpublished_community_is_gone_for_everyone(
    build, visibility, person, django_capture_on_commit_callbacks
):
    """Found in the code: nobody, superusers included, reads an unpublished community's forum
    through the site (`visible_to` keeps only live pages, and Wagtail serves no draft page)."""
    world = build(visibility, person, index=True, publish=True)
    assert search({"q": OPENING_WORD}, world.user).count == int(MATRIX[visibility, person].found)
    community = world.community
    home, thread_url = community.url, world.thread.get_url()
    with django_capture_on_commit_callbacks(execute=True):
        community.unpublish()
    assert world.get(home).status_code == 404
    assert world.get(thread_url).status_code == 404
    assert world.get(world.attachment.get_url()).status_code == 404
    assert world.get(home + "feed/rss/").status_code == 404
    assert world.get(home + "moderation/").status_code == 404
    assert Thread.objects.visible_to(world.user).filter(pk=world.thread.pk).count() == 0
    assert search({"q": OPENING_WORD}, world.user).count == 0
    assert search({"q": REPLY_WORD}, world.user).count == 0
    assert world.get("/api/search/", q=OPENING_WORD).json()["count"] == 0
    xml = world.get("/sitemap.xml").content.decode()
    assert thread_url not in xml
    index = CommunityIndexPage.objects.live().first()
    assert f'href="{home}"' not in world.get(index.url).content.decode()


# --- 12. Search and Wagtail view restrictions on a community page ------------------------------
#
# Not part of the matrix above, but the same promise: search never shows a thread to someone the
# site would not (`access_tokens_for_path`: "never shows it to anyone `visible_to` would keep
# out").


@pytest.mark.parametrize("person", ["member", "curator"])
def test_search_follows_a_group_restriction_on_a_private_community(build, person):
    world = build("private", person)
    restriction = PageViewRestriction.objects.create(
        page=world.community, restriction_type=PageViewRestriction.GROUPS
    )
    restriction.groups.add(Group.objects.create(name="Matrix insiders"))
    FORUM_SOURCE.reindex_community(world.community)  # as if fully re-indexed since
    assert Thread.objects.visible_to(world.user).filter(pk=world.thread.pk).count() == 0
    assert world.get(world.thread.get_url()).status_code != 200
    assert search({"q": OPENING_WORD}, world.user).count == 0


def test_a_new_restriction_on_a_public_community_takes_its_threads_out_of_search(
    build, django_capture_on_commit_callbacks
):
    world = build("public", "anonymous", index=True)
    assert search({"q": OPENING_WORD}, world.user).count == 1
    with django_capture_on_commit_callbacks(execute=True):
        PageViewRestriction.objects.create(
            page=world.community, restriction_type=PageViewRestriction.LOGIN
        )
    assert Thread.objects.visible_to(world.user).filter(pk=world.thread.pk).count() == 0
    assert search({"q": OPENING_WORD}, world.user).count == 0
