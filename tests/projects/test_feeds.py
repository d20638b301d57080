"""RSS and Atom feeds of new content: everything, and per theme, region and tag.

Feeds hold public content only, whoever asks; a region's feed includes the places inside it;
unknown slugs are 404; theme, region and tag pages advertise their feeds.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from defusedxml import ElementTree
from wagtail.models import PageViewRestriction

from learning.models import KnowledgePage, Region, RegionPage, ThemePage
from projects.feeds import ITEMS
from tests.factories import CaseStudyPageFactory, ThemeFactory, UserFactory

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def rss_items(client, url: str) -> list[dict[str, str]]:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("application/rss+xml")
    root = ElementTree.fromstring(response.content)
    assert root.tag == "rss" and root.get("version") == "2.0"
    channel = root.find("channel")
    assert channel.findtext("title") and channel.findtext("link")
    return [
        {"title": item.findtext("title"), "link": item.findtext("link")}
        for item in channel.findall("item")
    ]


def atom_entries(client, url: str) -> list[dict[str, str]]:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ElementTree.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    assert root.findtext(f"{ATOM}title") and root.findtext(f"{ATOM}id")
    entries = []
    for entry in root.findall(f"{ATOM}entry"):
        assert entry.findtext(f"{ATOM}id") and entry.findtext(f"{ATOM}updated")
        entries.append(
            {"title": entry.findtext(f"{ATOM}title"), "link": entry.find(f"{ATOM}link").get("href")}
        )
    return entries


def newest(page, days: int = 0):
    """Make a test page the newest content on the site (the demo content's dates vary)."""
    latest = KnowledgePage.objects.exclude(pk=page.pk).order_by("-first_published_at").first()
    page.first_published_at = latest.first_published_at + timedelta(days=1 + days)
    page.save(update_fields=["first_published_at"])
    return page


@pytest.fixture
def fresh(sections):
    """A new public case study in a new theme, in a local area inside a region and nation."""
    theme = ThemeFactory(slug="feed-theme", name="Feed theme")
    area = Region.objects.filter(kind=Region.Kind.AREA, parent__isnull=False).first()
    page = CaseStudyPageFactory(parent=sections["case-studies"], title="Fresh from the feed")
    page.themes.add(theme)
    page.regions.add(area)
    page.tags.add("feed-tag")
    page.save()
    newest(page)
    return {"page": page, "theme": theme, "area": area}


@pytest.fixture
def secret(fresh, sections):
    """A newer members-only page and a newer draft, in the same theme, place and tag."""
    out = {}
    for title in ("Members-only news", "Draft news"):
        page = CaseStudyPageFactory(parent=sections["case-studies"], title=title)
        page.themes.add(fresh["theme"])
        page.regions.add(fresh["area"])
        page.tags.add("feed-tag")
        page.save()
        newest(page, days=2)
        out[title] = page
    PageViewRestriction.objects.create(page=out["Members-only news"], restriction_type="login")
    out["Draft news"].unpublish()
    return out


def test_latest_feed_is_newest_first_and_at_most_thirty(client, fresh):
    items = rss_items(client, "/feeds/latest.rss")
    assert 0 < len(items) <= ITEMS
    assert items[0]["title"] == "Case study: Fresh from the feed"
    assert items[0]["link"] == f"http://testserver{fresh['page'].url}"
    public = KnowledgePage.objects.live().public().exclude(first_published_at=None)
    expected = [p.url for p in public.order_by("-first_published_at", "-pk")[:ITEMS]]
    assert [item["link"].removeprefix("http://testserver") for item in items] == expected
    entries = atom_entries(client, "/feeds/latest.atom")
    assert [e["link"] for e in entries] == [i["link"] for i in items]


def test_theme_feed_holds_only_its_theme(client, fresh):
    links = {item["link"] for item in rss_items(client, "/feeds/themes/feed-theme.rss")}
    assert links == {f"http://testserver{fresh['page'].url}"}
    other = ThemePage.objects.live().select_related("theme").first()
    other_links = [
        i["link"] for i in atom_entries(client, f"/feeds/themes/{other.theme.slug}.atom")
    ]
    assert other_links and f"http://testserver{fresh['page'].url}" not in other_links
    in_theme = KnowledgePage.objects.live().public().filter(themes=other.theme)
    assert {link.removeprefix("http://testserver") for link in other_links} <= {
        p.url for p in in_theme
    }


def test_region_feed_includes_the_places_inside_it(client, fresh):
    area = fresh["area"]
    link = f"http://testserver{fresh['page'].url}"
    for place in (area, area.parent, area.parent.parent):
        if place is None:
            continue
        assert link in {i["link"] for i in rss_items(client, f"/feeds/regions/{place.slug}.rss")}
    elsewhere = Region.objects.exclude(pk__in=[area.pk, *area.ancestor_ids()]).exclude(
        pk__in=Region.descendant_ids_of([area.pk])
    )
    for place in elsewhere[:3]:
        links = {i["link"] for i in atom_entries(client, f"/feeds/regions/{place.slug}.atom")}
        assert link not in links


def test_tag_feed(client, fresh):
    items = rss_items(client, "/feeds/tags/feed-tag.rss")
    assert [item["title"] for item in items] == ["Case study: Fresh from the feed"]


def test_restricted_and_draft_content_never_appears_whoever_asks(client, fresh, secret):
    client.force_login(UserFactory(username="feedboss", is_superuser=True))
    for url in (
        "/feeds/latest.rss",
        "/feeds/latest.atom",
        "/feeds/themes/feed-theme.rss",
        f"/feeds/regions/{fresh['area'].slug}.atom",
        "/feeds/tags/feed-tag.rss",
    ):
        text = client.get(url).content.decode()
        assert "Fresh from the feed" in text, url
        assert "Members-only news" not in text and "Draft news" not in text, url


@pytest.mark.parametrize(
    "url",
    [
        "/feeds/themes/no-such-theme.rss",
        "/feeds/regions/no-such-place.atom",
        "/feeds/tags/no-such-tag.rss",
        "/feeds/latest.xml",
        "/feeds/themes/frail-elderly.json",
    ],
)
def test_unknown_feeds_are_not_found(client, url):
    assert client.get(url).status_code == 404


def test_theme_region_and_tag_pages_advertise_their_feeds(client, fresh):
    theme_page = ThemePage.objects.live().select_related("theme").first()
    html = client.get(theme_page.url).content.decode()
    slug = theme_page.theme.slug
    assert f'type="application/rss+xml" title="New in {theme_page.theme.name} (RSS)"' in html
    assert f'href="/feeds/themes/{slug}.rss"' in html
    assert f'href="/feeds/themes/{slug}.atom"' in html
    assert "Subscribe to new content" in html
    region_page = RegionPage.objects.live().select_related("region").first()
    html = client.get(region_page.url).content.decode()
    assert f'href="/feeds/regions/{region_page.region.slug}.rss"' in html
    html = client.get("/en/tags/feed-tag/").content.decode()
    assert 'rel="alternate" type="application/atom+xml"' in html
    assert 'href="/feeds/tags/feed-tag.atom"' in html


def test_advertised_feeds_work(client):
    theme_page = ThemePage.objects.live().select_related("theme").first()
    rss_items(client, f"/feeds/themes/{theme_page.theme.slug}.rss")
    region_page = RegionPage.objects.live().select_related("region").first()
    atom_entries(client, f"/feeds/regions/{region_page.region.slug}.atom")


def test_feeds_have_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    client.get("/feeds/latest.rss")  # warm the restriction and site caches
    with django_assert_max_num_queries(8):
        client.get("/feeds/latest.rss")
    with django_assert_max_num_queries(10):
        client.get("/feeds/regions/wales.atom")


def test_feed_dates_are_the_publication_dates(client, fresh):
    root = ElementTree.fromstring(client.get("/feeds/themes/feed-theme.atom").content)
    entry = root.find(f"{ATOM}entry")
    published = entry.findtext(f"{ATOM}published")
    assert published.startswith(fresh["page"].first_published_at.strftime("%Y-%m-%d"))
