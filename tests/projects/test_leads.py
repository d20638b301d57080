"""Project leads keep their own project's numbers current, and only their own (issue 6, part 7).

The admin edit form is read and posted back as a browser would (every field the page renders),
so the tests exercise Wagtail's real permission checks and the savings records' validation.
"""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from wagtail.models import GroupPagePermission

from cop_site.site_structure import PROJECT_LEADS, ensure_site_structure
from projects.leads import lead_group, leads_of, make_lead, projects_led_by, remove_lead
from projects.models import HighImpactProjectPage, ProjectLeadGroup, SavingsRecord
from tests.factories import HighImpactProjectPageFactory, SavingsRecordFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def projects(sections):
    own = HighImpactProjectPageFactory(parent=sections["projects"], title="Own project")
    SavingsRecordFactory(page=own, description="Shared back office", amount=100000)
    other = HighImpactProjectPageFactory(parent=sections["projects"], title="Other project")
    return own, other


@pytest.fixture
def lead(projects):
    user = UserFactory(username="the-lead")
    make_lead(user, projects[0])
    return user


def edit_form_data(client, page: HighImpactProjectPage) -> dict[str, list[str]]:
    """Every field of the page's admin edit form with its current value, as a browser posts."""
    response = client.get(reverse("wagtailadmin_pages:edit", args=(page.pk,)))
    assert response.status_code == 200
    form = BeautifulSoup(response.content, "html.parser").find("form", id="page-edit-form")
    data: dict[str, list[str]] = {}
    for field in form.find_all(["input", "select", "textarea"]):
        name = field.get("name")
        if not name or field.get("type") in ("submit", "button", "file"):
            continue
        if field.name == "select":
            values = [
                o.get("value", o.text) for o in field.find_all("option") if o.has_attr("selected")
            ]
        elif field.get("type") in ("checkbox", "radio"):
            values = [field.get("value", "on")] if field.has_attr("checked") else []
        elif field.name == "textarea":
            values = [field.text.lstrip("\n")]
        else:
            values = [field.get("value", "")]
        data.setdefault(name, []).extend(values)
    return data


def with_savings_record(data: dict[str, list[str]], **values: str) -> dict[str, list[str]]:
    """The form data with one more savings record, as the admin's 'Add' button makes."""
    index = int(data["savings_records-TOTAL_FORMS"][0])
    data["savings_records-TOTAL_FORMS"] = [str(index + 1)]
    row = {
        "description": "Fewer residential placements",
        "amount": "250000",
        "amount_high": "",
        "currency": "GBP",
        "period": "per_year",
        "kind": "cashable",
        "status": "estimated",
        "source": "Board paper, March",
        "ORDER": str(index + 1),
        "DELETE": "",
        "id": "",
        **values,
    }
    for key, value in row.items():
        data[f"savings_records-{index}-{key}"] = [value]
    return data


def post_edit(client, page: HighImpactProjectPage, data: dict[str, list[str]]):
    data = {**data, "action-submit": ["Submit for moderation"]}
    return client.post(reverse("wagtailadmin_pages:edit", args=(page.pk,)), data)


def test_a_lead_may_edit_their_own_project_only(lead, projects):
    own, other = projects
    assert own.permissions_for_user(lead).can_edit()
    assert not own.permissions_for_user(lead).can_publish()
    assert not other.permissions_for_user(lead).can_edit()
    assert list(projects_led_by(lead)) == [own]
    assert list(leads_of(own)) == [lead]
    assert lead.groups.filter(name=PROJECT_LEADS).exists()


def test_the_project_leads_group_no_longer_changes_every_project(sections):
    ensure_site_structure()
    leads = Group.objects.get(name=PROJECT_LEADS)
    granted = set(
        GroupPagePermission.objects.filter(group=leads, page=sections["projects"]).values_list(
            "permission__codename", flat=True
        )
    )
    assert granted == {"add_page"}
    # The other moderated sections are unchanged: leads draft case studies for moderation.
    assert GroupPagePermission.objects.filter(
        group=leads, page=sections["case-studies"], permission__codename="change_page"
    ).exists()


