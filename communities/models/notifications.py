"""What people follow, the notifications they are sent, and how they want them delivered.

A notification is written once, when something happens, for each person who could see it at that
moment (`communities.notifications.notify`). Whether it is *shown* is decided again every time it
is read (`visible_notifications`), by the same rule as everything else, so that losing access to
a private community also hides what was said there before. Email digests read the same rows:
`emailed_at` and `digest_key` record which digest carried a notification, so none is sent twice.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy

from communities.models.community import CommunityPage
from communities.models.forum import Post, Thread

FOLLOW_TARGETS = ("thread", "community", "theme", "region", "tag")


def _exactly_one_target() -> Q:
    """A check constraint: one of the target fields is set and the rest are empty."""
    either = Q(pk__in=[])
    for chosen in FOLLOW_TARGETS:
        clause = Q(**{f"{chosen}__isnull": False})
        for other in FOLLOW_TARGETS:
            if other != chosen:
                clause &= Q(**{f"{other}__isnull": True})
        either |= clause
    return either


class Follow(models.Model):
    """One person following one thing: a thread, community, theme, region or tag.

    People follow the threads they start and the communities they belong to without a row here;
    a row with `muted` set turns such an automatic follow off (and unfollowing anything else
    simply deletes its row).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows"
    )
    thread = models.ForeignKey(
        Thread, null=True, blank=True, on_delete=models.CASCADE, related_name="follows"
    )
    community = models.ForeignKey(
        CommunityPage, null=True, blank=True, on_delete=models.CASCADE, related_name="follows"
    )
    theme = models.ForeignKey(
        "learning.Theme", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    region = models.ForeignKey(
        "learning.Region", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    tag = models.ForeignKey(
        "taggit.Tag", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    muted = models.BooleanField(
        default=False,
        help_text=gettext_lazy("Turns off an automatic follow (your threads, your communities)."),
    )
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=_exactly_one_target(), name="follow_one_target"),
            *(
                models.UniqueConstraint(
                    fields=["user", target],
                    condition=Q(**{f"{target}__isnull": False}),
                    name=f"one_follow_per_{target}",
                )
                for target in FOLLOW_TARGETS
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} follows {self.target_type} {self.target}"

    @property
    def target_type(self) -> str:
        return next(name for name in FOLLOW_TARGETS if getattr(self, f"{name}_id") is not None)

    @property
    def target(self):
        return getattr(self, self.target_type)


class Notification(models.Model):
    """Something that happened which one person should know about, linking to exactly where."""

    class Kind(models.TextChoices):
        REPLY = "reply", gettext_lazy("Replies to threads you follow")
        MENTION = "mention", gettext_lazy("Mentions of you")
        ANSWER = "answer", gettext_lazy("Answers marked")
        NEW_THREAD = "new_thread", gettext_lazy("New threads in communities you follow")
        NEW_CONTENT = (
            "new_content",
            gettext_lazy("New content on themes, places and tags you follow"),
        )
        JOIN_REQUEST = "join_request", gettext_lazy("Requests to join communities you facilitate")
        REQUEST_DECIDED = "request_decided", gettext_lazy("Decisions on your requests to join")
        NEW_EVENT = "new_event", gettext_lazy("New events")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    thread = models.ForeignKey(
        Thread, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    post = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    community = models.ForeignKey(
        CommunityPage, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    page = models.ForeignKey(
        "wagtailcore.Page",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=gettext_lazy("Newly published content (or an event page) this is about."),
    )
    detail = models.CharField(
        max_length=20,
        blank=True,
        help_text=gettext_lazy("A qualifier, e.g. 'approve' or 'decline'."),
    )
    url = models.CharField(
        max_length=500, help_text=gettext_lazy("Where opening it goes: the exact post.")
    )
    created = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    digest_key = models.CharField(
        max_length=64,
        null=True,
        blank=True,
        help_text=gettext_lazy("Which email (digest run, or 'immediate') carried it."),
    )

    class Meta:
        ordering = ["-created", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
            models.Index(fields=["recipient", "-created"], name="notification_recent"),
            models.Index(fields=["emailed_at", "recipient"], name="notification_emailing"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.recipient}"

    @property
    def unread(self) -> bool:
        return self.read_at is None


class NotificationPreference(models.Model):
    """How one person wants one kind of notification emailed (in-app ones are always kept)."""

    class Delivery(models.TextChoices):
        IMMEDIATELY = "immediately", gettext_lazy("Straight away")
        DAILY = "daily", gettext_lazy("In a daily email")
        WEEKLY = "weekly", gettext_lazy("In a weekly email")
        NEVER = "never", gettext_lazy("Never by email")

    DEFAULT = Delivery.DAILY

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=20, choices=Notification.Kind.choices)
    delivery = models.CharField(max_length=12, choices=Delivery.choices, default=DEFAULT)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.kind} {self.delivery}"

    @classmethod
    def for_user(cls, user) -> dict[str, str]:
        """Every kind's delivery for this person, the default where they have not chosen."""
        chosen = dict(cls.objects.filter(user=user).values_list("kind", "delivery"))
        return {kind: chosen.get(kind, cls.DEFAULT) for kind in Notification.Kind.values}
