"""Word search over a track's title, prompt, lyrics and tags, with an index suited to the database.

- SQLite: an FTS5 table ``library_track_fts`` (rowid = track id) kept in step by triggers on
  ``library_track``; created by migration 0004 and re-checked after every ``migrate`` (a table
  rebuild by a later migration drops triggers, so ``ensure_search_index`` puts them back and
  refills the index).
- PostgreSQL: a GIN index on ``to_tsvector('simple', …)`` of the same four fields; queries use
  the identical expression so the planner can use it.
- Any other database falls back to case-insensitive ``LIKE`` (correct, not fast).

Both indexes use no stemming and match every word as a prefix ("rain" finds "raining"), so the
same query finds the same tracks on both databases. Every word must match (AND).
"""

from __future__ import annotations

import re

from django.db import connections
from django.db.models import BooleanField, F, Func, Q, QuerySet, Value
from django.db.models.expressions import RawSQL

FTS_TABLE = "library_track_fts"
FIELDS = ("title", "prompt", "lyrics", "tags")
MAX_WORDS = 8
MAX_WORD_LENGTH = 40

# Letters and digits only: punctuation splits words, exactly as both indexes tokenise.
WORD = re.compile(r"[^\W_]+", re.UNICODE)

# The index expression; queries build the same expression with qualified columns (below),
# which PostgreSQL matches to this index because both parse to the same expression tree.
POSTGRES_INDEX_VECTOR = (
    "to_tsvector('simple'::regconfig, coalesce(title, '') || ' ' || coalesce(prompt, '') "
    "|| ' ' || coalesce(lyrics, '') || ' ' || coalesce(tags::text, ''))"
)


class _Document(Func):
    """``to_tsvector`` of a track's four text fields, exactly as the GIN index has it."""

    def __init__(self):
        super().__init__(F("title"), F("prompt"), F("lyrics"), F("tags"))

    def as_sql(self, compiler, connection, **extra_context):
        parts, params = [], []
        for expression in self.get_source_expressions():
            sql, expression_params = compiler.compile(expression)
            parts.append(sql)
            params.extend(expression_params)
        title, prompt, lyrics, tags = parts
        sql = (
            f"to_tsvector('simple'::regconfig, coalesce({title}, '') || ' ' || "
            f"coalesce({prompt}, '') || ' ' || coalesce({lyrics}, '') || ' ' || "
            f"coalesce(({tags})::text, ''))"
        )
        return sql, params


class _Matches(Func):
    """``document @@ to_tsquery('simple', query)``, usable directly in ``filter()``."""

    output_field = BooleanField()

    def __init__(self, query: str):
        super().__init__(_Document(), Value(query))

    def as_sql(self, compiler, connection, **extra_context):
        document, query = self.get_source_expressions()
        document_sql, document_params = compiler.compile(document)
        query_sql, query_params = compiler.compile(query)
        return (
            f"{document_sql} @@ to_tsquery('simple'::regconfig, {query_sql})",
            [*document_params, *query_params],
        )


SQLITE_TRIGGERS = {
    "library_track_fts_insert": """
        CREATE TRIGGER IF NOT EXISTS library_track_fts_insert AFTER INSERT ON library_track
        BEGIN
            INSERT INTO library_track_fts(rowid, title, prompt, lyrics, tags)
            VALUES (new.id, new.title, new.prompt, new.lyrics, new.tags);
        END""",
    "library_track_fts_delete": """
        CREATE TRIGGER IF NOT EXISTS library_track_fts_delete AFTER DELETE ON library_track
        BEGIN
            DELETE FROM library_track_fts WHERE rowid = old.id;
        END""",
    "library_track_fts_update": """
        CREATE TRIGGER IF NOT EXISTS library_track_fts_update
        AFTER UPDATE OF title, prompt, lyrics, tags ON library_track
        BEGIN
            DELETE FROM library_track_fts WHERE rowid = old.id;
            INSERT INTO library_track_fts(rowid, title, prompt, lyrics, tags)
            VALUES (new.id, new.title, new.prompt, new.lyrics, new.tags);
        END""",
}


def words(query: str) -> list[str]:
    """The searchable words of what a member typed, lower-cased, at most ``MAX_WORDS``."""
    found = [word.lower()[:MAX_WORD_LENGTH] for word in WORD.findall(query or "")]
    return list(dict.fromkeys(found))[:MAX_WORDS]


def matching(queryset: QuerySet, query: str) -> QuerySet:
    """Narrow a Track queryset to tracks whose text contains every word of ``query``."""
    terms = words(query)
    if not terms:
        return queryset
    vendor = connections[queryset.db].vendor
    if vendor == "sqlite":
        # Each word quoted (no FTS syntax can slip in) and matched as a prefix.
        expression = " ".join(f'"{term}"*' for term in terms)
        # The words travel as a parameter, never inside the SQL text.
        sql = "SELECT rowid FROM library_track_fts WHERE library_track_fts MATCH %s"
        return queryset.filter(id__in=RawSQL(sql, [expression]))  # noqa: S611
    if vendor == "postgresql":
        return queryset.filter(_Matches(" & ".join(f"{term}:*" for term in terms)))
    condition = Q()
    for term in terms:
        condition &= (
            Q(title__icontains=term)
            | Q(prompt__icontains=term)
            | Q(lyrics__icontains=term)
            | Q(tags__icontains=term)
        )
    return queryset.filter(condition)


def create_search_index(schema_editor) -> None:
    """Create the database's search index (migration 0004)."""
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS library_track_fts "
            "USING fts5(title, prompt, lyrics, tags, tokenize = 'unicode61 remove_diacritics 2')"
        )
        _sqlite_refill(schema_editor.connection)
        for sql in SQLITE_TRIGGERS.values():
            schema_editor.execute(sql)
    elif vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS library_track_search_idx ON library_track "
            f"USING GIN (({POSTGRES_INDEX_VECTOR}))"
        )


def drop_search_index(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for name in SQLITE_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
        schema_editor.execute("DROP TABLE IF EXISTS library_track_fts")
    elif vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS library_track_search_idx")


def ensure_search_index(connection) -> bool:
    """Put back SQLite triggers that a table rebuild dropped; True when it had to.

    Django rebuilds a SQLite table for some schema changes (copy, drop, rename), and dropping
    the old table drops its triggers. The FTS table survives with the right rowids, but it would
    stop following changes, so the triggers are recreated and the index refilled.
    """
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger') AND name LIKE %s",
            ["library_track_fts%"],
        )
        present = {row[0] for row in cursor.fetchall()}
        if FTS_TABLE not in present or set(SQLITE_TRIGGERS) <= present:
            return False
        _sqlite_refill(connection)
        for sql in SQLITE_TRIGGERS.values():
            cursor.execute(sql)
    return True


def _sqlite_refill(connection) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM library_track_fts")
        cursor.execute(
            "INSERT INTO library_track_fts(rowid, title, prompt, lyrics, tags) "
            "SELECT id, title, prompt, lyrics, tags FROM library_track"
        )
