"""The pipeline's mechanics with a scripted client: leases, transitions, faults, archiving."""

import asyncio
import io
from datetime import timedelta

import httpx
import numpy as np
import pytest
import soundfile
from django.utils import timezone

from soundsite.library.models import Track
from soundsite.providers import base as providers
from soundsite.studio import archive, clients, pipeline, waiter
from soundsite.studio.models import Job, JobState


def flac_bytes(seconds=1.0, sample_rate=44100):
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    tone = (0.2 * np.sin(2 * np.pi * 330 * t)).astype("float32")
    buffer = io.BytesIO()
    soundfile.write(buffer, np.stack([tone, tone], 1), sample_rate, format="FLAC")
    return buffer.getvalue()


class ScriptedClient:
    """Answers submit/poll from a script; counts what it was asked."""

    def __init__(self, provider="soundpiece", submit=None, polls=()):
        self.provider = providers.Provider(provider)
        self.submit_script = submit
        self.poll_script = list(polls)
        self.submits = 0
        self.polls = 0

    async def check_key(self):
        return None

    async def submit(
        self,
        operation,
        params,
        *,
        idempotency_key,
        callback_url=None,
        on_remote_id=None,
        on_progress=None,
    ):
        self.submits += 1
        step = self.submit_script
        if callable(step):
            step = await step(on_remote_id, on_progress)
        if isinstance(step, Exception):
            raise step
        return step

    async def poll(self, operation, remote_id, *, wait=False):
        self.polls += 1
        step = self.poll_script.pop(0) if self.poll_script else running(remote_id)
        if isinstance(step, Exception):
            raise step
        return step

    async def aclose(self):
        return None


def running(remote_id="op_1"):
    return providers.Result(remote_id=remote_id, status=providers.Status.RUNNING)


def ready(remote_id="op_1", urls=("https://cdn.test/a.flac",), duration=1.0):
    outputs = [
        providers.Output(url=url, duration=duration, format="flac", index=i + 1)
        for i, url in enumerate(urls)
    ]
    return providers.Result(remote_id=remote_id, status=providers.Status.READY, outputs=outputs)


