"""The forum, as members and facilitators use it: threads, replies, edits, moderation, limits.

Most tests go through HTTP the way a person would (`client.force_login`, then GET and POST the
community's forum URLs); edge cases call the functions in `communities.forum` directly. Every
refusal must come with a sentence saying why, and no input, however odd, may cause a 500.
"""

from __future__ import annotations

import html
import re
from types import SimpleNamespace

import pytest
from defusedxml import ElementTree
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError

from communities import forum
from communities.models import (
    Flag,
    HelpfulMark,
    Mention,
    ModerationAction,
    Post,
    PostRevision,
    Thread,
)
from learning.models import Theme
from tests.communities.conftest import join, thread_in

pytestmark = pytest.mark.django_db

Action = ModerationAction.Action
LIMITS = settings.COMMUNITY_NEW_ACCOUNT_LIMITS


# --- Helpers ------------------------------------------------------------------------------------


def at(community, path: str = "") -> str:
    """A URL under the community's page, e.g. at(community, "threads/new/")."""
    return community.url + path


def post_url(post: Post, action: str) -> str:
    return at(post.thread.community, f"posts/{post.pk}/{action}/")


def text(response) -> str:
    """The response's HTML with entities decoded, so messages read as written."""
    return html.unescape(response.content.decode())


def opening(thread: Thread) -> Post:
    return thread.posts.order_by("created", "pk").first()


@pytest.fixture
def forum_world(make_community, make_user):
    """A public, open community with a thread author, another member and a facilitator."""
    community = make_community("forum-tests")
    author = make_user("ft_aled")
    member = make_user("ft_bethan")
    facilitator = make_user("ft_ceri")
    outsider = make_user("ft_dafydd")  # signed in, not a member
    join(author, community)
    join(member, community)
    join(facilitator, community, role="facilitator")
    thread = thread_in(community, author, "Sharing discharge data", "How do you share it?")
    return SimpleNamespace(
        community=community,
        author=author,
        member=member,
        facilitator=facilitator,
        outsider=outsider,
        thread=thread,
        first=opening(thread),
    )


def reply_as(world, user, body: str) -> Post:
    return forum.reply(Thread.objects.get(pk=world.thread.pk), user, body=body)


# --- Starting a thread and replying -------------------------------------------------------------


def test_starting_a_thread_redirects_to_it_with_markdown_tags_and_theme(client, forum_world):
    w = forum_world
    theme = Theme.objects.order_by("name").first()
    client.force_login(w.author)

    form = client.get(at(w.community, "threads/new/"))
    response = client.post(
        at(w.community, "threads/new/"),
        {
            "title": "  Pooled   budgets in Gwent ",
            "body": "We **pooled** budgets.\n\n- for carers\n- for respite",
            "tags": "pooled budgets, scrutiny, pooled budgets",
            "theme": theme.pk,
        },
    )

    assert form.status_code == 200
    thread = Thread.objects.get(community=w.community, title="Pooled budgets in Gwent")
    assert response.status_code == 302
    assert response["Location"] == thread.get_url()
    assert thread.get_url() == at(w.community, f"threads/{thread.pk}/pooled-budgets-in-gwent/")
    assert thread.author == w.author and thread.theme == theme
    assert sorted(tag.name for tag in thread.tags.all()) == ["pooled budgets", "scrutiny"]
    assert thread.posts.count() == 1

    page = client.get(response["Location"])
    body = text(page)
    assert page.status_code == 200
    assert "Your thread has been posted." in body
    assert '<h1 class="govuk-heading-xl">Pooled budgets in Gwent</h1>' in body
    assert "<strong>pooled</strong>" in body
    assert "<li>for carers</li>" in body
    assert "#pooled budgets" in body and "#scrutiny" in body
    # Links stay in the reader's language: no unprefixed address that costs a redirect.
    assert f'Theme: <a class="govuk-link" href="/en/themes/{theme.slug}/">{theme.name}</a>' in body
    assert 'href="/en/search/?tag=pooled-budgets"' in body


def test_the_new_thread_is_listed_and_readable_by_anyone(client, forum_world):
    w = forum_world
    client.force_login(w.author)
    client.post(at(w.community, "threads/new/"), {"title": "Respite rotas", "body": "Ours."})
    thread = Thread.objects.get(title="Respite rotas")
    client.logout()

    assert "Respite rotas" in text(client.get(w.community.url))
    assert client.get(thread.get_url()).status_code == 200


def test_only_members_can_start_a_thread(client, forum_world):
    w = forum_world
    new = at(w.community, "threads/new/")
    assert client.get(new)["Location"].startswith("/en/accounts/login/")

    client.force_login(w.outsider)
    response = client.post(new, {"title": "Outsider", "body": "Hello"}, follow=True)

    assert "Join this community to start a thread." in text(response)
    assert not Thread.objects.filter(title="Outsider").exists()
    with pytest.raises(PermissionDenied, match="Only members of this community can post"):
        forum.start_thread(w.community, w.outsider, title="Outsider", body="Hello")


