"""The job pipeline: create, claim, move and finish jobs, one guarded step at a time.

Every change of a job goes through a conditional UPDATE, so a step can run twice, concurrently
or after a crash without doing harm: whoever loses the race changes nothing. A step first
claims the job with a lease (an owner token and an expiry); a lapsed lease is taken over by the
next worker that finds the job.

queued → submitting → running → archiving → ready, or failed / canceled.
"""

from __future__ import annotations

import logging
import random
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from soundsite.providers import base as providers
from soundsite.studio import cards
from soundsite.studio.models import FINISHED_STATES, Job, JobState

log = logging.getLogger(__name__)

LEASE_SECONDS = 60
ACTIVE_STATES = (JobState.QUEUED, JobState.SUBMITTING, JobState.RUNNING, JobState.ARCHIVING)
WAITING_STATES = (JobState.QUEUED, JobState.SUBMITTING, JobState.RUNNING)

# Transient faults (5xx, timeouts) are retried with exponential backoff and jitter, up to a
# bound; then the job fails with a plain message.
MAX_TRANSIENT_ATTEMPTS = 8
BACKOFF_BASE = 2.0
BACKOFF_CAP = 60.0


def new_lease_owner() -> str:
    return uuid.uuid4().hex


def backoff_seconds(attempt: int) -> float:
    """Full-jitter exponential backoff: a random wait up to base·2^attempt, capped."""
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * (2 ** max(0, attempt - 1)))
    return random.uniform(ceiling / 2, ceiling)


def archive_check_at(delay: float = 0.0):
    """When the recovery task should look at an archiving job whose archive task was enqueued.

    One lease time after the task is due: until then the task is most likely waiting in a busy
    queue, and re-enqueueing it every recovery run would only add duplicates that make the
    queue busier still. A task lost with a killed cluster is re-enqueued after that.
    """
    return timezone.now() + timedelta(seconds=delay + LEASE_SECONDS)


# --- Creating ---------------------------------------------------------------------------------
def create_job(**fields) -> Job:
    """Write the job (with its idempotency key) and start it once the transaction commits.

    Nothing is sent to a provider before the row exists: a crash after this point leaves a
    queued job that the recovery schedule picks up, never an orphan request.
    """
    from soundsite.studio import tasks

    with transaction.atomic():
        job = Job.objects.create(**fields)
        transaction.on_commit(tasks.kick_waiter)
    cards.forget(job)
    return job


# --- Claiming ---------------------------------------------------------------------------------
def lease_is_free(now) -> Q:
    return Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now)


def claim(job_id: int, owner: str, *, states=ACTIVE_STATES, due_only: bool = True) -> Job | None:
    """Take the lease on a job if nobody holds it; return the fresh row, or None."""
    now = timezone.now()
    jobs = Job.objects.filter(pk=job_id, state__in=states).filter(lease_is_free(now))
    if due_only:
        jobs = jobs.filter(next_check_at__lte=now)
    taken = jobs.update(lease_owner=owner, lease_expires_at=now + timedelta(seconds=LEASE_SECONDS))
    if not taken:
        return None
    return Job.objects.select_related("key").get(pk=job_id)


def claim_due(owner: str, *, states=WAITING_STATES, limit: int = 200) -> list[Job]:
    """Claim up to ``limit`` due jobs in ``states`` whose lease is free."""
    now = timezone.now()
    candidates = list(
        Job.objects.filter(state__in=states, next_check_at__lte=now)
        .filter(lease_is_free(now))
        .order_by("next_check_at")
        .values_list("pk", flat=True)[:limit]
    )
    if not candidates:
        return []
    Job.objects.filter(pk__in=candidates, state__in=states).filter(lease_is_free(now)).update(
        lease_owner=owner, lease_expires_at=now + timedelta(seconds=LEASE_SECONDS)
    )
    return list(Job.objects.select_related("key").filter(pk__in=candidates, lease_owner=owner))


def next_wait_due(now=None):
    """When the soonest job that needs a waiter is due (None when no job needs one)."""
    now = now or timezone.now()
    return (
        Job.objects.filter(state__in=WAITING_STATES)
        .filter(lease_is_free(now))
        .order_by("next_check_at")
        .values_list("next_check_at", flat=True)
        .first()
    )


