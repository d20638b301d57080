"""Finding people: the member directory, "people working on this", and the contact route.

Everything starts from `Profile.objects.visible_to(user)`, so a member who hides their profile
is never listed, and one who shows it to signed-in members only is never listed to visitors.
Filters read the same fields the listing shows, so a filter cannot reveal a hidden detail.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMessage
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from communities import permissions
from communities.models import CommunityPage, ContactMessage, Membership, Profile
from cop_site.i18n import in_language_of

# Messages one member may send through the site: per hour and per day (new accounts: fewer).
CONTACT_LIMITS = {"per_hour": 5, "per_day": 20, "new_per_day": 3}


@dataclass
class DirectoryFilters:
    q: str = ""
    org: str = ""
    org_type: str = ""
    region: str = ""
    theme: str = ""
    project: str = ""
    community: str = ""
    errors: list[str] = field(default_factory=list)

    def active(self) -> bool:
        return any(
            [self.q, self.org, self.org_type, self.region, self.theme, self.project, self.community]
        )


def visible_people(user: Any) -> QuerySet:
    """Profiles this person may see, of active members, with what a listing shows."""
    return (
        Profile.objects.visible_to(user)
        .exclude(visibility=Profile.Visibility.HIDDEN)
        .filter(user__is_active=True)
        .select_related("user", "organisation", "region")
        .prefetch_related("themes")
    )


def filter_people(user: Any, filters: DirectoryFilters) -> QuerySet:
    """The directory's query: every filter ANDed, each by slug (or id for projects)."""
    from learning.models import Organisation, Region, Theme

    people = visible_people(user)
    if filters.q:
        for word in filters.q.split()[:6]:
            people = people.filter(
                Q(display_name__icontains=word)
                | Q(user__username__icontains=word)
                | Q(job_title__icontains=word)
                | Q(bio__icontains=word)
                | Q(organisation__name__icontains=word)
            )
    if filters.org:
        people = people.filter(organisation__slug=filters.org)
    if filters.org_type:
        if filters.org_type not in Organisation.Kind.values:
            filters.errors.append(gettext("Choose an organisation type from the list."))
        people = people.filter(organisation__kind=filters.org_type)
    if filters.region:
        region = Region.objects.filter(slug=filters.region).first()
        if region is None:
            filters.errors.append(gettext("That place is not in the list."))
            return people.none()
        people = people.filter(region_id__in=Region.descendant_ids_of([region.pk]))
    if filters.theme:
        theme = Theme.objects.filter(slug=filters.theme).first()
        people = people.filter(themes=theme) if theme else people.none()
    if filters.project:
        people = people.filter(projects__slug=filters.project)
    if filters.community:
        community = CommunityPage.objects.readable_by(user).filter(slug=filters.community).first()
        if community is None:  # unknown, or a community this person may not read: no list
            return people.none()
        members = Membership.objects.filter(
            community=community, status=Membership.Status.ACTIVE
        ).values("user_id")
        people = people.filter(user_id__in=members)
    return people.distinct().order_by("display_name", "user__username")


def people_working_on(
    user: Any,
    *,
    theme: Any = None,
    region: Any = None,
    project: Any = None,
    organisation: Any = None,
    limit: int = 6,
) -> tuple[list[Profile], int]:
    """Visible people on a theme, in a place (or inside it), on a project or in an organisation.

    Returns the first `limit` and how many there are in all.
    """
    from learning.models import Region

    people = visible_people(user)
    if theme is not None:
        people = people.filter(themes=theme)
    if region is not None:
        people = people.filter(region_id__in=Region.descendant_ids_of([region.pk]))
    if project is not None:
        people = people.filter(projects=project)
    if organisation is not None:
        people = people.filter(organisation=organisation)
    people = people.distinct().order_by("display_name", "user__username")
    return list(people[:limit]), people.count()


def communities_of(user: Any, organisation: Any) -> list[CommunityPage]:
    """Communities this person may read where the organisation's visible people take part."""
    people = visible_people(user).filter(organisation=organisation).values("user_id")
    taking_part = Membership.objects.filter(
        user_id__in=people, status=Membership.Status.ACTIVE
    ).values("community_id")
    return list(
        CommunityPage.objects.readable_by(user).filter(pk__in=taking_part).order_by("title")
    )


def can_contact(sender: Any, profile: Profile) -> bool:
    return bool(
        sender.is_authenticated
        and sender.pk != profile.user_id
        and profile.accepts_messages
        and profile.user.is_active
        and profile.is_visible_to(sender)
    )


def send_contact_message(sender: Any, profile: Profile, subject: str, body: str) -> None:
    """Email a member on someone's behalf without showing either address on the site.

    The recipient gets the sender's name and profile link, and a Reply-To with the sender's
    address (the form says so), so they can answer or ignore it. Limited per hour and per day.
    """
    if not can_contact(sender, profile):
        raise PermissionDenied(gettext("This member does not accept messages through the site."))
    now = timezone.now()
    sent = ContactMessage.objects.filter(sender=sender)
    this_hour = sent.filter(created__gte=now - timedelta(hours=1)).count()
    today = sent.filter(created__gte=now - timedelta(days=1)).count()
    new_account = now - sender.date_joined < timedelta(days=settings.COMMUNITY_NEW_ACCOUNT_DAYS)
    limit_today = CONTACT_LIMITS["new_per_day" if new_account else "per_day"]
    if permissions.is_curator(sender):
        limit_today = CONTACT_LIMITS["per_day"]
    if this_hour >= CONTACT_LIMITS["per_hour"]:
        raise PermissionDenied(
            gettext("You can send %(limit)s messages an hour. Please try again later.")
            % {"limit": CONTACT_LIMITS["per_hour"]}
        )
    if today >= limit_today:
        if limit_today < CONTACT_LIMITS["per_day"]:
            message = gettext(
                "You can send %(limit)s messages a day while your account is new. "
                "Please try again tomorrow."
            )
        else:
            message = gettext("You can send %(limit)s messages a day. Please try again tomorrow.")
        raise PermissionDenied(message % {"limit": limit_today})
    from communities.models import display_name

    sender_name = display_name(sender)
    with in_language_of(profile.user):  # the recipient's chosen language
        profile_url = settings.WAGTAILADMIN_BASE_URL + reverse(
            "communities:member", kwargs={"username": sender.username}
        )
        settings_url = settings.WAGTAILADMIN_BASE_URL + reverse("communities:edit_profile")
        names = {"name": sender_name, "profile_url": profile_url, "settings_url": settings_url}
        sent_by = (
            gettext("%(name)s sent you a message through the Public Service Learning Exchange.")
            % names
        )
        their_profile = gettext("Their profile: %(profile_url)s") % names
        reply = gettext("Reply to this email to answer %(name)s directly.") % names
        stop = gettext(
            "To stop receiving messages like this, change your profile: %(settings_url)s"
        )
        text = f"{sent_by}\n{their_profile}\n\n{body}\n\n{reply}\n{stop % names}\n"
        EmailMessage(
            subject=gettext("%(subject)s (from %(name)s)")
            % {"subject": subject, "name": sender_name},
            body=text,
            to=[profile.user.email],
            reply_to=[sender.email] if sender.email else None,
        ).send()
    ContactMessage.objects.create(sender=sender, recipient=profile.user, subject=subject[:150])
