"""Starting the waiter: one task per burst of jobs, and a successor when work is left."""

import pytest
from django.core.cache import cache

from soundsite.studio import tasks


@pytest.fixture
def enqueued(monkeypatch):
    calls = []
    monkeypatch.setattr(tasks, "async_task", lambda func, **kw: calls.append(func))
    return calls


def test_a_burst_of_jobs_enqueues_one_waiter(enqueued):
    for _ in range(50):
        tasks.kick_waiter()
    assert enqueued == ["soundsite.studio.tasks.run_waiter"]


def test_no_waiter_is_enqueued_while_one_runs(enqueued):
    cache.set(tasks.WAITER_LOCK, "someone", 30)
    tasks.kick_waiter()
    assert enqueued == []


def test_a_started_waiter_lets_the_next_kick_through(enqueued, monkeypatch, db):
    tasks.kick_waiter()
    cache.set(tasks.WAITER_LOCK, "someone", 30)  # another waiter holds the lock …
    assert tasks.run_waiter() == "another waiter is running"
    cache.delete(tasks.WAITER_LOCK)  # … and then stops
    tasks.kick_waiter()  # a job made now is not left waiting for the kick mark to expire
    assert len(enqueued) == 2


# --- Clients kept for speed -------------------------------------------------------------------
def test_the_waiter_spreads_a_keys_jobs_over_a_few_client_pools(make_job, monkeypatch):
    from soundsite.studio import waiter

    monkeypatch.setattr(waiter, "make_client", lambda key: object())
    jobs = [make_job() for _ in range(waiter.CLIENT_SHARDS + 3)]
    runner = waiter.Waiter()
    clients = [runner.client(job) for job in jobs]
    assert runner.client(jobs[0]) is clients[0]  # a job keeps its client
    # Every pool is used and none holds a whole key's jobs.
    assert len({id(client) for client in clients}) == waiter.CLIENT_SHARDS


def test_archive_tasks_keep_one_download_client_per_process(monkeypatch):
    import httpx

    from soundsite.studio import archive, clients

    first = archive.http_client()
    assert archive.http_client() is first
    transport = httpx.MockTransport(lambda request: httpx.Response(200))
    monkeypatch.setattr(clients, "download_transport_override", transport)
    other = archive.http_client()
    assert other is not first  # a test's transport is honoured
    other.close()
    assert archive.http_client() is not other  # a closed client is replaced


# --- A waiter with nothing in hand -----------------------------------------------------------
@pytest.fixture
def handled(monkeypatch):
    """Jobs the waiter took up; handling one just hands it on to archiving."""
    from soundsite.studio import pipeline, waiter
    from soundsite.studio.models import JobState

    taken = []

    async def handle(self, job):
        taken.append(job.pk)
        await waiter.db(pipeline.release)(job, self.owner, state=JobState.ARCHIVING)

    monkeypatch.setattr(waiter.Waiter, "handle", handle)
    return taken


def run_a_waiter() -> tuple[int, float]:
    import asyncio
    import time

    from soundsite.studio import waiter

    started = time.monotonic()
    count = asyncio.run(waiter.Waiter(max_seconds=20).run())
    return count, time.monotonic() - started


@pytest.mark.django_db(transaction=True)
def test_a_waiter_with_nothing_to_wait_for_ends_at_once_and_frees_its_worker(handled):
    count, seconds = run_a_waiter()
    assert count == 0
    assert seconds < 1.0


@pytest.mark.django_db(transaction=True)
def test_a_waiter_stays_for_a_job_due_in_a_moment(make_job, handled):
    from datetime import timedelta

    from django.utils import timezone

    job = make_job(next_check_at=timezone.now() + timedelta(seconds=0.8))
    count, seconds = run_a_waiter()
    assert (count, handled) == (1, [job.pk])
    assert seconds >= 0.7


@pytest.mark.django_db(transaction=True)
def test_a_waiter_does_not_sit_idle_through_a_long_rate_limit(make_job, handled):
    from datetime import timedelta

    from django.utils import timezone

    from soundsite.studio import waiter

    make_job(next_check_at=timezone.now() + timedelta(seconds=waiter.LINGER_SECONDS + 60))
    count, seconds = run_a_waiter()
    assert (count, handled) == (0, [])
    assert seconds < 1.0


@pytest.mark.django_db(transaction=True)
def test_a_job_whose_lease_is_held_elsewhere_does_not_keep_a_waiter(make_job, handled):
    from datetime import timedelta

    from django.utils import timezone

    make_job(lease_owner="other-worker", lease_expires_at=timezone.now() + timedelta(minutes=2))
    count, seconds = run_a_waiter()
    assert (count, handled) == (0, [])
    assert seconds < 1.0


def test_nothing_is_woken_when_no_job_waits(enqueued, db):
    from django_q.models import Schedule

    tasks.wake_waiter_when_due()
    assert enqueued == []
    assert not Schedule.objects.filter(func=tasks.KICK).exists()


def test_a_job_due_now_wakes_a_waiter_at_once(enqueued, make_job):
    make_job()  # a job made while the last waiter was ending
    tasks.wake_waiter_when_due()
    assert enqueued == ["soundsite.studio.tasks.run_waiter"]


def test_a_job_due_later_wakes_a_waiter_at_its_due_time(enqueued, make_job):
    from datetime import timedelta

    from django.utils import timezone
    from django_q.models import Schedule

    later = timezone.now() + timedelta(minutes=5)
    make_job(next_check_at=later)
    make_job(next_check_at=later + timedelta(minutes=1))
    tasks.wake_waiter_when_due()
    tasks.wake_waiter_when_due()  # a second waiter ending adds no second wake-up

    assert enqueued == []
    wake = Schedule.objects.get(func=tasks.KICK)
    assert wake.next_run == later
    assert wake.schedule_type == Schedule.ONCE
    assert wake.repeats == -1  # removed once it has run

    sooner = timezone.now() + timedelta(minutes=2)
    make_job(next_check_at=sooner)
    tasks.wake_waiter_when_due()
    assert sorted(Schedule.objects.filter(func=tasks.KICK).values_list("next_run", flat=True)) == [
        sooner,
        later,
    ]


def test_a_scheduled_wake_up_starts_a_waiter(enqueued, db):
    from django.utils.module_loading import import_string

    import_string(tasks.KICK)()  # the schedule calls it by name
    assert enqueued == ["soundsite.studio.tasks.run_waiter"]
