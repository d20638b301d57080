"""The one permission rule for communities, and every surface that reads them.

Who may read a community's forum:
- public: anyone; members: anyone signed in; private: its active members only;
- curators (the "Curators" group) and superusers: every community;
and facilitators of a community (plus curators and superusers) also see what was hidden there.
Pages, thread lists, posts, attachments, search, feeds, the API and the sitemap all ask through
`Thread.objects.visible_to`, `Post.objects.visible_to`, `Attachment.objects.visible_to` or
`CommunityPage.objects.readable_by`, which all come down to `readable_community_q` here; search
gets the same rule as tokens (`access_tokens` / `user_tokens`). Anything a person may not read
answers 404, never 403, so that its existence does not leak.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet

CURATORS_GROUP = "Curators"


@dataclass(frozen=True)
class Standing:
    """What the rule needs to know about one person, worked out once per request."""

    signed_in: bool = False
    everywhere: bool = False  # curator or superuser: reads and moderates every community
    member_of: frozenset[int] = field(default_factory=frozenset)
    facilitates: frozenset[int] = field(default_factory=frozenset)
    requested: frozenset[int] = field(default_factory=frozenset)


_ANONYMOUS = Standing()


def standing(user: Any) -> Standing:
    """This person's standing, cached on the user object for the rest of the request."""
    if user is None or not user.is_authenticated:
        return _ANONYMOUS
    cached = getattr(user, "_community_standing", None)
    if cached is not None:
        return cached
    from communities.models import Membership

    member_of: set[int] = set()
    facilitates: set[int] = set()
    requested: set[int] = set()
    for community_id, role, status in Membership.objects.filter(user=user).values_list(
        "community_id", "role", "status"
    ):
        if status == Membership.Status.REQUESTED:
            requested.add(community_id)
            continue
        member_of.add(community_id)
        if role == Membership.Role.FACILITATOR:
            facilitates.add(community_id)
    everywhere = user.is_superuser or user.groups.filter(name=CURATORS_GROUP).exists()
    result = Standing(
        signed_in=True,
        everywhere=everywhere,
        member_of=frozenset(member_of),
        facilitates=frozenset(facilitates),
        requested=frozenset(requested),
    )
    user._community_standing = result
    return result


def forget(user: Any) -> None:
    """Drop the cached standing after a membership change in this request."""
    if user is not None and hasattr(user, "_community_standing"):
        del user._community_standing


def is_curator(user: Any) -> bool:
    return standing(user).everywhere


# --- Communities ------------------------------------------------------------------------------


def readable_community_q(user: Any, prefix: str = "") -> Q:
    """A filter on CommunityPage (or, with a prefix such as "community__", on a relation)."""
    me = standing(user)
    if me.everywhere:
        return Q()
    q = Q(**{f"{prefix}visibility": "public"})
    if me.signed_in:
        q |= Q(**{f"{prefix}visibility": "members"})
        if me.member_of:
            q |= Q(**{f"{prefix}pk__in": sorted(me.member_of)})
    return q


def can_read(user: Any, community: Any) -> bool:
    me = standing(user)
    if me.everywhere or community.visibility == "public":
        return True
    if community.visibility == "members":
        return me.signed_in
    return community.pk in me.member_of


def is_member(user: Any, community: Any) -> bool:
    return community.pk in standing(user).member_of


def can_post(user: Any, community: Any) -> bool:
    """Members post; curators and superusers may post anywhere they run."""
    me = standing(user)
    return me.signed_in and (me.everywhere or community.pk in me.member_of)


def can_moderate(user: Any, community: Any) -> bool:
    me = standing(user)
    return me.everywhere or community.pk in me.facilitates


def moderated_ids(user: Any) -> frozenset[int] | None:
    """Communities this person moderates; None means every community."""
    me = standing(user)
    return None if me.everywhere else me.facilitates


# --- Threads, posts ---------------------------------------------------------------------------


def visible_threads(queryset: QuerySet, user: Any) -> QuerySet:
    """Threads in live communities this person may read; hidden ones only to moderators."""
    from communities.models import CommunityPage

    communities = CommunityPage.objects.visible_to(user).filter(readable_community_q(user))
    queryset = queryset.filter(community__in=communities.values("pk"))
    moderates = moderated_ids(user)
    if moderates is None:
        return queryset
    return queryset.filter(Q(hidden=False) | Q(community_id__in=sorted(moderates)))


def visible_posts(queryset: QuerySet, user: Any) -> QuerySet:
    """Posts of visible threads; deleted and hidden posts only to the community's moderators."""
    from communities.models import Thread

    queryset = queryset.filter(thread__in=Thread.objects.visible_to(user).values("pk"))
    moderates = moderated_ids(user)
    if moderates is None:
        return queryset
    plain = Q(hidden=False, deleted__isnull=True)
    return queryset.filter(plain | Q(thread__community_id__in=sorted(moderates)))


# --- The same rule as search tokens -----------------------------------------------------------


def access_tokens(community: Any) -> list[str]:
    """Who may find a community's threads and posts in search (see `search.access`)."""
    from learning.models.base import access_tokens_for_path

    if not community.live:
        return []
    page_tokens = access_tokens_for_path(community.path)
    if community.visibility == "private":
        if not page_tokens:
            return []
        if page_tokens in (["public"], ["login"]):  # members are signed in, so "login" holds
            return [f"community{community.pk}", "curator", "superuser"]
        # Private and also restricted to groups: tokens cannot say "member AND in the group",
        # so only superusers (who pass both) find it. Never more than the pages show.
        return ["superuser"]
    if community.visibility == "members" and page_tokens == ["public"]:
        return ["login"]
    return page_tokens


def user_tokens(user: Any) -> set[str]:
    me = standing(user)
    tokens = {f"community{pk}" for pk in me.member_of}
    if me.everywhere:
        tokens.add("curator")
    return tokens


# --- Listing ----------------------------------------------------------------------------------


@dataclass
class CommunitySummary:
    page: Any
    members: int
    threads: int | None  # None: the person may not read it, so the count is not shown
    readable: bool
    member: bool
    requested: bool


def community_summaries(user: Any) -> list[CommunitySummary]:
    """Every live community with its member count, and thread count where it may be read.

    Private communities are listed with name and description only, so that people can find
    and ask to join them, but what is said inside is not shown.
    """
    from communities.models import CommunityPage, Thread

    me = standing(user)
    pages = list(
        CommunityPage.objects.visible_to(user)
        .annotate(members=Count("memberships", filter=Q(memberships__status="active")))
        .order_by("path")
    )
    counts = dict(
        Thread.objects.visible_to(user)
        .values("community_id")
        .annotate(n=Count("pk"))
        .values_list("community_id", "n")
    )
    out = []
    for page in pages:
        readable = can_read(user, page)
        out.append(
            CommunitySummary(
                page=page,
                members=page.members,
                threads=counts.get(page.pk, 0) if readable else None,
                readable=readable,
                member=page.pk in me.member_of,
                requested=page.pk in me.requested,
            )
        )
    return out
