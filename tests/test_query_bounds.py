"""Every page's number of SQL queries is bounded and does not grow with the content.

Each test measures a page with a little content and again with a lot, and asserts that the
count is the same and under a ceiling.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from learning.models import RegionPage, ThemePage
from tests.factories import (
    BarrierEnablerFactory,
    CaseStudyPageFactory,
    HighImpactProjectPageFactory,
    LearningHistoryPageFactory,
    MethodPageFactory,
    MilestoneFactory,
    OrganisationFactory,
    RegionFactory,
    SavingsRecordFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db

MAX_QUERIES = 25


@pytest.fixture
def world(sections):
    """A theme, a nation > region > area, an organisation and a tag to pile content into."""
    from learning.models import Region

    theme = ThemeFactory(name="Bounded theme", slug="bounded-theme")
    theme_page = sections["themes"].add_child(
        instance=ThemePage(title="Bounded theme", slug="bounded-theme", theme=theme)
    )
    nation = RegionFactory(name="Testland", slug="testland", kind=Region.Kind.NATION)
    region = RegionFactory(
        name="North Testland", slug="north-testland", kind="region", parent=nation
    )
    area = RegionFactory(name="Testville", slug="testville", kind="area", parent=region)
    nation_page = sections["regions"].add_child(
        instance=RegionPage(title="Testland", slug="testland", region=nation)
    )
    organisation = OrganisationFactory(name="Testville Council", slug="testville-council")
    method = MethodPageFactory(parent=sections["methods"], title="Bounded method")
    project = HighImpactProjectPageFactory(
        parent=sections["projects"], title="Bounded project", lead_organisation=organisation
    )
    project.themes.set([theme])
    project.save()
    return {
        "theme": theme,
        "theme_page": theme_page,
        "area": area,
        "nation_page": nation_page,
        "organisation": organisation,
        "method": method,
        "project": project,
        "sections": sections,
    }


def add_content(world, n: int) -> None:
    """Add n case studies and n learning histories tied to everything in the world."""
    sections = world["sections"]
    for _ in range(n):
        page = CaseStudyPageFactory(parent=sections["case-studies"])
        page.themes.set([world["theme"]])
        page.regions.set([world["area"]])
        page.organisations.set([world["organisation"]])
        page.methods_used.set([world["method"]])
        page.tags.add("bounded tag", "another tag")
        page.save()
        for _ in range(3):
            SavingsRecordFactory(page=page)
        history = LearningHistoryPageFactory(parent=world["project"])
        history.themes.set([world["theme"]])
        history.save()
    project = world["project"]
    for _ in range(n):
        MilestoneFactory(project=project)
        BarrierEnablerFactory(project=project)
        SavingsRecordFactory(page=project)
        project.related_case_studies.add(page)
    project.save()


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def urls(world) -> list[str]:
    case_study = world["sections"]["case-studies"].get_children().live().last()
    history = world["project"].get_children().live().last()
    return [
        "/en/",
        world["theme_page"].url,
        world["nation_page"].url,
        "/en/organisations/testville-council/",
        "/en/organisations/",
        "/en/tags/bounded-tag/",
        "/en/tags/",
        "/en/case-studies/",
        "/en/projects/",
        "/en/learning-histories/",
        "/en/methods/",
        "/en/themes/",
        "/en/regions/",
        world["project"].url,
        world["method"].url,
        case_study.url,
        history.url,
        "/en/case-studies/?type=casestudy&page=2",
    ]


def test_query_counts_do_not_grow_with_content(client, world):
    add_content(world, 2)
    small = {url: count_queries(client, url) for url in urls(world)}
    add_content(world, 30)
    large = {url: count_queries(client, url) for url in urls(world)}
    grew = {url: (small[url], large[url]) for url in small if large.get(url, 0) > small[url]}
    assert grew == {}, f"query count grew with content: {grew}"
    too_many = {url: n for url, n in large.items() if n > MAX_QUERIES}
    assert too_many == {}, f"over {MAX_QUERIES} queries: {too_many}"


def test_largest_page_within_bound(client, world, django_assert_max_num_queries):
    add_content(world, 25)
    with django_assert_max_num_queries(MAX_QUERIES):
        assert client.get(world["theme_page"].url).status_code == 200
    with django_assert_max_num_queries(MAX_QUERIES):
        assert client.get(world["project"].url).status_code == 200


# Signed in, pages are never served from the page cache (cop_site.page_cache), so every view
# runs its queries: a member's home, thread and project pages must stay bounded too, and must not
# ask the same question twice. A member costs a fixed few more than a visitor: the session, the
# user, their memberships, the curators check and the unread notification count.
SIGNED_IN_EXTRA = 5


def member_world(world):
    """A member of a public community with a thread, and the three pages they read most."""
    from django.contrib.auth.models import User

    from communities.models import CommunityIndexPage, CommunityPage, Membership, Post, Thread

    member = User.objects.create_user("bounded_member", "bounded@example.org", "pw-for-tests")
    community = CommunityPage(
        title="Bounded community",
        slug="bounded-community",
        visibility="public",
        join_policy="open",
        summary="A community to count queries in.",
    )
    CommunityIndexPage.objects.first().add_child(instance=community)
    community.save_revision().publish()
    Membership.objects.create(community=community, user=member, role="member", status="active")
    thread = Thread.objects.create(community=community, title="Counting queries", author=member)
    Post.objects.create(thread=thread, author=member, body="Opening post")

    def add_replies(n: int) -> None:
        for number in range(n):
            replier = User.objects.create_user(f"bounded_replier_{thread.posts.count()}_{number}")
            Membership.objects.create(community=community, user=replier, status="active")
            Post.objects.create(thread=thread, author=replier, body=f"Reply {number}")

    return member, ["/en/", thread.get_url(), world["project"].url], add_replies


def queries_made(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    assert "X-Cache" not in response, url  # signed in: never the page cache
    return [query["sql"] for query in ctx.captured_queries]


def test_signed_in_member_pages_are_bounded_and_ask_nothing_twice(
    client, world, django_assert_max_num_queries
):
    member, member_urls, add_replies = member_world(world)
    add_content(world, 2)
    add_replies(2)
    client.force_login(member)
    small = {url: len(queries_made(client, url)) for url in member_urls}
    add_content(world, 15)
    add_replies(15)
    large = {}
    for url in member_urls:
        with django_assert_max_num_queries(MAX_QUERIES + SIGNED_IN_EXTRA):
            made = queries_made(client, url)
        large[url] = len(made)
        repeated = {sql for sql in made if made.count(sql) > 1}
        assert not repeated, f"{url} runs the same query more than once: {repeated}"
    grew = {url: (small[url], large[url]) for url in small if large[url] > small[url]}
    assert grew == {}, f"query count grew with content: {grew}"