def test_a_reply_is_added_counted_and_shown(client, forum_world):
    w = forum_world
    client.force_login(w.member)

    response = client.post(
        at(w.community, f"threads/{w.thread.pk}/reply/"), {"body": "We use a *shared* drive."}
    )

    reply = Post.objects.get(thread=w.thread, author=w.member)
    assert response.status_code == 302
    assert response["Location"] == f"{w.thread.get_url()}#post-{reply.pk}"
    w.thread.refresh_from_db()
    assert w.thread.reply_count == 1
    assert w.thread.last_activity == reply.created
    page = text(client.get(w.thread.get_url()))
    assert f'id="post-{reply.pk}"' in page and "<em>shared</em>" in page


def test_get_on_the_reply_url_goes_to_the_form_on_the_thread(client, forum_world):
    w = forum_world
    client.force_login(w.member)

    response = client.get(at(w.community, f"threads/{w.thread.pk}/reply/"))

    assert response.status_code == 302
    assert response["Location"] == w.thread.get_url() + "#reply"


def test_quoting_prefills_the_reply_and_the_saved_reply_links_to_the_quoted_post(
    client, forum_world
):
    w = forum_world
    client.force_login(w.member)

    page = client.get(f"{w.thread.get_url()}?quote={w.first.pk}")

    body = text(page)
    assert page.status_code == 200
    textarea = re.search(r'<textarea[^>]*name="body"[^>]*>(.*?)</textarea>', body, re.S).group(1)
    assert textarea.strip().startswith("ft_aled wrote:")
    assert "> How do you share it?" in textarea
    assert re.search(rf'<input type="hidden" name="quoting" value="{w.first.pk}"', body)

    client.post(
        at(w.community, f"threads/{w.thread.pk}/reply/"),
        {"body": textarea + "We email it.", "quoting": w.first.pk},
    )

    reply = Post.objects.get(thread=w.thread, author=w.member)
    assert reply.quoting == w.first
    shown = text(client.get(w.thread.get_url()))
    assert re.search(
        rf'Replying to <a class="govuk-link" href="#post-{w.first.pk}">ft_aled</a>', shown
    )


@pytest.mark.parametrize("quote", ["abc", "-1", "999999999", ""])
def test_a_bad_quote_parameter_leaves_the_reply_empty(client, forum_world, quote):
    w = forum_world
    client.force_login(w.member)

    page = client.get(f"{w.thread.get_url()}?quote={quote}")

    assert page.status_code == 200
    assert "wrote:" not in text(page)


def test_a_post_from_another_thread_cannot_be_quoted(client, forum_world):
    w = forum_world
    other = thread_in(w.community, w.member, "Other thread", "Elsewhere")
    client.force_login(w.member)

    prefilled = client.get(f"{w.thread.get_url()}?quote={opening(other).pk}")
    client.post(
        at(w.community, f"threads/{w.thread.pk}/reply/"),
        {"body": "Crossing threads", "quoting": opening(other).pk},
    )

    assert "wrote:" not in text(prefilled)
    assert Post.objects.get(body="Crossing threads").quoting is None


# --- Editing, history and deleting ---------------------------------------------------------------


def test_editing_your_post_keeps_a_revision_and_shows_edited(client, forum_world):
    w = forum_world
    client.force_login(w.author)

    form = client.get(post_url(w.first, "edit"))
    response = client.post(post_url(w.first, "edit"), {"body": "How do you share **data**?"})

    assert form.status_code == 200 and "How do you share it?" in text(form)
    assert response.status_code == 302
    assert response["Location"] == w.first.get_url()
    w.first.refresh_from_db()
    assert w.first.body == "How do you share **data**?" and w.first.edited is not None
    revision = PostRevision.objects.get(post=w.first)
    assert revision.body == "How do you share it?" and revision.edited_by == w.author
    page = text(client.get(w.thread.get_url()))
    assert " · edited" in page
    assert "<strong>data</strong>" in page and "How do you share it?" not in page
    assert post_url(w.first, "history") in page


def test_an_unchanged_edit_keeps_no_revision(forum_world):
    w = forum_world
    forum.edit_post(w.first, w.author, "  How do you share it?  ")

    w.first.refresh_from_db()
    assert w.first.edited is None
    assert not PostRevision.objects.filter(post=w.first).exists()


def test_history_is_for_the_author_and_facilitators_only(client, forum_world):
    w = forum_world
    forum.edit_post(w.first, w.author, "Second version")
    url = post_url(w.first, "history")

    seen = {}
    for name in ("author", "facilitator", "member", "outsider"):
        client.force_login(getattr(w, name))
        seen[name] = client.get(url)
    client.logout()
    anonymous = client.get(url)

    for name in ("author", "facilitator"):
        assert seen[name].status_code == 200
        assert "How do you share it?" in text(seen[name])  # the text before the edit
        assert "Second version" in text(seen[name])
    assert seen["member"].status_code == 404
    assert seen["outsider"].status_code == 404
    assert anonymous.status_code == 404


def test_nobody_can_edit_someone_elses_post(client, forum_world):
    w = forum_world
    client.force_login(w.member)

    form = client.get(post_url(w.first, "edit"))
    response = client.post(post_url(w.first, "edit"), {"body": "Vandalised"})

    assert form.status_code == 404
    assert response.status_code == 404
    w.first.refresh_from_db()
    assert w.first.body == "How do you share it?"
    with pytest.raises(PermissionDenied, match="You can only edit your own posts"):
        forum.edit_post(w.first, w.facilitator, "Vandalised")