def test_a_lead_adds_a_savings_record_to_their_project_in_the_admin(client, lead, projects):
    own, _other = projects
    client.force_login(lead)
    data = with_savings_record(edit_form_data(client, own), description="Fewer placements")
    response = post_edit(client, own, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    own.refresh_from_db()
    draft = own.get_latest_revision_as_object()
    assert [r.description for r in draft.savings_records.all()] == [
        "Shared back office",
        "Fewer placements",
    ]
    assert own.current_workflow_state.status == "in_progress"  # a curator approves it
    # Live numbers change only when a curator publishes.
    assert SavingsRecord.objects.filter(page=own).count() == 1


def test_a_lead_cannot_open_or_post_another_project(client, lead, projects):
    _own, other = projects
    client.force_login(lead)
    edit_url = reverse("wagtailadmin_pages:edit", args=(other.pk,))
    response = client.get(edit_url)
    assert response.status_code == 302 and response["Location"] != edit_url
    response = client.post(edit_url, {"title": "Taken over", "action-submit": "1"})
    assert response.status_code in (302, 403)
    other.refresh_from_db()
    assert other.title == "Other project"
    assert other.get_latest_revision() is None or (
        other.get_latest_revision_as_object().title == "Other project"
    )


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"amount": "-5"}, "Enter the saving as a positive number of pounds."),
        ({"amount_high": "-10"}, "Enter the high figure as a positive number of pounds."),
        ({"status": "verified", "source": ""}, "Say where a verified figure comes from"),
        ({"start_date": "2015-04-01", "end_date": "2014-03-31"}, "The end date must be on or"),
    ],
    ids=["negative-amount", "negative-high", "verified-without-source", "end-before-start"],
)
def test_the_admin_refuses_bad_savings_records_with_a_message(
    client, lead, projects, values, message
):
    own, _other = projects
    client.force_login(lead)
    data = with_savings_record(edit_form_data(client, own), **values)
    response = post_edit(client, own, data)
    assert response.status_code == 200  # the form again, with the errors
    body = response.content.decode()
    assert "The page could not be saved due to validation errors" in body
    errors = [
        e.get_text(" ", strip=True)
        for e in BeautifulSoup(body, "html.parser").select(".w-field__errors .error-message")
    ]
    assert any(message in error for error in errors), errors
    own.refresh_from_db()
    assert own.get_latest_revision() is None or (
        own.get_latest_revision_as_object().savings_records.count() == 1
    )


def test_a_lead_adds_a_learning_history_under_their_project(lead, projects):
    own, other = projects
    assert own.permissions_for_user(lead).can_add_subpage()
    # Under other projects they may still draft (the section-wide add), but not change them.
    assert not other.permissions_for_user(lead).can_edit()


def test_removing_a_lead_takes_the_permission_away(lead, projects):
    own, _other = projects
    assert remove_lead(lead, own)
    assert not own.permissions_for_user(lead).can_edit()
    assert not remove_lead(lead, own)  # a second time changes nothing
    assert lead.groups.filter(name=PROJECT_LEADS).exists()


def test_making_a_lead_twice_changes_nothing_and_renames_follow_the_title(lead, projects):
    own, _other = projects
    assert not make_lead(lead, own)
    own.title = "Own project, renamed"
    own.save()
    assert lead_group(own).name.endswith("Own project, renamed")
    assert GroupPagePermission.objects.filter(group=lead_group(own)).count() == 2


def test_deleting_a_project_deletes_its_lead_group(lead, projects):
    own, _other = projects
    group_id = lead_group(own).pk
    own.delete()
    assert not ProjectLeadGroup.objects.filter(group_id=group_id).exists()
    assert not Group.objects.filter(pk=group_id).exists()


def test_the_command_adds_lists_and_removes_leads(projects, capsys):
    own, _other = projects
    UserFactory(username="alex")
    call_command("project_leads", "add", "alex", own.slug)
    assert "alex now leads" in capsys.readouterr().out
    call_command("project_leads", "list", "--project", own.slug)
    assert f"{own.slug}: alex" in capsys.readouterr().out
    call_command("project_leads", "remove", "alex", own.slug)
    assert "no longer leads" in capsys.readouterr().out
    call_command("project_leads", "list", "--project", own.slug)
    assert f"{own.slug}: no leads" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [(("add", "nobody", "x"), "No user is called 'nobody'"),
     (("add", "alex", "no-such-project"), "No project has the slug 'no-such-project'")],
)  # fmt: skip
def test_the_command_explains_bad_names(projects, args, message):
    UserFactory(username="alex")
    with pytest.raises(CommandError, match=message):
        call_command("project_leads", *args)


def test_the_summary_is_one_field_and_an_edit_to_it_is_kept(client, lead, projects):
    """The summary used to be on two tabs; the second, empty copy was posted last and won."""
    own, _other = projects
    client.force_login(lead)
    data = edit_form_data(client, own)
    assert len(data["summary"]) == 1
    data["summary"] = ["A summary the lead typed."]
    assert post_edit(client, own, data).status_code == 302
    own.refresh_from_db()
    assert own.get_latest_revision_as_object().summary == "A summary the lead typed."
