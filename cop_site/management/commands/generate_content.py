"""manage.py generate_content: bulk synthetic pages for search benchmarks (never in production)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cop_site.demo import synthetic

INDEX_REMINDER = (
    "Run `manage.py rebuild_search_index` (site search) and `manage.py update_index` "
    "(Wagtail admin search) to index them."
)


class Command(BaseCommand):
    help = (
        "Create N synthetic but realistic pages (about 80% case studies, 15% high-impact "
        "projects, 5% methods) for search benchmarks, written in bulk: 100,000 take a few "
        "minutes. Slugs start with 'synthetic-'. If synthetic pages already exist, N more are "
        "added, numbered after them (so running --scale 5000 twice makes the same pages as "
        "--scale 10000 once). Search indexes are not updated: rebuild them afterwards. "
        "--clear deletes every synthetic page and nothing else. Refused when ENV=production."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale",
            type=int,
            help="How many pages to create (required unless --clear).",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=1,
            help="Seed for the text and classification; the same seed gives the same pages "
            "(default 1).",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=2000,
            help="Pages written per transaction (default 2000).",
        )
        parser.add_argument(
            "--clear",
            action="store_true",
            help="Delete every synthetic page (slug starting 'synthetic-') and exit.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if getattr(settings, "ENV", "") == "production":
            raise CommandError(
                "generate_content writes benchmark data; it never runs in production."
            )
        try:
            if options["clear"]:
                self.clear()
            else:
                scale = options["scale"]
                if scale is None or scale < 1:
                    raise CommandError("Give --scale N (a positive number of pages) or --clear.")
                if options["batch_size"] < 1:
                    raise CommandError("--batch-size must be at least 1.")
                self.generate(scale, options["seed"], options["batch_size"])
        except synthetic.SyntheticContentError as error:
            raise CommandError(str(error)) from error

    def clear(self) -> None:
        report = synthetic.clear_synthetic()
        if not report.deleted:
            self.stdout.write("There are no synthetic pages to delete.")
            return
        note = (
            f" ({report.deleted_one_by_one:,} had been edited or linked to, so Wagtail deleted "
            "those one by one)"
            if report.deleted_one_by_one
            else ""
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Deleted {report.deleted:,} synthetic pages in {report.seconds:.1f} s{note}."
            )
        )
        self.stdout.write(
            "Run `manage.py rebuild_search_index` so that site search forgets them too."
        )

    def generate(self, scale: int, seed: int, batch_size: int) -> None:
        # Progress about every tenth of the run, and never less often than every batch.
        step = max(batch_size, (scale // 10 // batch_size) * batch_size)
        next_report = step

        def progress(done: int, total: int, seconds: float) -> None:
            nonlocal next_report
            if done >= next_report or done == total:
                rate = done / seconds if seconds else 0
                self.stdout.write(f"  {done:,} / {total:,} pages ({rate:,.0f}/s)")
                while next_report <= done:
                    next_report += step

        self.stdout.write(
            f"Generating {scale:,} synthetic pages (seed {seed}, batches of {batch_size:,})..."
        )
        report = synthetic.generate(scale, seed=seed, batch_size=batch_size, progress=progress)
        if report.existing:
            self.stdout.write(
                f"  ({report.existing:,} synthetic pages already existed; these are numbered "
                f"from {report.first_seq:,}.)"
            )
        kinds = ", ".join(
            f"{report.created.get(kind, 0):,} {label}"
            for kind, label in (
                (synthetic.CASE_STUDY, "case studies"),
                (synthetic.PROJECT, "high-impact projects"),
                (synthetic.METHOD, "methods"),
            )
        )
        rate = report.total / report.seconds if report.seconds else 0
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {report.total:,} pages in {report.seconds:.1f} s ({rate:,.0f}/s): "
                f"{kinds}."
            )
        )
        self.stdout.write(
            f"  About {report.words / max(report.total, 1):,.0f} words of body text per page; "
            f"{report.text_seconds:.1f} s writing text, {report.db_seconds:.1f} s in the database."
        )
        self.stdout.write(INDEX_REMINDER)