def test_deleting_your_post_is_soft(client, forum_world):
    w = forum_world
    reply = reply_as(w, w.member, "Regret this reply")
    client.force_login(w.member)

    confirm = client.get(post_url(reply, "delete"))
    response = client.post(post_url(reply, "delete"), follow=True)

    assert confirm.status_code == 200
    reply.refresh_from_db()
    assert reply.deleted is not None
    assert reply.body == "Regret this reply"  # kept, not destroyed
    assert "Your post has been deleted." in text(response)
    assert "Regret this reply" not in text(response)

    client.force_login(w.author)
    assert "Regret this reply" not in text(client.get(w.thread.get_url()))

    client.force_login(w.facilitator)
    page = text(client.get(w.thread.get_url()))
    assert f'id="post-{reply.pk}"' in page
    assert "This post was deleted by its author." in page
    assert "Regret this reply" in text(client.get(post_url(reply, "history")))


def test_a_post_can_be_deleted_only_once_and_only_by_its_author(client, forum_world):
    w = forum_world
    reply = reply_as(w, w.member, "Mine")

    client.force_login(w.author)
    assert client.post(post_url(reply, "delete")).status_code == 404
    with pytest.raises(PermissionDenied, match="You can only delete your own posts"):
        forum.delete_post(reply, w.facilitator)

    forum.delete_post(reply, w.member)
    client.force_login(w.member)
    assert client.post(post_url(reply, "delete")).status_code == 404


def test_deleting_the_answer_unmarks_it(forum_world):
    w = forum_world
    reply = reply_as(w, w.member, "The answer")
    forum.mark_answer(reply, w.author)

    forum.delete_post(reply, w.member)

    w.thread.refresh_from_db()
    assert w.thread.answer is None


# --- Mentions ------------------------------------------------------------------------------------


def test_mentions_are_recorded_once_each_for_real_other_people(client, forum_world):
    w = forum_world
    client.force_login(w.author)

    client.post(
        at(w.community, f"threads/{w.thread.pk}/reply/"),
        {"body": "Thanks @ft_bethan, and @ft_bethan again. Me: @ft_aled. Ghost: @nobody_here."},
    )

    reply = Post.objects.get(thread=w.thread, author=w.author, quoting=None, body__contains="@")
    assert list(Mention.objects.filter(post=reply).values_list("user__username", flat=True)) == [
        "ft_bethan"
    ]


def test_an_email_address_is_not_a_mention(forum_world):
    w = forum_world
    reply = reply_as(w, w.author, "Write to office@ft_bethan or ft_bethan@example.org")

    assert not Mention.objects.filter(post=reply).exists()


def test_editing_to_add_a_mention_records_only_the_new_one(client, forum_world):
    w = forum_world
    reply = reply_as(w, w.author, "Over to @ft_bethan")
    client.force_login(w.author)

    client.post(post_url(reply, "edit"), {"body": "Over to @ft_bethan and @ft_ceri."})

    assert sorted(Mention.objects.filter(post=reply).values_list("user__username", flat=True)) == [
        "ft_bethan",
        "ft_ceri",
    ]


# --- Helpful and answers --------------------------------------------------------------------------


def test_helpful_toggles_and_counts(client, forum_world):
    w = forum_world
    client.force_login(w.member)

    marked = client.post(post_url(w.first, "helpful"), follow=True)
    w.first.refresh_from_db()
    assert w.first.helpful_count == 1
    assert HelpfulMark.objects.filter(post=w.first, user=w.member).exists()
    assert "Marked as helpful." in text(marked)
    assert "1 found this helpful" in text(marked)
    assert "Unmark helpful" in text(marked)

    client.force_login(w.facilitator)
    client.post(post_url(w.first, "helpful"))
    w.first.refresh_from_db()
    assert w.first.helpful_count == 2

    client.force_login(w.member)
    unmarked = client.post(post_url(w.first, "helpful"), follow=True)
    w.first.refresh_from_db()
    assert w.first.helpful_count == 1
    assert "No longer marked as helpful." in text(unmarked)


def test_you_cannot_mark_your_own_post_helpful_nor_mark_it_by_get(client, forum_world):
    w = forum_world
    client.force_login(w.author)

    response = client.post(post_url(w.first, "helpful"), follow=True)
    by_get = client.get(post_url(w.first, "helpful"))

    assert "You cannot mark your own post as helpful." in text(response)
    assert by_get.status_code == 405
    w.first.refresh_from_db()
    assert w.first.helpful_count == 0
    client.force_login(w.outsider)
    assert "Join this community to mark posts as helpful." in text(
        client.post(post_url(w.first, "helpful"), follow=True)
    )


def test_the_thread_author_marks_and_unmarks_the_answer(client, forum_world):
    w = forum_world
    reply = reply_as(w, w.member, "Use the regional data hub.")
    client.force_login(w.author)

    response = client.post(post_url(reply, "answer"), follow=True)

    w.thread.refresh_from_db()
    assert w.thread.answer == reply
    assert "Marked as the answer." in text(response)
    assert "Jump to the answer" in text(response)
    assert not ModerationAction.objects.filter(action=Action.MARK_ANSWER).exists()

    again = client.post(post_url(reply, "answer"), follow=True)
    w.thread.refresh_from_db()
    assert w.thread.answer is None
    assert "Answer unmarked." in text(again)


