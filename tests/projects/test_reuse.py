"""Method reuse: both ends of every reuse link show it, only to people who may see both pages.

Covers the method and case-study pages ("where this was used and reused"), the project and
case-study pages ("what this work reused or adapted"), the /reuse/ network (list and graph),
and the Wagtail API's `reuses` field.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape
from wagtail.models import PageViewRestriction

from learning.models import CaseStudyPage, KnowledgePage, MethodPage, ReuseLink
from projects.models import HighImpactProjectPage
from projects.reuse import build_graph, reuse_network, reused_by
from projects.views import reuse as reuse_views
from tests.factories import (
    CaseStudyPageFactory,
    HighImpactProjectPageFactory,
    ThemeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

#: The /reuse/ view itself: themes, reuse links, methods-used rows, pages (plus session/auth).
MAX_NETWORK_QUERIES = 10
#: A whole method or case-study page, Wagtail's routing and the key facts included.
MAX_PAGE_QUERIES = 25


def attr_values(html: str, name: str) -> list[str]:
    return re.findall(rf'{name}="([^"]*)"', html)


def graph_html(html: str) -> str:
    start = html.index('<svg xmlns="http://www.w3.org/2000/svg" class="app-reuse-graph"')
    return html[start : html.index("</svg>", start)]


def list_html(html: str) -> str:
    start = html.index('id="reuse-list"')
    return html[start : html.index("</section>", start)]


@pytest.fixture
def restricted(sections):
    """A members-only case study that adapted a public method and was reused by a public one."""
    method = MethodPage.objects.get(slug="high-level-count")
    secret = CaseStudyPageFactory(parent=sections["case-studies"], title="Members-only count")
    PageViewRestriction.objects.create(page=secret, restriction_type="login")
    ReuseLink.objects.create(
        page=secret, source=method, relation="adapted", note="A members-only adaptation note."
    )
    public = CaseStudyPageFactory(parent=sections["case-studies"], title="Public follower")
    ReuseLink.objects.create(
        page=public, source=secret, relation="reused", note="Reused the members-only count."
    )
    return {"method": method, "secret": secret, "public": public}


# --- Both ends of the demo content's links ---------------------------------------------------


def test_demo_reuse_links_show_on_both_ends(client):
    links = list(ReuseLink.objects.select_related("page", "source"))
    # The demo data records reuse by projects and by case studies, of methods and case studies.
    kinds = {
        (type(link.page.specific).__name__, type(link.source.specific).__name__) for link in links
    }
    assert ("HighImpactProjectPage", "MethodPage") in kinds
    assert ("HighImpactProjectPage", "CaseStudyPage") in kinds
    assert ("CaseStudyPage", "MethodPage") in kinds
    assert all(link.note for link in links), "every demo reuse link cites its seed"
    pages: dict[int, str] = {}
    for link in links:
        for page in (link.page, link.source):
            if page.pk not in pages:
                pages[page.pk] = client.get(page.url).content.decode()
        reuser_html, source_html = pages[link.page_id], pages[link.source_id]
        assert f'data-source="{link.source_id}" data-relation="{link.relation}"' in reuser_html
        assert f'data-reuser="{link.page_id}" data-relation="{link.relation}"' in source_html
        assert escape(link.note) in reuser_html and escape(link.note) in source_html


def test_adapted_from_wording_on_project_page(client):
    link = ReuseLink.objects.filter(
        relation="adapted", page__in=HighImpactProjectPage.objects.values("pk")
    ).first()
    html = client.get(link.page.url).content.decode()
    section = html[html.index('id="reused-from-heading"') :]
    assert "Adapted from</strong>" in section
    assert escape(link.source.title) in section


def test_method_page_merges_used_and_reused_once_each(client):
    method = MethodPage.objects.get(slug="high-level-count")
    used = set(
        KnowledgePage.methods_used.through.objects.filter(methodpage_id=method.pk).values_list(
            "knowledgepage_id", flat=True
        )
    )
    linked = dict(ReuseLink.objects.filter(source=method).values_list("page_id", "relation"))
    assert used & set(linked), "the demo has pages that both used and adapted the count"
    assert used - set(linked), "and pages that only used it"
    html = client.get(method.url).content.decode()
    section = html[html.index('id="reused-by-heading"') :]
    shown = re.findall(r'data-reuser="(\d+)" data-relation="(\w+)"', section)
    assert Counter(pk for pk, _ in shown) == Counter(str(pk) for pk in used | set(linked))
    for pk, relation in shown:
        assert relation == linked.get(int(pk), "used")


def test_case_study_without_reuse_says_so(client, sections):
    page = CaseStudyPageFactory(parent=sections["case-studies"], title="Nobody reused me")
    html = client.get(page.url).content.decode()
    assert "No project or case study on the exchange records reusing this yet." in html
    assert 'id="reused-from-heading"' not in html


# --- Permissions -----------------------------------------------------------------------------


def test_restricted_reuse_hidden_from_anonymous_everywhere(client, restricted):
    secret, public, method = restricted["secret"], restricted["public"], restricted["method"]
    for url in (reverse("reuse"), method.url, public.url):
        html = client.get(url).content.decode()
        assert "Members-only count" not in html, url
        assert "members-only adaptation" not in html, url
        assert f'"{secret.pk}"' not in html, url
    network_html = client.get(reverse("reuse")).content.decode()
    assert str(secret.pk) not in attr_values(graph_html(network_html), "data-node-link")
    assert not any(
        str(secret.pk) in edge.split("-") for edge in attr_values(network_html, "data-edge")
    )
    # The public page that reused only the hidden one shows nothing, not an empty heading.
    assert 'id="reused-from-heading"' not in client.get(public.url).content.decode()
    # Nor does the API name the hidden source on the public page.
    api = client.get(f"/api/v2/pages/{public.pk}/?fields=reuses").json()
    assert api["reuses"] == []


def test_restricted_reuse_shown_to_people_who_may_see_it(client, restricted):
    client.force_login(UserFactory())
    secret, public, method = restricted["secret"], restricted["public"], restricted["method"]
    network_html = client.get(reverse("reuse")).content.decode()
    assert str(secret.pk) in attr_values(graph_html(network_html), "data-node-link")
    assert f"{method.pk}-{secret.pk}" in attr_values(network_html, "data-edge")
    assert f"{secret.pk}-{public.pk}" in attr_values(network_html, "data-edge")
    assert "members-only adaptation" in client.get(method.url).content.decode()
    assert f'data-source="{secret.pk}"' in client.get(public.url).content.decode()


def test_draft_reuser_never_counted(sections):
    method = MethodPage.objects.get(slug="deep-dive")
    before = len(reused_by(method, AnonymousUser()))
    draft = CaseStudyPageFactory(parent=sections["case-studies"], title="Draft reuser")
    ReuseLink.objects.create(page=draft, source=method, relation="reused")
    assert len(reused_by(method, AnonymousUser())) == before + 1
    draft.unpublish()
    assert len(reused_by(method, AnonymousUser())) == before


# --- The network: list and graph -------------------------------------------------------------


def test_graph_has_one_node_per_page_and_one_edge_per_link(client):
    html = client.get(reverse("reuse")).content.decode()
    graph, listing = graph_html(html), list_html(html)
    nodes = attr_values(graph, "data-node-link")
    drawn = attr_values(graph, "data-node")
    edges = attr_values(graph, "data-edge")
    assert len(nodes) == len(set(nodes)) and sorted(nodes) == sorted(drawn)
    assert len(edges) == len(set(edges))
    sources = attr_values(listing, "data-source")
    listed_edges = []
    for block in listing.split('class="app-reuse-group"')[1:]:
        source = attr_values(block, "data-source")[0]
        listed_edges += [f"{source}-{reuser}" for reuser in attr_values(block, "data-reuser")]
    assert sorted(edges) == sorted(listed_edges)
    assert set(nodes) == set(sources) | {e.split("-")[1] for e in listed_edges}
    # And the network is what the database says: every visible link and methods-used row.
    visible = KnowledgePage.objects.visible_to(AnonymousUser()).values("pk")
    pairs = set(
        ReuseLink.objects.filter(page__in=visible, source__in=visible).values_list(
            "source_id", "page_id"
        )
    ) | set(
        KnowledgePage.methods_used.through.objects.filter(
            knowledgepage_id__in=visible, methodpage_id__in=visible
        ).values_list("methodpage_id", "knowledgepage_id")
    )
    assert set(edges) == {f"{s}-{r}" for s, r in pairs}
    assert f"joined by {len(edges)} links" in graph


def test_graph_svg_is_accessible(client):
    html = client.get(reverse("reuse")).content.decode()
    graph = graph_html(html)
    assert 'role="img" aria-labelledby="reuse-graph-title"' in graph
    assert '<title id="reuse-graph-title">' in graph
    # Every node links to its page and is named by a <title>; every edge has a <title>.
    assert graph.count("<a href=") == graph.count("<title>") - len(attr_values(graph, "data-edge"))
    assert "style=" not in graph and "<script" not in graph


def test_relation_filter(client):
    html = client.get(reverse("reuse"), {"relation": "adapted"}).content.decode()
    relations = set(attr_values(html, "data-relation"))
    assert relations == {"adapted"}
    html = client.get(reverse("reuse"), {"relation": "used"}).content.decode()
    assert set(attr_values(list_html(html), "data-relation")) == {"used"}


def test_theme_filter_keeps_only_work_in_the_theme(client):
    theme_pages = set(
        KnowledgePage.themes.through.objects.filter(theme__slug="frail-elderly").values_list(
            "knowledgepage_id", flat=True
        )
    )
    html = client.get(reverse("reuse"), {"theme": "frail-elderly"}).content.decode()
    reusers = {int(pk) for pk in attr_values(list_html(html), "data-reuser")}
    assert reusers and reusers <= theme_pages


def test_empty_state(client):
    theme = ThemeFactory(name="Nothing here yet")
    response = client.get(reverse("reuse"), {"theme": theme.slug})
    assert response.status_code == 200
    html = response.content.decode()
    assert "No method or case study was used, reused or adapted by work on Nothing here yet" in html
    assert "app-reuse-graph" not in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"theme": "no-such-theme"}, "There is no theme called"),
        ({"relation": "borrowed"}, "is not a kind of reuse"),
        ({"page": "abc"}, "is not a page number"),
        ({"page": "99"}, "There is no page 99"),
    ],
)
def test_bad_filters_are_400_with_a_message(client, query, message):
    response = client.get(reverse("reuse"), query)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_pagination_splits_list_and_graph_alike(client, monkeypatch):
    monkeypatch.setattr(reuse_views, "GROUPS_PER_PAGE", 5)
    groups = reuse_network(AnonymousUser()).groups
    assert len(groups) > 5
    html = client.get(reverse("reuse"), {"page": 2}).content.decode()
    expected = [str(g.source.pk) for g in groups[5:10]]
    assert attr_values(list_html(html), "data-source") == expected
    edge_sources = {e.split("-")[0] for e in attr_values(graph_html(html), "data-edge")}
    assert edge_sources == set(expected)
    assert 'aria-label="Pages of the reuse network"' in html


def test_layout_survives_loops_and_is_deterministic(sections):
    one = CaseStudyPageFactory(parent=sections["case-studies"], title="Loop one")
    two = CaseStudyPageFactory(parent=sections["case-studies"], title="Loop two")
    ReuseLink.objects.create(page=one, source=two, relation="adapted")
    ReuseLink.objects.create(page=two, source=one, relation="adapted")
    network = reuse_network(AnonymousUser())
    first, second = build_graph(network), build_graph(reuse_network(AnonymousUser()))
    assert first == second
    ids = [node["id"] for node in first["nodes"]]
    assert len(ids) == len(set(ids)) and {one.pk, two.pk} <= set(ids)
    assert {(e["source"], e["reuser"]) for e in first["edges"]} >= {
        (one.pk, two.pk),
        (two.pk, one.pk),
    }
    assert len(first["edges"]) == len(network.entries)


# --- Query bounds ------------------------------------------------------------------------------


def _count_queries(client, url: str) -> int:
    from cop_site.page_cache import bump_generation

    bump_generation()  # count a render, not the page cache's replay of an earlier one
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_queries_are_bounded_and_do_not_grow(client, sections, django_assert_max_num_queries):
    method = MethodPage.objects.get(slug="high-level-count")
    case_study = CaseStudyPage.objects.get(slug="bradford-total-place-pathways")
    project = HighImpactProjectPage.objects.get(slug="frail-elderly-high-impact-project")
    urls = [reverse("reuse"), method.url, case_study.url]
    for url in urls:
        client.get(url)  # warm the per-process caches (content types, site root paths)
    before = {url: _count_queries(client, url) for url in urls}
    for n in range(8):
        reuser = HighImpactProjectPageFactory(parent=sections["projects"], title=f"More {n}")
        ReuseLink.objects.create(page=reuser, source=method, relation="adapted", note=f"n{n}")
        ReuseLink.objects.create(page=reuser, source=case_study, relation="reused")
        reuser.methods_used.add(method)
        reuser.save()
    for url in urls:
        client.get(url)
        bound = MAX_NETWORK_QUERIES if url == reverse("reuse") else MAX_PAGE_QUERIES
        with django_assert_max_num_queries(bound):
            after = _count_queries(client, url)
        assert after == before[url], url
    assert _count_queries(client, project.url) <= 60  # the whole project page, reuse included


# --- API ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "page_model", [HighImpactProjectPage, CaseStudyPage], ids=["project", "case study"]
)
def test_api_shows_reuse_links(client, page_model):
    link = ReuseLink.objects.filter(
        page__in=page_model.objects.values("pk"), relation="adapted"
    ).first()
    data = client.get(f"/api/v2/pages/{link.page_id}/?fields=reuses").json()
    by_id = {item["id"]: item for item in data["reuses"]}
    item = by_id[link.pk]
    assert item["source"] == {
        "id": link.source_id,
        "title": link.source.title,
        "url": link.source.specific.url,
    }
    assert item["relation"] == "adapted" and item["note"] == link.note
    assert len(data["reuses"]) == ReuseLink.objects.filter(page_id=link.page_id).count()
