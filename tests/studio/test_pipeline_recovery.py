"""A worker that dies mid-job: its leases lapse, the recovery schedule finds the job, and the
next worker finishes it from the last committed state, without submitting anything twice.

(The multi-process version, with a real cluster killed by SIGKILL, lives with the deployment
tests; these pin the same behaviour at the level of leases and guarded steps.)
"""

import asyncio
from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.models import Schedule

from soundsite.library.models import Track
from soundsite.sandbox import faults
from soundsite.studio import archive, pipeline, tasks, waiter
from soundsite.studio.models import Job, JobState
from tests.studio.sandbox_support import (
    assert_nothing_half_written,
    drive,
    make,
    submissions,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("sandbox_pipeline")]


def die_holding(job, state, **fields):
    """A worker took the job's lease, wrote ``state`` and died before it could go on."""
    Job.objects.filter(pk=job.pk).update(
        state=state,
        lease_owner="dead-worker",
        lease_expires_at=timezone.now() + timedelta(seconds=pipeline.LEASE_SECONDS),
        **fields,
    )


def lapse(job):
    """The dead worker's lease runs out."""
    Job.objects.filter(pk=job.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))


@pytest.fixture
def kicked(monkeypatch):
    calls = {"waiter": 0, "archive": []}
    monkeypatch.setattr(tasks, "kick_waiter", lambda: calls.__setitem__("waiter", 1))
    monkeypatch.setattr(
        tasks, "enqueue_archive", lambda job_id, delay=0: calls["archive"].append(job_id)
    )
    return calls


def test_the_recovery_schedule_runs_every_minute():
    # Transactional tests empty the tables, so run the migration's own step again.
    import importlib

    from django.apps import apps

    migration = importlib.import_module("soundsite.studio.migrations.0002_recover_schedule")
    migration.create_schedule(apps, None)
    migration.create_schedule(apps, None)  # running it again changes nothing
    (schedule,) = Schedule.objects.filter(func="soundsite.studio.tasks.recover")
    assert schedule.schedule_type == Schedule.MINUTES and schedule.minutes == 1
    assert schedule.repeats == -1


def test_a_held_lease_keeps_other_workers_off_until_it_lapses(workspace, owner, kicked):
    key, account, new_job = make(workspace, owner, "soundpiece")
    job = new_job()
    die_holding(job, JobState.QUEUED)
    assert pipeline.claim_due("someone-else") == []
    assert tasks.recover() == "re-enqueued 0 archives" and kicked["waiter"] == 0
    lapse(job)
    tasks.recover()
    assert kicked["waiter"] == 1
    assert [j.pk for j in pipeline.claim_due("someone-else")] == [job.pk]


def test_a_steps_write_is_refused_once_another_worker_took_over(workspace, owner):
    key, account, new_job = make(workspace, owner, "soundpiece")
    job = new_job()
    die_holding(job, JobState.RUNNING)
    lapse(job)
    (taken,) = pipeline.claim_due("second-worker", states=(JobState.RUNNING,))
    # The first worker wakes up late and tries to write: nothing changes.
    assert not pipeline.update(job, owner="dead-worker", stage="stale")
    assert not pipeline.fail(job, "dead-worker", pipeline.providers.OperationFailed())
    job.refresh_from_db()
    assert job.state == JobState.RUNNING and job.lease_owner == "second-worker"


def test_killed_while_running_at_soundpiece_finishes_without_a_second_put(
    workspace, owner, kicked, sandbox_pipeline
):
    key, account, new_job = make(workspace, owner, "soundpiece")
    job = new_job()
    asyncio.run(_submit_only(job))
    job.refresh_from_db()
    assert job.state == JobState.RUNNING and job.remote_id
    die_holding(job, JobState.RUNNING)
    asyncio.run(waiter.Waiter(max_seconds=5, linger_seconds=0).run())
    job.refresh_from_db()
    assert job.state == JobState.RUNNING  # still held by the dead worker
    lapse(job)
    tasks.recover()
    assert kicked["waiter"] == 1
    job = drive(job)
    assert job.state == JobState.READY, job.error_message
    assert faults.count(account, method="PUT") == 1
    assert submissions(account) == 1
    assert_nothing_half_written(sandbox_pipeline)


def test_killed_while_sending_to_soundpiece_resends_under_the_same_key(
    workspace, owner, kicked, sandbox_pipeline
):
    key, account, new_job = make(workspace, owner, "soundpiece")
    job = new_job()
    asyncio.run(_submit_only(job))  # the PUT reached Soundpiece …
    job.refresh_from_db()
    # … but the worker died before it could write down the operation's id.
    die_holding(job, JobState.SUBMITTING, remote_id="")
    lapse(job)
    job = drive(job)
    assert job.state == JobState.READY, job.error_message
    assert faults.count(account, method="PUT", idempotency_key=str(job.idempotency_key)) == 2
    assert submissions(account) == 1


def test_killed_while_sending_to_soundverse_is_never_sent_again(
    workspace, owner, kicked, sandbox_pipeline
):
    key, account, new_job = make(workspace, owner, "soundverse")
    job = new_job()
    die_holding(job, JobState.SUBMITTING)
    lapse(job)
    job = drive(job)
    assert job.state == JobState.FAILED
    assert "did not send it again" in job.error_message
    assert faults.count(account, method="POST") == 0


