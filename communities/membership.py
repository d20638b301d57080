"""Joining, leaving and running a community's membership.

Like `communities.forum`, each function checks the rule itself and logs what facilitators do.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from communities import permissions
from communities.forum import _require_moderator, log
from communities.models import CommunityPage, Invitation, Membership, ModerationAction
from cop_site.i18n import in_language_for_address

Policy = CommunityPage.JoinPolicy


def join(community: CommunityPage, user: Any, message: str = "") -> Membership:
    """Join an open community, or ask to join one that needs a facilitator's approval."""
    if not user.is_authenticated:
        raise PermissionDenied(gettext("Sign in to join a community."))
    existing = Membership.objects.filter(community=community, user=user).first()
    if existing:
        return existing
    if community.join_policy == Policy.INVITE:
        raise PermissionDenied(
            gettext(
                "This community is by invitation only. Ask one of its facilitators for an "
                "invitation."
            )
        )
    status = (
        Membership.Status.ACTIVE
        if community.join_policy == Policy.OPEN
        else Membership.Status.REQUESTED
    )
    try:
        with transaction.atomic():
            membership = Membership.objects.create(
                community=community, user=user, status=status, message=message[:1000]
            )
    except IntegrityError:  # a double click: the first request won
        membership = Membership.objects.get(community=community, user=user)
    permissions.forget(user)
    return membership


def leave(community: CommunityPage, user: Any) -> None:
    """Leave (or withdraw a request). The last facilitator cannot leave a community alone."""
    membership = Membership.objects.filter(community=community, user=user).first()
    if membership is None:
        return
    if membership.role == Membership.Role.FACILITATOR and not _other_facilitators(membership):
        raise PermissionDenied(
            gettext(
                "You are this community's only facilitator. Make someone else a facilitator first."
            )
        )
    membership.delete()
    permissions.forget(user)


def _other_facilitators(membership: Membership) -> bool:
    return (
        Membership.objects.filter(
            community=membership.community,
            role=Membership.Role.FACILITATOR,
            status=Membership.Status.ACTIVE,
        )
        .exclude(pk=membership.pk)
        .exists()
    )


MEMBER_ACTIONS = ("approve", "decline", "remove", "promote", "demote")


def manage_member(
    community: CommunityPage, actor: Any, membership: Membership, action: str, reason: str = ""
) -> None:
    """A facilitator approves, declines, removes, promotes or demotes a member (logged)."""
    _require_moderator(actor, community)
    if membership.community_id != community.pk or action not in MEMBER_ACTIONS:
        raise ValidationError(gettext("Unknown member or action."))
    member = membership.user
    with transaction.atomic():
        if action == "approve":
            if membership.status != Membership.Status.REQUESTED:
                raise ValidationError(gettext("That person is already a member."))
            membership.status = Membership.Status.ACTIVE
            membership.decided_by = actor
            membership.save(update_fields=["status", "decided_by"])
            logged = ModerationAction.Action.APPROVE
        elif action == "decline":
            if membership.status != Membership.Status.REQUESTED:
                raise ValidationError(
                    gettext("Only requests can be declined; remove members instead.")
                )
            membership.delete()
            logged = ModerationAction.Action.DECLINE
        elif action == "remove":
            if membership.role == Membership.Role.FACILITATOR and not _other_facilitators(
                membership
            ):
                raise ValidationError(gettext("A community needs at least one facilitator."))
            membership.delete()
            logged = ModerationAction.Action.REMOVE_MEMBER
        elif action == "promote":
            if membership.status != Membership.Status.ACTIVE:
                raise ValidationError(gettext("Approve the request first."))
            membership.role = Membership.Role.FACILITATOR
            membership.save(update_fields=["role"])
            logged = ModerationAction.Action.PROMOTE
        else:
            if not _other_facilitators(membership):
                raise ValidationError(gettext("A community needs at least one facilitator."))
            membership.role = Membership.Role.MEMBER
            membership.save(update_fields=["role"])
            logged = ModerationAction.Action.DEMOTE
        log(community, actor, logged, member=member, reason=reason)


def invite(community: CommunityPage, actor: Any, email: str, request: Any = None) -> Invitation:
    """Send a single-use, expiring invitation link by email (facilitators only)."""
    _require_moderator(actor, community)
    invitation = Invitation.objects.create(community=community, email=email, invited_by=actor)
    with in_language_for_address(email):  # a member's own language, else the inviter's
        path = reverse("communities:invitation", kwargs={"token": invitation.token})
        link = (
            request.build_absolute_uri(path) if request else settings.WAGTAILADMIN_BASE_URL + path
        )
        context = {"invitation": invitation, "community": community, "link": link}
        send_mail(
            subject=gettext("You are invited to join %(community)s")
            % {"community": community.title},
            message=render_to_string("communities/email/invitation.txt", context),
            from_email=None,
            recipient_list=[email],
        )
    invited = gettext("Invited %(email)s") % {"email": email}
    log(community, actor, ModerationAction.Action.INVITE, reason=invited)
    return invitation


def accept_invitation(token: str, user: Any) -> Membership:
    """Use an invitation: once, before it expires, by a signed-in person."""
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update().select_related("community").get(token=token)
        )
        if invitation.accepted is not None:
            raise ValidationError(gettext("This invitation has already been used."))
        if invitation.expires <= timezone.now():
            raise ValidationError(
                gettext(
                    "This invitation has expired. Ask the facilitator who sent it for a new one."
                )
            )
        membership, created = Membership.objects.get_or_create(
            community=invitation.community, user=user
        )
        if not created and membership.status != Membership.Status.ACTIVE:
            membership.status = Membership.Status.ACTIVE
            membership.save(update_fields=["status"])
        invitation.accepted = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted", "accepted_by"])
    permissions.forget(user)
    return membership
