"""Joining, leaving and running a community's membership, as people do it over HTTP.

The three join policies (open, request, invitation only), what facilitators do on the members
page (approve, decline, remove, promote, demote, invite; each logged), the rule that a community
always keeps a facilitator, and the single-use, expiring invitation links.
"""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from communities import membership
from communities.models import Invitation, Membership, ModerationAction, Thread
from tests.communities.conftest import join, thread_in

pytestmark = pytest.mark.django_db

Action = ModerationAction.Action
Status = Membership.Status
Role = Membership.Role


def at(community, path: str = "") -> str:
    return community.url + path


def text(response) -> str:
    return html.unescape(response.content.decode())


def manage(client, community, member: Membership, action: str, reason: str = ""):
    return client.post(
        at(community, f"members/{member.pk}/"), {"action": action, "reason": reason}, follow=True
    )


@pytest.fixture
def people(make_user):
    """fran facilitates; gwen, huw and ifan join, ask or stay outside (established accounts)."""
    return {name: make_user(f"mt_{name}") for name in ("fran", "gwen", "huw", "ifan")}


@pytest.fixture
def run(make_community, people):
    """A community of the given policy and visibility, facilitated by fran, with a thread."""

    def make(slug: str, join_policy: str = "open", visibility: str = "public"):
        community = make_community(slug, visibility=visibility, join_policy=join_policy)
        join(people["fran"], community, role=Role.FACILITATOR)
        thread = thread_in(community, people["fran"], "Welcome thread", "Say hello")
        return community, thread

    return make


# --- Open communities --------------------------------------------------------------------------


def test_joining_an_open_community_makes_you_a_member_who_can_post(client, run, people):
    community, _thread = run("mt-open")
    client.force_login(people["gwen"])

    response = client.post(at(community, "join/"), follow=True)

    assert f"You are now a member of {community.title}." in text(response)
    assert Membership.objects.get(community=community, user=people["gwen"]).status == Status.ACTIVE
    posted = client.post(at(community, "threads/new/"), {"title": "Hello all", "body": "Hi"})
    assert posted.status_code == 302
    assert Thread.objects.filter(community=community, title="Hello all").exists()


def test_joining_twice_keeps_one_membership(client, run, people):
    community, _thread = run("mt-open-twice")
    client.force_login(people["gwen"])

    client.post(at(community, "join/"))
    client.post(at(community, "join/"))

    assert Membership.objects.filter(community=community, user=people["gwen"]).count() == 1


def test_joining_needs_sign_in_and_a_post(client, run, people):
    community, _thread = run("mt-open-anon")

    anonymous = client.post(at(community, "join/"))
    client.force_login(people["gwen"])
    by_get = client.get(at(community, "join/"))

    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/en/accounts/login/")
    assert by_get.status_code == 302 and by_get["Location"] == community.url
    assert not Membership.objects.filter(community=community, user=people["gwen"]).exists()


def test_a_member_can_leave(client, run, people):
    community, _thread = run("mt-open-leave")
    join(people["gwen"], community)
    client.force_login(people["gwen"])

    response = client.post(at(community, "leave/"), follow=True)

    assert f"You have left {community.title}." in text(response)
    assert not Membership.objects.filter(community=community, user=people["gwen"]).exists()
    refused = client.post(at(community, "threads/new/"), {"title": "Back", "body": "Hi"})
    assert refused.status_code == 302 and refused["Location"] == community.url


# --- Request communities -------------------------------------------------------------------------


def test_asking_to_join_creates_a_request_with_a_message_and_no_access_yet(client, run, people):
    community, thread = run("mt-request", join_policy="request", visibility="private")
    client.force_login(people["gwen"])

    response = client.post(
        at(community, "join/"), {"message": "I run the Gwent pilot."}, follow=True
    )

    assert "Your request has been sent. A facilitator will look at it soon." in text(response)
    request = Membership.objects.get(community=community, user=people["gwen"])
    assert (request.status, request.role, request.message) == (
        Status.REQUESTED,
        Role.MEMBER,
        "I run the Gwent pilot.",
    )
    assert client.get(thread.get_url()).status_code == 404
    assert client.get(at(community, "threads/new/")).status_code == 404
    assert "Welcome thread" not in text(client.get(community.url))


