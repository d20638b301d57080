"""Forum pages cost the same number of queries however much there is on them."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from communities.models import Flag, ModerationAction, Post
from tests.communities.conftest import join, thread_in

pytestmark = pytest.mark.django_db


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_moderation_queue_and_log_do_not_grow_with_entries(client, make_community, make_user):
    community = make_community("qc-moderation")
    facilitator = make_user("qc_fac")
    join(facilitator, community, role="facilitator")
    thread = thread_in(community, facilitator)
    url = community.url + "moderation/"

    def flag_one(number: int) -> None:
        author = make_user(f"qc_author{number}")
        post = Post.objects.create(thread=thread, author=author, body=f"Post {number}")
        Flag.objects.create(post=post, flagged_by=facilitator, reason="spam")
        ModerationAction.objects.create(
            community=community,
            actor=facilitator,
            action="hide-post",
            post=post,
            thread=thread,
            member=author,
            reason="Spam",
        )

    flag_one(0)
    client.force_login(facilitator)
    one = queries(client, url)
    for number in range(1, 8):
        flag_one(number)
    assert queries(client, url) <= one


def test_thread_page_does_not_grow_with_replies(client, make_community, make_user):
    community = make_community("qc-thread")
    author = make_user("qc_thread_author")
    join(author, community)
    thread = thread_in(community, author)
    repliers = [make_user(f"qc_replier{n}") for n in range(8)]
    Post.objects.create(thread=thread, author=repliers[0], body="First reply")
    client.force_login(author)
    one = queries(client, thread.get_url())
    for replier in repliers[1:]:
        Post.objects.create(thread=thread, author=replier, body="Another reply")
    assert queries(client, thread.get_url()) <= one
