"""Events: face-to-face, online and hybrid meetings of a community or of the whole programme.

Who sees an event follows the one community rule (`communities.permissions`): an event of a
community is visible to whoever may read that community's forum; a programme-wide event (no
community) is visible to everyone. `Event.objects.visible_to(user)` is the only way views list
or fetch events, so anything a person may not see answers 404.

The joining link (for online and hybrid events) is shown only to people who may see the event
AND are going with a place, or said "maybe", or run it (its organiser, the community's
facilitators, curators). People on the waiting list do not get it until they are moved up; the
calendar (.ics) files never carry it, because they can be passed on. See
`communities.events.can_see_joining_link`.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_lazy

from communities.models.community import CommunityPage
from learning.models.pages import MARKDOWN_HELP

TITLE_MAX = 200
SUBJECT_MAX = 200


class EventQuerySet(models.QuerySet):
    def visible_to(self, user) -> EventQuerySet:
        """Events this person may see: programme-wide ones, and those of readable communities."""
        readable = CommunityPage.objects.readable_by(user).values("pk")
        return self.filter(Q(community__isnull=True) | Q(community__in=readable))

    def upcoming(self, now=None) -> EventQuerySet:
        """Events that have not finished yet (including those happening now), soonest first."""
        return self.filter(end__gte=now or timezone.now()).order_by("start", "pk")

    def past(self, now=None) -> EventQuerySet:
        return self.filter(end__lt=now or timezone.now()).order_by("-start", "-pk")


class Event(models.Model):
    class Format(models.TextChoices):
        IN_PERSON = "in_person", gettext_lazy("In person")
        ONLINE = "online", gettext_lazy("Online")
        HYBRID = "hybrid", gettext_lazy("Hybrid (in person and online)")

    community = models.ForeignKey(
        CommunityPage,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="events",
        help_text=gettext_lazy("Leave empty for a programme-wide event, open to everyone."),
    )
    title = models.CharField(max_length=TITLE_MAX)
    description = models.TextField(
        blank=True,
        help_text=format_lazy(
            "{} {}", gettext_lazy("What the event is for and who should come."), MARKDOWN_HELP
        ),
    )
    format = models.CharField(max_length=10, choices=Format.choices, default=Format.IN_PERSON)
    start = models.DateTimeField()
    end = models.DateTimeField()
    venue_name = models.CharField(max_length=200, blank=True)
    venue_address = models.TextField(blank=True, max_length=1000)
    joining_link = models.URLField(
        blank=True,
        max_length=500,
        help_text=gettext_lazy(
            "For online and hybrid events. Shown only to people going (or maybe going) "
            "and to the organisers."
        ),
    )
    capacity = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=gettext_lazy("How many places there are. Leave empty for no limit."),
    )
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="organised_events",
    )
    created = models.DateTimeField(default=timezone.now)
    notes = models.TextField(
        blank=True,
        help_text=format_lazy(
            "{} {}",
            gettext_lazy("After the event: notes, and links to the learning that came out of it."),
            MARKDOWN_HELP,
        ),
    )
    cancelled = models.BooleanField(default=False)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["start", "pk"]
        indexes = [models.Index(fields=["start"]), models.Index(fields=["community", "end"])]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="event_ends_after_start")
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        super().clean()
        if self.start and self.end and self.end <= self.start:
            raise ValidationError({"end": gettext("The event must end after it starts.")})

    def get_absolute_url(self) -> str:
        return reverse("communities:event", args=[self.pk])

    @property
    def is_past(self) -> bool:
        return self.end < timezone.now()

    @property
    def is_online(self) -> bool:
        return self.format in (self.Format.ONLINE, self.Format.HYBRID)

    @property
    def has_venue(self) -> bool:
        return self.format in (self.Format.IN_PERSON, self.Format.HYBRID)


class RSVP(models.Model):
    """One person's answer to one event. "Going" past capacity puts them on the waiting list."""

    class Answer(models.TextChoices):
        GOING = "going", gettext_lazy("Going")
        MAYBE = "maybe", gettext_lazy("Maybe")
        NOT_GOING = "not_going", gettext_lazy("Not going")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="rsvps")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="event_rsvps"
    )
    answer = models.CharField(max_length=10, choices=Answer.choices)
    waitlisted = models.BooleanField(default=False)
    # Order on the waiting list (first come, first served); None when not waiting.
    position = models.PositiveIntegerField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = gettext_lazy("RSVP")
        constraints = [
            models.UniqueConstraint(fields=["event", "user"], name="one_rsvp_each"),
            models.CheckConstraint(
                condition=Q(waitlisted=False) | Q(answer="going"), name="only_going_waits"
            ),
        ]
        indexes = [models.Index(fields=["event", "answer", "waitlisted"])]

    def __str__(self) -> str:
        return f"{self.user} – {self.event}: {self.get_answer_display()}"

    @property
    def has_place(self) -> bool:
        return self.answer == self.Answer.GOING and not self.waitlisted


class EventMessage(models.Model):
    """A message from an event's organiser or facilitators to the people going (or maybe)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="messages")
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject = models.CharField(max_length=SUBJECT_MAX)
    body = models.TextField(max_length=10_000)
    recipients = models.PositiveIntegerField(default=0)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created", "-pk"]

    def __str__(self) -> str:
        return self.subject