def test_the_facilitator_sees_the_request_and_approves_it(client, run, people):
    community, thread = run("mt-request-approve", join_policy="request", visibility="private")
    client.force_login(people["gwen"])
    client.post(at(community, "join/"), {"message": "Please let me in"})
    request = Membership.objects.get(community=community, user=people["gwen"])

    client.force_login(people["fran"])
    home = text(client.get(community.url))
    members = text(client.get(at(community, "members/")))
    response = manage(client, community, request, "approve", "Known to us")

    assert "Members (1 waiting)" in home
    assert "Asking to join" in members and "mt_gwen" in members
    assert "“Please let me in”" in members
    assert f'action="{at(community, f"members/{request.pk}/")}"' in members
    assert "Done. The change is in the moderation log." in text(response)
    request.refresh_from_db()
    assert (request.status, request.decided_by) == (Status.ACTIVE, people["fran"])
    entry = ModerationAction.objects.get(community=community, action=Action.APPROVE)
    assert (entry.actor, entry.member, entry.reason) == (
        people["fran"],
        people["gwen"],
        "Known to us",
    )

    client.force_login(people["gwen"])
    assert client.get(thread.get_url()).status_code == 200


def test_declining_a_request_removes_it(client, run, people):
    community, thread = run("mt-request-decline", join_policy="request", visibility="private")
    request = join(people["gwen"], community, status=Status.REQUESTED)
    client.force_login(people["fran"])

    manage(client, community, request, "decline")

    assert not Membership.objects.filter(pk=request.pk).exists()
    entry = ModerationAction.objects.get(community=community, action=Action.DECLINE)
    assert (entry.actor, entry.member) == (people["fran"], people["gwen"])
    client.force_login(people["gwen"])
    assert client.get(thread.get_url()).status_code == 404


def test_member_actions_that_do_not_fit_the_membership_are_refused(client, run, people):
    community, _thread = run("mt-request-odd", join_policy="request")
    member = join(people["gwen"], community)
    request = join(people["huw"], community, status=Status.REQUESTED)
    client.force_login(people["fran"])

    approve_member = manage(client, community, member, "approve")
    decline_member = manage(client, community, member, "decline")
    promote_request = manage(client, community, request, "promote")
    unknown = manage(client, community, member, "ban")

    assert "That person is already a member." in text(approve_member)
    assert "Only requests can be declined; remove members instead." in text(decline_member)
    assert "Approve the request first." in text(promote_request)
    assert "Unknown member or action." in text(unknown)
    member.refresh_from_db()
    request.refresh_from_db()
    assert (member.status, member.role) == (Status.ACTIVE, Role.MEMBER)
    assert (request.status, request.role) == (Status.REQUESTED, Role.MEMBER)
    assert not ModerationAction.objects.filter(community=community).exists()


def test_a_public_request_community_is_readable_but_not_postable_before_approval(
    client, run, people
):
    community, thread = run("mt-request-public", join_policy="request")
    join(people["gwen"], community, status=Status.REQUESTED)
    client.force_login(people["gwen"])

    assert client.get(thread.get_url()).status_code == 200
    response = client.post(
        at(community, "threads/new/"), {"title": "Early", "body": "Hi"}, follow=True
    )
    assert "Join this community to start a thread." in text(response)
    assert not Thread.objects.filter(title="Early").exists()


# --- Running the membership -----------------------------------------------------------------------


def test_removing_a_member_takes_away_their_access(client, run, people):
    community, thread = run("mt-remove", visibility="private")
    member = join(people["gwen"], community)
    client.force_login(people["fran"])

    manage(client, community, member, "remove", "Left the organisation")

    assert not Membership.objects.filter(pk=member.pk).exists()
    entry = ModerationAction.objects.get(community=community, action=Action.REMOVE_MEMBER)
    assert (entry.actor, entry.member, entry.reason) == (
        people["fran"],
        people["gwen"],
        "Left the organisation",
    )
    client.force_login(people["gwen"])
    assert client.get(thread.get_url()).status_code == 404