def test_a_facilitator_marks_the_answer_and_it_is_logged(client, forum_world):
    w = forum_world
    reply = reply_as(w, w.member, "Use the regional data hub.")
    client.force_login(w.facilitator)

    client.post(post_url(reply, "answer"))

    w.thread.refresh_from_db()
    assert w.thread.answer == reply
    entry = ModerationAction.objects.get(action=Action.MARK_ANSWER)
    assert (entry.actor, entry.post, entry.thread) == (w.facilitator, reply, w.thread)


def test_another_member_cannot_mark_the_answer(client, forum_world):
    w = forum_world
    reply = reply_as(w, w.facilitator, "Use the regional data hub.")
    client.force_login(w.member)

    response = client.post(post_url(reply, "answer"), follow=True)

    assert "Only the person who started the thread or a facilitator can." in text(response)
    w.thread.refresh_from_db()
    assert w.thread.answer is None
    assert "Mark as answer" not in text(client.get(w.thread.get_url()))


# --- Flags and hiding posts -----------------------------------------------------------------------


def test_a_flag_with_a_reason_reaches_the_moderation_queue(client, forum_world):
    w = forum_world
    reply = reply_as(w, w.author, "Buy cheap widgets now")
    client.force_login(w.member)

    form = client.get(post_url(reply, "flag"))
    response = client.post(
        post_url(reply, "flag"), {"reason": "spam", "detail": "Advert"}, follow=True
    )

    assert form.status_code == 200
    assert "The facilitators have been asked to look at this post." in text(response)
    flag = Flag.objects.get(post=reply)
    assert (flag.flagged_by, flag.reason, flag.outcome) == (w.member, "spam", "open")

    client.force_login(w.facilitator)
    queue = text(client.get(at(w.community, "moderation/")))
    assert "Buy cheap widgets now" in queue
    assert "Spam or advertising, from ft_bethan: “Advert”" in queue
    assert post_url(reply, "moderate") in queue
    assert "Moderation queue (1 flagged)" in text(client.get(w.community.url))

    client.force_login(w.member)
    assert client.get(at(w.community, "moderation/")).status_code == 404


def test_flagging_twice_keeps_one_open_flag(forum_world):
    w = forum_world

    forum.flag_post(w.first, w.member, "spam")
    forum.flag_post(w.first, w.member, "abuse")

    assert Flag.objects.filter(post=w.first, outcome="open").count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"detail": "Just because"}, "Choose why you are flagging this post."),
        ({"reason": "", "detail": ""}, "Choose why you are flagging this post."),
        ({"reason": "boring"}, "Select a valid choice. boring is not one of the available"),
    ],
    ids=["no-reason", "empty-reason", "unknown-reason"],
)
def test_a_flag_without_a_valid_reason_is_refused_clearly(client, forum_world, data, message):
    w = forum_world
    client.force_login(w.member)

    response = client.post(post_url(w.first, "flag"), data)

    assert response.status_code == 400
    assert "There is a problem" in text(response) and message in text(response)
    assert not Flag.objects.exists()
    with pytest.raises(ValidationError, match="Choose a reason"):
        forum.flag_post(w.first, w.member, "boring")


def test_a_facilitator_hides_a_flagged_post_with_a_reason(client, forum_world):
    w = forum_world
    reply = reply_as(w, w.author, "Something personal about a client")
    flag = forum.flag_post(reply, w.member, "personal")
    client.force_login(w.facilitator)

    form = client.get(post_url(reply, "moderate"))
    response = client.post(
        post_url(reply, "moderate"), {"action": "hide", "reason": "Names a client"}
    )

    assert form.status_code == 200 and "Shares personal" in text(form)
    assert response.status_code == 302
    reply.refresh_from_db()
    flag.refresh_from_db()
    assert reply.hidden
    assert (flag.outcome, flag.decided_by) == (Flag.Outcome.HIDDEN, w.facilitator)
    entry = ModerationAction.objects.get(action=Action.HIDE_POST)
    assert (entry.actor, entry.post, entry.reason) == (w.facilitator, reply, "Names a client")

    queue = text(client.get(at(w.community, "moderation/")))
    assert "No posts are waiting." in queue and "Names a client" in queue
    page = text(client.get(w.thread.get_url()))
    assert "This post was hidden by a facilitator." in page
    assert "Something personal about a client" in page  # facilitators still read it

    client.force_login(w.member)
    assert "Something personal about a client" not in text(client.get(w.thread.get_url()))


def test_hiding_a_post_without_a_reason_is_refused(client, forum_world):
    w = forum_world
    reply = reply_as(w, w.author, "Borderline")
    forum.flag_post(reply, w.member, "abuse")
    client.force_login(w.facilitator)

    response = client.post(post_url(reply, "moderate"), {"action": "hide", "reason": "  "})

    assert response.status_code == 400
    assert "Say why the post is being hidden; it goes in the log." in text(response)
    reply.refresh_from_db()
    assert not reply.hidden
    assert Flag.objects.get(post=reply).outcome == Flag.Outcome.OPEN
    assert not ModerationAction.objects.exists()


