"""Scale-out on Redis: two clusters in separate processes share the jobs, never doing a step
twice, and when one is killed the other finishes its work. See docs/reliability.md.
"""

import os
import re
import time

import pytest
from django.db.models import Count

from soundsite.library.models import Track
from soundsite.sandbox.models import SandboxOperation
from soundsite.studio.models import Job, JobState
from tests.reliability import support
from tests.reliability.conftest import wait_for

pytestmark = pytest.mark.skipif(
    not os.environ.get("REDIS_URL"),
    reason="Scale-out needs the Redis broker: set REDIS_URL (CI's second run does).",
)

JOBS = 40
FINISH_TIMEOUT = 300.0
ARCHIVED = re.compile(r"processing Archive job (\d+)")


def archive_tasks(log: str) -> set[str]:
    return set(ARCHIVED.findall(log))


def test_two_clusters_share_the_jobs_and_one_finishes_the_others_work(stack, tmp_path):
    base_url = stack.start_sandbox()
    workspace, owner = support.team()
    keys, accounts = {}, {}
    for provider in ("soundpiece", "soundverse"):
        keys[provider], accounts[provider] = support.sandbox_key(
            workspace, owner, provider, base_url
        )
    stack.start_cluster("left")
    stack.start_cluster("right")
    support.make_jobs(workspace, owner, keys, JOBS // 2)
    # Both clusters take archive tasks from the one Redis queue.
    wait_for(
        lambda: archive_tasks(stack.log_text("left")) and archive_tasks(stack.log_text("right")),
        timeout=FINISH_TIMEOUT,
        what=lambda: "both clusters to archive jobs\n" + stack.tail("left") + stack.tail("right"),
    )
    second_half = [
        job.pk for job in support.make_jobs(workspace, owner, keys, JOBS // 2, first=JOBS // 2)
    ]
    # Kill one cluster while the second half is in flight; the other must finish everything.
    wait_for(
        lambda: (
            Job.objects.filter(
                state__in=(JobState.RUNNING, JobState.ARCHIVING), pk__in=second_half
            ).exists()
            or not support.unfinished()
        ),
        timeout=FINISH_TIMEOUT,
        what="the second half to start",
    )
    killed_at = dict(support.states())
    lost_posts = set()
    stack.kill("left")
    lost_posts |= set(
        Job.objects.filter(
            provider="soundverse", state=JobState.SUBMITTING, remote_id=""
        ).values_list("pk", flat=True)
    )
    wait_for(
        lambda: not support.unfinished(),
        timeout=FINISH_TIMEOUT,
        interval=1.0,
        what=lambda: (
            f"the surviving cluster to finish (states {dict(support.states())})\n"
            + support.describe_unfinished()
            + stack.tail("right")
        ),
    )
    finished_after_kill = time.monotonic()
    stack.kill("right")
    context = f"states at the kill {killed_at}, lost POSTs {sorted(lost_posts)}"

    # Every job ended ready (a Soundverse POST cut off by the kill may not be resent).
    for job in Job.objects.all():
        if job.pk not in lost_posts:
            assert job.state == JobState.READY, (job.pk, job.error_message, context)
    assert Job.objects.count() == JOBS
    assert finished_after_kill

    # No step twice: one Soundpiece operation per idempotency key, one POST per Soundverse
    # job, one track per output, and each job's archive completed once.
    operations = list(
        SandboxOperation.objects.filter(account=accounts["soundpiece"]).values_list(
            "idempotency_key", flat=True
        )
    )
    assert (
        len(operations) == len(set(operations)) == Job.objects.filter(provider="soundpiece").count()
    )
    per_job = support.operations_per_job(accounts["soundverse"])
    assert set(per_job.values()) <= {1}, per_job
    assert support.requests(accounts["soundverse"], "POST") == sum(per_job.values())
    doubled = Track.objects.values("job", "output_position").annotate(n=Count("pk")).filter(n__gt=1)
    assert not doubled.exists()
    assert support.tracks_per_ready_job() == [], context
    # A kill between storing a file and committing its track leaves a stray file, which the
    # library's cleanup removes once it is an hour old; after it, storage and rows match.
    strays = support.stray_files(tmp_path / "media")
    summary = support.clean_up_an_hour_later()
    assert f"removed {len(strays)} stray files, 0 files missing" in summary, (summary, context)
    assert support.check_tracks(tmp_path / "media") == [], context
    from django_q.models import Task

    completed = Task.objects.filter(func="soundsite.studio.tasks.archive", result="ready")
    per_archive = completed.values("args").annotate(n=Count("pk")).filter(n__gt=1)
    assert not per_archive.exists(), list(per_archive)
