"""In-app notifications: who is told what, and what each person is shown.

Two halves, both on the one permission rule (`communities.permissions`, and `visible_to` on
pages):

- `notify` writes a notification only for people who may see its target at that moment, never
  for the person who did the thing, and never twice about the same post (a mention in a reply
  to a thread you follow is one notification, a mention).
- `visible_notifications` checks again every time the list is read, so that someone removed
  from a private community no longer sees what was said there, nor counts it as unread.

What happens is picked up from signals (`connect`), and always after the transaction commits,
so that nothing is sent about work that was rolled back:

==========================  =========================================================
post saved (new)            reply to the thread's followers (its author automatically)
                            or, for a thread's first post, new_thread to the
                            community's followers and members, and followers of the
                            thread's theme and tags; mention to each @mentioned member
post edited                 mention to anyone newly @mentioned
thread's answer marked      answer to the thread's author and the answer's author
membership requested        join_request to the community's facilitators
ModerationAction approve /  request_decided to the person who asked
decline
knowledge page published    new_content to followers of its themes, places (and the
(first time only)           places around them) and tags
==========================  =========================================================
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q, QuerySet
from django.db.models.signals import post_save
from django.utils import timezone
from wagtail.models import Page
from wagtail.signals import page_published

from communities import permissions
from communities.models import (
    CommunityPage,
    Event,
    Follow,
    Membership,
    Mention,
    ModerationAction,
    Notification,
    Post,
    Thread,
)
from learning.models.base import VisiblePageQuerySet

Kind = Notification.Kind

# Kinds about one post: a person hears about a post once, whichever of these reached them first.
POST_KINDS = (Kind.MENTION, Kind.REPLY, Kind.NEW_THREAD)


# --- Who may see what ---------------------------------------------------------------------------


def _visible_pages(user: Any) -> VisiblePageQuerySet:
    return VisiblePageQuerySet(Page).visible_to(user)


def _moderated_communities(user: Any) -> QuerySet:
    communities = CommunityPage.objects.visible_to(user)
    moderates = permissions.moderated_ids(user)
    if moderates is None:
        return communities
    return communities.filter(pk__in=sorted(moderates))


def visibility_q(user: Any) -> Q:
    """A filter on Notification: those whose target this person may see now.

    The target is the most specific thing a notification points at: a post, else a thread,
    else a page (in a community, if it has one), else a community. Join requests need the
    person to run the community still; other community notifications (decisions on a request
    to join) need only its page, which everyone may see even when its forum is private.
    """
    posts = Post.objects.visible_to(user).values("pk")
    threads = Thread.objects.visible_to(user).values("pk")
    readable = CommunityPage.objects.readable_by(user).values("pk")
    by_post = Q(post__isnull=False, post__in=posts)
    by_thread = Q(post__isnull=True, thread__isnull=False, thread__in=threads)
    no_forum = Q(post__isnull=True, thread__isnull=True)
    by_page = (
        no_forum
        & Q(page__isnull=False, page__in=_visible_pages(user).values("pk"))
        & (Q(community__isnull=True) | Q(community__in=readable))
    )
    only_community = no_forum & Q(page__isnull=True, community__isnull=False)
    by_request = only_community & Q(
        kind=Kind.JOIN_REQUEST, community__in=_moderated_communities(user).values("pk")
    )
    by_event = only_community & Q(kind=Kind.NEW_EVENT, community__in=readable)
    by_community = only_community & ~Q(kind__in=[Kind.JOIN_REQUEST, Kind.NEW_EVENT])
    by_community &= Q(community__in=CommunityPage.objects.visible_to(user).values("pk"))
    nothing = no_forum & Q(page__isnull=True, community__isnull=True)
    return by_post | by_thread | by_page | by_request | by_event | by_community | nothing


def can_see(user: Any, kind: str, refs: dict[str, Any]) -> bool:
    """Whether this person may see a notification of this kind about these things, now."""
    post, thread = refs.get("post"), refs.get("thread")
    page, community = refs.get("page"), refs.get("community")
    if post is not None:
        return Post.objects.visible_to(user).filter(pk=post.pk).exists()
    if thread is not None:
        return Thread.objects.visible_to(user).filter(pk=thread.pk).exists()
    if page is not None:
        if not _visible_pages(user).filter(pk=page.pk).exists():
            return False
        return community is None or permissions.can_read(user, community)
    if community is None:
        return True
    if kind == Kind.JOIN_REQUEST:
        return _moderated_communities(user).filter(pk=community.pk).exists()
    if kind == Kind.NEW_EVENT:
        return CommunityPage.objects.readable_by(user).filter(pk=community.pk).exists()
    return CommunityPage.objects.visible_to(user).filter(pk=community.pk).exists()


def visible_notifications(user: Any) -> QuerySet:
    """This person's notifications that they may still see, newest first."""
    if user is None or not user.is_authenticated:
        return Notification.objects.none()
    return (
        Notification.objects.filter(recipient=user)
        .filter(visibility_q(user))
        .select_related("actor", "actor__profile", "thread", "community", "page")
        .order_by("-created", "-pk")
    )