def test_promoting_a_member_makes_them_a_facilitator(client, run, people):
    community, thread = run("mt-promote")
    member = join(people["gwen"], community)
    client.force_login(people["fran"])

    manage(client, community, member, "promote")

    member.refresh_from_db()
    assert member.role == Role.FACILITATOR
    entry = ModerationAction.objects.get(community=community, action=Action.PROMOTE)
    assert (entry.actor, entry.member) == (people["fran"], people["gwen"])
    client.force_login(people["gwen"])
    assert client.get(at(community, "moderation/")).status_code == 200
    assert client.get(at(community, f"threads/{thread.pk}/moderate/")).status_code == 200


def test_a_facilitator_can_be_made_a_member_again_while_another_remains(client, run, people):
    community, _thread = run("mt-demote")
    second = join(people["gwen"], community, role=Role.FACILITATOR)
    client.force_login(people["fran"])

    response = manage(client, community, second, "demote")

    assert "Done. The change is in the moderation log." in text(response)
    second.refresh_from_db()
    assert second.role == Role.MEMBER
    entry = ModerationAction.objects.get(community=community, member=people["gwen"])
    assert entry.action == ModerationAction.Action.DEMOTE


def test_the_log_does_not_call_a_demotion_a_promotion(client, run, people):
    community, _thread = run("mt-demote-log")
    second = join(people["gwen"], community, role=Role.FACILITATOR)
    client.force_login(people["fran"])
    manage(client, community, second, "demote")

    log = text(client.get(at(community, "moderation/")))

    assert ModerationAction.objects.get(member=people["gwen"]).action != Action.PROMOTE
    assert "Made facilitator: mt_gwen" not in log


def test_the_members_page_shows_management_only_to_facilitators(client, run, people):
    community, _thread = run("mt-members-page")
    join(people["gwen"], community)
    join(people["huw"], community, status=Status.REQUESTED)

    client.force_login(people["gwen"])
    as_member = text(client.get(at(community, "members/")))
    client.force_login(people["fran"])
    as_facilitator = text(client.get(at(community, "members/")))

    assert "2 members" in as_member and "mt_gwen" in as_member
    assert "Asking to join" not in as_member and "mt_huw" not in as_member
    assert "Invite someone" not in as_member and "Make facilitator" not in as_member
    assert "Asking to join" in as_facilitator and "mt_huw" in as_facilitator
    assert "Invite someone" in as_facilitator and "Make facilitator" in as_facilitator


# --- Keeping at least one facilitator -----------------------------------------------------------


def test_the_last_facilitator_cannot_leave(client, run, people):
    community, _thread = run("mt-last-leave")
    join(people["gwen"], community)
    client.force_login(people["fran"])

    response = client.post(at(community, "leave/"), follow=True)

    assert (
        "You are this community's only facilitator. Make someone else a facilitator first."
        in text(response)
    )
    assert Membership.objects.filter(
        community=community, user=people["fran"], role=Role.FACILITATOR
    ).exists()


def test_a_facilitator_can_leave_when_another_remains(client, run, people):
    community, _thread = run("mt-second-leave")
    join(people["gwen"], community, role=Role.FACILITATOR)
    client.force_login(people["fran"])

    client.post(at(community, "leave/"))

    assert not Membership.objects.filter(community=community, user=people["fran"]).exists()


@pytest.mark.parametrize("action", ["remove", "demote"])
def test_the_last_facilitator_cannot_be_removed_or_demoted(client, run, people, make_user, action):
    community, _thread = run(f"mt-last-{action}")
    last = Membership.objects.get(community=community, user=people["fran"])
    curator = make_user(f"mt_curator_{action}", curator=True)  # moderates every community

    for actor in (people["fran"], curator):
        client.force_login(actor)
        response = manage(client, community, last, action, "Tidying up")
        assert "A community needs at least one facilitator." in text(response)

    last.refresh_from_db()
    assert last.role == Role.FACILITATOR
    assert not ModerationAction.objects.filter(community=community).exists()
    with pytest.raises(ValidationError, match="at least one facilitator"):
        membership.manage_member(community, curator, last, action)


