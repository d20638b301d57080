"""visible_to(user): the one rule for which pages a person may see in any listing."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from wagtail.models import PageViewRestriction

from learning.models import CaseStudyPage, KnowledgePage
from tests.factories import CaseStudyPageFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pages(sections):
    parent = sections["case-studies"]
    CaseStudyPageFactory(parent=parent, title="Public one")
    login_only = CaseStudyPageFactory(parent=parent, title="Members only")
    PageViewRestriction.objects.create(page=login_only, restriction_type="login")
    group = Group.objects.create(name="Inner circle")
    group_only = CaseStudyPageFactory(parent=parent, title="Group only")
    restriction = PageViewRestriction.objects.create(page=group_only, restriction_type="groups")
    restriction.groups.add(group)
    password = CaseStudyPageFactory(parent=parent, title="Password one")
    PageViewRestriction.objects.create(page=password, restriction_type="password", password="x")
    draft = CaseStudyPageFactory(parent=parent, title="Draft one")
    draft.unpublish()
    return {"group": group}


def titles(user) -> set[str]:
    return set(
        CaseStudyPage.objects.visible_to(user)
        .filter(title__in=["Public one", "Members only", "Group only", "Password one", "Draft one"])
        .values_list("title", flat=True)
    )


def test_anonymous_sees_only_public(pages):
    assert titles(AnonymousUser()) == {"Public one"}
    assert titles(None) == {"Public one"}


def test_signed_in_sees_login_restricted(pages):
    assert titles(UserFactory()) == {"Public one", "Members only"}


def test_group_member_sees_group_pages(pages):
    user = UserFactory()
    user.groups.add(pages["group"])
    assert titles(user) == {"Public one", "Members only", "Group only"}


def test_superuser_sees_all_but_drafts_and_password(pages):
    admin = UserFactory(is_superuser=True)
    assert titles(admin) == {"Public one", "Members only", "Group only"}


def test_listings_apply_the_rule(client, pages):
    body = client.get("/en/case-studies/?page=1").content.decode()
    assert "Members only" not in body
    client.force_login(UserFactory())
    assert "Members only" in "".join(
        client.get(f"/en/case-studies/?page={n}").content.decode() for n in range(1, 4)
    )


def test_matches_wagtail_public_for_anonymous(pages):
    ours = set(KnowledgePage.objects.visible_to(AnonymousUser()).values_list("pk", flat=True))
    wagtails = set(KnowledgePage.objects.live().public().values_list("pk", flat=True))
    assert ours == wagtails