def renew(owner: str) -> int:
    """Extend every lease ``owner`` holds; a worker calls this while it is alive."""
    now = timezone.now()
    return Job.objects.filter(lease_owner=owner, lease_expires_at__gte=now).update(
        lease_expires_at=now + timedelta(seconds=LEASE_SECONDS)
    )


def release(job: Job, owner: str, **fields) -> bool:
    """Give the lease back, saving ``fields`` in the same UPDATE."""
    return update(job, owner=owner, lease_owner="", lease_expires_at=None, **fields)


def update(job: Job, *, owner: str | None = None, states=None, **fields) -> bool:
    """Save ``fields`` only if the job is still ours and in an expected state.

    A canceled job is never moved on: the default expected states are the active ones.
    Returns False (and changes nothing) when the condition does not hold.
    """
    jobs = Job.objects.filter(pk=job.pk, state__in=states or ACTIVE_STATES)
    if owner is not None:
        jobs = jobs.filter(lease_owner=owner)
    fields.setdefault("updated_at", timezone.now())
    changed = bool(jobs.update(**fields))
    if changed:
        for name, value in fields.items():
            setattr(job, name, value)
        cards.forget(job)
    return changed


# --- Finishing --------------------------------------------------------------------------------
def fail(job: Job, owner: str | None, error: providers.ProviderError) -> bool:
    """End the job as failed with the error's kind and plain message."""
    code = error.kind
    if isinstance(error, providers.OperationFailed):
        code = f"{error.kind}:{error.code}"
    elif isinstance(error, providers.ContentRejected) and error.reason:
        code = f"{error.kind}:{error.reason}"
    message = error.message
    if isinstance(error, providers.InputRejected) and error.fields:
        details = "; ".join(
            f"{name}: {text}" if name else text for name, text in error.fields.items()
        )
        message = f"{message} ({details})"
    if isinstance(error, providers.KeyRejected) and job.key_id:
        _mark_key_rejected(job, error.message)
    log.info("Job %s failed: %s", job.code, code)
    return update(
        job,
        owner=owner,
        state=JobState.FAILED,
        error_code=code,
        error_message=message,
        stage="",
        finished_at=timezone.now(),
        lease_owner="",
        lease_expires_at=None,
    )


def _mark_key_rejected(job: Job, message: str) -> None:
    from soundsite.keys.checks import mark_rejected

    mark_rejected(job.key, message)


def cancel(job: Job) -> bool:
    """Stop all further work on the job. The provider may still finish what it started."""
    changed = Job.objects.filter(
        pk=job.pk, state__in=(JobState.QUEUED, JobState.SUBMITTING, JobState.RUNNING)
    ).update(
        state=JobState.CANCELED,
        stage="",
        canceled_at=timezone.now(),
        finished_at=timezone.now(),
        lease_owner="",
        lease_expires_at=None,
        updated_at=timezone.now(),
    )
    if changed:
        job.refresh_from_db()
        cards.forget(job)
    return bool(changed)


def wait_for_rate_limit(job: Job, owner: str, error: providers.RateLimited, *, state) -> bool:
    """Pause the job until the provider's ``Retry-After`` has passed, then go on by itself."""
    seconds = error.retry_after if error.retry_after is not None else 30.0
    resume = timezone.now() + timedelta(seconds=max(1.0, seconds))
    local = timezone.localtime(resume)
    return release(
        job,
        owner,
        state=state,
        stage=(
            f"Waiting for the provider's rate limit, resumes at {local:%H:%M:%S}. The provider "
            "is limiting how often this key can be used; the job carries on by itself, "
            "nothing to do"
        ),
        next_check_at=resume,
    )


def retry_later(job: Job, owner: str, error: providers.ProviderError, *, state) -> bool:
    """Try a transient fault again after a backoff, or fail once the bound is reached."""
    attempts = job.attempts + 1
    if attempts >= getattr(settings, "JOB_MAX_TRANSIENT_ATTEMPTS", MAX_TRANSIENT_ATTEMPTS):
        return fail(job, owner, error)
    delay = backoff_seconds(attempts)
    return release(
        job,
        owner,
        state=state,
        attempts=attempts,
        stage="The provider is not answering; trying again shortly",
        next_check_at=timezone.now() + timedelta(seconds=delay),
    )


def is_finished(job: Job) -> bool:
    return job.state in FINISHED_STATES
