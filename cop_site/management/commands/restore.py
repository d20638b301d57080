"""manage.py restore PATH: put a backup made by `manage.py backup` back.

The archive is unpacked and checked before anything changes (manifest, engine, checksum,
database integrity, file counts); then the database is replaced, then the media, and the
counts afterwards must equal the manifest's. Stop the site (or at least its workers) first.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cop_site.backups import (
    FILE_SETS,
    BackupError,
    count_files,
    describe_counts,
    format_bytes,
    restore_backup,
    restore_target,
)


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup`: replaces the whole database and the "
        "media and attachment folders, then checks the counts against the backup's."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="The backup archive (.tar.gz).")
        parser.add_argument(
            "--no-input",
            "--noinput",
            action="store_false",
            dest="interactive",
            help="Do not ask for confirmation (for scripts).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        interactive = options["interactive"]

        def confirm(manifest: dict[str, Any]) -> bool:
            self.describe(options["path"], manifest)
            if not interactive:
                return True
            try:
                answer = input("Type 'yes' to replace them with the backup: ")
            except (EOFError, OSError):
                return False
            return answer.strip().lower() == "yes"

        try:
            result = restore_backup(options["path"], confirm=confirm, log=self.stdout.write)
        except BackupError as error:
            raise CommandError(str(error)) from error
        for warning in result.warnings:
            self.stderr.write(self.style.WARNING(f"Warning: {warning}"))
        self.stdout.write(f"Counts after the restore: {describe_counts(result.counts)}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored in {result.seconds:.1f} s; the counts match the backup's manifest. "
                "Restart the site so no process keeps data from before the restore."
            )
        )

    def describe(self, path: Path, manifest: dict[str, Any]) -> None:
        """Show what the archive holds and what it will replace, before asking."""
        database = manifest["database"]
        self.stdout.write(
            f"Backup {path} (checked: manifest, checksum and database are sound)\n"
            f"  made {manifest.get('created_at')} by Django {manifest.get('django_version')}, "
            f"Wagtail {manifest.get('wagtail_version')}\n"
            f"  {manifest['engine']} database, {format_bytes(database.get('bytes', 0))}: "
            f"{describe_counts(manifest['counts'])}"
        )
        replaced = [f"the {restore_target()}"]
        for name, details in manifest["files"].items():
            setting, label = FILE_SETS[name]
            if details.get("included"):
                self.stdout.write(
                    f"  {label}: {count_files(details.get('files', 0))}, "
                    f"{format_bytes(details.get('bytes', 0))}"
                )
                replaced.append(f"everything in {getattr(settings, setting)}")
            else:
                self.stdout.write(f"  {label}: not in this backup")
        self.stdout.write("This replaces:")
        for item in replaced:
            self.stdout.write(f"  - {item}")
