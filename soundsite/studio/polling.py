"""The job-card poll: the hottest path in the product, answered from the cache.

Every open card asks every two seconds. The pipeline forgets a card whenever its job changes
and the next poll renders it once (``cards``), so a poll is: the session's user id (sessions
live in the cache), the membership of that user in the card's workspace (cached), and the
card itself (cached). The database is read only when one of those is missing from the cache.
"""

from __future__ import annotations

from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.http import Http404, HttpResponse, HttpResponseForbidden
from django.views.decorators.http import require_GET

from soundsite.accounts.access import cached_role
from soundsite.studio import cards
from soundsite.studio.models import Job


@require_GET
def job_card(request, code):
    """One job's card, for htmx polling; no user or session query when the cache is warm."""
    user_id = request.session.get(SESSION_KEY)
    if user_id is None:
        return HttpResponseForbidden("Your session has ended. Sign in again.")
    entry = cache.get(cards.cache_key(code))
    if entry is None:
        job = Job.objects.filter(code=code).select_related("key", "source_track").first()
        if job is None:
            raise Http404("No such job.")
        entry = cards.publish(job)
    workspace_id, html = entry
    if not cached_role(user_id, workspace_id):
        raise Http404("No such job.")
    return HttpResponse(html)
