"""What members and facilitators do in a forum, as functions the views (and tests) call.

Each action checks the permission rule itself, so no view can forget to: an object the person
may not read raises `Http404` (never a 403 that would admit it exists), an action they may not
take raises `PermissionDenied` with a sentence saying why. Writes that touch a thread's counters
run in one transaction with `F()` updates, so concurrent replies never lose a count.
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext

from communities import permissions
from communities.models import (
    CommunityPage,
    Flag,
    HelpfulMark,
    Mention,
    ModerationAction,
    Post,
    PostRevision,
    Thread,
)
from communities.models.forum import BODY_MAX, TITLE_MAX

_MENTION = re.compile(r"(?<![\w@.])@([A-Za-z0-9_.+-]{1,150})")
_LINK = re.compile(r"https?://|www\.", re.IGNORECASE)
# Invisible control characters (not tab or newline): pasted from other programs, they show as
# nothing, and XML (the feeds) cannot carry them at all.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class RateLimited(PermissionDenied):
    """A new account went over one of COMMUNITY_NEW_ACCOUNT_LIMITS."""


# --- Checks ------------------------------------------------------------------------------------


def readable_thread(user: Any, community: CommunityPage, thread_id: int) -> Thread:
    """The thread if this person may read it in this community, else 404."""
    thread = (
        Thread.objects.visible_to(user)
        .filter(pk=thread_id, community=community)
        .select_related("community", "author", "theme")
        .first()
    )
    if thread is None:
        raise Http404("No such thread")
    return thread


def readable_post(user: Any, community: CommunityPage, post_id: int) -> Post:
    post = (
        Post.objects.visible_to(user)
        .filter(pk=post_id, thread__community=community)
        .select_related("thread", "thread__community", "author")
        .first()
    )
    if post is None:
        raise Http404("No such post")
    return post


def _require_post_rights(user: Any, community: CommunityPage) -> None:
    if not permissions.can_post(user, community):
        raise PermissionDenied(gettext("Only members of this community can post. Join it first."))


def _is_new_account(user: Any) -> bool:
    if permissions.is_curator(user):
        return False
    age = timezone.now() - user.date_joined
    return age < timedelta(days=settings.COMMUNITY_NEW_ACCOUNT_DAYS)


def check_rate(user: Any, what: str, body: str = "") -> None:
    """Limit what a new account can do in an hour, with a message that says when to retry."""
    if not _is_new_account(user):
        return
    limits = settings.COMMUNITY_NEW_ACCOUNT_LIMITS
    links = len(_LINK.findall(body))
    if links > limits["links_per_post"]:
        raise RateLimited(
            gettext(
                "New accounts can include at most %(limit)s links in a post (this one has "
                "%(count)s). Remove some links, or try again once your account is %(days)s "
                "days old."
            )
            % {
                "limit": limits["links_per_post"],
                "count": links,
                "days": settings.COMMUNITY_NEW_ACCOUNT_DAYS,
            }
        )
    hour_ago = timezone.now() - timedelta(hours=1)
    if what == "edit":
        return  # an edit adds no post, but the link limit above still applies
    if what == "thread":
        done = Thread.objects.filter(author=user, created__gte=hour_ago).count()
        limit = limits["threads_per_hour"]
        message = gettext(
            "New accounts can start %(limit)s threads an hour, and you have reached that. "
            "Please try again later; the limit lifts as your account gets older."
        )
    else:
        done = Post.objects.filter(author=user, created__gte=hour_ago).count()
        limit = limits["posts_per_hour"]
        message = gettext(
            "New accounts can start %(limit)s posts an hour, and you have reached that. "
            "Please try again later; the limit lifts as your account gets older."
        )
    if done >= limit:
        raise RateLimited(message % {"limit": limit})


def clean_body(body: str) -> str:
    """A post's Markdown, checked: not empty, not too long, and not only markup."""
    from learning.markdown import markdown_to_text

    body = _CONTROL.sub("", (body or "").replace("\r\n", "\n")).strip()
    if not body:
        raise ValidationError(gettext("Write something in your post."), code="required")
    if len(body) > BODY_MAX:
        raise ValidationError(
            gettext("Posts can be at most %(limit)s characters; this one has %(count)s.")
            % {"limit": f"{BODY_MAX:,}", "count": f"{len(body):,}"},
            code="max_length",
        )
    if not markdown_to_text(body):
        raise ValidationError(
            gettext(
                "Your post has no readable text once formatting is removed. HTML tags and "
                "scripts are not allowed; write plain text or Markdown."
            ),
            code="empty",
        )
    return body


