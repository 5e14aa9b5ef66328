"""The job card fragment, cached for the poll view.

Polling is the hottest path in the product: every open card asks every two seconds. A card is
rendered when someone asks for it and kept in the cache, so a poll is an access check and a
cache read (``studio.polling``). The pipeline only *forgets* a card when its job changes: a
busy worker then spends nothing on cards nobody is looking at, and a watched card is rendered
once per change by its next poll.

A card of a running job is kept for a few seconds only: a poll that read the job just before a
change and stored the card just after the pipeline forgot it would otherwise keep showing the
old state.
"""

from django.core.cache import cache
from django.template.loader import render_to_string

CARD_SECONDS = 60 * 60 * 24
LIVE_CARD_SECONDS = 10


def cache_key(code) -> str:
    return f"jobcard:{code}"


def render(job) -> str:
    return render_to_string("studio/_job_card.html", {"job": job})


def publish(job) -> tuple[int, str]:
    """Render ``job``'s card and store it, with its workspace id, for the poll view."""
    entry = (job.workspace_id, render(job))
    cache.set(cache_key(job.code), entry, CARD_SECONDS if job.finished else LIVE_CARD_SECONDS)
    return entry


def forget(job) -> None:
    """The job changed: the next poll renders its card afresh."""
    cache.delete(cache_key(job.code))
