"""A form sent twice makes one post: the hidden submission key on the thread and reply forms.

The fault benchmark (bench/faults.py, fault a) found that when a worker dies after committing a
reply but before answering, the member sees an error, sends the form again, and the reply
appears twice. Each form now carries a random key that the post keeps; these tests send the
same form twice, as a reload or a retry does, and count what was saved.
"""

from __future__ import annotations

import html
import re
import uuid
from types import SimpleNamespace

import pytest
from django.db import IntegrityError, transaction

from communities import forum
from communities.models import Post, Thread
from tests.communities.conftest import join, thread_in

pytestmark = pytest.mark.django_db

KEY_INPUT = re.compile(r'<input type="hidden" name="submission_key" value="([^"]+)"')


@pytest.fixture
def world(make_community, make_user):
    community = make_community("key-tests")
    author = make_user("key_aled")
    member = make_user("key_bethan")
    join(author, community)
    join(member, community)
    thread = thread_in(community, author, "Pooled budgets", "Who has pooled a budget?")
    return SimpleNamespace(community=community, author=author, member=member, thread=thread)


def signed_in(client, user):
    client.force_login(user)
    return client


def reply_url(world) -> str:
    return f"{world.community.url}threads/{world.thread.pk}/reply/"


def shown_key(client, url: str) -> str:
    found = KEY_INPUT.search(client.get(url).content.decode())
    assert found, "the form has no hidden submission key"
    return found[1]


def test_each_form_shown_carries_a_new_key(client, world):
    signed_in(client, world.member)
    first = shown_key(client, world.thread.get_url())
    second = shown_key(client, world.thread.get_url())
    assert first != second
    assert uuid.UUID(first) and uuid.UUID(second)
    new_thread = f"{world.community.url}threads/new/"
    assert shown_key(client, new_thread) != shown_key(client, new_thread)


def test_a_reply_sent_twice_is_saved_once_and_both_answers_lead_to_it(client, world):
    signed_in(client, world.member)
    key = shown_key(client, world.thread.get_url())
    form = {"body": "We pooled ours in 2019.", "submission_key": key}

    first = client.post(reply_url(world), form)
    second = client.post(reply_url(world), form, follow=True)

    posts = Post.objects.filter(thread=world.thread, body="We pooled ours in 2019.")
    assert posts.count() == 1
    post = posts.get()
    assert first.status_code == 302 and first["Location"].endswith(f"#post-{post.pk}")
    assert second.redirect_chain[0][0] == first["Location"]
    assert "had already been posted, so it was not added again" in html.unescape(
        second.content.decode()
    )
    world.thread.refresh_from_db()
    assert world.thread.reply_count == 1  # counted once, like the post


def test_a_new_thread_sent_twice_opens_one_thread(client, world):
    signed_in(client, world.member)
    url = f"{world.community.url}threads/new/"
    form = {
        "title": "Shared data agreements",
        "body": "Does anyone have a template?",
        "submission_key": shown_key(client, url),
    }
    first = client.post(url, form)
    second = client.post(url, form)
    threads = Thread.objects.filter(title="Shared data agreements")
    assert threads.count() == 1
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == threads.get().get_url()
    assert Post.objects.filter(thread=threads.get()).count() == 1


def test_two_forms_make_two_posts(client, world):
    signed_in(client, world.member)
    for body in ("First point.", "Second point."):
        key = shown_key(client, world.thread.get_url())
        assert (
            client.post(reply_url(world), {"body": body, "submission_key": key}).status_code == 302
        )
    assert Post.objects.filter(thread=world.thread, author=world.member).count() == 2


@pytest.mark.parametrize("key", ["", "not-a-key", "x" * 64])
def test_a_missing_or_malformed_key_still_posts(client, world, key):
    signed_in(client, world.member)
    answer = client.post(reply_url(world), {"body": "Still saved.", "submission_key": key})
    assert answer.status_code == 302
    assert Post.objects.filter(body="Still saved.", submission_key=None).count() == 1


def test_a_form_shown_again_with_errors_keeps_its_key(client, world):
    signed_in(client, world.member)
    key = shown_key(client, world.thread.get_url())
    refused = client.post(reply_url(world), {"body": "", "submission_key": key})
    assert refused.status_code == 400
    assert KEY_INPUT.search(refused.content.decode())[1] == key
    assert (
        client.post(reply_url(world), {"body": "Now written.", "submission_key": key}).status_code
        == 302
    )
    assert Post.objects.filter(body="Now written.").count() == 1


def test_one_members_key_is_not_another_members_post(client, world):
    """The key is unique per author: someone else's key makes their own post, not a redirect."""
    key = uuid.uuid4()
    mine = forum.reply(world.thread, world.author, body="Mine.", submission_key=key)
    theirs = forum.reply(world.thread, world.member, body="Theirs.", submission_key=key)
    assert mine.pk != theirs.pk and not theirs.repeated
    assert theirs.author == world.member and theirs.body == "Theirs."


def test_two_sendings_racing_past_the_check_still_make_one_post(world, monkeypatch):
    """Both pass the first lookup; the unique constraint stops the second insert."""
    key = uuid.uuid4()
    first = forum.reply(world.thread, world.member, body="Raced.", submission_key=key)
    real = forum.already_sent
    calls = []

    def missed_once(user, submission_key):
        calls.append(submission_key)
        return None if len(calls) == 1 else real(user, submission_key)

    monkeypatch.setattr(forum, "already_sent", missed_once)
    second = forum.reply(world.thread, world.member, body="Raced.", submission_key=key)
    assert second.pk == first.pk and second.repeated
    assert Post.objects.filter(body="Raced.").count() == 1
    world.thread.refresh_from_db()
    assert world.thread.reply_count == 1


def test_the_database_refuses_a_second_post_with_the_same_key(world):
    key = uuid.uuid4()
    Post.objects.create(thread=world.thread, author=world.member, body="a", submission_key=key)
    with pytest.raises(IntegrityError), transaction.atomic():
        Post.objects.create(thread=world.thread, author=world.member, body="b", submission_key=key)
    # Posts made without a key (imports, the admin) are not limited.
    Post.objects.create(thread=world.thread, author=world.member, body="c")
    Post.objects.create(thread=world.thread, author=world.member, body="d")


def test_a_repeat_from_a_rate_limited_account_finds_its_post(world, make_user, settings):
    """The repeat is answered before the limits: it adds nothing, so it is never refused."""
    newcomer = make_user("key_newcomer", old=False)
    join(newcomer, world.community)
    key = uuid.uuid4()
    post = forum.reply(world.thread, newcomer, body="Before the limit.", submission_key=key)
    settings.COMMUNITY_NEW_ACCOUNT_LIMITS = {
        **settings.COMMUNITY_NEW_ACCOUNT_LIMITS,
        "posts_per_hour": 1,
    }
    with pytest.raises(forum.RateLimited):
        forum.reply(world.thread, newcomer, body="A new one.", submission_key=uuid.uuid4())
    again = forum.reply(world.thread, newcomer, body="Before the limit.", submission_key=key)
    assert again.pk == post.pk and again.repeated