def test_showing_a_post_and_dismissing_flags_are_logged(client, forum_world):
    w = forum_world
    reply = reply_as(w, w.author, "Fine really")
    forum.moderate_post(reply, w.facilitator, True, "Checking")
    forum.flag_post(w.first, w.member, "other")
    client.force_login(w.facilitator)

    client.post(post_url(reply, "moderate"), {"action": "show"})
    client.post(post_url(w.first, "moderate"), {"action": "dismiss", "reason": "Not a problem"})
    nothing = client.post(post_url(w.first, "moderate"), {"action": "explode"})

    reply.refresh_from_db()
    assert not reply.hidden
    assert Flag.objects.get(post=w.first).outcome == Flag.Outcome.DISMISSED
    assert set(ModerationAction.objects.values_list("action", flat=True)) == {
        Action.HIDE_POST,
        Action.SHOW_POST,
        Action.DISMISS_FLAG,
    }
    assert nothing.status_code == 400 and "Choose an action." in text(nothing)


def test_members_cannot_reach_post_moderation(client, forum_world):
    w = forum_world
    client.force_login(w.author)

    assert client.get(post_url(w.first, "moderate")).status_code == 404
    assert (
        client.post(post_url(w.first, "moderate"), {"action": "hide", "reason": "x"}).status_code
        == 404
    )
    w.first.refresh_from_db()
    assert not w.first.hidden


# --- Moderating threads ---------------------------------------------------------------------------


def test_pin_lock_hide_and_show_are_each_logged(client, forum_world):
    w = forum_world
    url = at(w.community, f"threads/{w.thread.pk}/moderate/")
    client.force_login(w.facilitator)
    assert client.get(url).status_code == 200

    steps = [
        ("pin", "pinned", True, Action.PIN),
        ("lock", "locked", True, Action.LOCK),
        ("hide", "hidden", True, Action.HIDE_THREAD),
        ("show", "hidden", False, Action.SHOW_THREAD),
        ("unlock", "locked", False, Action.UNLOCK),
        ("unpin", "pinned", False, Action.UNPIN),
    ]
    for action, field, value, logged in steps:
        response = client.post(url, {"action": action, "reason": f"Because {action}"})
        assert response.status_code == 302, action
        w.thread.refresh_from_db()
        assert getattr(w.thread, field) is value, action
        entry = ModerationAction.objects.get(action=logged)
        assert (entry.actor, entry.thread, entry.reason) == (
            w.facilitator,
            w.thread,
            f"Because {action}",
        )

    log = text(client.get(at(w.community, "moderation/")))
    for label in ("Pinned thread", "Locked thread", "Hid thread", "Showed thread"):
        assert label in log


def test_a_hidden_thread_is_gone_for_members_but_not_for_facilitators(client, forum_world):
    w = forum_world
    forum.moderate_thread(w.thread, w.facilitator, "hide", "Off topic")

    client.force_login(w.member)
    assert client.get(w.thread.get_url()).status_code == 404
    assert "Sharing discharge data" not in text(client.get(w.community.url))
    client.force_login(w.facilitator)
    assert "Hidden from members" in text(client.get(w.thread.get_url()))


def test_hiding_a_thread_needs_a_reason(client, forum_world):
    w = forum_world
    client.force_login(w.facilitator)

    response = client.post(
        at(w.community, f"threads/{w.thread.pk}/moderate/"), {"action": "hide", "reason": ""}
    )
    unknown = client.post(at(w.community, f"threads/{w.thread.pk}/moderate/"), {"action": "delete"})

    assert response.status_code == 400
    assert "Say why the thread is being hidden; it goes in the log." in text(response)
    assert unknown.status_code == 400 and "Unknown action." in text(unknown)
    w.thread.refresh_from_db()
    assert not w.thread.hidden
    assert not ModerationAction.objects.exists()


def test_members_cannot_moderate_threads(client, forum_world):
    w = forum_world
    url = at(w.community, f"threads/{w.thread.pk}/moderate/")
    client.force_login(w.author)

    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "pin"}).status_code == 404
    with pytest.raises(PermissionDenied, match="Only this community's facilitators can do that"):
        forum.moderate_thread(w.thread, w.author, "pin")
    w.thread.refresh_from_db()
    assert not w.thread.pinned


def test_a_locked_thread_refuses_replies_from_members_but_not_facilitators(client, forum_world):
    w = forum_world
    forum.moderate_thread(w.thread, w.facilitator, "lock", "Settled")
    reply_url = at(w.community, f"threads/{w.thread.pk}/reply/")

    client.force_login(w.member)
    page = text(client.get(w.thread.get_url()))
    refused = client.post(reply_url, {"body": "One more thing"})

    assert "This thread is locked, so no new replies can be added." in page
    assert refused.status_code == 400
    assert "This thread is locked, so no new replies can be added." in text(refused)
    assert not Post.objects.filter(body="One more thing").exists()

    client.force_login(w.facilitator)
    allowed = client.post(reply_url, {"body": "Closing note"})
    assert allowed.status_code == 302
    assert Post.objects.filter(body="Closing note", author=w.facilitator).exists()


