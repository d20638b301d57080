"""The search index follows the forum straight away: posting, editing, hiding, moving, publishing.

Index writes wait for the transaction to commit (`transaction.on_commit`), so every change here
runs inside `django_capture_on_commit_callbacks(execute=True)`; what a search then finds is asked
of the one search service (`search.service.search`) as the person who would search. Each test
uses made-up words that appear nowhere in the demo content, so a search finds only this world.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, User

from communities import forum
from communities.models import CommunityPage, Post, Profile, Thread
from search.service import search
from tests.communities.conftest import join

pytestmark = pytest.mark.django_db

TITLE = "Quahog reef restoration"
TITLE_WORD = "quahog"  # only in the thread's title
BODY_WORD = "zosteraceae"  # only in the opening post
REPLY_WORD = "bladderwrack"  # only in the reply
NEW_REPLY_WORD = "periwinkle"  # only in the reply once it is edited


def found(q: str, user: User | None = None) -> list[tuple[str, str]]:
    """(type, url) of every hit for this person; a user is read afresh, as a new request would."""
    person = User.objects.get(pk=user.pk) if user is not None else AnonymousUser()
    return [(hit.type, hit.url) for hit in search({"q": q}, person).hits]


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a block and then its on-commit callbacks, as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def world(make_community, make_user, committed):
    """A public community with a facilitator, a member, and a thread with one reply, indexed."""
    community = make_community("index-tests")
    facilitator = make_user("ix_fflur")
    member = make_user("ix_gareth")
    join(facilitator, community, role="facilitator")
    join(member, community)
    with committed():
        thread = forum.start_thread(
            community, member, title=TITLE, body=f"Has anyone tried {BODY_WORD} beds?"
        )
        reply = forum.reply(thread, facilitator, body=f"Yes, with {REPLY_WORD} too.")
    return community, facilitator, member, Thread.objects.get(pk=thread.pk), reply


# --- Threads and replies -------------------------------------------------------------------------


def test_a_new_thread_is_found_by_its_title_and_its_body(
    client, make_community, make_user, committed
):
    community = make_community("index-new-thread")
    author = make_user("ix_author")
    join(author, community)
    client.force_login(author)
    assert found(TITLE_WORD) == []

    with committed():
        response = client.post(
            community.url + "threads/new/",
            {"title": TITLE, "body": f"Has anyone tried **{BODY_WORD}** beds?"},
        )

    thread = Thread.objects.get(title=TITLE)
    assert response.status_code == 302
    assert found(TITLE_WORD) == [("thread", thread.get_url())]
    assert found(BODY_WORD) == [("thread", thread.get_url())]
    assert found(BODY_WORD, author) == [("thread", thread.get_url())]


def test_a_reply_is_found_through_its_thread(client, world, committed):
    community, _facilitator, member, thread, _reply = world
    client.force_login(member)

    with committed():
        client.post(
            community.url + f"threads/{thread.pk}/reply/", {"body": "Try sea-grass periwinkle"}
        )

    assert Post.objects.filter(thread=thread, body__contains=NEW_REPLY_WORD).exists()
    assert found(NEW_REPLY_WORD) == [("thread", thread.get_url())]
    hit = search({"q": NEW_REPLY_WORD}, AnonymousUser()).hits[0]
    assert hit.title == TITLE


def test_the_world_is_indexed(world):
    _community, _facilitator, _member, thread, _reply = world

    assert found(TITLE_WORD) == [("thread", thread.get_url())]  # once: replies are inside it
    assert found(REPLY_WORD) == [("thread", thread.get_url())]
    assert found(BODY_WORD) == [("thread", thread.get_url())]  # the opening post is the thread


def test_editing_a_reply_changes_what_is_found(client, world, committed):
    community, facilitator, _member, thread, reply = world
    client.force_login(facilitator)

    with committed():
        response = client.post(
            community.url + f"posts/{reply.pk}/edit/", {"body": f"Now with {NEW_REPLY_WORD}."}
        )

    assert response.status_code == 302
    assert found(REPLY_WORD) == []
    assert found(NEW_REPLY_WORD) == [("thread", thread.get_url())]


def test_editing_the_opening_post_changes_what_finds_the_thread(world, committed):
    _community, _facilitator, member, thread, _reply = world

    with committed():
        forum.edit_post(thread.first_post(), member, f"Now about {NEW_REPLY_WORD} only.")

    assert found(BODY_WORD) == []
    assert found(NEW_REPLY_WORD) == [("thread", thread.get_url())]


def test_hiding_a_thread_removes_it_and_its_replies_and_showing_restores_them(
    client, world, committed
):
    community, facilitator, member, thread, _reply = world
    client.force_login(facilitator)
    moderate = community.url + f"threads/{thread.pk}/moderate/"

    with committed():
        client.post(moderate, {"action": "hide", "reason": "Off topic"})

    for person in (None, member, facilitator):
        assert found(TITLE_WORD, person) == []
        assert found(REPLY_WORD, person) == []

    with committed():
        client.post(moderate, {"action": "show", "reason": "On reflection, fine"})

    assert found(BODY_WORD) == [("thread", thread.get_url())]
    assert found(REPLY_WORD) == [("thread", thread.get_url())]


def test_soft_deleting_a_reply_removes_it(client, world, committed):
    community, facilitator, _member, thread, reply = world
    client.force_login(facilitator)

    with committed():
        client.post(community.url + f"posts/{reply.pk}/delete/")

    assert Post.objects.get(pk=reply.pk).deleted is not None
    assert found(REPLY_WORD) == []
    assert found(REPLY_WORD, facilitator) == []
    assert found(BODY_WORD) == [("thread", thread.get_url())]  # the thread stays


def test_hiding_a_reply_removes_it_and_showing_restores_it(world, committed):
    _community, facilitator, _member, thread, reply = world

    with committed():
        forum.moderate_post(reply, facilitator, True, "Personal details")
    assert found(REPLY_WORD) == []

    with committed():
        forum.moderate_post(reply, facilitator, False)
    assert found(REPLY_WORD) == [("thread", thread.get_url())]


# --- Where a thread lives, and who may read there -------------------------------------------------


def test_moving_a_thread_to_a_private_community_hides_it_from_everyone_but_its_members(
    client, world, make_community, make_user, committed
):
    community, facilitator, member, thread, reply = world
    private = make_community("index-private", visibility="private")
    join(facilitator, private, role="facilitator")
    insider = make_user("ix_insider")
    join(insider, private)
    client.force_login(facilitator)

    with committed():
        response = client.post(
            community.url + f"threads/{thread.pk}/moderate/",
            {"action": "move", "target": private.pk, "reason": "Sensitive"},
        )

    thread.refresh_from_db()
    assert response.status_code == 302 and thread.community_id == private.pk
    reply = Post.objects.select_related("thread__community").get(pk=reply.pk)
    assert found(TITLE_WORD) == []
    assert found(REPLY_WORD) == []
    assert found(BODY_WORD, member) == []  # the author is not a member of the private one
    assert found(BODY_WORD, insider) == [("thread", thread.get_url())]
    assert found(REPLY_WORD, insider) == [("thread", thread.get_url())]
    assert thread.get_url().startswith(private.url)


def test_making_a_public_community_private_reindexes_its_threads(world, make_user, committed):
    community, _facilitator, member, thread, _reply = world
    outsider = make_user("ix_outsider")
    assert found(BODY_WORD) == [("thread", thread.get_url())]

    with committed():
        page = CommunityPage.objects.get(pk=community.pk)
        page.visibility = "private"
        page.save_revision().publish()

    for person in (None, outsider):
        assert found(BODY_WORD, person) == []
        assert found(REPLY_WORD, person) == []
    assert found(BODY_WORD, member) == [("thread", thread.get_url())]
    assert found(REPLY_WORD, member) == [("thread", thread.get_url())]


def test_making_a_public_community_members_only_needs_sign_in_to_find_its_threads(
    world, make_user, committed
):
    community, _facilitator, _member, thread, _reply = world
    outsider = make_user("ix_signed_in")

    with committed():
        page = CommunityPage.objects.get(pk=community.pk)
        page.visibility = "members"
        page.save_revision().publish()

    assert found(BODY_WORD) == []
    assert found(BODY_WORD, outsider) == [("thread", thread.get_url())]


def test_unpublishing_a_community_removes_its_threads(world, make_user, committed):
    community, facilitator, member, _thread, _reply = world
    curator = make_user("ix_curator", curator=True)

    with committed():
        CommunityPage.objects.get(pk=community.pk).unpublish()

    for person in (None, member, facilitator, curator):
        assert found(TITLE_WORD, person) == []
        assert found(REPLY_WORD, person) == []


def test_republishing_a_community_brings_its_threads_back(world, committed):
    community, _facilitator, _member, thread, _reply = world
    with committed():
        CommunityPage.objects.get(pk=community.pk).unpublish()

    with committed():
        CommunityPage.objects.get(pk=community.pk).save_revision().publish()

    assert found(BODY_WORD) == [("thread", thread.get_url())]
    assert found(REPLY_WORD) == [("thread", thread.get_url())]


# --- Member profiles ------------------------------------------------------------------------------


def profile_of(make_user, username: str, name: str, visibility: str, committed) -> Profile:
    with committed():
        user = make_user(username)
        profile = user.profile
        profile.display_name = name
        profile.bio = "I run the saltmarsh monitoring rota."
        profile.visibility = visibility
        profile.save()
    return profile


@pytest.mark.parametrize(
    ("visibility", "anonymous", "signed_in"),
    [("public", True, True), ("members", False, True), ("hidden", False, False)],
)
def test_a_profile_is_found_only_by_whom_its_visibility_allows(
    make_user, committed, visibility, anonymous, signed_in
):
    profile = profile_of(
        make_user, f"ix_{visibility}", "Branwen Quillfeather", visibility, committed
    )
    reader = make_user("ix_reader")
    hit = [("member", f"/en/members/ix_{visibility}/")]

    assert profile.get_url() == f"/en/members/ix_{visibility}/"
    assert found("quillfeather") == (hit if anonymous else [])
    assert found("quillfeather", reader) == (hit if signed_in else [])


def test_hiding_a_profile_takes_it_out_of_search(make_user, committed):
    profile = profile_of(make_user, "ix_shy", "Branwen Quillfeather", "public", committed)
    assert found("quillfeather") == [("member", "/en/members/ix_shy/")]

    with committed():
        profile.visibility = Profile.Visibility.HIDDEN
        profile.save()

    assert found("quillfeather") == []
    assert found("quillfeather", make_user("ix_reader")) == []


def test_a_deactivated_member_is_not_found(make_user, committed):
    profile = profile_of(make_user, "ix_gone", "Branwen Quillfeather", "public", committed)

    with committed():
        profile.user.is_active = False
        profile.user.save()
        profile.save()  # the profile source re-reads the member when the profile is saved

    assert found("quillfeather") == []
