"""Which digest emails have gone to whom, so that each is sent at most once.

One row per person, period ("daily" or "weekly") and period key ("2026-11-23", "2026-W48"). The
row is written in the same transaction that marks the notifications it carries as emailed, and
*before* the email is sent (`sent_at` still empty): a rerun after a crash skips everyone who has
a row, so nobody is emailed twice, and picks up everyone who has not. If sending fails the row is
removed again (and the notifications unmarked) so that the next run retries; only a hard crash
between handing the email over and recording `sent_at` leaves a row without one.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy


class DigestDelivery(models.Model):
    class Period(models.TextChoices):
        DAILY = "daily", gettext_lazy("Daily")
        WEEKLY = "weekly", gettext_lazy("Weekly")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_deliveries"
    )
    period = models.CharField(max_length=8, choices=Period.choices)
    period_key = models.CharField(
        max_length=10, help_text=gettext_lazy("e.g. 2026-11-23 or 2026-W48.")
    )
    claimed_at = models.DateTimeField(
        help_text=gettext_lazy("When this run took the person's batch.")
    )
    sent_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=gettext_lazy("Empty while sending (or if a run died mid-send)."),
    )
    notification_count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "period", "period_key"], name="one_digest_per_period"
            )
        ]
        verbose_name_plural = gettext_lazy("digest deliveries")

    def __str__(self) -> str:
        return f"{self.period} digest {self.period_key} for {self.user}"
