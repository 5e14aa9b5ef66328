"""Driving jobs through both sandbox APIs in-process, and checking what they leave behind."""

import asyncio
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.utils import timezone

from soundsite.library.models import Track
from soundsite.sandbox.models import SandboxOperation
from soundsite.studio import archive, waiter
from soundsite.studio.models import Job, JobState
from tests.studio.test_pipeline_sandbox import sandbox_key, start

SONG = {
    "soundpiece": ("create.new_fx", "sound_effect", {"prompt": "door creak", "duration": 2}),
    "soundverse": ("music_v5", "instrumental", {"prompt": "calm piano"}),
}
SUBMIT_METHOD = {"soundpiece": "PUT", "soundverse": "POST"}


def drive(job, rounds=10):
    """Run the waiter and the archive until the job ends; waits (backoff, Retry-After) pass."""
    for _ in range(rounds):
        asyncio.run(waiter.Waiter(max_seconds=30, linger_seconds=0).run())
        job.refresh_from_db()
        if job.state == JobState.ARCHIVING:
            archive.archive_job(job.pk)
            job.refresh_from_db()
        if job.finished:
            return job
        Job.objects.filter(pk=job.pk).update(next_check_at=timezone.now())
    return job


def stored_files() -> set[str]:
    root = Path(settings.MEDIA_ROOT)
    return {
        str(path.relative_to(root))
        for path in root.rglob("*")
        if path.is_file() and not str(path.relative_to(root)).startswith("sandbox/")
    }


def assert_nothing_half_written(temp: Path):
    assert not list(temp.iterdir()), "a temporary download was left behind"
    kept = {t.file.name for t in Track.objects.exclude(file="")}
    assert stored_files() == kept
    assert all(default_storage.exists(name) for name in kept)


def submissions(account) -> int:
    """Jobs the provider accepted for this account: more than one means a double bill."""
    return SandboxOperation.objects.filter(account=account).count()


def make(workspace, owner, provider):
    key, account = sandbox_key(workspace, owner, provider)
    operation, task, params = SONG[provider]
    return key, account, lambda: start(workspace, owner, key, operation, dict(params), task)
