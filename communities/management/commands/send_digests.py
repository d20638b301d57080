"""Send the daily or weekly notification digests (run from cron; safe to rerun)."""

from __future__ import annotations

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from communities.digests import PERIODS, send_digests


class Command(BaseCommand):
    help = "Email everyone their daily or weekly notification digest. Safe to run again."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--period", default="daily", help="daily (the default) or weekly")
        parser.add_argument(
            "--now", default="", help="Pretend it is this ISO date and time (for tests)."
        )

    def handle(self, *args, **options) -> None:
        period = options["period"]
        if period not in PERIODS:
            raise CommandError(f"--period must be one of {', '.join(PERIODS)}, not {period!r}.")
        now = None
        if options["now"]:
            try:
                now = datetime.fromisoformat(options["now"])
            except ValueError as error:
                raise CommandError(f"--now must be an ISO date and time: {error}") from error
            if timezone.is_naive(now):
                now = timezone.make_aware(now)
        send_digests(period, now=now, stdout=self.stdout)
