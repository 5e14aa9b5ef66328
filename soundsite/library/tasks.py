"""The library's background work, run by django-q2 (scheduled by migration 0005).

``cleanup`` keeps storage and rows in step:
- tracks deleted longer ago than ``TRACK_RETENTION_DAYS`` are removed for good: the row first
  (in a transaction), then its file. If removing the file fails, the file is now an orphan
  and the next pass removes it, so a failure never leaves a row pointing at nothing.
- files under ``tracks/`` with no row are removed once they are older than an hour; younger
  ones may belong to an archive that is being written right now.
- rows whose file is missing are reported in the log (they cannot be repaired automatically).
"""

from __future__ import annotations

import logging
import posixpath
from datetime import timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from soundsite.library.models import Track

log = logging.getLogger(__name__)

ROOT = "tracks"
ORPHAN_MIN_AGE = timedelta(hours=1)
BATCH = 500


def cleanup(now=None, storage=None) -> str:
    now = now or timezone.now()
    storage = storage or default_storage
    purged = purge_deleted(now - timedelta(days=settings.TRACK_RETENTION_DAYS), storage)
    orphans, missing = sweep_files(now - ORPHAN_MIN_AGE, storage)
    summary = f"purged {purged} tracks, removed {orphans} stray files, {missing} files missing"
    log.info("Library cleanup: %s", summary)
    return summary


def purge_track(track: Track, storage=None) -> None:
    """Remove one track for good: its row, then its file."""
    storage = storage or default_storage
    name = track.file.name
    with transaction.atomic():
        Track.objects.filter(pk=track.pk).delete()
    try:
        storage.delete(name)
    except Exception:
        # The row is gone, so the file is an orphan now; the next sweep retries it.
        log.exception("Could not remove %s; the next cleanup will retry", name)


def purge_deleted(cutoff, storage) -> int:
    purged = 0
    while True:
        batch = list(
            Track.objects.filter(deleted_at__lt=cutoff).only("id", "file").order_by("id")[:BATCH]
        )
        if not batch:
            return purged
        for track in batch:
            purge_track(track, storage)
            purged += 1


def sweep_files(cutoff, storage) -> tuple[int, int]:
    """Remove old files with no row; count rows with no file. Works on any storage."""
    removed = missing = 0
    try:
        folders, _ = storage.listdir(ROOT)
    except FileNotFoundError:
        return 0, 0
    for folder in folders:
        prefix = posixpath.join(ROOT, folder)
        _, files = storage.listdir(prefix)
        names = {posixpath.join(prefix, name) for name in files}
        known = set()
        for chunk in _chunks(sorted(names), BATCH):
            known.update(Track.objects.filter(file__in=chunk).values_list("file", flat=True))
        for name in sorted(names - known):
            try:
                if storage.get_modified_time(name) >= cutoff:
                    continue
                storage.delete(name)
                removed += 1
            except (FileNotFoundError, OSError):
                log.warning("Could not remove stray file %s", name)
        expected = Track.objects.filter(file__startswith=prefix + "/").values_list(
            "file", flat=True
        )
        for name in expected.iterator(chunk_size=BATCH):
            if name not in names:
                missing += 1
                log.error("Track file %s is missing from storage", name)
    return removed, missing


def _chunks(items, size):
    for start in range(0, len(items), size):
        yield items[start : start + size]
