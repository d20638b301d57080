"""The demo communities of practice (002 section 10.8), and the development-only demo people.

The test session has already loaded the demo content with DEBUG off (tests/conftest.py), so the
communities are there and the demo accounts and threads are not; tests that need the people turn
DEBUG on and load again, which only adds what is missing.
"""

from __future__ import annotations

import io

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.urls import reverse
from wagtail.models import Page, Revision

from communities import permissions
from communities.models import CommunityIndexPage, CommunityPage, Membership, Post, Profile, Thread
from cop_site.demo.communities import load_communities, read_communities
from learning.models import Region, Theme

pytestmark = pytest.mark.django_db

NAMED_ACCOUNTS = ["demo-curator", "demo-lead", "demo-member", "demo-outsider"]
HIGH_IMPACT_THEMES = {
    "complex-families",
    "frail-elderly",
    "offender-management",
    "worklessness",
    "asset-management",
    "integrated-health-and-social-care",
}


def quiet_load():
    return load_communities(io.StringIO())


@pytest.fixture
def demo_people(settings, monkeypatch):
    """The demo accounts and threads, as a development site has them."""
    settings.DEBUG = True
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    quiet_load()
    return {u.username: u for u in get_user_model().objects.filter(username__startswith="demo-")}


def demo_usernames() -> set[str]:
    return {a["username"] for a in read_communities()["demo_accounts"]}


def test_communities_from_section_10_8_are_live_under_the_index():
    index = CommunityIndexPage.objects.get(locale__language_code="en")
    communities = CommunityPage.objects.child_of(index).live()
    by_kind: dict[str, list[CommunityPage]] = {}
    for community in communities:
        by_kind.setdefault(community.kind, []).append(community)
        assert community.summary and community.description
        assert community.live and community.live_revision_id

    (programme,) = by_kind["programme"]
    assert (programme.visibility, programme.join_policy) == ("public", "open")

    national_themes = set()
    for community in by_kind["national"]:
        assert (community.visibility, community.join_policy) == ("public", "open")
        national_themes.update(community.themes.values_list("slug", flat=True))
    assert national_themes == HIGH_IMPACT_THEMES
    assert national_themes <= set(Theme.objects.values_list("slug", flat=True))
    assert len(by_kind["national"]) == len(HIGH_IMPACT_THEMES)

    welsh_regions = set(
        Region.objects.filter(kind="region", parent__slug="wales").values_list("slug", flat=True)
    )
    regional = {c.regions.get().slug: c for c in by_kind["regional"]}
    assert set(regional) == welsh_regions
    for community in regional.values():
        assert community.visibility == "public"
        assert community.join_policy in {"open", "request"}

    (senior,) = by_kind["senior"]
    assert (senior.visibility, senior.join_policy) == ("members", "request")
    (politicians,) = by_kind["politicians"]
    assert (politicians.visibility, politicians.join_policy) == ("private", "invite")


def test_without_debug_no_demo_accounts_and_no_threads(settings):
    settings.DEBUG = False
    report = quiet_load()
    assert not report.changed_anything, report.lines()
    assert not get_user_model().objects.filter(username__in=demo_usernames()).exists()
    titles = [t["title"] for t in read_communities()["threads"]]
    assert not Thread.objects.filter(title__in=titles).exists()


def test_named_demo_accounts_have_their_roles(demo_people):
    curator, lead = demo_people["demo-curator"], demo_people["demo-lead"]
    member, outsider = demo_people["demo-member"], demo_people["demo-outsider"]
    assert curator.is_staff and curator.groups.filter(name="Curators").exists()
    assert permissions.is_curator(curator)

    def roles(user):
        return {
            (m.community.kind, m.role)
            for m in Membership.objects.filter(user=user, status="active").select_related(
                "community"
            )
        }

    assert ("programme", "facilitator") in roles(lead)
    assert ("national", "facilitator") in roles(lead)

    politicians = CommunityPage.objects.get(kind="politicians")
    assert permissions.is_member(member, politicians)
    assert permissions.can_read(member, politicians)
    assert sum(1 for kind, _role in roles(member) if kind != "politicians") >= 2

    private = CommunityPage.objects.filter(visibility="private")
    assert not Membership.objects.filter(user=outsider, community__in=private).exists()
    assert not permissions.can_read(outsider, politicians)


def test_demo_accounts_sign_in_with_verified_emails_and_profiles(client, demo_people):
    for username in NAMED_ACCOUNTS:
        user = demo_people[username]
        assert client.login(username=username, password="exchange-demo"), username
        client.logout()
        address = EmailAddress.objects.get(user=user)
        assert address.verified and address.primary
        assert address.email == f"{username}@example.org"
        profile = Profile.objects.get(user=user)
        assert profile.job_title and profile.region
    # Through allauth, which refuses an unverified email address.
    response = client.post(
        reverse("account_login"),
        {"login": "demo-member@example.org", "password": "exchange-demo"},
    )
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == demo_people["demo-member"].pk


def test_threads_spread_over_communities_with_consistent_counts(demo_people):
    threads = Thread.objects.filter(author__username__in=demo_usernames())
    assert 12 <= threads.count() <= 20
    kinds = set(threads.values_list("community__kind", flat=True))
    assert {"programme", "national", "regional", "senior", "politicians"} <= kinds
    assert threads.filter(pinned=True).count() == 1
    assert threads.filter(answer__isnull=False).count() >= 2
    for thread in threads:
        posts = list(thread.posts.order_by("created"))
        assert 2 <= len(posts) <= 5
        assert posts[0].author_id == thread.author_id
        assert thread.reply_count == len(posts) - 1
        assert thread.last_activity == posts[-1].created
        if thread.answer_id:
            assert thread.answer_id in {p.pk for p in posts[1:]}
        for post in posts:
            assert permissions.can_post(post.author, thread.community), (thread, post.author)


def test_loading_twice_creates_nothing_new(demo_people, settings):
    def counts():
        user_model = get_user_model()
        return [
            model.objects.count()
            for model in (
                Page,
                Revision,
                user_model,
                EmailAddress,
                Profile,
                Membership,
                Thread,
                Post,
            )
        ]

    before = counts()
    report = quiet_load()
    assert not report.changed_anything, report.lines()
    assert counts() == before


def test_existing_password_is_kept_unless_demo_password_is_set(demo_people, monkeypatch):
    lead = demo_people["demo-lead"]
    lead.set_password("changed-by-the-person")
    lead.save()
    quiet_load()
    lead.refresh_from_db()
    assert lead.check_password("changed-by-the-person")

    monkeypatch.setenv("DEMO_PASSWORD", "a-shared-demo-password")
    quiet_load()
    lead.refresh_from_db()
    assert lead.check_password("a-shared-demo-password")


def test_the_demo_lead_may_edit_the_complex_families_project_only(demo_people):
    from projects.leads import leads_of
    from projects.models import HighImpactProjectPage

    lead = demo_people["demo-lead"]
    own = HighImpactProjectPage.objects.get(slug="complex-families-high-impact-project")
    assert [u.username for u in leads_of(own)] == ["demo-lead"]
    assert own.permissions_for_user(lead).can_edit()
    for other in HighImpactProjectPage.objects.exclude(pk=own.pk):
        assert not other.permissions_for_user(lead).can_edit(), other.title