def clean_title(title: str) -> str:
    title = " ".join(_CONTROL.sub("", title or "").split())
    if not title:
        raise ValidationError(gettext("Give your thread a title."), code="required")
    if len(title) > TITLE_MAX:
        raise ValidationError(
            gettext("Titles can be at most %(limit_value)d characters.")
            % {"limit_value": TITLE_MAX}
        )
    return title


def record_mentions(post: Post) -> list[Any]:
    """Record every @username in a post (once each); the notifications work sends them."""
    names = {name.rstrip(".") for name in _MENTION.findall(post.body)}
    if not names:
        return []
    users = list(
        get_user_model()
        .objects.filter(username__in=names, is_active=True)
        .exclude(pk=post.author_id)
    )
    existing = set(post.mentions.values_list("user_id", flat=True))
    Mention.objects.bulk_create(
        [Mention(post=post, user=user) for user in users if user.pk not in existing]
    )
    return users


# --- Members' actions --------------------------------------------------------------------------


def already_sent(user: Any, submission_key: uuid.UUID | None) -> Post | None:
    """The post this person already made from the same form, if they are sending it again.

    A form whose answer was lost (a worker restarted, the connection dropped after the commit)
    looks like a failure to the member, who sends it again; so does a reload of the result or a
    double click. Each form carries a random key, and the post made from it keeps the key, so
    the second sending returns the first post rather than making another.
    """
    if submission_key is None or not user.is_authenticated:
        return None
    return (
        Post.objects.select_related("thread")
        .filter(author=user, submission_key=submission_key)
        .first()
    )


def _create_once(user: Any, submission_key: uuid.UUID | None, create: Any) -> Post:
    """Run `create` (which makes the post) unless the key was used already.

    Two sendings that race past `already_sent` both reach the insert, and the unique
    constraint stops the second: its transaction is rolled back whole and it returns the post
    the first one made. The post says which happened in `repeated`.
    """
    try:
        post = create()
    except IntegrityError:
        if (existing := already_sent(user, submission_key)) is None:
            raise
        existing.repeated = True
        return existing
    post.repeated = False
    return post


def start_thread(
    community: CommunityPage,
    user: Any,
    *,
    title: str,
    body: str,
    theme: Any = None,
    tags: list[str] | None = None,
    uploads: list | None = None,
    submission_key: uuid.UUID | None = None,
) -> Thread:
    """Open a thread with its first post (and any attachments, already checked).

    Sent again with the same `submission_key`, it returns the thread the first sending opened,
    with `repeated` set (False on a thread opened now).
    """
    _require_post_rights(user, community)
    if (existing := already_sent(user, submission_key)) is not None:
        existing.thread.repeated = True
        return existing.thread
    check_rate(user, "thread", body)
    title, body = clean_title(title), clean_body(body)
    post = _create_once(
        user,
        submission_key,
        lambda: _open_thread(community, user, title, body, theme, tags, uploads, submission_key),
    )
    post.thread.repeated = post.repeated
    return post.thread


def _open_thread(
    community: CommunityPage,
    user: Any,
    title: str,
    body: str,
    theme: Any,
    tags: list[str] | None,
    uploads: list | None,
    submission_key: uuid.UUID | None,
) -> Post:
    from communities.attachments import attach

    with transaction.atomic():
        now = timezone.now()
        thread = Thread(
            community=community,
            title=title,
            author=user,
            theme=theme,
            created=now,
            last_activity=now,
        )
        if tags:
            thread.tags.set(tags)
        thread.save()
        post = Post.objects.create(
            thread=thread, author=user, body=body, created=now, submission_key=submission_key
        )
        if uploads:
            attach(post, uploads, user)
        record_mentions(post)
    return post