def test_a_locked_thread_refuses_edits_from_members(forum_world):
    w = forum_world
    forum.moderate_thread(w.thread, w.facilitator, "lock", "Settled")

    with pytest.raises(PermissionDenied, match="locked, so its posts cannot be edited"):
        forum.edit_post(Post.objects.get(pk=w.first.pk), w.author, "Changed")


def test_a_facilitator_of_both_communities_moves_a_thread(client, forum_world, make_community):
    w = forum_world
    target = make_community("forum-tests-target")
    join(w.facilitator, target, role="facilitator")
    reply = reply_as(w, w.member, "Moving with it")
    client.force_login(w.facilitator)

    response = client.post(
        at(w.community, f"threads/{w.thread.pk}/moderate/"),
        {"action": "move", "target": target.pk, "reason": "Better fit"},
    )

    w.thread.refresh_from_db()
    assert w.thread.community_id == target.pk
    assert response.status_code == 302
    assert response["Location"] == w.thread.get_url()
    assert w.thread.get_url().startswith(target.url)
    entries = ModerationAction.objects.filter(action=Action.MOVE_THREAD)
    assert sorted(e.community_id for e in entries) == sorted([w.community.pk, target.pk])
    for entry in entries:
        assert entry.actor == w.facilitator
        assert entry.reason == f"From {w.community.title} to {target.title}. Better fit"
    moved = client.get(w.thread.get_url())
    assert moved.status_code == 200 and "Moving with it" in text(moved)
    assert Post.objects.get(pk=reply.pk).thread_id == w.thread.pk
    old = at(w.community, f"threads/{w.thread.pk}/{w.thread.slug}/")
    assert client.get(old).status_code == 404


def test_moving_needs_facilitator_rights_in_both_communities(client, forum_world, make_community):
    w = forum_world
    target = make_community("forum-tests-elsewhere")
    join(w.member, target, role="facilitator")  # facilitates the target only
    third = make_community("forum-tests-third")  # so that the move form has some choice
    join(w.facilitator, third, role="facilitator")
    client.force_login(w.facilitator)  # facilitates the source (and third), not the target

    response = client.post(
        at(w.community, f"threads/{w.thread.pk}/moderate/"),
        {"action": "move", "target": target.pk, "reason": "Mine now"},
    )

    assert response.status_code == 400
    assert "Select a valid choice" in text(response)
    w.thread.refresh_from_db()
    assert w.thread.community_id == w.community.pk
    for user in (w.facilitator, w.member):
        with pytest.raises(PermissionDenied):
            forum.move_thread(w.thread, user, target)
    client.force_login(w.member)
    assert client.get(at(w.community, f"threads/{w.thread.pk}/moderate/")).status_code == 404
    with pytest.raises(ValidationError, match="already in that community"):
        forum.move_thread(w.thread, w.facilitator, w.community)
    assert not ModerationAction.objects.exists()


# --- Bad input never causes a 500 ----------------------------------------------------------------

LONG_BODY = "a" * 20_001

BAD_THREADS = [
    pytest.param({"title": "Fine", "body": ""}, "Write something in your post.", id="empty"),
    pytest.param({"title": "Fine", "body": " \n\t "}, "Write something in your post.", id="blank"),
    pytest.param({"title": "   ", "body": "Fine"}, "Give your thread a title.", id="space-title"),
    pytest.param({"body": "Fine"}, "Give your thread a title.", id="no-title"),
    pytest.param(
        {"title": "t" * 201, "body": "Fine"},
        "Titles can be at most 200 characters.",
        id="201-char-title",
    ),
    pytest.param(
        {"title": "Fine", "body": "<script>alert(1)</script>"},
        "Your post has no readable text once formatting is removed.",
        id="only-script",
    ),
    pytest.param(
        {"title": "Fine", "body": "<div><img src=x onerror=alert(1)></div>"},
        "Your post has no readable text once formatting is removed.",
        id="only-markup",
    ),
    pytest.param(
        {"title": "Fine", "body": LONG_BODY},
        "Posts can be at most 20,000 characters.",
        id="20001-char-body",
    ),
    pytest.param(
        {"title": "Fine", "body": "Nul \x00 byte"},
        "Null characters are not allowed.",
        id="nul-byte",
    ),
    pytest.param(
        {"title": "Fine", "body": "Fine", "tags": ",".join(f"t{i}" for i in range(9))},
        "Use at most 8 tags.",
        id="nine-tags",
    ),
    pytest.param(
        {"title": "Fine", "body": "Fine", "theme": "not-a-theme"},
        "Select a valid choice.",
        id="bad-theme",
    ),
]


