"""The whole path, form data to archived tracks, against both sandbox APIs over HTTP semantics."""

import asyncio

import httpx
import pytest

from soundsite.asgi import application as asgi_application
from soundsite.library.models import Track
from soundsite.sandbox import faults
from soundsite.sandbox.accounts import create_account
from soundsite.sandbox.models import SandboxOperation
from soundsite.studio import archive, clients, waiter
from soundsite.studio.models import Job, JobState
from soundsite.wsgi import application as wsgi_application
from tests.factories import make_sandbox_pipeline_key

FAST = {
    "soundpiece": {"processing_seconds": 0, "song_seconds": 2, "variations": 2, "wait_cap": 1},
    "soundverse": {"processing_seconds": 0, "output_seconds": 2},
}


@pytest.fixture(autouse=True)
def in_process(monkeypatch):
    """Clients and downloads reach the sandbox without sockets; archives run inline."""
    from soundsite.studio import tasks

    clients.transport_override = httpx.ASGITransport(app=asgi_application)
    clients.download_transport_override = httpx.WSGITransport(app=wsgi_application)
    monkeypatch.setattr(tasks, "kick_waiter", lambda: None)
    monkeypatch.setattr(tasks, "enqueue_archive", lambda job_id, delay=0: None)
    yield
    clients.transport_override = None
    clients.download_transport_override = None


def sandbox_key(workspace, owner, provider):
    account = create_account(provider, plan="growth", **FAST[provider])
    key = make_sandbox_pipeline_key(workspace, owner, provider, account, "http://testserver")
    return key, account


def start(workspace, owner, key, operation, parameters, task="song"):
    return Job.objects.create(
        workspace=workspace,
        created_by=owner,
        key=key,
        provider=key.provider,
        operation=operation,
        task=task,
        title="Morning coffee",
        parameters=parameters,
        license_snapshot={"license": key.license},
    )


def run_to_the_end(job):
    for _ in range(6):
        asyncio.run(waiter.Waiter(max_seconds=20, linger_seconds=0).run())
        job.refresh_from_db()
        if job.state == JobState.ARCHIVING:
            archive.archive_job(job.pk)
            job.refresh_from_db()
        if job.finished:
            return job
    return job


@pytest.mark.django_db(transaction=True)
def test_a_soundpiece_song_is_made_and_archived_with_one_submission(workspace, owner):
    key, account = sandbox_key(workspace, owner, "soundpiece")
    job = start(
        workspace,
        owner,
        key,
        "create.new_song",
        {"prompt": "warm acoustic folk", "lyrics": "Morning light on the window"},
    )
    job = run_to_the_end(job)
    assert job.state == JobState.READY, job.error_message
    tracks = Track.objects.filter(job=job)
    assert tracks.count() == 2
    assert all(t.format == "flac" and t.sample_rate == 44100 for t in tracks)
    assert faults.count(account, method="PUT") == 1
    assert SandboxOperation.objects.filter(account=account).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_soundverse_stream_is_archived_with_exactly_one_post(workspace, owner):
    key, account = sandbox_key(workspace, owner, "soundverse")
    job = start(
        workspace,
        owner,
        key,
        "song_v5",
        {"prompt": "upbeat indie pop", "lyrics": "We run until the sun comes up"},
    )
    job = run_to_the_end(job)
    assert job.state == JobState.READY, job.error_message
    assert len(job.remote_id) == 24
    assert Track.objects.filter(job=job).count() == 2
    assert faults.count(account, method="POST") == 1
