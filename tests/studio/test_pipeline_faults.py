"""Every sandbox fault, end to end: the job ends as it should, nothing is submitted twice (the
sandbox's own counters), and no half-written file is left in storage or in the temp folder."""

import asyncio

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from soundsite.library.models import Track
from soundsite.sandbox import faults
from soundsite.studio import archive, clients, waiter
from soundsite.studio.models import JobState
from tests.studio.sandbox_support import (
    SUBMIT_METHOD,
    assert_nothing_half_written,
    drive,
    make,
    submissions,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("sandbox_pipeline")]


@pytest.mark.parametrize("provider", ["soundpiece", "soundverse"])
def test_a_5xx_burst_is_retried_and_the_job_is_made_once(
    workspace, owner, provider, sandbox_pipeline
):
    key, account, new_job = make(workspace, owner, provider)
    faults.inject(account, "server_error", times=2, status=503)
    job = drive(new_job())
    assert job.state == JobState.READY, job.error_message
    assert faults.count(account, method=SUBMIT_METHOD[provider]) == 3
    assert submissions(account) == 1
    assert_nothing_half_written(sandbox_pipeline)


@pytest.mark.parametrize("provider", ["soundpiece", "soundverse"])
def test_a_rate_limit_waits_for_retry_after_then_carries_on(
    workspace, owner, provider, sandbox_pipeline
):
    key, account, new_job = make(workspace, owner, provider)
    faults.inject(account, "rate_limit", times=1, retry_after=30)
    job = new_job()
    asyncio.run(waiter.Waiter(max_seconds=10, linger_seconds=0).run())
    job.refresh_from_db()
    assert job.state == JobState.QUEUED
    resume = timezone.localtime(job.next_check_at)
    assert f"resumes at {resume:%H:%M:%S}" in job.stage
    assert 25 <= (job.next_check_at - timezone.now()).total_seconds() <= 31
    # Nothing happens before the time is up …
    asyncio.run(waiter.Waiter(max_seconds=10, linger_seconds=0).run())
    assert faults.count(account, method=SUBMIT_METHOD[provider]) == 1
    # … then it goes on by itself.
    job = drive(job)
    assert job.state == JobState.READY, job.error_message
    assert submissions(account) == 1
    assert_nothing_half_written(sandbox_pipeline)


def test_a_soundpiece_timeout_is_resent_with_the_same_idempotency_key(
    workspace, owner, sandbox_pipeline
):
    # A short timeout, so the sandbox's "slow" fault is a timeout without a long test.
    clients.options_override = {"soundpiece": {"timeout": 2.0, "connect_timeout": 1.0}}
    key, account, new_job = make(workspace, owner, "soundpiece")
    faults.inject(account, "slow", times=1, seconds=8)
    job = drive(new_job())
    assert job.state == JobState.READY, job.error_message
    # The slow answer made at least one resend (a busy machine may time out once more), every
    # one under the job's idempotency key, and the provider made the operation once.
    resent = faults.count(account, method="PUT", idempotency_key=str(job.idempotency_key))
    assert resent >= 2
    assert faults.count(account, method="PUT") == resent
    assert submissions(account) == 1
    assert_nothing_half_written(sandbox_pipeline)


def test_a_soundverse_timeout_is_never_resent(workspace, owner, sandbox_pipeline):
    clients.options_override = {
        "soundverse": {"timeout": 2.0, "connect_timeout": 1.0, "stream_open_timeout": 2.0}
    }
    key, account, new_job = make(workspace, owner, "soundverse")
    faults.inject(account, "slow", times=1, seconds=8)
    job = drive(new_job())
    assert job.state == JobState.FAILED
    assert "did not send it again" in job.error_message
    assert faults.count(account, method="POST") == 1
    assert not Track.objects.filter(job=job).exists()
    assert_nothing_half_written(sandbox_pipeline)


@pytest.mark.parametrize("provider", ["soundpiece", "soundverse"])
def test_a_failed_operation_ends_the_job_plainly(workspace, owner, provider, sandbox_pipeline):
    key, account, new_job = make(workspace, owner, provider)
    faults.inject(account, "fail", times=1, code="internal_error", message="Generation failed.")
    job = drive(new_job())
    assert job.state == JobState.FAILED
    assert job.error_code.startswith("operation_failed")
    assert job.error_message
    assert faults.count(account, method=SUBMIT_METHOD[provider]) == 1
    assert not Track.objects.filter(job=job).exists()
    assert_nothing_half_written(sandbox_pipeline)