def test_a_facilitator_whose_only_fellow_is_still_asking_is_still_the_last(run, people):
    community, _thread = run("mt-last-requested")
    pending = join(people["gwen"], community, role=Role.FACILITATOR, status=Status.REQUESTED)
    assert pending.status == Status.REQUESTED

    with pytest.raises(PermissionDenied, match="only facilitator"):
        membership.leave(community, people["fran"])


# --- Invitations ----------------------------------------------------------------------------------


def invite_by_email(client, community, facilitator, email: str = "newcomer@example.org"):
    client.force_login(facilitator)
    response = client.post(at(community, "members/invite/"), {"email": email}, follow=True)
    return response, Invitation.objects.get(community=community, email=email)


def test_an_invitation_only_community_refuses_a_plain_join(client, run, people):
    community, _thread = run("mt-invite-join", join_policy="invite")
    client.force_login(people["gwen"])

    response = client.post(at(community, "join/"), {"message": "Please"}, follow=True)

    assert (
        "This community is by invitation only. Ask one of its facilitators for an invitation."
        in text(response)
    )
    assert not Membership.objects.filter(community=community, user=people["gwen"]).exists()


def test_a_facilitator_invites_by_email_with_a_single_use_link(client, run, people):
    community, _thread = run("mt-invite-mail", join_policy="invite", visibility="private")

    response, invitation = invite_by_email(client, community, people["fran"])

    assert "An invitation has been sent to newcomer@example.org." in text(response)
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["newcomer@example.org"]
    assert email.subject == f"You are invited to join {community.title}"
    links = re.findall(r"https?://\S+/invitations/\S+/", email.body)
    assert links == [f"http://testserver/en/invitations/{invitation.token}/"]
    assert invitation.invited_by == people["fran"] and invitation.usable
    entry = ModerationAction.objects.get(community=community, action=Action.INVITE)
    assert (entry.actor, entry.reason) == (people["fran"], "Invited newcomer@example.org")


def test_an_invalid_email_address_is_refused_clearly(client, run, people):
    community, _thread = run("mt-invite-bad", join_policy="invite")
    client.force_login(people["fran"])

    response = client.post(at(community, "members/invite/"), {"email": "not-an-email"}, follow=True)

    assert "Enter an email address like name@example.org." in text(response)
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_following_an_invitation_link_and_accepting_it(client, run, people):
    community, thread = run("mt-invite-accept", join_policy="invite", visibility="private")
    _response, invitation = invite_by_email(client, community, people["fran"])
    link = f"/en/invitations/{invitation.token}/"
    client.logout()

    anonymous = client.get(link)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/en/accounts/login/")
    assert "next=/en/invitations/" in anonymous["Location"]

    client.force_login(people["gwen"])
    page = client.get(link)
    assert page.status_code == 200
    assert f"Invitation to {community.title}" in text(page) and "Accept and join" in text(page)

    accepted = client.post(link)
    assert accepted.status_code == 302 and accepted["Location"] == community.url
    member = Membership.objects.get(community=community, user=people["gwen"])
    assert (member.status, member.role) == (Status.ACTIVE, Role.MEMBER)
    invitation.refresh_from_db()
    assert invitation.accepted is not None and invitation.accepted_by == people["gwen"]
    assert f"Welcome to {community.title}." in text(client.get(community.url))
    assert client.get(thread.get_url()).status_code == 200


def test_an_invitation_works_only_once(client, run, people):
    community, _thread = run("mt-invite-twice", join_policy="invite", visibility="private")
    _response, invitation = invite_by_email(client, community, people["fran"])
    link = f"/en/invitations/{invitation.token}/"
    client.force_login(people["gwen"])
    client.post(link)

    client.force_login(people["huw"])
    shown = client.get(link)
    second = client.post(link)

    assert shown.status_code == 410
    assert "This invitation has already been used." in text(shown)
    assert second.status_code == 410
    assert "This invitation has already been used." in text(second)
    assert not Membership.objects.filter(community=community, user=people["huw"]).exists()


