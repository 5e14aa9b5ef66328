"""The job card fragment, cached for the poll view.

Polling is the hottest path in the product: every open card asks every two seconds. A card is
rendered when someone asks for it and kept in the cache, so a poll is an access check and a
cache read (``studio.polling``). The pipeline only *forgets* a card when its job changes: a
busy worker then spends nothing on cards nobody is looking at, and a watched card is rendered
once per change by its next poll.

A stored card never outlives a change of its job, without an expiry to paper over races:

- a change is forgotten at once and again when its transaction commits, so a poll that renders
  between the two cannot keep the state from before the commit;
- a poll that read an unfinished job just before a change and stores the card just after the
  pipeline forgot it checks, once stored, that the job's ``updated_at`` is still the one it
  rendered, and forgets the card itself if not. Either the pipeline's commit comes before that
  check (which then sees it) or after the card was stored (and the pipeline's forget removes
  it). So every change to what a card shows moves the job's ``updated_at``
  (``pipeline.update``, the model's ``auto_now``, ``touch_jobs`` for changes to its tracks).

A finished job no longer changes; only its tracks can (renamed, deleted, restored). Its card is
not polled, so it is stored without that extra query and kept for an hour: a rename that
races the very render of the same card shows on it an hour later at worst.
"""

from django.core.cache import cache
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone

CARD_SECONDS = 60 * 60 * 24
FINISHED_CARD_SECONDS = 60 * 60


def cache_key(code) -> str:
    return f"jobcard:{code}"


def render(job) -> str:
    return render_to_string("studio/_job_card.html", {"job": job})


def read(code) -> tuple[int, str] | None:
    """The stored card of job ``code`` and its workspace id, or None."""
    # One string, "<workspace id>:<html>": a string is read back without unpickling.
    stored = cache.get(cache_key(code))
    if not isinstance(stored, str):  # missing, or stored by an older version in another form
        return None
    workspace_id, _, html = stored.partition(":")
    return int(workspace_id), html


def publish(job) -> tuple[int, str]:
    """Render ``job``'s card and store it, with its workspace id, for the poll view."""
    from soundsite.studio.models import Job

    key = cache_key(job.code)
    html = render(job)
    stored = f"{job.workspace_id}:{html}"
    if job.finished:
        cache.set(key, stored, FINISHED_CARD_SECONDS)
    else:
        cache.set(key, stored, CARD_SECONDS)
        if not Job.objects.filter(pk=job.pk, updated_at=job.updated_at).exists():
            cache.delete(key)  # the job changed while its card was rendered
    return job.workspace_id, html


def forget(job) -> None:
    """The job changed: the next poll renders its card afresh."""
    forget_codes([job.code])


def forget_codes(codes) -> None:
    keys = [cache_key(code) for code in codes]
    if not keys:
        return
    cache.delete_many(keys)
    if connection.in_atomic_block:
        transaction.on_commit(lambda: cache.delete_many(keys))


def touch_jobs(job_ids) -> None:
    """Something a finished card shows (its tracks) changed: mark the jobs changed."""
    from soundsite.studio.models import Job

    jobs = Job.objects.filter(pk__in={pk for pk in job_ids if pk is not None})
    codes = list(jobs.values_list("code", flat=True))
    jobs.update(updated_at=timezone.now())
    forget_codes(codes)
