"""The SQL behind the database search engine's full-text structures.

Django has no field for an FTS5 virtual table, so migration 0002 runs these statements; the
engine reuses the trigger definitions when a rebuild switches the triggers off and on again.
On SQLite: `search_document_fts` (stemmed, weighted columns; matching, ranking and snippets)
and `search_document_words` (unstemmed titles and summaries; suggestions as you type and the
vocabulary for spelling suggestions), both external-content tables kept in step with
`search_searchdocument` by triggers. On PostgreSQL: generated `tsvector` columns, GIN-indexed.
"""

SQLITE_FORWARD = [
    """CREATE VIRTUAL TABLE search_document_fts USING fts5(
        title, summary, taxonomy, body,
        content='search_searchdocument', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2')""",
    """CREATE VIRTUAL TABLE search_document_words USING fts5(
        title, summary,
        content='search_searchdocument', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2', prefix='2 3')""",
    "CREATE VIRTUAL TABLE search_document_vocab USING fts5vocab(search_document_words, 'row')",
]

SQLITE_TRIGGERS = [
    """CREATE TRIGGER search_document_ai AFTER INSERT ON search_searchdocument BEGIN
        INSERT INTO search_document_fts(rowid, title, summary, taxonomy, body)
        VALUES (new.id, new.title, new.summary, new.taxonomy, new.body);
        INSERT INTO search_document_words(rowid, title, summary)
        VALUES (new.id, new.title, new.summary);
    END""",
    """CREATE TRIGGER search_document_ad AFTER DELETE ON search_searchdocument BEGIN
        INSERT INTO search_document_fts(search_document_fts, rowid, title, summary, taxonomy,
            body)
        VALUES ('delete', old.id, old.title, old.summary, old.taxonomy, old.body);
        INSERT INTO search_document_words(search_document_words, rowid, title, summary)
        VALUES ('delete', old.id, old.title, old.summary);
    END""",
    """CREATE TRIGGER search_document_au AFTER UPDATE ON search_searchdocument BEGIN
        INSERT INTO search_document_fts(search_document_fts, rowid, title, summary, taxonomy,
            body)
        VALUES ('delete', old.id, old.title, old.summary, old.taxonomy, old.body);
        INSERT INTO search_document_words(search_document_words, rowid, title, summary)
        VALUES ('delete', old.id, old.title, old.summary);
        INSERT INTO search_document_fts(rowid, title, summary, taxonomy, body)
        VALUES (new.id, new.title, new.summary, new.taxonomy, new.body);
        INSERT INTO search_document_words(rowid, title, summary)
        VALUES (new.id, new.title, new.summary);
    END""",
]

SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS search_document_au",
    "DROP TRIGGER IF EXISTS search_document_ad",
    "DROP TRIGGER IF EXISTS search_document_ai",
    "DROP TABLE IF EXISTS search_document_vocab",
    "DROP TABLE IF EXISTS search_document_words",
    "DROP TABLE IF EXISTS search_document_fts",
]

POSTGRES_FORWARD = [
    """ALTER TABLE search_searchdocument ADD COLUMN search_vector tsvector
        GENERATED ALWAYS AS (
            setweight(to_tsvector('english', coalesce(title, '')), 'A')
            || setweight(to_tsvector('english', coalesce(summary, '')), 'B')
            || setweight(to_tsvector('english', coalesce(taxonomy, '')), 'C')
            || setweight(to_tsvector('english', coalesce(body, '')), 'D')
        ) STORED""",
    """ALTER TABLE search_searchdocument ADD COLUMN title_vector tsvector
        GENERATED ALWAYS AS (to_tsvector('simple', coalesce(title, ''))) STORED""",
    "CREATE INDEX search_document_text_gin ON search_searchdocument USING gin (search_vector)",
    "CREATE INDEX search_document_title_gin ON search_searchdocument USING gin (title_vector)",
]

POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS search_document_title_gin",
    "DROP INDEX IF EXISTS search_document_text_gin",
    "ALTER TABLE search_searchdocument DROP COLUMN IF EXISTS title_vector",
    "ALTER TABLE search_searchdocument DROP COLUMN IF EXISTS search_vector",
]
