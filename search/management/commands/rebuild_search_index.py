"""Rebuild the site search index from every source."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from search import indexing
from search.engines import get_engine
from search.engines.base import EngineUnavailable


class Command(BaseCommand):
    help = (
        "Rebuild the site search index (pages, organisations and anything else registered as a "
        "search source). The old index keeps answering searches until the new one is complete."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        engine = get_engine()
        self.stdout.write(f"Search engine: {engine.name}")
        try:
            written, seconds = indexing.rebuild(self.stdout.write)
        except EngineUnavailable as error:
            raise CommandError(
                f"{error}\nCheck ELASTICSEARCH_URL, or unset it to use the database engine."
            ) from error
        rate = written / seconds if seconds else 0
        self.stdout.write(
            self.style.SUCCESS(f"Indexed {written:,} documents in {seconds:.1f} s ({rate:,.0f}/s)")
        )
