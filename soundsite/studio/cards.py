"""The job card fragment, written to the cache whenever a job changes.

Polling is the hottest path in the product: every open card asks every two seconds. The
pipeline renders the card once per change and stores it with its workspace, so a poll is an
access check and a cache read (``studio.polling``).
"""

from django.core.cache import cache
from django.template.loader import render_to_string

CARD_SECONDS = 60 * 60 * 24


def cache_key(code) -> str:
    return f"jobcard:{code}"


def render(job) -> str:
    return render_to_string("studio/_job_card.html", {"job": job})


def publish(job) -> tuple[int, str]:
    """Render ``job``'s card and store it, with its workspace id, for the poll view."""
    entry = (job.workspace_id, render(job))
    cache.set(cache_key(job.code), entry, CARD_SECONDS)
    return entry
