"""Background entry points, run by django-q2 workers. Each takes ids and is safe to repeat."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.core.cache import cache
from django.utils import timezone
from django_q.tasks import async_task

from soundsite.studio import pipeline
from soundsite.studio.models import Job, JobState

log = logging.getLogger(__name__)

WAITER_LOCK = "studio:waiter"
# Set when a waiter task has been enqueued and not yet started: a burst of new jobs (hundreds
# submitted at once) enqueues one waiter, not one each.
WAITER_KICKED = "studio:waiter-kicked"
WAITER_KICK_SECONDS = 10
WAITER_LOCK_SECONDS = 30
WAITER_MAX_SECONDS = 240
# Successful background tasks kept for the admin's task list; failures are always kept.
TASK_HISTORY_KEEP = 1000


KICK = "soundsite.studio.tasks.kick_waiter"


def kick_waiter() -> None:
    """Make sure a waiter is running: enqueue one unless one holds the lock."""
    if cache.get(WAITER_LOCK) or not cache.add(WAITER_KICKED, 1, WAITER_KICK_SECONDS):
        return
    async_task("soundsite.studio.tasks.run_waiter", task_name="Wait for providers")


def run_waiter() -> str:
    """Hold provider waits for up to a few minutes, then hand over to a fresh task.

    A cache lock keeps this to one waiter at a time per cache (one event loop can hold
    hundreds of waits); the lock expires by itself if the worker dies.
    """
    from soundsite.studio.waiter import Waiter

    token = pipeline.new_lease_owner()
    cache.delete(WAITER_KICKED)  # from now on a kick sees the lock, or enqueues a successor
    if not cache.add(WAITER_LOCK, token, WAITER_LOCK_SECONDS):
        return "another waiter is running"
    import asyncio
    import threading

    stop = threading.Event()

    def keep_lock():
        while not stop.wait(WAITER_LOCK_SECONDS / 3):
            cache.set(WAITER_LOCK, token, WAITER_LOCK_SECONDS)

    keeper = threading.Thread(target=keep_lock, daemon=True)
    keeper.start()
    try:
        handled = asyncio.run(Waiter(owner=token, max_seconds=WAITER_MAX_SECONDS).run())
    finally:
        stop.set()
        keeper.join(timeout=1)
        if cache.get(WAITER_LOCK) == token:
            cache.delete(WAITER_LOCK)
    wake_waiter_when_due()
    return f"handled {handled} jobs"


def wake_waiter_when_due() -> None:
    """After a waiter ends: start the next one now, or when the next waiting job is due.

    A job that came in while the waiter was ending is due now. One waiting out a long rate
    limit or backoff gets a one-off schedule at its due time instead of a waiter kept idle
    (the recovery schedule backs this up every minute).
    """
    from soundsite.studio.waiter import LINGER_SECONDS

    due = pipeline.next_wait_due()
    if due is None:
        return
    if due <= timezone.now() + timedelta(seconds=LINGER_SECONDS):
        kick_waiter()
        return
    from django_q.models import Schedule

    if not Schedule.objects.filter(func=KICK, repeats__lt=0, next_run__lte=due).exists():
        Schedule.objects.create(
            name=f"Wake the waiter at {due:%H:%M:%S}",
            func=KICK,
            schedule_type=Schedule.ONCE,
            next_run=due,
            repeats=-1,  # a ONCE schedule with negative repeats is deleted once it has run
        )


def enqueue_archive(job_id: int, delay: float = 0) -> None:
    if delay > 0:
        from django_q.models import Schedule

        Schedule.objects.create(
            func="soundsite.studio.tasks.archive",
            args=str(job_id),
            schedule_type=Schedule.ONCE,
            next_run=timezone.now() + timedelta(seconds=delay),
            repeats=-1,  # deleted once it has run
        )
        return
    async_task("soundsite.studio.tasks.archive", job_id, task_name=f"Archive job {job_id}")


def archive(job_id: int) -> str:
    from soundsite.studio.archive import archive_job

    return archive_job(job_id)


def recover() -> str:
    """Periodic safety net: restart work whose worker died (lapsed leases, lost tasks)."""
    now = timezone.now()
    lapsed = pipeline.lease_is_free(now)
    archiving = list(
        Job.objects.filter(state=JobState.ARCHIVING, next_check_at__lte=now)
        .filter(lapsed)
        .values_list("pk", flat=True)[:500]
    )
    for job_id in archiving:
        enqueue_archive(job_id)
    if (
        Job.objects.filter(state__in=pipeline.WAITING_STATES, next_check_at__lte=now)
        .filter(lapsed)
        .exists()
    ):
        kick_waiter()
    return f"re-enqueued {len(archiving)} archives"


def trim_task_history(keep: int = TASK_HISTORY_KEEP) -> str:
    """Keep the newest ``keep`` successful tasks (hourly; failures are never removed).

    django-q2 can prune on its own (``save_limit``), but it then reads every kept result on
    each task it saves: 1000 rows per archive at the busiest moment.
    """
    from django_q.models import Success

    oldest_kept = Success.objects.order_by("-stopped", "-pk").values_list("stopped", "pk")[
        keep - 1 : keep
    ]
    if not oldest_kept:
        return "removed 0 finished tasks"
    stopped, pk = oldest_kept[0]
    older = Success.objects.filter(stopped__lt=stopped) | Success.objects.filter(
        stopped=stopped, pk__lt=pk
    )
    removed, _ = older.delete()
    return f"removed {removed} finished tasks"
