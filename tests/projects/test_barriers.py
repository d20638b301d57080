"""Barriers and enablers explorer: counts, filters, permissions and curator merges."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.urls import reverse
from django.utils.html import escape
from wagtail.models import PageViewRestriction

from cop_site.site_structure import CURATORS
from learning.models import Theme
from projects.models import (
    BarrierEnabler,
    BarrierGroup,
    BarrierGroupMember,
    HighImpactProjectPage,
)
from tests.factories import BarrierEnablerFactory, HighImpactProjectPageFactory, UserFactory

pytestmark = pytest.mark.django_db

EXPLORER = "barriers_enablers"
MERGE = "barriers_enablers_merge"
UNMERGE = "barriers_enablers_unmerge"


@pytest.fixture
def curator(structure):
    user = UserFactory()
    user.groups.add(Group.objects.get(name=CURATORS))
    return user


@pytest.fixture
def project(sections):
    return HighImpactProjectPageFactory(parent=sections["projects"], title="Explorer test project")


def entry(project, **kwargs) -> BarrierEnabler:
    return BarrierEnablerFactory(project=project, **kwargs)


def cell(response, kind: str, category: str, level: str) -> int:
    table = next(t for t in response.context["tables"] if t["kind"] == kind)
    row = next(r for r in table["rows"] if r["category"] == category)
    labels = [value for value, _label in BarrierEnabler.Level.choices]
    return row["cells"][labels.index(level)]["count"]


def visible_orm_count(user, kind: str, category: str, level: str) -> int:
    """Independent count of unmerged entries plus merged groups in one cell."""
    projects = HighImpactProjectPage.objects.visible_to(user).values("pk")
    entries = BarrierEnabler.objects.filter(project__in=projects, level=level)
    loose = entries.filter(group_membership__isnull=True, kind=kind, category=category).count()
    groups = (
        BarrierGroup.objects.filter(kind=kind, category=category, members__entry__in=entries)
        .distinct()
        .count()
    )
    return loose + groups


def merge(client, *keys: str, name: str = "Merged wording", category: str = "funding"):
    return client.post(
        reverse(MERGE),
        {"item": list(keys), "step": "confirm", "name": name, "category": category},
    )


def test_counts_equal_orm_counts_for_every_cell(client):
    response = client.get(reverse(EXPLORER))
    assert response.status_code == 200
    total = 0
    for kind in BarrierEnabler.Kind.values:
        for category in BarrierEnabler.Category.values:
            for level in BarrierEnabler.Level.values:
                expected = visible_orm_count(AnonymousUser(), kind, category, level)
                assert cell(response, kind, category, level) == expected
                total += expected
    assert total > 0, "the demo projects record barriers and enablers"


def test_merged_group_counts_once_per_cell(client, curator, project):
    a = entry(project, kind="barrier", category="funding", level="national", description="A")
    b = entry(project, kind="barrier", category="funding", level="national", description="B")
    c = entry(project, kind="barrier", category="funding", level="local", description="C")
    before = client.get(reverse(EXPLORER))
    national, local = (
        cell(before, "barrier", "funding", "national"),
        cell(before, "barrier", "funding", "local"),
    )
    client.force_login(curator)
    response = merge(client, f"e{a.pk}", f"e{b.pk}", f"e{c.pk}")
    assert response.status_code == 302
    client.logout()
    after = client.get(reverse(EXPLORER))
    assert cell(after, "barrier", "funding", "national") == national - 1
    assert cell(after, "barrier", "funding", "local") == local
    funding_row = next(r for r in after.context["tables"][0]["rows"] if r["category"] == "funding")
    before_row = next(r for r in before.context["tables"][0]["rows"] if r["category"] == "funding")
    assert funding_row["total"] == before_row["total"] - 2  # three entries became one item
    assert "counts once per cell" in after.content.decode()


def test_restricted_projects_are_hidden_from_anonymous(client, project):
    PageViewRestriction.objects.create(page=project, restriction_type="login")
    entry(project, kind="enabler", category="pace", level="regional", description="Hidden pace")
    response = client.get(reverse(EXPLORER), {"kind": "enabler", "category": "pace"})
    assert "Hidden pace" not in response.content.decode()
    assert cell(response, "enabler", "pace", "regional") == visible_orm_count(
        AnonymousUser(), "enabler", "pace", "regional"
    )
    user = UserFactory()
    client.force_login(user)
    response = client.get(reverse(EXPLORER), {"kind": "enabler", "category": "pace"})
    assert "Hidden pace" in response.content.decode()
    assert cell(response, "enabler", "pace", "regional") == visible_orm_count(
        user, "enabler", "pace", "regional"
    )


def test_filters_narrow_the_list(client, project):
    theme = Theme.objects.create(name="Explorer theme", slug="explorer-theme")
    project.themes.add(theme)
    project.save()
    entry(project, kind="barrier", category="hr", level="regional", description="Themed HR")
    response = client.get(
        reverse(EXPLORER),
        {"kind": "barrier", "category": "hr", "level": "regional", "theme": "explorer-theme"},
    )
    assert response.status_code == 200
    items = list(response.context["items"])
    assert [i.name for i in items] == ["Themed HR"]
    assert cell(response, "barrier", "hr", "regional") == 1
    assert len(response.context["tables"]) == 1  # only the chosen kind


@pytest.mark.parametrize(
    "params",
    [{"kind": "obstacle"}, {"category": "weather"}, {"level": "galactic"}, {"theme": "nope"}],
)
def test_bad_filter_values_are_400_with_a_message(client, params):
    response = client.get(reverse(EXPLORER), params)
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    assert escape(next(iter(params.values()))) in response.content.decode()


def test_only_curators_see_merge_controls(client, curator):
    assert 'name="item"' not in client.get(reverse(EXPLORER)).content.decode()
    client.force_login(UserFactory())
    assert 'name="item"' not in client.get(reverse(EXPLORER)).content.decode()
    client.force_login(curator)
    body = client.get(reverse(EXPLORER)).content.decode()
    assert 'name="item"' in body and "Merge selected" in body


def test_merge_and_unmerge_are_forbidden_to_others(client, project):
    a = entry(project, description="A")
    b = entry(project, description="B")
    for user in (None, UserFactory()):
        if user:
            client.force_login(user)
        assert merge(client, f"e{a.pk}", f"e{b.pk}").status_code == 403
        assert client.post(reverse(UNMERGE), {"member": a.pk}).status_code == 403
    assert not BarrierGroup.objects.exists()
    assert client.get(reverse(MERGE)).status_code == 405


def test_curator_merges_with_confirmation(client, curator, project):
    a = entry(project, description="  Rules   differ between bodies  ", category="procurement")
    b = entry(project, description="Different procurement rules", category="hr")
    client.force_login(curator)
    step1 = client.post(reverse(MERGE), {"item": [f"e{a.pk}", f"e{b.pk}"]})
    assert step1.status_code == 200
    form = step1.context["form"]
    assert form.initial == {"name": "Rules differ between bodies", "category": "procurement"}
    assert not BarrierGroup.objects.exists()  # nothing changes before confirmation
    response = merge(client, f"e{a.pk}", f"e{b.pk}", name="Rules differ", category="procurement")
    assert response.status_code == 302
    group = BarrierGroup.objects.get()
    assert group.name == "Rules differ" and group.category == "procurement"
    assert group.kind == "barrier" and group.merged_by == curator
    assert set(group.members.values_list("entry_id", flat=True)) == {a.pk, b.pk}
    body = client.get(reverse(EXPLORER), {"category": "procurement"}).content.decode()
    assert "Rules differ" in body and "Different procurement rules" in body


def test_mixed_kinds_are_refused(client, curator, project):
    a = entry(project, kind="barrier")
    b = entry(project, kind="enabler")
    client.force_login(curator)
    for data in (
        {"item": [f"e{a.pk}", f"e{b.pk}"]},
        {"item": [f"e{a.pk}", f"e{b.pk}"], "step": "confirm", "name": "x", "category": "funding"},
    ):
        response = client.post(reverse(MERGE), data)
        assert response.status_code == 400
        assert "barriers and enablers together" in response.content.decode()
    assert not BarrierGroup.objects.exists()


def test_bad_selections_are_refused(client, curator, project, sections):
    a = entry(project)
    hidden_project = HighImpactProjectPageFactory(parent=sections["projects"])
    secret = Group.objects.create(name="Secret club")
    restriction = PageViewRestriction.objects.create(page=hidden_project, restriction_type="groups")
    restriction.groups.add(secret)
    hidden = entry(hidden_project)
    client.force_login(curator)
    cases = [
        ([f"e{a.pk}"], "at least two"),
        ([f"e{a.pk}", f"e{hidden.pk}"], "no longer exist"),
        ([f"e{a.pk}", "x1"], "not understood"),
        ([f"e{a.pk}", "g999999"], "no longer exist"),
    ]
    for items, message in cases:
        response = client.post(reverse(MERGE), {"item": items})
        assert response.status_code == 400, items
        assert message in response.content.decode()
    assert not BarrierGroup.objects.exists()


def test_blank_name_is_refused(client, curator, project):
    a, b = entry(project), entry(project)
    client.force_login(curator)
    response = merge(client, f"e{a.pk}", f"e{b.pk}", name="   ")
    assert response.status_code == 400
    assert "Enter the wording for the merged item" in response.content.decode()
    assert not BarrierGroup.objects.exists()


def test_merging_groups_merges_them(client, curator, project):
    a, b, c, d = (entry(project, description=x) for x in "ABCD")
    client.force_login(curator)
    merge(client, f"e{a.pk}", f"e{b.pk}", name="First")
    merge(client, f"e{c.pk}", f"e{d.pk}", name="Second")
    first, second = BarrierGroup.objects.order_by("pk")
    e = entry(project, description="E")
    # One group chosen by its checkbox, the other through one of its entries, plus a loose one.
    response = merge(client, f"g{second.pk}", f"e{a.pk}", f"e{e.pk}", name="All together")
    assert response.status_code == 302
    kept = BarrierGroup.objects.get()
    assert kept.pk == first.pk and kept.name == "All together"
    assert set(kept.members.values_list("entry_id", flat=True)) == {
        a.pk,
        b.pk,
        c.pk,
        d.pk,
        e.pk,
    }


def test_remove_from_group_and_undo_merge(client, curator, project):
    a, b, c = (entry(project, description=x) for x in "ABC")
    client.force_login(curator)
    merge(client, f"e{a.pk}", f"e{b.pk}", f"e{c.pk}")
    group = BarrierGroup.objects.get()
    response = client.post(reverse(UNMERGE), {"member": a.pk, "next": "/barriers-and-enablers/"})
    assert response.status_code == 302
    assert set(group.members.values_list("entry_id", flat=True)) == {b.pk, c.pk}
    # Taking out one more leaves a group of one, which is no merge at all.
    client.post(reverse(UNMERGE), {"member": b.pk})
    assert not BarrierGroup.objects.exists()
    assert not BarrierGroupMember.objects.exists()
    merge(client, f"e{a.pk}", f"e{b.pk}")
    group = BarrierGroup.objects.get()
    client.post(reverse(UNMERGE), {"group": group.pk})
    assert not BarrierGroup.objects.exists()
    assert BarrierEnabler.objects.filter(pk__in=[a.pk, b.pk, c.pk]).count() == 3


def test_unmerge_ignores_unsafe_next(client, curator, project):
    a, b = entry(project), entry(project)
    client.force_login(curator)
    merge(client, f"e{a.pk}", f"e{b.pk}")
    response = client.post(
        reverse(UNMERGE), {"group": BarrierGroup.objects.get().pk, "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse(EXPLORER)


def test_group_shows_only_visible_members(client, curator, project, sections):
    other = HighImpactProjectPageFactory(parent=sections["projects"], title="Members-only project")
    a = entry(project, description="Public wording")
    b = entry(other, description="Members-only wording")
    client.force_login(curator)
    merge(client, f"e{a.pk}", f"e{b.pk}", name="Shared wording")
    PageViewRestriction.objects.create(page=other, restriction_type="login")
    client.logout()
    body = client.get(reverse(EXPLORER), {"category": "funding"}).content.decode()
    assert "Shared wording" in body and "Public wording" in body
    assert "Members-only wording" not in body


def test_query_bounds(client, curator, project, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        client.get(reverse(EXPLORER))
    for n in range(10):
        entry(project, description=f"Extra {n}")
    with django_assert_max_num_queries(6):
        client.get(reverse(EXPLORER))
    client.force_login(curator)
    with django_assert_max_num_queries(14):
        client.get(reverse(EXPLORER))
