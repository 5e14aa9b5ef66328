"""django-q2's own cluster loop, run in threads of the test process, for the browser journeys.

``manage.py qcluster`` forks processes: they would not see the test's settings (media folder,
encryption key, cache prefix) and would outlive a failed test. Here the same pieces run in
threads instead: django-q2's ``pusher`` takes tasks from the configured broker (the ORM queue,
or Redis when ``REDIS_URL`` is set), two ``worker`` loops run them (the waiter in one, archives
in the other, as in production), the ``monitor`` records each result and acknowledges it, and
the ``scheduler`` runs due schedules (delayed archive retries, the recovery sweep). Nothing in
the product is stubbed: a job started from a browser form is carried by the real waiter over
HTTP to the sandbox on the live server, and archived by the real archive task.
"""

from __future__ import annotations

import queue
import threading
from contextlib import contextmanager
from multiprocessing import Value

from asgiref.sync import SyncToAsync
from django.db import connections

WORKERS = 2
STOP_TIMEOUT = 90  # a waiter leaves five seconds after its last job; archives are short


def _closing(target):
    """Run ``target`` and close this thread's database connections when it ends.

    A connection left open would keep PostgreSQL from dropping the test database.
    """

    def run(*args):
        try:
            target(*args)
        finally:
            connections.close_all()

    return run


@contextmanager
def running_cluster():
    """Start the cluster threads; on leaving, let running tasks finish and stop them."""
    from django_q.brokers import get_broker
    from django_q.monitor import monitor
    from django_q.pusher import pusher
    from django_q.scheduler import scheduler
    from django_q.worker import worker

    broker = get_broker()
    # A Redis queue outlives the test database: drop tasks that earlier tests left in it
    # (they name jobs that no longer exist). This queue belongs to this test process only.
    broker.purge_queue()
    stop = threading.Event()
    tasks: queue.Queue = queue.Queue()
    results: queue.Queue = queue.Queue()

    def schedule_loop():
        while not stop.wait(1.0):
            scheduler(broker=broker)

    threads = [threading.Thread(target=_closing(pusher), args=(tasks, stop, broker))]
    workers = [
        threading.Thread(target=_closing(worker), args=(tasks, results, Value("f", -1), -1))
        for _ in range(WORKERS)
    ]
    keeper = threading.Thread(target=_closing(monitor), args=(results, broker))
    ticker = threading.Thread(target=_closing(schedule_loop))
    for thread in [*threads, *workers, keeper, ticker]:
        thread.daemon = True
        thread.start()
    try:
        yield
    finally:
        stop.set()
        for thread in [*threads, ticker]:
            thread.join(timeout=STOP_TIMEOUT)
        for _ in workers:
            tasks.put("STOP")
        for thread in workers:
            thread.join(timeout=STOP_TIMEOUT)
        results.put("STOP")
        keeper.join(timeout=STOP_TIMEOUT)
        # The waiter's database calls run on asgiref's one shared thread, and the sandboxes'
        # on a thread of their own each: close their connections too.
        from soundsite.sandbox import threads as sandbox_threads

        SyncToAsync.single_thread_executor.submit(connections.close_all).result(timeout=30)
        sandbox_threads.close_connections()
        stuck = [t for t in [*threads, *workers, keeper, ticker] if t.is_alive()]
        assert not stuck, f"background tasks did not stop: {stuck}"
