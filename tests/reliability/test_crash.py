"""Crash suite: the worker cluster is SIGKILLed three times while 100 jobs run; nothing is lost.

See docs/reliability.md for what this proves and how.
"""

import random
import time

from soundsite.library.models import Track
from soundsite.sandbox.models import SandboxOperation
from soundsite.studio.models import Job, JobState
from soundsite.studio.waiter import Waiter
from tests.reliability import support
from tests.reliability.conftest import wait_for

JOBS = 100
KILLS = 3
FINISH_TIMEOUT = 420.0


def test_a_killed_cluster_loses_no_job_and_submits_nothing_twice(stack, tmp_path):
    rng = random.Random()
    seed = rng.randrange(1_000_000)
    rng.seed(seed)
    base_url = stack.start_sandbox()
    workspace, owner = support.team()
    keys, accounts = {}, {}
    for provider in ("soundpiece", "soundverse"):
        keys[provider], accounts[provider] = support.sandbox_key(
            workspace, owner, provider, base_url
        )
    # The cluster is killed three times at random moments while it works: after each start, once
    # the jobs have taken a random number of steps (0–30) between them, plus a random 0–3 s,
    # so kills land while jobs are submitting, waiting for the provider and archiving.
    support.make_jobs(workspace, owner, keys, JOBS)
    lost_posts = set()  # Soundverse jobs whose POST was unanswered at a kill
    history = []
    for _ in range(KILLS):
        stack.start_cluster()
        began = support.progressed()
        # Never more than half the steps left, so there is still work to interrupt.
        target = min(rng.randint(0, 30), (4 * JOBS - began) // 2)
        wait_for(
            # Some job has left the queue (the first start takes a while), and enough moved on.
            lambda began=began, target=target: (
                (
                    support.states()[JobState.QUEUED] < JOBS
                    and support.progressed() - began >= target
                )
                or not support.unfinished()
            ),
            timeout=FINISH_TIMEOUT,
            what=lambda: (
                f"the cluster to move jobs on ({dict(support.states())})\n" + stack.tail("cluster")
            ),
        )
        time.sleep(rng.uniform(0.0, 3.0))
        if not support.unfinished():
            break
        stack.kill("cluster")
        history.append(dict(support.states()))
        lost_posts |= set(
            Job.objects.filter(
                provider="soundverse", state=JobState.SUBMITTING, remote_id=""
            ).values_list("pk", flat=True)
        )
    stack.start_cluster()

    wait_for(
        lambda: not support.unfinished(),
        timeout=FINISH_TIMEOUT,
        interval=1.0,
        what=lambda: (
            f"every job to finish (seed {seed}, states {dict(support.states())})\n"
            + support.describe_unfinished()
            + "\n"
            + stack.tail("cluster")
        ),
    )
    stack.kill("cluster")
    failed = list(Job.objects.filter(state=JobState.FAILED).values_list("pk", "error_message"))
    context = (
        f"failed {failed}, seed {seed}, states at each kill {history}, "
        f"lost POSTs {sorted(lost_posts)}"
    )

    # Every job ends ready; the only exception is a Soundverse POST that was in the air when
    # its worker died: Soundverse has no idempotency, so it is never sent again (it could
    # bill twice) and the job says so.
    for job in Job.objects.all():
        if job.pk in lost_posts:
            assert job.state in (JobState.READY, JobState.FAILED), context
            if job.state == JobState.FAILED:
                assert job.error_message == Waiter.lost_submission().message, context
        else:
            assert job.state == JobState.READY, (job.pk, job.state, job.error_message, context)
    assert Job.objects.count() == JOBS
    # The kills struck while work was in flight, and jobs caught mid-way still ended ready.
    assert len(history) == KILLS, context
    in_flight = (JobState.SUBMITTING, JobState.RUNNING, JobState.ARCHIVING)
    assert all(any(counts.get(state) for state in in_flight) for counts in history), context

    # Exactly one Soundpiece operation per idempotency key (resends after a kill reuse it).
    soundpiece_jobs = Job.objects.filter(provider="soundpiece")
    operations = dict(
        SandboxOperation.objects.filter(account=accounts["soundpiece"]).values_list(
            "idempotency_key", "remote_id"
        )
    )
    assert len(operations) == soundpiece_jobs.count(), context
    for job in soundpiece_jobs:
        assert operations.get(str(job.idempotency_key)) == job.remote_id, context

    # One POST per Soundverse job, and every POST made one operation.
    per_job = support.operations_per_job(accounts["soundverse"])
    for job in Job.objects.filter(provider="soundverse"):
        expected = {1} if job.pk not in lost_posts else {0, 1}
        assert per_job[support.job_tag(job)] in expected, (job.pk, per_job, context)
    assert support.requests(accounts["soundverse"], "POST") == sum(per_job.values()), context

    # Every track is there, intact, once; nothing in storage belongs to no track.
    assert support.tracks_per_ready_job() == [], context
    # A kill between storing a file and committing its track leaves a stray file, which the
    # library's cleanup removes once it is an hour old; after it, storage and rows match.
    strays = support.stray_files(tmp_path / "media")
    summary = support.clean_up_an_hour_later()
    assert f"removed {len(strays)} stray files, 0 files missing" in summary, (summary, context)
    assert support.check_tracks(tmp_path / "media") == [], context
    assert Track.objects.count() == sum(
        job.result_count for job in Job.objects.filter(state=JobState.READY)
    )
    never_sent = [pk for pk in lost_posts if not per_job[support.job_tag(Job.objects.get(pk=pk))]]
    print(
        f"\ncrash suite: seed {seed}, states at each kill {history}, final {support.states()}, "
        f"{len(lost_posts)} Soundverse POSTs cut off ({len(never_sent)} never reached it), "
        f"{len(strays)} stray files swept"
    )