def unread_count(user: Any) -> int:
    return visible_notifications(user).filter(read_at__isnull=True).count()


# --- Sending ----------------------------------------------------------------------------------


def _user_ids(recipients: Iterable[Any]) -> set[int]:
    ids = set()
    for recipient in recipients:
        pk = getattr(recipient, "pk", recipient)
        if pk is not None:
            ids.add(int(pk))
    return ids


def _default_url(refs: dict[str, Any]) -> str:
    for name in ("post", "thread", "page", "community"):
        target = refs.get(name)
        if target is not None:
            return target.get_url() if name != "page" else target.url
    return ""


def notify(
    kind: str,
    recipients: Iterable[Any],
    *,
    actor: Any = None,
    post: Post | None = None,
    thread: Thread | None = None,
    community: CommunityPage | None = None,
    page: Page | None = None,
    url: str = "",
    detail: str = "",
) -> list[Notification]:
    """Notify people (users or user ids) of one thing; returns the notifications written.

    Only active people who may see the target now are notified, never the actor, and for a post
    nobody twice (see POST_KINDS). The same answer or new content is not notified twice either.
    """
    if post is not None and thread is None:
        thread = post.thread
    if thread is not None and community is None:
        community = thread.community
    refs = {"post": post, "thread": thread, "community": community, "page": page}
    ids = _user_ids(recipients)
    if actor is not None:
        ids.discard(actor.pk)
    if not ids:
        return []
    already = Notification.objects.filter(recipient_id__in=ids)
    if post is not None and kind in POST_KINDS:
        already = already.filter(post=post, kind__in=POST_KINDS)
    elif kind == Kind.ANSWER:
        already = already.filter(kind=kind, post=post, thread=thread)
    elif kind in (Kind.NEW_CONTENT, Kind.NEW_EVENT) and page is not None:
        already = already.filter(kind=kind, page=page)
    elif kind == Kind.NEW_EVENT and url:
        already = already.filter(kind=kind, url=url)
    else:
        already = Notification.objects.none()
    ids -= set(already.values_list("recipient_id", flat=True))
    people = get_user_model().objects.filter(pk__in=ids, is_active=True).order_by("pk")
    url = url or _default_url(refs)
    now = timezone.now()
    made = [
        Notification(
            recipient=person,
            kind=kind,
            actor=actor,
            detail=detail,
            url=url,
            created=now,
            **refs,
        )
        for person in people
        if can_see(person, kind, refs)
    ]
    created = Notification.objects.bulk_create(made)
    from communities.digests import queue_immediate  # local: digests imports this module

    for item in created:
        queue_immediate(item)  # only for people who chose "immediately" for this kind
    return created


# --- Who follows what ------------------------------------------------------------------------


def _muted(target: str, obj: Any) -> set[int]:
    return set(Follow.objects.filter(**{target: obj}, muted=True).values_list("user_id", flat=True))


def _following(**targets: Any) -> set[int]:
    """Users explicitly following any of the given targets (name=object or name__in=ids)."""
    q = Q(pk__in=[])
    for name, value in targets.items():
        if value is not None and value != []:  # an empty target must not match every row
            q |= Q(**{name: value})
    return set(Follow.objects.filter(q, muted=False).values_list("user_id", flat=True))


def thread_followers(thread: Thread) -> set[int]:
    """Who hears of replies: its author (unless muted) and everyone following it."""
    ids = _following(thread=thread)
    if thread.author_id is not None:
        ids.add(thread.author_id)
    return ids - _muted("thread", thread)