def reply(
    thread: Thread,
    user: Any,
    *,
    body: str,
    quoting: Post | None = None,
    uploads: list | None = None,
    submission_key: uuid.UUID | None = None,
) -> Post:
    """Add a reply; the thread's count and activity time move in the same transaction.

    Sent again with the same `submission_key`, it returns the post the first sending made,
    with `repeated` set (False on a post made now).
    """
    community = thread.community
    _require_post_rights(user, community)
    if (existing := already_sent(user, submission_key)) is not None:
        existing.repeated = True
        return existing
    if thread.locked and not permissions.can_moderate(user, community):
        raise PermissionDenied(gettext("This thread is locked, so no new replies can be added."))
    check_rate(user, "post", body)
    body = clean_body(body)
    if quoting is not None and quoting.thread_id != thread.pk:
        quoting = None
    return _create_once(
        user,
        submission_key,
        lambda: _add_reply(thread, user, body, quoting, uploads, submission_key),
    )


def _add_reply(
    thread: Thread,
    user: Any,
    body: str,
    quoting: Post | None,
    uploads: list | None,
    submission_key: uuid.UUID | None,
) -> Post:
    from communities.attachments import attach

    with transaction.atomic():
        now = timezone.now()
        post = Post.objects.create(
            thread=thread,
            author=user,
            body=body,
            quoting=quoting,
            created=now,
            submission_key=submission_key,
        )
        Thread.objects.filter(pk=thread.pk).update(
            reply_count=F("reply_count") + 1, last_activity=now
        )
        if uploads:
            attach(post, uploads, user)
        record_mentions(post)
    return post


def can_edit(user: Any, post: Post) -> bool:
    return bool(
        user.is_authenticated
        and post.author_id == user.pk
        and post.deleted is None
        and permissions.can_post(user, post.thread.community)
    )


def edit_post(post: Post, user: Any, body: str) -> Post:
    """Change your own post; the old text is kept as a revision facilitators can read."""
    if not can_edit(user, post):
        raise PermissionDenied(gettext("You can only edit your own posts."))
    if post.thread.locked and not permissions.can_moderate(user, post.thread.community):
        raise PermissionDenied(gettext("This thread is locked, so its posts cannot be edited."))
    body = clean_body(body)
    if body == post.body:
        return post
    check_rate(user, "edit", body)
    with transaction.atomic():
        PostRevision.objects.create(post=post, body=post.body, edited_by=user)
        post.body = body
        post.edited = timezone.now()
        post.save(update_fields=["body", "edited"])
        record_mentions(post)
    return post


def delete_post(post: Post, user: Any) -> None:
    """Soft-delete your own post: it reads "deleted" and leaves search, but is kept."""
    if not (user.is_authenticated and post.author_id == user.pk and post.deleted is None):
        raise PermissionDenied(gettext("You can only delete your own posts."))
    with transaction.atomic():
        post.deleted = timezone.now()
        post.save(update_fields=["deleted"])
        Thread.objects.filter(pk=post.thread_id, answer=post).update(answer=None)


def toggle_helpful(post: Post, user: Any) -> bool:
    """Mark (or unmark) a post as helpful; returns whether it is now marked."""
    if not permissions.can_post(user, post.thread.community):
        raise PermissionDenied(gettext("Join this community to mark posts as helpful."))
    if post.author_id == user.pk:
        raise PermissionDenied(gettext("You cannot mark your own post as helpful."))
    with transaction.atomic():
        deleted, _ = HelpfulMark.objects.filter(post=post, user=user).delete()
        if deleted:
            Post.objects.filter(pk=post.pk).update(helpful_count=F("helpful_count") - 1)
            return False
        HelpfulMark.objects.create(post=post, user=user)
        Post.objects.filter(pk=post.pk).update(helpful_count=F("helpful_count") + 1)
        return True


def can_mark_answer(user: Any, thread: Thread) -> bool:
    return bool(
        user.is_authenticated
        and (
            (thread.author_id == user.pk and permissions.can_post(user, thread.community))
            or permissions.can_moderate(user, thread.community)
        )
    )


def mark_answer(post: Post, user: Any) -> bool:
    """The thread's author or a facilitator marks (or unmarks) the answer."""
    thread = post.thread
    if not can_mark_answer(user, thread):
        raise PermissionDenied(
            gettext("Only the person who started the thread or a facilitator can.")
        )
    with transaction.atomic():
        chosen = thread.answer_id != post.pk
        thread.answer = post if chosen else None
        thread.save(update_fields=["answer"])
        if permissions.can_moderate(user, thread.community) and thread.author_id != user.pk:
            log(thread.community, user, ModerationAction.Action.MARK_ANSWER, post=post)
    return chosen


