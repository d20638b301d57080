"""The site search index, kept in the database.

One `SearchDocument` row per searchable thing (a page, an organisation, and later forum threads,
posts, events and member profiles), written by `search.indexing` whenever the thing changes.
On SQLite two FTS5 tables sit over it (created in the migrations, kept in step by triggers);
on PostgreSQL a weighted `tsvector` column does the same job. Facet values and access are
stored as tokens (`xtheme12`, `xregion5`, `xaccesspublic`) in `facets`, from which each process
keeps one bitmap per token (see `search.engines.database.FacetBitmaps`).
"""

from __future__ import annotations

from django.db import models


class SearchDocument(models.Model):
    """What the search engine knows about one searchable thing.

    Text is split by weight: a word in the title or summary says more about a document than
    the same word deep in its body, and `taxonomy` holds the names of its themes, places,
    organisations and tags so that searching "Wales" finds work tagged with a Welsh area.
    """

    key = models.CharField(max_length=80, unique=True, help_text="Source and id: 'page:12'.")
    kind = models.CharField(max_length=40, db_index=True)
    title = models.CharField(max_length=500)
    summary = models.TextField(blank=True)
    taxonomy = models.TextField(blank=True)
    body = models.TextField(blank=True)
    facets = models.TextField(blank=True, help_text="Space-separated facet tokens.")
    url = models.CharField(max_length=1000)
    date = models.DateTimeField(null=True, blank=True, db_index=True)
    display = models.JSONField(default=dict, help_text="Theme and region names for results.")

    def __str__(self) -> str:
        return f"{self.key}: {self.title}"


class SearchChange(models.Model):
    """A log of changed documents, so each web process can refresh its facet counts in place.

    Every write to the index adds a row here in the same transaction. A process remembers the
    last change it has seen and, on the next search, reloads only the documents changed
    since. Old rows are pruned; a process that has fallen behind the pruned log reloads all.
    """

    document_id = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"change {self.pk}: document {self.document_id}"