def community_followers(community: CommunityPage) -> set[int]:
    """Who hears of new threads: its active members (unless muted) and its followers."""
    members = set(
        Membership.objects.filter(community=community, status=Membership.Status.ACTIVE).values_list(
            "user_id", flat=True
        )
    )
    return (members | _following(community=community)) - _muted("community", community)


def is_following(user: Any, target: str, obj: Any) -> bool:
    """Whether this person hears about this target, automatically or by choice."""
    if not user.is_authenticated:
        return False
    row = Follow.objects.filter(user=user, **{target: obj}).first()
    if row is not None:
        return not row.muted
    return is_automatic(user, target, obj)


def is_automatic(user: Any, target: str, obj: Any) -> bool:
    """Whether this person follows the target without asking (their thread, their community)."""
    if target == "thread":
        return obj.author_id == user.pk
    if target == "community":
        return Membership.objects.filter(
            community=obj, user=user, status=Membership.Status.ACTIVE
        ).exists()
    return False


# --- What happened -----------------------------------------------------------------------------


def post_saved(post_id: int, created: bool) -> None:
    """A post was written (or edited): mentions, then the reply or the new thread."""
    post = Post.objects.select_related("thread", "thread__community", "author").filter(pk=post_id)
    post = post.first()
    if post is None or post.deleted is not None or post.hidden:
        return
    mentions = list(Mention.objects.filter(post=post, notified__isnull=True))
    if mentions:
        notify(Kind.MENTION, [m.user_id for m in mentions], actor=post.author, post=post)
        Mention.objects.filter(pk__in=[m.pk for m in mentions]).update(notified=timezone.now())
    if not created:
        return
    thread = post.thread
    first = not Post.objects.filter(thread=thread, pk__lt=post.pk).exists()
    if not first:
        notify(Kind.REPLY, thread_followers(thread), actor=post.author, post=post)
        return
    tag_ids = list(thread.tags.values_list("pk", flat=True))
    recipients = community_followers(thread.community)
    recipients |= _following(theme_id=thread.theme_id, tag_id__in=tag_ids)
    notify(Kind.NEW_THREAD, recipients, actor=post.author, post=post, url=thread.get_url())


def answer_marked(thread_id: int, since: datetime) -> None:
    """A thread's answer was chosen: tell its author and the answer's author."""
    thread = Thread.objects.select_related("community", "answer").filter(pk=thread_id).first()
    if thread is None or thread.answer is None:
        return
    post = thread.answer
    logged = (
        ModerationAction.objects.filter(
            action=ModerationAction.Action.MARK_ANSWER, post=post, created__gte=since
        )
        .select_related("actor")
        .first()
    )
    actor = logged.actor if logged else thread.author
    notify(Kind.ANSWER, [thread.author_id, post.author_id], actor=actor, post=post)


def join_requested(membership_id: int) -> None:
    membership = (
        Membership.objects.select_related("community", "user").filter(pk=membership_id).first()
    )
    if membership is None or membership.status != Membership.Status.REQUESTED:
        return
    community = membership.community
    facilitators = community.facilitators().values_list("user_id", flat=True)
    notify(
        Kind.JOIN_REQUEST,
        facilitators,
        actor=membership.user,
        community=community,
        url=community.url + community.reverse_subpage("members"),
    )


def request_decided(action_id: int) -> None:
    action = ModerationAction.objects.select_related("community", "actor").filter(pk=action_id)
    action = action.first()
    if action is None or action.member_id is None:
        return
    notify(
        Kind.REQUEST_DECIDED,
        [action.member_id],
        actor=action.actor,
        community=action.community,
        url=action.community.url,
        detail=action.action,
    )


def _published_before(page_id: int) -> bool:
    """Whether the audit log shows an earlier publication (this one is logged by now)."""
    from wagtail.models import PageLogEntry

    return PageLogEntry.objects.filter(page_id=page_id, action="wagtail.publish").count() > 1