@pytest.mark.parametrize(("data", "message"), BAD_THREADS)
def test_a_bad_new_thread_is_refused_with_a_clear_message(client, forum_world, data, message):
    w = forum_world
    client.force_login(w.author)
    before = Thread.objects.count()

    response = client.post(at(w.community, "threads/new/"), data)

    assert response.status_code == 400
    assert "There is a problem" in text(response)
    assert message in text(response)
    assert Thread.objects.count() == before


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "Write your reply."),
        ("<script>alert(1)</script>", "no readable text"),
        (LONG_BODY, "Posts can be at most 20,000 characters."),
    ],
)
def test_a_bad_reply_or_edit_is_refused_with_a_clear_message(client, forum_world, body, message):
    w = forum_world
    client.force_login(w.author)

    reply = client.post(at(w.community, f"threads/{w.thread.pk}/reply/"), {"body": body})
    edit = client.post(post_url(w.first, "edit"), {"body": body})

    assert reply.status_code == 400 and message in text(reply)
    assert edit.status_code == 400
    assert Post.objects.filter(thread=w.thread).count() == 1
    w.first.refresh_from_db()
    assert w.first.body == "How do you share it?"


@pytest.mark.parametrize("quoting", ["abc", "1.5", "-5", "99999999999999999999999"])
def test_a_bad_quoting_value_never_fails_the_reply(client, forum_world, quoting):
    w = forum_world
    client.force_login(w.member)

    response = client.post(
        at(w.community, f"threads/{w.thread.pk}/reply/"),
        {"body": "Quoting oddly", "quoting": quoting},
    )

    if response.status_code == 400:
        assert "Enter a whole number." in text(response)
    else:
        assert response.status_code == 302
        assert Post.objects.get(body="Quoting oddly").quoting is None


@pytest.mark.parametrize("page", ["abc", "-1", "0", "99999999999999999999"])
def test_a_bad_page_number_shows_a_page(client, forum_world, page):
    w = forum_world

    assert client.get(f"{w.thread.get_url()}?page={page}").status_code == 200
    assert client.get(f"{w.community.url}?page={page}").status_code == 200


def test_a_script_inside_text_is_stored_but_never_rendered(client, forum_world):
    w = forum_world
    body = (
        "Hello <script>alert(1)</script> there "
        '<img src=x onerror="alert(2)"> [click](javascript:alert(3))'
    )
    client.force_login(w.author)

    response = client.post(
        at(w.community, "threads/new/"), {"title": "<script>alert(4)</script>", "body": body}
    )

    thread = Thread.objects.get(title="<script>alert(4)</script>")
    assert response.status_code == 302
    assert opening(thread).body == body  # stored as written; rendering makes it safe
    raw = client.get(thread.get_url()).content.decode()
    assert "<script>" not in raw
    assert "onerror" not in raw and "javascript:" not in raw
    assert "alert(1)" not in raw
    assert "Hello" in raw and "there" in raw
    assert "&lt;script&gt;alert(4)&lt;/script&gt;" in raw  # the title is escaped


@pytest.mark.parametrize(
    "path",
    [
        "threads/abc/sharing-discharge-data/",
        "threads/abc/",
        "threads/abc/reply/",
        "threads/abc/moderate/",
        "threads/1e3/",
        "threads/99999999999999999999999/x/",
        "threads/0/x/",
        "posts/abc/edit/",
        "posts/99999999999999999999999/history/",
        "threads/new/extra/",
    ],
)
def test_malformed_forum_urls_are_404(client, forum_world, path):
    client.force_login(forum_world.facilitator)

    assert client.get(at(forum_world.community, path)).status_code == 404
    assert client.post(at(forum_world.community, path), {"body": "x"}).status_code == 404


@pytest.mark.parametrize("action", ["destroy", "EDIT", "helpful.json", "moderation"])
def test_an_unknown_post_action_is_404(client, forum_world, action):
    client.force_login(forum_world.author)

    assert client.post(post_url(forum_world.first, action)).status_code == 404


def test_a_thread_of_another_community_is_404_under_this_one(client, forum_world, make_community):
    other = make_community("forum-tests-other")
    client.force_login(forum_world.facilitator)

    wrong = at(other, f"threads/{forum_world.thread.pk}/{forum_world.thread.slug}/")
    assert client.get(wrong).status_code == 404
    assert client.get(at(other, f"posts/{forum_world.first.pk}/history/")).status_code == 404


def test_a_wrong_slug_redirects_to_the_thread(client, forum_world):
    w = forum_world

    response = client.get(at(w.community, f"threads/{w.thread.pk}/old-title/"))
    short = client.get(at(w.community, f"threads/{w.thread.pk}/"))

    assert response.status_code == 301 and response["Location"] == w.thread.get_url()
    assert short.status_code == 301 and short["Location"] == w.thread.get_url()


# --- Limits for new accounts ---------------------------------------------------------------------


@pytest.fixture
def newcomer(forum_world, make_user):
    user = make_user("ft_newbie", old=False)
    join(user, forum_world.community)
    return user


def test_a_new_account_can_start_only_so_many_threads_an_hour(client, forum_world, newcomer):
    w = forum_world
    client.force_login(newcomer)
    allowed = LIMITS["threads_per_hour"]

    statuses = [
        client.post(
            at(w.community, "threads/new/"), {"title": f"Question {n}", "body": "Hello"}
        ).status_code
        for n in range(allowed)
    ]
    refused = client.post(at(w.community, "threads/new/"), {"title": "One more", "body": "Hi"})

    assert statuses == [302] * allowed
    assert refused.status_code == 400
    assert f"New accounts can start {allowed} threads an hour, and you have reached that." in text(
        refused
    )
    assert Thread.objects.filter(author=newcomer).count() == allowed


