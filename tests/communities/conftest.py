"""Fixtures for community tests: communities of each visibility and people of each standing."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone

from communities.models import CommunityIndexPage, CommunityPage, Membership, Post, Thread


@pytest.fixture
def make_community(db) -> Callable[..., CommunityPage]:
    index = CommunityIndexPage.objects.first()

    def make(
        slug: str, visibility: str = "public", join_policy: str = "open", **fields
    ) -> CommunityPage:
        page = CommunityPage(
            title=fields.pop("title", slug.replace("-", " ").title()),
            slug=slug,
            visibility=visibility,
            join_policy=join_policy,
            summary=fields.pop("summary", f"A {visibility} community for tests."),
            **fields,
        )
        index.add_child(instance=page)
        page.save_revision().publish()
        page.refresh_from_db()
        return page

    return make


@pytest.fixture
def make_user(db) -> Callable[..., User]:
    def make(username: str, *, old: bool = True, curator: bool = False, **fields) -> User:
        user = User.objects.create_user(
            username=username, email=f"{username}@example.org", password="pw-for-tests", **fields
        )
        if old:  # established accounts are not rate-limited as new ones are
            user.date_joined = timezone.now() - timezone.timedelta(days=60)
            user.save(update_fields=["date_joined"])
        if curator:
            user.groups.add(Group.objects.get(name="Curators"))
        return user

    return make


def join(user: User, community: CommunityPage, role: str = "member", status: str = "active"):
    return Membership.objects.create(community=community, user=user, role=role, status=status)


def thread_in(
    community: CommunityPage, author: User, title: str = "A question", body: str = "Body"
):
    thread = Thread.objects.create(community=community, title=title, author=author)
    Post.objects.create(thread=thread, author=author, body=body)
    return thread