def content_published(page_id: int, author_id: int | None = None) -> None:
    """Knowledge published for the first time: tell followers of its themes, places and tags."""
    from learning.models import Region
    from learning.models.base import KnowledgePage

    page = KnowledgePage.objects.filter(pk=page_id).first()
    if page is None or _published_before(page_id):
        return
    theme_ids = list(page.themes.values_list("pk", flat=True))
    region_ids = Region.with_ancestors(list(page.regions.values_list("pk", flat=True)))
    tag_ids = list(page.tags.values_list("pk", flat=True))
    if not (theme_ids or region_ids or tag_ids):
        return
    recipients = _following(theme_id__in=theme_ids, region_id__in=region_ids, tag_id__in=tag_ids)
    author = get_user_model().objects.filter(pk=author_id or page.owner_id).first()
    notify(Kind.NEW_CONTENT, recipients, actor=author, page=page, url=page.url or "")


# --- Signals ----------------------------------------------------------------------------------


def _on_post_saved(sender, instance: Post, created: bool, raw: bool = False, **kwargs) -> None:
    if raw:
        return
    fields = kwargs.get("update_fields")
    if not created and fields is not None and "body" not in fields:
        return
    post_id = instance.pk
    # robust: what was saved stays saved; if this follow-up fails (database gone,
    # engine down) it is logged, not shown as an error page for something that was kept.
    transaction.on_commit(lambda: post_saved(post_id, created), robust=True)


def _on_thread_saved(sender, instance: Thread, created: bool, raw: bool = False, **kwargs):
    fields = kwargs.get("update_fields")
    if raw or created or not fields or "answer" not in fields or instance.answer_id is None:
        return
    thread_id, since = instance.pk, timezone.now()
    transaction.on_commit(lambda: answer_marked(thread_id, since), robust=True)


def _on_membership_saved(sender, instance: Membership, created: bool, raw=False, **kwargs):
    if raw or not created or instance.status != Membership.Status.REQUESTED:
        return
    membership_id = instance.pk
    transaction.on_commit(lambda: join_requested(membership_id), robust=True)


def _on_moderation_action(sender, instance: ModerationAction, created: bool, raw=False, **kw):
    decisions = (ModerationAction.Action.APPROVE, ModerationAction.Action.DECLINE)
    if raw or not created or instance.action not in decisions:
        return
    action_id = instance.pk
    transaction.on_commit(lambda: request_decided(action_id), robust=True)


def _on_page_published(sender, instance: Any, **kwargs) -> None:
    from learning.models.base import KnowledgePage

    if not isinstance(instance, KnowledgePage):
        return
    first, last = instance.first_published_at, instance.last_published_at
    if first is None or last is None or first != last:
        return  # only the first publication is news; later edits are not
    revision = kwargs.get("revision")
    page_id, author_id = instance.pk, getattr(revision, "user_id", None)
    transaction.on_commit(lambda: content_published(page_id, author_id), robust=True)


def event_created(event_id: int) -> None:
    """A new event in a community reaches its followers and members (muted ones excepted)."""
    event = Event.objects.select_related("community", "organiser").filter(pk=event_id).first()
    if event is None or event.community is None or event.cancelled:
        return  # programme-wide events are listed everywhere; nobody is singled out
    notify(
        Notification.Kind.NEW_EVENT,
        community_followers(event.community),
        actor=event.organiser,
        community=event.community,
        url=event.get_absolute_url(),
        # `detail` holds 20 characters (PostgreSQL enforces it; SQLite never did).
        detail=event.title[: Notification._meta.get_field("detail").max_length],
    )


def _on_event_saved(sender, instance: Any, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw:
        event_id = instance.pk
        transaction.on_commit(lambda: event_created(event_id), robust=True)


_RECEIVERS = (
    (post_save, _on_post_saved, Post, "notifications-post"),
    (post_save, _on_thread_saved, Thread, "notifications-thread"),
    (post_save, _on_membership_saved, Membership, "notifications-membership"),
    (post_save, _on_moderation_action, ModerationAction, "notifications-moderation"),
    (page_published, _on_page_published, None, "notifications-page-published"),
    (post_save, _on_event_saved, Event, "notifications-event"),
)
_connected = False


def connect() -> None:
    """Listen for what people do (call once, from CommunitiesConfig.ready)."""
    global _connected
    for signal, receiver, sender, uid in _RECEIVERS:
        signal.connect(receiver, sender=sender, dispatch_uid=uid, weak=False)
    _connected = True


def disconnect() -> None:
    global _connected
    for signal, _receiver, sender, uid in _RECEIVERS:
        signal.disconnect(sender=sender, dispatch_uid=uid)
    _connected = False


def is_connected() -> bool:
    return _connected