@pytest.fixture
def cdn(settings):
    """A fake provider CDN serving FLAC bytes; tests can break individual downloads."""
    served = {"count": 0, "broken": set(), "expired": set()}
    audio = flac_bytes()

    def handler(request):
        served["count"] += 1
        url = str(request.url)
        if url in served["expired"]:
            return httpx.Response(403, text="Request has expired")
        if url in served["broken"]:
            served["broken"].discard(url)
            return httpx.Response(
                200, content=audio[: len(audio) // 2], headers={"Content-Length": str(len(audio))}
            )
        return httpx.Response(200, content=audio, headers={"Content-Type": "audio/flac"})

    clients.download_transport_override = httpx.MockTransport(handler)
    yield served
    clients.download_transport_override = None


def use_client(monkeypatch, client):
    monkeypatch.setattr(waiter, "make_client", lambda key: client)
    monkeypatch.setattr(archive, "make_client", lambda key: client)


def run_waiter_once():
    return asyncio.run(waiter.Waiter(max_seconds=5, linger_seconds=0).run())


@pytest.fixture(autouse=True)
def no_queue(monkeypatch):
    """Archive inline instead of through django-q2, so a test sees the whole path."""
    from soundsite.studio import tasks

    monkeypatch.setattr(tasks, "kick_waiter", lambda: None)
    monkeypatch.setattr(tasks, "enqueue_archive", lambda job_id, delay=0: None)


@pytest.mark.django_db(transaction=True)
def test_a_job_goes_from_queued_to_ready_with_its_tracks(make_job, monkeypatch, cdn):
    client = ScriptedClient(
        submit=running("op_1"),
        polls=[
            running("op_1"),
            ready("op_1", urls=("https://cdn.test/1.flac", "https://cdn.test/2.flac")),
        ],
    )
    use_client(monkeypatch, client)
    job = make_job()

    run_waiter_once()
    job.refresh_from_db()
    assert job.state == JobState.ARCHIVING
    assert job.remote_id == "op_1"
    assert client.submits == 1

    assert archive.archive_job(job.pk) == "ready"
    job.refresh_from_db()
    assert job.state == JobState.READY
    tracks = list(Track.objects.filter(job=job).order_by("output_position"))
    assert [t.title for t in tracks] == ["Summer spot (version 1)", "Summer spot (version 2)"]
    assert tracks[0].relation == "original" and tracks[1].relation == "variation"
    assert all(len(t.sha256) == 64 and t.peaks and t.duration == pytest.approx(1.0) for t in tracks)
    assert tracks[0].license_snapshot == {"license": "Royalty-Free"}
    assert tracks[0].file_name.startswith("Summer spot (version 1) [")


@pytest.mark.django_db(transaction=True)
def test_archiving_twice_creates_nothing_twice(make_job, monkeypatch, cdn):
    job = make_job(
        state=JobState.ARCHIVING,
        remote_id="op_1",
        result={"outputs": [{"url": "https://cdn.test/a.flac", "duration": 1.0}]},
    )
    assert archive.archive_job(job.pk) == "ready"
    assert archive.archive_job(job.pk) == "not claimed"
    assert Track.objects.filter(job=job).count() == 1


@pytest.mark.django_db
def test_a_claimed_job_cannot_be_claimed_again_until_its_lease_lapses(make_job):
    job = make_job()
    assert pipeline.claim(job.pk, "first") is not None
    assert pipeline.claim(job.pk, "second") is None
    Job.objects.filter(pk=job.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    taken = pipeline.claim(job.pk, "second")
    assert taken is not None and taken.lease_owner == "second"


@pytest.mark.django_db
def test_a_canceled_job_is_never_moved_on(make_job):
    job = make_job()
    pipeline.claim(job.pk, "worker")
    assert pipeline.cancel(job)
    assert not pipeline.update(job, owner="worker", state=JobState.RUNNING)
    job.refresh_from_db()
    assert job.state == JobState.CANCELED and job.canceled_at is not None


@pytest.mark.django_db(transaction=True)
def test_rate_limit_waits_for_retry_after_and_says_when_it_resumes(make_job, monkeypatch):
    client = ScriptedClient(submit=providers.RateLimited(retry_after=120))
    use_client(monkeypatch, client)
    job = make_job()
    run_waiter_once()
    job.refresh_from_db()
    assert job.state == JobState.QUEUED
    assert job.stage.startswith("Waiting for the provider's rate limit, resumes at ")
    assert job.next_check_at > timezone.now() + timedelta(seconds=100)


@pytest.mark.django_db(transaction=True)
def test_transient_faults_retry_with_backoff_then_fail_plainly(make_job, monkeypatch, settings):
    settings.JOB_MAX_TRANSIENT_ATTEMPTS = 2
    client = ScriptedClient(submit=providers.ProviderUnavailable(status_code=503))
    use_client(monkeypatch, client)
    job = make_job()
    run_waiter_once()
    job.refresh_from_db()
    assert job.state == JobState.QUEUED and job.attempts == 1
    Job.objects.filter(pk=job.pk).update(next_check_at=timezone.now())
    run_waiter_once()
    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert job.error_code == "provider_unavailable"
    assert "not answering" in job.error_message


@pytest.mark.django_db(transaction=True)
def test_a_soundverse_request_that_may_have_arrived_is_never_sent_again(make_job, key, monkeypatch):
    key.provider = "soundverse"
    key.save()
    client = ScriptedClient(provider="soundverse", submit=providers.ProviderUnavailable())
    use_client(monkeypatch, client)
    job = make_job(provider="soundverse", operation="song_v5")
    run_waiter_once()
    job.refresh_from_db()
    assert client.submits == 1
    assert job.state == JobState.FAILED
    assert "did not send it again" in job.error_message


@pytest.mark.django_db(transaction=True)
def test_a_broken_stream_continues_by_polling(make_job, key, monkeypatch, cdn):
    key.provider = "soundverse"
    key.save()

    async def stream(on_remote_id, on_progress):
        await on_remote_id("a" * 24)
        raise providers.StreamInterrupted(remote_id="a" * 24)

    client = ScriptedClient(provider="soundverse", submit=stream, polls=[ready("a" * 24)])
    use_client(monkeypatch, client)
    job = make_job(provider="soundverse", operation="song_v5")
    run_waiter_once()
    job.refresh_from_db()
    assert client.submits == 1
    assert job.remote_id == "a" * 24
    assert job.state == JobState.ARCHIVING


@pytest.mark.django_db(transaction=True)
def test_operation_failure_keeps_the_provider_code(make_job, monkeypatch):
    failed = providers.Result(
        remote_id="op_1",
        status=providers.Status.FAILED,
        error=providers.OperationFailed("The reference audio could not be read.", code="bad_audio"),
    )
    use_client(monkeypatch, ScriptedClient(submit=running("op_1"), polls=[failed]))
    job = make_job()
    run_waiter_once()
    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert job.error_code == "operation_failed:bad_audio"
    assert job.error_message == "The reference audio could not be read."


@pytest.mark.django_db(transaction=True)
def test_a_truncated_download_is_fetched_again(make_job, cdn):
    url = "https://cdn.test/cut.flac"
    cdn["broken"].add(url)
    job = make_job(
        state=JobState.ARCHIVING,
        remote_id="op_1",
        result={"outputs": [{"url": url, "duration": 1.0}]},
    )
    assert archive.archive_job(job.pk) == "ready"
    assert cdn["count"] == 2
    assert Track.objects.filter(job=job).count() == 1


@pytest.mark.django_db(transaction=True)
def test_an_expired_link_is_refreshed_from_the_provider(make_job, monkeypatch, cdn):
    old, new = "https://cdn.test/old.flac", "https://cdn.test/new.flac"
    cdn["expired"].add(old)
    client = ScriptedClient(polls=[ready("op_1", urls=(new,))])
    use_client(monkeypatch, client)
    job = make_job(
        state=JobState.ARCHIVING,
        remote_id="op_1",
        result={"outputs": [{"url": old, "duration": 1.0}]},
    )
    assert archive.archive_job(job.pk) == "ready"
    assert client.polls == 1
    assert Track.objects.get(job=job).bytes > 0


@pytest.mark.django_db(transaction=True)
def test_a_file_that_is_not_audio_never_becomes_a_track(make_job, settings):
    clients.download_transport_override = httpx.MockTransport(
        lambda request: httpx.Response(200, content=b"<html>not audio</html>")
    )
    try:
        job = make_job(
            state=JobState.ARCHIVING,
            remote_id="op_1",
            result={"outputs": [{"url": "https://cdn.test/x.flac"}]},
        )
        assert archive.archive_job(job.pk) == "retry"
        assert not Track.objects.filter(job=job).exists()
        job.refresh_from_db()
        assert job.state == JobState.ARCHIVING and job.attempts == 1
    finally:
        clients.download_transport_override = None


@pytest.mark.django_db(transaction=True)
def test_an_error_the_client_marks_not_retryable_is_never_resent(make_job, key, monkeypatch):
    from soundsite.providers.soundverse_wire import SubmissionUncertain

    key.provider = "soundverse"
    key.save()
    client = ScriptedClient(provider="soundverse", submit=SubmissionUncertain(status_code=502))
    use_client(monkeypatch, client)
    job = make_job(provider="soundverse", operation="song_v5")
    run_waiter_once()
    job.refresh_from_db()
    assert client.submits == 1
    assert job.state == JobState.FAILED


@pytest.mark.django_db(transaction=True)
def test_audio_sent_as_bytes_is_archived_from_the_job(make_job, monkeypatch):
    from soundsite.studio.results import outputs_to_json

    output = providers.Output(url="", data=flac_bytes(), format="flac", duration=1.0)
    job = make_job(
        state=JobState.ARCHIVING, remote_id="v1", result={"outputs": outputs_to_json([output])}
    )
    assert archive.archive_job(job.pk) == "ready"
    assert Track.objects.get(job=job).bytes == len(output.data)


@pytest.mark.django_db(transaction=True)
def test_stream_progress_is_written_at_most_about_once_a_second(make_job, key, monkeypatch, cdn):
    key.provider = "soundverse"
    key.save()
    job = make_job(provider="soundverse", operation="song_v5")
    writes = []
    real_update = pipeline.update

    def counting_update(job_, **fields):
        if "progress" in fields:
            writes.append(fields["progress"])
        return real_update(job_, **fields)

    monkeypatch.setattr(pipeline, "update", counting_update)

    async def stream(on_remote_id, on_progress):
        await on_remote_id("a" * 24)
        for percent in range(1, 41):  # a burst of 40 chunks
            await on_progress(
                providers.Result(
                    remote_id="a" * 24, status=providers.Status.RUNNING, progress=percent
                )
            )
        burst = len(writes)
        await asyncio.sleep(1.1)
        await on_progress(
            providers.Result(remote_id="a" * 24, status=providers.Status.RUNNING, progress=90)
        )
        assert len(writes) == burst + 1
        return ready("a" * 24)

    use_client(monkeypatch, ScriptedClient("soundverse", submit=stream))
    run_waiter_once()
    burst = [w for w in writes if w < 90]
    assert 1 <= len(burst) <= 2, writes  # 40 chunks wrote once (twice on a slow machine)
    assert burst[0] == 1 and 90 in writes and writes[-1] == 100  # then the finished job
    job.refresh_from_db()
    assert job.remote_id == "a" * 24
