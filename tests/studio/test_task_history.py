"""The background task history is trimmed by an hourly schedule, not on every saved task.

django-q2's own pruning (a positive ``save_limit``) reads every kept result each time a task
finishes; with hundreds of archives finishing at once that was the monitor's main cost.
"""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from django_q.models import Failure, Schedule, Success, Task

from soundsite.studio import tasks

pytestmark = pytest.mark.django_db


def finished_task(n: int, *, success: bool = True, minutes_ago: float = 0) -> Task:
    stopped = timezone.now() - timedelta(minutes=minutes_ago)
    return Task.objects.create(
        id=f"{n:032x}",
        name=f"task {n}",
        func="soundsite.studio.tasks.archive",
        args=(n,),
        result="ready" if success else "boom",
        started=stopped - timedelta(seconds=1),
        stopped=stopped,
        success=success,
    )


def test_the_cluster_does_not_prune_on_every_saved_task():
    assert settings.Q_CLUSTER["save_limit"] == 0


def test_the_trim_is_scheduled_hourly():
    # Transactional tests empty the tables, so run the migration's own step again.
    from importlib import import_module

    from django.apps import apps

    migration = import_module("soundsite.studio.migrations.0004_task_history_schedule")
    migration.create_schedule(apps, None)
    migration.create_schedule(apps, None)  # running it again changes nothing
    (schedule,) = Schedule.objects.filter(func="soundsite.studio.tasks.trim_task_history")
    assert schedule.schedule_type == Schedule.HOURLY
    assert schedule.repeats == -1


def test_the_newest_successes_are_kept_and_failures_are_never_removed():
    for n in range(8):
        finished_task(n, minutes_ago=100 - n)  # task 7 is the newest
    for n in range(8, 11):
        finished_task(n, success=False, minutes_ago=500)

    assert tasks.trim_task_history(keep=5) == "removed 3 finished tasks"

    kept = sorted(int(pk, 16) for pk in Success.objects.values_list("id", flat=True))
    assert kept == [3, 4, 5, 6, 7]
    assert Failure.objects.count() == 3


def test_tasks_that_stopped_at_the_same_moment_are_trimmed_to_exactly_the_limit():
    moment = timezone.now()
    for n in range(6):
        task = finished_task(n)
        Task.objects.filter(pk=task.pk).update(stopped=moment)

    tasks.trim_task_history(keep=4)

    assert Success.objects.count() == 4


def test_a_short_history_is_left_alone():
    for n in range(3):
        finished_task(n, minutes_ago=n)

    assert tasks.trim_task_history(keep=5) == "removed 0 finished tasks"
    assert tasks.trim_task_history(keep=3) == "removed 0 finished tasks"
    assert Success.objects.count() == 3
