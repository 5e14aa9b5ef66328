"""The cleanup task: deleted tracks go for good after the retention, stray files go too."""

import os
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django_q.models import Schedule

from soundsite.library import tasks
from soundsite.library.models import Activity, Track, Verb
from tests.factories import make_collection, make_share, make_track


def _age(name, hours):
    """Make a stored file look older (local storage only: set its modification time)."""
    path = default_storage.path(name)
    stamp = (timezone.now() - timedelta(hours=hours)).timestamp()
    os.utime(path, (stamp, stamp))


def test_it_purges_tracks_deleted_before_the_retention(workspace, owner, settings):
    settings.TRACK_RETENTION_DAYS = 30
    old = make_track(workspace, "Old", user=owner, deleted_at=timezone.now() - timedelta(days=31))
    recent = make_track(
        workspace, "Recent", user=owner, deleted_at=timezone.now() - timedelta(days=29)
    )
    live = make_track(workspace, "Live", user=owner)
    make_collection(workspace, "Has old", [old, live], user=owner)
    make_share(track=old, user=owner)
    Activity.objects.create(
        workspace=workspace, actor=owner, verb=Verb.DELETED, track=old, subject="Old"
    )
    child = make_track(workspace, "Child of old", user=owner, parent=old, relation="remix")

    summary = tasks.cleanup()

    assert summary.startswith("purged 1 tracks")
    assert not Track.objects.filter(pk=old.pk).exists()
    assert not default_storage.exists(old.file.name)
    assert default_storage.exists(recent.file.name) and default_storage.exists(live.file.name)
    # What pointed at the purged track keeps working: history keeps its title, the child its place.
    assert Activity.objects.get().subject == "Old"
    child.refresh_from_db()
    assert child.parent is None


def test_it_removes_old_stray_files_and_keeps_young_ones(workspace, owner):
    track = make_track(workspace, "Kept", user=owner)
    folder = f"tracks/{workspace.code}"
    stray_old = default_storage.save(f"{folder}/stray-old.flac", ContentFile(b"x"))
    stray_new = default_storage.save(f"{folder}/in-flight.flac", ContentFile(b"x"))
    other_folder = default_storage.save("tracks/unknown-workspace/z.flac", ContentFile(b"x"))
    _age(stray_old, 2)
    _age(other_folder, 2)
    _age(track.file.name, 48)

    summary = tasks.cleanup()

    assert "removed 2 stray files" in summary
    assert not default_storage.exists(stray_old) and not default_storage.exists(other_folder)
    assert default_storage.exists(stray_new)  # may belong to an archive being written now
    assert default_storage.exists(track.file.name)


def test_it_reports_rows_whose_file_is_missing(workspace, owner, caplog):
    track = make_track(workspace, "Lost", user=owner)
    make_track(workspace, "Fine", user=owner)
    default_storage.delete(track.file.name)
    summary = tasks.cleanup()
    assert summary.endswith("1 files missing")
    assert track.file.name in caplog.text


def test_it_is_safe_with_nothing_stored(db):
    assert tasks.cleanup() == "purged 0 tracks, removed 0 stray files, 0 files missing"


class _DeleteFails:
    """The real storage, except that removing a file fails (a busy disk, a flaky bucket)."""

    def __init__(self, storage):
        self._storage = storage

    def __getattr__(self, name):
        return getattr(self._storage, name)

    def delete(self, name):
        raise OSError("disk busy")


def test_a_failed_file_removal_leaves_an_orphan_for_the_next_pass(workspace, owner):
    track = make_track(
        workspace, "Stubborn", user=owner, deleted_at=timezone.now() - timedelta(days=400)
    )
    name = track.file.name
    tasks.cleanup(storage=_DeleteFails(default_storage))
    assert not Track.objects.filter(pk=track.pk).exists()  # never a row without its file
    assert default_storage.exists(name)
    _age(name, 2)
    tasks.cleanup()
    assert not default_storage.exists(name)


def test_running_twice_is_harmless(workspace, owner):
    make_track(workspace, "Old", user=owner, deleted_at=timezone.now() - timedelta(days=400))
    tasks.cleanup()
    assert tasks.cleanup() == "purged 0 tracks, removed 0 stray files, 0 files missing"


@pytest.mark.django_db
def test_the_schedule_exists():
    # A transactional test elsewhere may have flushed the rows the migration wrote.
    if not Schedule.objects.filter(func="soundsite.library.tasks.cleanup").exists():
        from importlib import import_module

        from django.apps import apps

        migration = import_module("soundsite.library.migrations.0005_cleanup_schedule")
        migration.create_schedule(apps, None)
    schedule = Schedule.objects.get(func="soundsite.library.tasks.cleanup")
    assert schedule.repeats == -1
    assert schedule.schedule_type == Schedule.HOURLY


def test_the_sweep_works_on_s3_storage(workspace, owner, s3_storage):
    """No local paths: listing, ages and removal all go through the storage API."""
    bucket = s3_storage
    track = make_track(workspace, "Kept", user=owner)
    bucket.save(track.file.name, ContentFile(b"audio"))
    stray = bucket.save(f"tracks/{workspace.code}/stray.flac", ContentFile(b"x"))
    removed, missing = tasks.sweep_files(timezone.now() + timedelta(minutes=1), bucket)
    assert (removed, missing) == (1, 0)
    assert not bucket.exists(stray) and bucket.exists(track.file.name)
    # Young files stay, whatever the storage.
    young = bucket.save(f"tracks/{workspace.code}/young.flac", ContentFile(b"x"))
    assert tasks.sweep_files(timezone.now() - timedelta(hours=1), bucket) == (0, 0)
    assert bucket.exists(young)