def flag_post(post: Post, user: Any, reason: str, detail: str = "") -> Flag:
    """Ask the facilitators to look at a post; one open flag per person per post."""
    if not user.is_authenticated:
        raise PermissionDenied(gettext("Sign in to flag a post."))
    if reason not in Flag.Reason.values:
        raise ValidationError(gettext("Choose a reason."))
    flag, _created = Flag.objects.get_or_create(
        post=post,
        flagged_by=user,
        outcome=Flag.Outcome.OPEN,
        defaults={"reason": reason, "detail": detail[:1000]},
    )
    return flag


# --- Facilitators' actions --------------------------------------------------------------------


def log(
    community: CommunityPage,
    actor: Any,
    action: str,
    *,
    thread: Thread | None = None,
    post: Post | None = None,
    member: Any = None,
    reason: str = "",
) -> ModerationAction:
    return ModerationAction.objects.create(
        community=community,
        actor=actor,
        action=action,
        thread=thread or (post.thread if post else None),
        post=post,
        member=member,
        reason=reason[:1000],
    )


def _require_moderator(user: Any, community: CommunityPage) -> None:
    if not permissions.can_moderate(user, community):
        raise PermissionDenied(gettext("Only this community's facilitators can do that."))


THREAD_ACTIONS = {
    "pin": ("pinned", True, ModerationAction.Action.PIN),
    "unpin": ("pinned", False, ModerationAction.Action.UNPIN),
    "lock": ("locked", True, ModerationAction.Action.LOCK),
    "unlock": ("locked", False, ModerationAction.Action.UNLOCK),
    "hide": ("hidden", True, ModerationAction.Action.HIDE_THREAD),
    "show": ("hidden", False, ModerationAction.Action.SHOW_THREAD),
}


def moderate_thread(thread: Thread, user: Any, action: str, reason: str = "") -> None:
    """Pin, lock or hide a thread (or undo it), logged with the reason."""
    community = thread.community
    _require_moderator(user, community)
    if action not in THREAD_ACTIONS:
        raise ValidationError(gettext("Unknown action."))
    field, value, logged = THREAD_ACTIONS[action]
    if action == "hide" and not reason.strip():
        raise ValidationError(gettext("Say why the thread is being hidden; it goes in the log."))
    with transaction.atomic():
        setattr(thread, field, value)
        thread.save(update_fields=[field])
        log(community, user, logged, thread=thread, reason=reason)


def move_thread(thread: Thread, user: Any, target: CommunityPage, reason: str = "") -> None:
    """Move a thread to another community the facilitator also runs."""
    source = thread.community
    _require_moderator(user, source)
    _require_moderator(user, target)
    if target.pk == source.pk:
        raise ValidationError(gettext("The thread is already in that community."))
    with transaction.atomic():
        thread.community = target
        thread.save(update_fields=["community"])
        moved = gettext("From %(source)s to %(target)s.") % {
            "source": source.title,
            "target": target.title,
        }
        note = f"{moved} {reason}".strip()
        log(source, user, ModerationAction.Action.MOVE_THREAD, thread=thread, reason=note)
        log(target, user, ModerationAction.Action.MOVE_THREAD, thread=thread, reason=note)


def moderate_post(post: Post, user: Any, hide: bool, reason: str = "") -> None:
    """Hide (or show again) a post; hiding settles its open flags."""
    community = post.thread.community
    _require_moderator(user, community)
    if hide and not reason.strip():
        raise ValidationError(gettext("Say why the post is being hidden; it goes in the log."))
    with transaction.atomic():
        post.hidden = hide
        post.save(update_fields=["hidden"])
        if hide:
            post.flags.filter(outcome=Flag.Outcome.OPEN).update(
                outcome=Flag.Outcome.HIDDEN, decided_by=user, decided=timezone.now()
            )
        action = ModerationAction.Action.HIDE_POST if hide else ModerationAction.Action.SHOW_POST
        log(community, user, action, post=post, reason=reason)


def dismiss_flags(post: Post, user: Any, reason: str = "") -> int:
    community = post.thread.community
    _require_moderator(user, community)
    with transaction.atomic():
        count = post.flags.filter(outcome=Flag.Outcome.OPEN).update(
            outcome=Flag.Outcome.DISMISSED, decided_by=user, decided=timezone.now()
        )
        log(community, user, ModerationAction.Action.DISMISS_FLAG, post=post, reason=reason)
    return count
