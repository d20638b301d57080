"""manage.py backup: the database, media and forum attachments in one .tar.gz.

Safe while the site runs (SQLite's online backup API, or one pg_dump snapshot), and never
overwrites a file. The format is described in `cop_site/backups.py`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cop_site.backups import BackupError, create_backup, describe_counts, format_bytes


class Command(BaseCommand):
    help = (
        "Back up the database, media and forum attachments into one .tar.gz "
        "(default var/backups/backup-<UTC timestamp>.tar.gz). Never overwrites a file."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            type=Path,
            help="File to write (it must not exist), or a folder to write a dated file into.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = create_backup(options["output"], log=self.stdout.write)
        except BackupError as error:
            raise CommandError(str(error)) from error
        for warning in result.warnings:
            self.stderr.write(self.style.WARNING(f"Warning: {warning}"))
        self.stdout.write(f"Counts: {describe_counts(result.manifest['counts'])}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup written to {result.path} ({format_bytes(result.size)}) "
                f"in {result.seconds:.1f} s."
            )
        )
