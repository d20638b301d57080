"""Communities of practice: the community pages, membership, forums and member profiles."""

from communities.models.attachments import Attachment
from communities.models.community import (
    CommunityIndexPage,
    CommunityPage,
    CommunityPageQuerySet,
    Invitation,
    Membership,
)
from communities.models.digests import DigestDelivery
from communities.models.events import RSVP, Event, EventMessage
from communities.models.forum import (
    Flag,
    HelpfulMark,
    Mention,
    ModerationAction,
    Post,
    PostRevision,
    Thread,
    ThreadTag,
)
from communities.models.notifications import Follow, Notification, NotificationPreference
from communities.models.profile import ContactMessage, Profile, display_name

__all__ = [
    "RSVP",
    "Attachment",
    "CommunityIndexPage",
    "CommunityPage",
    "CommunityPageQuerySet",
    "ContactMessage",
    "DigestDelivery",
    "Event",
    "EventMessage",
    "Flag",
    "Follow",
    "HelpfulMark",
    "Invitation",
    "Membership",
    "Mention",
    "ModerationAction",
    "Notification",
    "NotificationPreference",
    "Post",
    "PostRevision",
    "Profile",
    "Thread",
    "ThreadTag",
    "display_name",
]
