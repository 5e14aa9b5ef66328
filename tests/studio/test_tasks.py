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