def test_an_invitation_promotes_a_pending_request(run, people):
    community, _thread = run("mt-invite-request", join_policy="invite")
    request = join(people["gwen"], community, status=Status.REQUESTED)
    invitation = membership.invite(community, people["fran"], "gwen@example.org")

    membership.accept_invitation(invitation.token, people["gwen"])

    request.refresh_from_db()
    assert request.status == Status.ACTIVE


def test_an_expired_invitation_is_refused(client, run, people):
    community, _thread = run("mt-invite-expired", join_policy="invite", visibility="private")
    _response, invitation = invite_by_email(client, community, people["fran"])
    invitation.expires = timezone.now() - timedelta(minutes=1)
    invitation.save(update_fields=["expires"])
    link = f"/en/invitations/{invitation.token}/"
    client.force_login(people["gwen"])

    shown = client.get(link)
    used = client.post(link)

    assert shown.status_code == 410
    assert "This invitation expired on" in text(shown)
    assert "Ask the facilitator who sent it for a new one." in text(shown)
    assert "Accept and join" not in text(shown)
    assert used.status_code == 410
    assert "This invitation has expired. Ask the facilitator who sent it for a new one." in text(
        used
    )
    assert not Membership.objects.filter(community=community, user=people["gwen"]).exists()
    invitation.refresh_from_db()
    assert invitation.accepted is None


@pytest.mark.parametrize("token", ["no-such-token", "x" * 200, "%00", "..%2F..%2Fadmin"])
def test_an_unknown_invitation_is_404(client, people, token):
    assert client.get(f"/en/invitations/{token}/").status_code == 404
    client.force_login(people["gwen"])
    assert client.get(f"/en/invitations/{token}/").status_code == 404
    assert client.post(f"/en/invitations/{token}/").status_code == 404


def test_an_invitation_to_an_unpublished_community_is_404(client, run, people):
    community, _thread = run("mt-invite-gone", join_policy="invite")
    invitation = membership.invite(community, people["fran"], "gwen@example.org")
    community.unpublish()
    client.force_login(people["gwen"])

    assert client.get(f"/en/invitations/{invitation.token}/").status_code == 404


# --- Only facilitators run the membership ---------------------------------------------------------


@pytest.mark.parametrize("visibility", ["public", "private"])
def test_non_facilitators_cannot_manage_members_or_invite(client, run, people, visibility):
    community, _thread = run(f"mt-not-facilitator-{visibility}", visibility=visibility)
    target = join(people["huw"], community)
    join(people["gwen"], community)

    for user in (people["gwen"], people["ifan"]):  # a member, then someone outside
        client.force_login(user)
        manage_response = client.post(at(community, f"members/{target.pk}/"), {"action": "remove"})
        invite_response = client.post(
            at(community, "members/invite/"), {"email": "friend@example.org"}
        )
        assert manage_response.status_code == 404
        assert invite_response.status_code == 404
    client.logout()
    assert (
        client.post(at(community, f"members/{target.pk}/"), {"action": "remove"}).status_code == 404
    )
    assert (
        client.post(at(community, "members/invite/"), {"email": "a@example.org"}).status_code == 404
    )

    assert Membership.objects.filter(pk=target.pk).exists()
    assert not Invitation.objects.exists()
    assert mail.outbox == []
    with pytest.raises(PermissionDenied):
        membership.manage_member(community, people["gwen"], target, "remove")
    with pytest.raises(PermissionDenied):
        membership.invite(community, people["gwen"], "friend@example.org")


def test_a_facilitator_cannot_manage_a_membership_of_another_community(client, run, people):
    mine, _thread = run("mt-mine")
    theirs, _other = run("mt-theirs")
    elsewhere = join(people["gwen"], theirs)
    Membership.objects.filter(community=theirs, user=people["fran"]).delete()
    client.force_login(people["fran"])

    response = client.post(at(mine, f"members/{elsewhere.pk}/"), {"action": "remove"})

    assert response.status_code == 404
    assert Membership.objects.filter(pk=elsewhere.pk).exists()


def test_the_members_page_of_a_private_community_is_404_to_outsiders(client, run, people):
    community, _thread = run("mt-private-members", visibility="private")

    client.force_login(people["ifan"])
    assert client.get(at(community, "members/")).status_code == 404
    client.logout()
    assert client.get(at(community, "members/")).status_code == 404