@pytest.mark.parametrize("provider", ["soundpiece", "soundverse"])
def test_a_truncated_download_is_fetched_again(workspace, owner, provider, sandbox_pipeline):
    key, account, new_job = make(workspace, owner, provider)
    faults.inject(account, "truncate", times=1, fraction=0.4)
    job = drive(new_job())
    assert job.state == JobState.READY, job.error_message
    tracks = Track.objects.filter(job=job)
    assert tracks.count() == job.result_count
    assert all(t.bytes == default_storage.size(t.file.name) for t in tracks)
    assert submissions(account) == 1
    assert_nothing_half_written(sandbox_pipeline)


def test_a_download_that_stays_broken_fails_without_a_half_written_file(
    workspace, owner, sandbox_pipeline, monkeypatch
):
    monkeypatch.setattr(archive, "DOWNLOAD_TRIES", 1)
    key, account, new_job = make(workspace, owner, "soundpiece")
    faults.inject(account, "truncate", times=None, fraction=0.4)
    job = drive(new_job(), rounds=8)
    assert job.state == JobState.FAILED
    assert "could not be downloaded" in job.error_message
    assert not Track.objects.filter(job=job).exists()
    assert submissions(account) == 1
    assert_nothing_half_written(sandbox_pipeline)


@pytest.mark.parametrize("provider", ["soundpiece", "soundverse"])
def test_an_expired_link_is_refreshed_and_retried(workspace, owner, provider, sandbox_pipeline):
    key, account, new_job = make(workspace, owner, provider)
    faults.inject(account, "expire", times=1)
    job = drive(new_job())
    assert job.state == JobState.READY, job.error_message
    assert Track.objects.filter(job=job).count() == job.result_count
    assert submissions(account) == 1
    assert_nothing_half_written(sandbox_pipeline)


@pytest.mark.parametrize("partial", [False, True])
def test_a_broken_stream_continues_through_status(workspace, owner, partial, sandbox_pipeline):
    key, account, new_job = make(workspace, owner, "soundverse")
    faults.inject(account, "break_stream", times=1, after_chunks=2, partial=partial)
    job = drive(new_job())
    assert job.state == JobState.READY, job.error_message
    assert faults.count(account, method="POST") == 1
    assert faults.count(account, path_contains="/status") >= 1
    assert_nothing_half_written(sandbox_pipeline)


@pytest.mark.parametrize("provider", ["soundpiece", "soundverse"])
def test_out_of_credits_fails_with_the_next_step(workspace, owner, provider, sandbox_pipeline):
    from soundsite.studio.errors import explain

    key, account, new_job = make(workspace, owner, provider)
    faults.inject(account, "out_of_credits", times=None)
    job = drive(new_job())
    assert job.state == JobState.FAILED
    assert job.error_code == "out_of_credits"
    assert "Top up" in explain(job.error_code)[1]
    assert faults.count(account, method=SUBMIT_METHOD[provider]) == 1
    assert submissions(account) == 0
    assert_nothing_half_written(sandbox_pipeline)


@pytest.mark.parametrize("provider", ["soundpiece", "soundverse"])
def test_a_rejected_key_fails_the_job_and_marks_the_key(
    workspace, owner, provider, sandbox_pipeline
):
    key, account, new_job = make(workspace, owner, provider)
    faults.inject(account, "reject_key", times=None)
    job = drive(new_job())
    assert job.state == JobState.FAILED and job.error_code == "key_rejected"
    key.refresh_from_db()
    assert key.health == "rejected"
    assert faults.count(account, method=SUBMIT_METHOD[provider]) == 1
    assert submissions(account) == 0


@pytest.mark.parametrize("fault", ["nsfw", "artist_name"])
def test_refused_words_fail_with_the_reason(workspace, owner, fault, sandbox_pipeline):
    key, account, new_job = make(workspace, owner, "soundverse")
    faults.inject(account, fault, times=1)
    job = drive(new_job())
    assert job.state == JobState.FAILED
    assert job.error_code.startswith("content_rejected")
    assert faults.count(account, method="POST") == 1
