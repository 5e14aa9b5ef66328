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
