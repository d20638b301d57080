"""The member directory, "people working on this", and the contact route."""

from __future__ import annotations

import pytest
from django.core import mail

from communities.models import ContactMessage, Profile
from learning.models import Organisation, Region, Theme
from tests.communities.conftest import join

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(make_user):
    wales = Region.objects.get(slug="wales")
    area = Region.objects.filter(kind=Region.Kind.AREA, parent__parent=wales).first()
    frail = Theme.objects.get(slug="frail-elderly")
    org = Organisation.objects.filter(kind=Organisation.Kind.COUNCIL).first()

    def person(username: str, visibility: str, **fields) -> Profile:
        user = make_user(username)
        profile = user.profile
        profile.display_name = fields.pop("name", username.title())
        profile.visibility = visibility
        for key, value in fields.items():
            setattr(profile, key, value)
        profile.save()
        profile.themes.set([frail])
        return profile

    return {
        "open": person("dir_open", "public", region=area, organisation=org, job_title="Planner"),
        "members": person("dir_members", "members", region=area),
        "hidden": person("dir_hidden", "hidden", region=area),
        "area": area,
        "wales": wales,
        "org": org,
    }


def names(response) -> str:
    return response.content.decode()


def test_directory_shows_only_what_each_member_chose(client, people, make_user):
    html = names(client.get("/en/members/", {"theme": "frail-elderly"}))
    assert "Dir_Open" in html and "Dir_Members" not in html and "Dir_Hidden" not in html
    client.force_login(make_user("dir_viewer"))
    html = names(client.get("/en/members/", {"theme": "frail-elderly"}))
    assert "Dir_Open" in html and "Dir_Members" in html and "Dir_Hidden" not in html


def test_choosing_a_nation_finds_people_in_its_areas(client, people, make_user):
    client.force_login(make_user("dir_viewer"))
    html = names(client.get("/en/members/", {"theme": "frail-elderly", "region": "wales"}))
    assert "Dir_Open" in html and "Dir_Members" in html
    other = Region.objects.exclude(pk__in=Region.descendant_ids_of([people["wales"].pk])).first()
    html = names(client.get("/en/members/", {"region": other.slug, "q": "dir_"}))
    assert "Dir_Open" not in html


def test_filters_by_organisation_type_words_and_unknown_values(client, people):
    org = people["org"]
    html = names(client.get("/en/members/", {"org": org.slug, "org_type": org.kind}))
    assert "Dir_Open" in html
    assert "Dir_Open" in names(client.get("/en/members/", {"q": "planner"}))
    response = client.get("/en/members/", {"region": "atlantis", "org_type": "guild"})
    assert response.status_code == 200
    assert "That place is not in the list." in names(response)


def test_a_private_community_filter_lists_members_only_to_those_who_may_read_it(
    client, people, make_community, make_user
):
    private = make_community("dir-private", visibility="private")
    join(people["open"].user, private)
    outsider = make_user("dir_outsider")
    client.force_login(outsider)
    assert "Dir_Open" not in names(client.get("/en/members/", {"community": "dir-private"}))
    insider = make_user("dir_insider")
    join(insider, private)
    client.force_login(insider)
    assert "Dir_Open" in names(client.get("/en/members/", {"community": "dir-private"}))


def test_people_working_on_a_theme_appear_on_its_page(client, people, make_user):
    client.force_login(make_user("dir_viewer"))
    html = names(client.get("/en/themes/frail-elderly/"))
    assert "People working on this" in html
    assert "Dir_Members" in html or "See all" in html
    assert "Dir_Hidden" not in html


def test_contact_sends_an_email_without_showing_addresses(client, people, make_user):
    sender = make_user("dir_sender")
    client.force_login(sender)
    url = "/en/members/dir_open/contact/"
    page = names(client.get(url))
    assert "dir_open@example.org" not in page
    response = client.post(url, {"subject": "Frailty pathway", "body": "Can we talk?"})
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.to == ["dir_open@example.org"]
    assert message.reply_to == ["dir_sender@example.org"]
    assert "Can we talk?" in message.body
    assert "dir_open@example.org" not in names(client.get("/en/members/dir_open/"))


def test_contact_needs_sign_in_a_visible_profile_and_consent(client, people, make_user):
    assert client.get("/en/members/dir_open/contact/").status_code == 302  # to sign in
    client.force_login(make_user("dir_sender"))
    assert client.get("/en/members/dir_hidden/contact/").status_code == 404
    people["open"].accepts_messages = False
    people["open"].save()
    assert client.get("/en/members/dir_open/contact/").status_code == 404
    assert "Send Dir_Open a message" not in names(client.get("/en/members/dir_open/"))


def test_contact_is_rate_limited_with_a_clear_message(client, people, make_user):
    sender = make_user("dir_sender")
    client.force_login(sender)
    for number in range(5):
        client.post("/en/members/dir_open/contact/", {"subject": f"Hello {number}", "body": "Hi"})
    response = client.post("/en/members/dir_open/contact/", {"subject": "Again", "body": "Hi"})
    assert response.status_code == 400
    assert "You can send 5 messages an hour" in names(response)
    assert ContactMessage.objects.filter(sender=sender).count() == 5


def test_new_accounts_can_send_three_messages_a_day(client, people, make_user):
    newcomer = make_user("dir_new", old=False)
    client.force_login(newcomer)
    for number in range(3):
        client.post("/en/members/dir_open/contact/", {"subject": f"Hello {number}", "body": "Hi"})
    response = client.post("/en/members/dir_open/contact/", {"subject": "Again", "body": "Hi"})
    assert "You can send 3 messages a day while your account is new" in names(response)


def test_empty_contact_form_says_what_to_do(client, people, make_user):
    client.force_login(make_user("dir_sender"))
    response = client.post("/en/members/dir_open/contact/", {})
    assert response.status_code == 400
    assert "Give your message a subject." in names(response)
    assert "Write your message." in names(response)


def test_an_organisation_page_lists_its_visible_people_and_their_communities(
    client, people, make_community, make_user
):
    org = people["org"]
    hidden = people["hidden"]
    hidden.organisation = org
    hidden.save()
    public = make_community("dir-org-public")
    private = make_community("dir-org-private", visibility="private")
    join(people["open"].user, public)
    join(people["open"].user, private)
    html = names(client.get(org.get_absolute_url()))
    assert "Its people on the exchange" in html
    assert "Dir_Open" in html and "Dir_Hidden" not in html
    assert "Dir Org Public" in html and "Dir Org Private" not in html
    insider = make_user("dir_org_insider")
    join(insider, private)
    client.force_login(insider)
    assert "Dir Org Private" in names(client.get(org.get_absolute_url()))