def test_a_new_account_cannot_post_many_links(client, forum_world, newcomer):
    w = forum_world
    client.force_login(newcomer)
    links = "See https://a.example, http://b.example and www.c.example"

    reply = client.post(at(w.community, f"threads/{w.thread.pk}/reply/"), {"body": links})
    thread = client.post(at(w.community, "threads/new/"), {"title": "Links", "body": links})
    two = client.post(
        at(w.community, f"threads/{w.thread.pk}/reply/"),
        {"body": "See https://a.example and https://b.example"},
    )

    message = f"New accounts can include at most {LIMITS['links_per_post']} links in a post"
    for response in (reply, thread):
        assert response.status_code == 400
        assert message in text(response) and "(this one has 3)" in text(response)
    assert two.status_code == 302
    assert not Post.objects.filter(body=links).exists()


def test_a_new_account_cannot_add_many_links_by_editing(client, forum_world, newcomer):
    w = forum_world
    reply = reply_as(w, newcomer, "Harmless at first")
    client.force_login(newcomer)

    response = client.post(
        post_url(reply, "edit"),
        {"body": "Now see https://a.example, https://b.example and https://c.example"},
    )

    reply.refresh_from_db()
    assert reply.body == "Harmless at first"
    assert response.status_code == 400
    assert "New accounts can include at most" in text(response)


def test_a_new_account_can_reply_only_so_many_times_an_hour(forum_world, newcomer):
    w = forum_world
    for n in range(LIMITS["posts_per_hour"]):
        reply_as(w, newcomer, f"Reply {n}")

    with pytest.raises(forum.RateLimited, match="New accounts can start 10 posts an hour"):
        reply_as(w, newcomer, "Too many")


def test_an_established_account_is_not_limited(client, forum_world):
    w = forum_world
    client.force_login(w.member)
    links = "See https://a.example, http://b.example and www.c.example"

    statuses = [
        client.post(
            at(w.community, "threads/new/"), {"title": f"Question {n}", "body": links}
        ).status_code
        for n in range(LIMITS["threads_per_hour"] + 2)
    ]

    assert statuses == [302] * (LIMITS["threads_per_hour"] + 2)


def test_a_new_curator_is_not_limited(forum_world, make_user):
    curator = make_user("ft_new_curator", old=False, curator=True)

    for n in range(LIMITS["threads_per_hour"] + 1):
        forum.start_thread(forum_world.community, curator, title=f"Notice {n}", body="Hello")

    assert Thread.objects.filter(author=curator).count() == LIMITS["threads_per_hour"] + 1


# --- Feeds ----------------------------------------------------------------------------------------


def test_the_rss_feed_lists_the_communitys_threads(client, forum_world):
    w = forum_world
    hidden = thread_in(w.community, w.author, "Secret hidden thread", "No")
    forum.moderate_thread(hidden, w.facilitator, "hide", "Spam")

    response = client.get(at(w.community, "feed/rss/"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    channel = ElementTree.fromstring(response.content).find("channel")
    assert channel.findtext("title") == f"{w.community.title}: new threads"
    items = channel.findall("item")
    titles = [item.findtext("title") for item in items]
    assert "Sharing discharge data" in titles
    assert "Secret hidden thread" not in titles
    item = items[titles.index("Sharing discharge data")]
    assert item.findtext("link").endswith(w.thread.get_url())
    assert item.findtext("link").startswith("http")
    assert "How do you share it?" in item.findtext("description")


def test_the_atom_feed_lists_the_communitys_threads(client, forum_world):
    w = forum_world
    ns = {"atom": "http://www.w3.org/2005/Atom"}

    response = client.get(at(w.community, "feed/atom/"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ElementTree.fromstring(response.content)
    assert feed.tag == "{http://www.w3.org/2005/Atom}feed"
    entries = feed.findall("atom:entry", ns)
    titles = [entry.findtext("atom:title", namespaces=ns) for entry in entries]
    assert "Sharing discharge data" in titles
    entry = entries[titles.index("Sharing discharge data")]
    assert entry.find("atom:link", ns).get("href").endswith(w.thread.get_url())
    assert entry.findtext("atom:author/atom:name", namespaces=ns) == "ft_aled"


@pytest.mark.parametrize(
    ("title", "body"),
    [("Bell\x07 in the title", "A plain body"), ("A plain title", "Bell \x01 in the body")],
    ids=["title", "body"],
)
def test_control_characters_never_break_the_feeds(client, forum_world, title, body):
    w = forum_world
    client.force_login(w.author)
    client.post(at(w.community, "threads/new/"), {"title": title, "body": body})
    client.logout()
    client.raise_request_exception = False

    for path in ("feed/rss/", "feed/atom/"):
        response = client.get(at(w.community, path))
        assert response.status_code == 200, path
        ElementTree.fromstring(response.content)


@pytest.mark.parametrize("visibility", ["members", "private"])
def test_communities_that_are_not_public_have_no_feed(client, make_community, visibility):
    community = make_community(f"forum-tests-{visibility}", visibility=visibility)

    assert client.get(at(community, "feed/rss/")).status_code == 404
    assert client.get(at(community, "feed/atom/")).status_code == 404