def test_a_stream_event_before_the_message_id_keeps_the_job_submitting(workspace, owner, kicked):
    # Soundverse's first event ("initializing") carries no message_id. Marking the job running
    # then would leave, if the worker died before the id came, a job that cannot be followed.
    from soundsite.providers import base as providers

    key, account, new_job = make(workspace, owner, "soundverse")
    job = new_job()
    w = waiter.Waiter(max_seconds=5, linger_seconds=0)
    claimed = pipeline.claim(job.pk, w.owner)
    pipeline.update(claimed, owner=w.owner, state=JobState.SUBMITTING)
    first = providers.Result(remote_id="", status=providers.Status.RUNNING, stage="Starting")
    asyncio.run(w.record_progress(claimed, first))
    job.refresh_from_db()
    assert job.state == JobState.SUBMITTING and job.remote_id == ""
    named = providers.Result(remote_id="a" * 24, status=providers.Status.RUNNING, stage="Queued")
    asyncio.run(w.record_progress(claimed, named))
    job.refresh_from_db()
    assert job.state == JobState.RUNNING and job.remote_id == "a" * 24


def test_killed_running_at_soundverse_before_its_message_id_is_not_followed_for_ever(
    workspace, owner, kicked, sandbox_pipeline
):
    # A job left running with no message_id (as an older version marked it on the stream's
    # first event) may have reached Soundverse: it ends with the lost-submission message at
    # once instead of failing to be followed every 30 seconds.
    key, account, new_job = make(workspace, owner, "soundverse")
    job = new_job()
    die_holding(job, JobState.RUNNING, remote_id="", stage="Starting")
    lapse(job)
    job = drive(job)
    assert job.state == JobState.FAILED
    assert job.error_message == waiter.Waiter.lost_submission().message
    assert faults.count(account, method="POST") == 0


def test_killed_running_at_soundpiece_before_its_id_resends_under_the_same_key(
    workspace, owner, kicked, sandbox_pipeline
):
    key, account, new_job = make(workspace, owner, "soundpiece")
    job = new_job()
    die_holding(job, JobState.RUNNING, remote_id="")
    lapse(job)
    job = drive(job)
    assert job.state == JobState.READY, job.error_message
    assert submissions(account) == 1


def test_killed_mid_soundverse_stream_continues_from_the_stored_message_id(
    workspace, owner, kicked, sandbox_pipeline
):
    key, account, new_job = make(workspace, owner, "soundverse")
    job = new_job()
    asyncio.run(_submit_only(job))
    job.refresh_from_db()
    assert len(job.remote_id) == 24  # stored the moment it arrived
    die_holding(job, JobState.RUNNING, progress=40.0)
    lapse(job)
    job = drive(job)
    assert job.state == JobState.READY, job.error_message
    assert faults.count(account, method="POST") == 1
    assert faults.count(account, path_contains="/status") >= 1


def test_killed_half_way_through_archiving_keeps_what_was_saved(
    workspace, owner, kicked, sandbox_pipeline, monkeypatch
):
    key, account, new_job = make(workspace, owner, "soundverse")
    job = new_job()
    asyncio.run(waiter.Waiter(max_seconds=30, linger_seconds=0).run())
    job.refresh_from_db()
    assert job.state == JobState.ARCHIVING and job.result_count == 2
    assert kicked["archive"] == [job.pk]  # the waiter handed it to an archive task …
    kicked["archive"].clear()  # … which never ran
    # Archive only the first output, then "die" before the second.
    real = archive.archive_output
    calls = []

    def die_after_first(job_, http, outputs, position):
        if calls:
            raise SystemExit("worker killed")
        calls.append(position)
        return real(job_, http, outputs, position)

    monkeypatch.setattr(archive, "archive_output", die_after_first)
    with pytest.raises(SystemExit):
        archive.archive_job(job.pk)
    monkeypatch.setattr(archive, "archive_output", real)
    assert Track.objects.filter(job=job).count() == 1
    job.refresh_from_db()
    assert job.state == JobState.ARCHIVING and job.lease_owner  # the lease is still held
    assert tasks.recover() == "re-enqueued 0 archives"
    lapse(job)
    Job.objects.filter(pk=job.pk).update(next_check_at=timezone.now())
    tasks.recover()
    assert kicked["archive"] == [job.pk]
    assert archive.archive_job(job.pk) == "ready"
    job.refresh_from_db()
    assert job.state == JobState.READY
    assert Track.objects.filter(job=job).count() == job.result_count == 2
    assert_nothing_half_written(sandbox_pipeline)


async def _submit_only(job):
    """One waiter step that sends the job and stops following it at once."""
    w = waiter.Waiter(max_seconds=5, linger_seconds=0)
    claimed = await waiter.db(pipeline.claim)(job.pk, w.owner)

    async def stop(self_job):
        return None

    w.follow = stop
    try:
        await w.submit(claimed)
    finally:
        for client in w.clients.values():
            await client.aclose()
    await waiter.db(pipeline.release)(claimed, w.owner, next_check_at=timezone.now())


def test_an_archive_task_waiting_in_a_busy_queue_is_not_enqueued_again(
    workspace, owner, kicked, sandbox_pipeline
):
    # Re-enqueueing an archive task that merely waits in a busy queue on every recovery run
    # only adds duplicates that make the queue busier still; one lost with a killed cluster
    # is enqueued again once a lease time has passed.
    key, account, new_job = make(workspace, owner, "soundpiece")
    job = new_job()
    deadline = timezone.now() + timedelta(seconds=60)
    while job.state != JobState.ARCHIVING and timezone.now() < deadline:
        asyncio.run(waiter.Waiter(max_seconds=5, linger_seconds=0).run())
        job.refresh_from_db()
    assert job.state == JobState.ARCHIVING and not job.lease_owner
    assert kicked["archive"] == [job.pk]
    tasks.recover()
    assert kicked["archive"] == [job.pk]
    Job.objects.filter(pk=job.pk).update(next_check_at=timezone.now() - timedelta(seconds=1))
    tasks.recover()
    assert kicked["archive"] == [job.pk, job.pk]
