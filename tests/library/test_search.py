"""The search index: kept in step by the database, used by the query, safe with any input."""

import pytest
from django.db import connection

from soundsite.library import search
from soundsite.library.models import Track
from tests.factories import make_track


def _found(workspace, query):
    return sorted(
        search.matching(Track.objects.filter(workspace=workspace), query).values_list(
            "title", flat=True
        )
    )


def test_words_are_split_like_the_index_splits_them():
    assert search.words("Lo-fi, rainy_day! café") == ["lo", "fi", "rainy", "day", "café"]
    assert search.words('"*" OR NEAR()') == ["or", "near"]
    assert len(search.words("a " * 50)) == 1
    assert len(search.words(" ".join(f"w{i}" for i in range(20)))) == search.MAX_WORDS


def test_matches_prefixes_of_every_word(workspace, owner):
    make_track(workspace, "Raining in Lisbon", user=owner, tags=["lo-fi"])
    make_track(workspace, "Sunny", user=owner, lyrics="rain rain go away")
    assert _found(workspace, "rain") == ["Raining in Lisbon", "Sunny"]
    assert _found(workspace, "rain lis") == ["Raining in Lisbon"]
    assert _found(workspace, "lo-fi") == ["Raining in Lisbon"]
    assert _found(workspace, "LISBON") == ["Raining in Lisbon"]


def test_deleted_rows_leave_the_index(workspace, owner):
    track = make_track(workspace, "Ephemeral", user=owner)
    assert _found(workspace, "ephemeral") == ["Ephemeral"]
    Track.objects.filter(pk=track.pk).delete()
    make_track(workspace, "Other", user=owner)
    assert _found(workspace, "ephemeral") == []


def test_bulk_updates_are_indexed_too(workspace, owner):
    # Triggers (SQLite) and the expression index (PostgreSQL) follow every write, not just save().
    track = make_track(workspace, "Before", user=owner)
    Track.objects.filter(pk=track.pk).update(title="Afterglow")
    assert _found(workspace, "afterglow") == ["Afterglow"]
    assert _found(workspace, "before") == []


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's triggers")
def test_missing_triggers_are_recreated_and_the_index_refilled(workspace, owner):
    make_track(workspace, "Survivor", user=owner)
    with connection.cursor() as cursor:
        for name in search.SQLITE_TRIGGERS:
            cursor.execute(f"DROP TRIGGER {name}")
        cursor.execute("DELETE FROM library_track_fts")
    assert _found(workspace, "survivor") == []
    assert search.ensure_search_index(connection) is True
    assert _found(workspace, "survivor") == ["Survivor"]
    make_track(workspace, "Newcomer", user=owner)
    assert _found(workspace, "newcomer") == ["Newcomer"]
    assert search.ensure_search_index(connection) is False  # nothing to repair now


def test_the_query_uses_the_index(workspace, owner):
    make_track(workspace, "Indexed", user=owner)
    queryset = search.matching(Track.objects.order_by(), "indexed")
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # On a tiny table the planner prefers a scan; forbid it to see that the index fits.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = " ".join(row[0] for row in cursor.fetchall())
            assert "library_track_search_idx" in plan
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = " ".join(str(row) for row in cursor.fetchall())
            assert "library_track_fts VIRTUAL TABLE INDEX" in plan
