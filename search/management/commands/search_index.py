"""Look after the search index: its status, a first empty index, a rebuild, old versions.

With Elasticsearch, the site reads and writes through an alias; each rebuild fills a new
versioned index and moves the alias in one step, so searching never stops. With the database
engine there is one index in the site's own database, and only `--status` and `--rebuild`
mean anything.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from search import indexing
from search.engines import get_engine
from search.engines.base import EngineUnavailable


class Command(BaseCommand):
    help = (
        "Show the search index's status (the default), create a first empty index "
        "(--create), rebuild it from every source without a gap in searching (--rebuild), "
        "or delete versioned indices the site no longer uses (--drop-old)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_mutually_exclusive_group()
        actions.add_argument("--status", action="store_true", help="Show the index (default).")
        actions.add_argument(
            "--create",
            action="store_true",
            help="Create an empty versioned index and point the alias at it, if none is live.",
        )
        actions.add_argument(
            "--rebuild",
            action="store_true",
            help="Index everything into a new versioned index, then switch the alias to it.",
        )
        actions.add_argument(
            "--drop-old",
            action="store_true",
            help="Delete versioned indices that the alias does not point at.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        engine = get_engine()
        self.stdout.write(f"Search engine: {engine.name}")
        try:
            if options["rebuild"]:
                self._rebuild()
            elif options["create"]:
                self._create(engine)
            elif options["drop_old"]:
                self._drop_old(engine)
            else:
                self._status(engine)
        except EngineUnavailable as error:
            raise CommandError(
                f"{error}\nCheck ELASTICSEARCH_URL, or unset it to use the database engine."
            ) from error

    def _managed(self, engine: Any) -> bool:
        if hasattr(engine, "switch_alias"):
            return True
        self.stdout.write(
            "The database engine keeps one index in the site's database: nothing to create "
            "or drop. Use --rebuild to re-index."
        )
        return False

    def _status(self, engine: Any) -> None:
        if not hasattr(engine, "status"):
            self.stdout.write(f"Documents indexed: {engine.document_count():,}")
            return
        status = engine.status()
        self.stdout.write(f"Alias: {status['alias']}")
        if not status["indices"]:
            self.stdout.write("No index yet: run `manage.py search_index --rebuild`.")
            return
        for index in status["indices"]:
            marker = "live" if index["live"] else "old "
            self.stdout.write(f"  {marker}  {index['name']}  {index['documents']:,} documents")
        if not status["live"]:
            self.stdout.write(
                self.style.WARNING("The alias points at nothing: run --rebuild before searching.")
            )

    def _create(self, engine: Any) -> None:
        if not self._managed(engine):
            return
        live = engine.live_index()
        if live:
            raise CommandError(
                f"The alias {engine.alias} already points at {live}. Use --rebuild to replace "
                "it; --create only makes the first index."
            )
        name = engine.ensure_index()
        self.stdout.write(self.style.SUCCESS(f"Created {name} and pointed {engine.alias} at it."))

    def _drop_old(self, engine: Any) -> None:
        if not self._managed(engine):
            return
        dropped = engine.drop_old()
        if dropped:
            for name in dropped:
                self.stdout.write(f"  deleted {name}")
            self.stdout.write(self.style.SUCCESS(f"Deleted {len(dropped)} old indices."))
        else:
            self.stdout.write("No old indices to delete.")

    def _rebuild(self) -> None:
        written, seconds = indexing.rebuild(self.stdout.write)
        rate = written / seconds if seconds else 0
        self.stdout.write(
            self.style.SUCCESS(f"Indexed {written:,} documents in {seconds:.1f} s ({rate:,.0f}/s)")
        )
