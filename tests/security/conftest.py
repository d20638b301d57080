"""Fixtures for the security tests: the communities' people and places, plus one small world.

`world` is a public community with a facilitator, two members and an outsider, a thread with an
opening post and a reply (with an attachment), an upcoming event, a private community with its
own thread, attachment and event, and a member whose profile is hidden. Everything is made in
the test's transaction, so it is gone afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from communities.attachments import attach, check_upload
from communities.models import Attachment, CommunityPage, Event, Post, Profile, Thread
from tests.communities.conftest import join, make_community, make_user, thread_in  # noqa: F401

PDF_BYTES = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"


@dataclass
class World:
    public: CommunityPage
    gate: CommunityPage  # joined by request
    private: CommunityPage
    facilitator: User
    member: User  # wrote the thread
    other: User  # wrote the reply
    outsider: User  # signed in, in no community
    curator: User
    hidden: User  # a member whose profile nobody else may see
    thread: Thread
    opening: Post
    reply: Post
    attachment: Attachment
    event: Event
    secret_thread: Thread
    secret_post: Post
    secret_attachment: Attachment
    secret_event: Event


def _event(community: CommunityPage, organiser: User, title: str) -> Event:
    start = timezone.now() + timedelta(days=10)
    return Event.objects.create(
        community=community,
        title=title,
        start=start,
        end=start + timedelta(hours=2),
        format="online",
        joining_link="https://meet.example.org/secret-room",
        organiser=organiser,
    )


@pytest.fixture
def private_root(settings, tmp_path) -> Path:
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT


@pytest.fixture
def world(make_community, make_user, private_root) -> World:  # noqa: F811
    public = make_community("sec-public")
    gate = make_community("sec-gate", join_policy="request")
    private = make_community("sec-private", visibility="private", join_policy="invite")
    facilitator = make_user("sec_facilitator")
    member = make_user("sec_member")
    other = make_user("sec_other")
    outsider = make_user("sec_outsider")
    curator = make_user("sec_curator", curator=True)
    hidden = make_user("sec_hidden")
    for person in (facilitator, member, other, outsider, curator, hidden):
        EmailAddress.objects.create(user=person, email=person.email, verified=True, primary=True)
    join(facilitator, public, role="facilitator")
    join(facilitator, gate, role="facilitator")
    join(facilitator, private, role="facilitator")
    for person in (member, other, hidden):
        join(person, public)
    join(member, private)
    Profile.objects.filter(user=hidden).update(visibility=Profile.Visibility.HIDDEN)

    thread = thread_in(public, member, title="Pooled budgets for frail elderly care")
    opening = thread.posts.get()
    reply = Post.objects.create(thread=thread, author=other, body="We pooled ours in 2019.")
    attachment = attach(reply, [check_upload(SimpleUploadedFile("plan.pdf", PDF_BYTES))], other)[0]
    secret_thread = thread_in(
        private, member, title="Zephyrine confidential budget", body="Xanthoria secret figures"
    )
    secret_post = secret_thread.posts.get()
    secret_attachment = attach(
        secret_post, [check_upload(SimpleUploadedFile("secret.pdf", PDF_BYTES))], member
    )[0]
    return World(
        public=public,
        gate=gate,
        private=private,
        facilitator=facilitator,
        member=member,
        other=other,
        outsider=outsider,
        curator=curator,
        hidden=hidden,
        thread=thread,
        opening=opening,
        reply=reply,
        attachment=attachment,
        event=_event(public, facilitator, "Budget pooling clinic"),
        secret_thread=secret_thread,
        secret_post=secret_post,
        secret_attachment=secret_attachment,
        secret_event=_event(private, facilitator, "Quercitron private briefing"),
    )
