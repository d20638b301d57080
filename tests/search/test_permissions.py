"""Search applies the same rule as every listing: `visible_to(user)`, in token form.

The parity test restricts real demo pages in each way Wagtail allows and checks that, for each
kind of person, search finds exactly the pages `visible_to` lets them see. The hook test shows
how another app (communities) adds restricted rows of its own.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.utils import translation
from wagtail.models import Page, PageViewRestriction

from cop_site.i18n import one_per_translation
from learning.models import CaseStudyPage, MethodPage
from learning.models.base import VisiblePageQuerySet
from learning.search_sources import PAGE_SOURCE
from projects.models import HighImpactProjectPage
from search import indexing
from search.access import tokens_for
from search.documents import IndexDocument
from search.service import search, suggest
from search.sources import SearchSource, register, unregister
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def restricted():
    project = HighImpactProjectPage.objects.live().filter(numchild__gt=0).first()
    PageViewRestriction.objects.create(page=project, restriction_type="login")
    insiders = Group.objects.create(name="Insiders")
    case_study = CaseStudyPage.objects.live().first()
    group_rule = PageViewRestriction.objects.create(page=case_study, restriction_type="groups")
    group_rule.groups.add(insiders)
    method = MethodPage.objects.live().first()
    PageViewRestriction.objects.create(page=method, restriction_type="password", password="x")
    indexing.rebuild()
    return {"project": project, "case_study": case_study, "method": method, "group": insiders}


def every_found_page(user, language: str = "en") -> set[str]:
    urls: set[str] = set()
    page = 1
    while True:
        results = search({"page": str(page), "lang": language}, user, per_page=100)
        urls |= {hit.url for hit in results.hits if hit.type in PAGE_SOURCE.kinds}
        if page >= results.pages:
            return urls
        page += 1


def every_visible_page(user, language: str = "en") -> set[str]:
    """What `visible_to` allows, each page once in `language` where translated (as listings
    show them), at its address on that language's side of the site."""
    models = tuple(PAGE_SOURCE.models())
    pages = Page.objects.live().specific()
    everything = VisiblePageQuerySet(Page).visible_to(user).type(*models)
    visible = one_per_translation(everything, language)
    allowed = set(visible.values_list("pk", flat=True))
    with translation.override(language):
        return {page.url for page in pages if page.pk in allowed and isinstance(page, models)}


def people(restricted):
    member = UserFactory(username="insider")
    member.groups.add(restricted["group"])
    return {
        "anonymous": AnonymousUser(),
        "signed in": UserFactory(username="plain"),
        "group member": member,
        "superuser": UserFactory(username="boss", is_superuser=True),
    }


@pytest.mark.parametrize("language", ["en", "cy"])
def test_search_finds_exactly_what_visible_to_allows(restricted, language):
    for name, user in people(restricted).items():
        found, visible = every_found_page(user, language), every_visible_page(user, language)
        assert found == visible, (name, language)
    anonymous = every_found_page(AnonymousUser())
    assert restricted["project"].url not in anonymous
    assert restricted["case_study"].url not in anonymous
    assert restricted["method"].url not in every_found_page(people(restricted)["superuser"])


def test_restricted_pages_do_not_leak_through_counts_or_suggestions(restricted):
    project = restricted["project"]
    anonymous = search({"q": project.title}, AnonymousUser())
    assert project.url not in [hit.url for hit in anonymous.hits]
    signed_in = search({"q": project.title}, UserFactory())
    assert project.url in [hit.url for hit in signed_in.hits]
    assert signed_in.count > anonymous.count
    anonymous_type_counts = {v.value: v.count for v in anonymous.facets["type"]}
    signed_in_type_counts = {v.value: v.count for v in signed_in.facets["type"]}
    assert signed_in_type_counts["project"] == anonymous_type_counts.get("project", 0) + 1
    assert project.title not in [hit.title for hit in suggest(project.title[:12], AnonymousUser())]


def test_drafts_never_appear(sections):
    from tests.factories import CaseStudyPageFactory

    page = CaseStudyPageFactory(parent=sections["case-studies"], title="Draft about ocelots")
    page.save_revision().publish()
    page.unpublish()
    page.title = "Draft about ocelots, edited"
    page.save_revision()
    indexing.rebuild()
    superuser = UserFactory(is_superuser=True)
    assert search({"q": "ocelots"}, superuser).count == 0


class PrivateRoomSource(SearchSource):
    """Stands in for a private community: rows only its members may find."""

    name = "test-room"
    kinds = {"thread": "Forum thread"}

    def __init__(self, member_ids: set[int]) -> None:
        self.member_ids = member_ids

    def count(self) -> int:
        return 2

    def batches(self, size):
        yield [
            IndexDocument(
                key=self.key(1),
                kind="thread",
                title="Private thread about lemurs",
                url="/en/communities/room/threads/1/",
                access=["community1"],
            ),
            IndexDocument(
                key=self.key(2),
                kind="thread",
                title="Open thread about lemurs",
                url="/en/communities/room/threads/2/",
            ),
        ]

    def user_tokens(self, user):
        return {"community1"} if getattr(user, "pk", None) in self.member_ids else set()


def test_another_app_can_add_restricted_rows():
    member, outsider = UserFactory(username="room-member"), UserFactory(username="room-outsider")
    source = register(PrivateRoomSource({member.pk}))
    try:
        assert "community1" in tokens_for(member)
        assert "community1" not in tokens_for(outsider)
        indexing.rebuild()
        for user, expected in [
            (member, {"Private thread about lemurs", "Open thread about lemurs"}),
            (outsider, {"Open thread about lemurs"}),
            (AnonymousUser(), {"Open thread about lemurs"}),
        ]:
            results = search({"q": "lemurs"}, user)
            assert {hit.title for hit in results.hits} == expected
            assert {v.value: v.count for v in results.facets["type"]} == {"thread": len(expected)}
            assert results.hits[0].type_label == "Forum thread"
    finally:
        unregister(source.name)
