"""The job-card poll: the hottest path in the product, answered from the cache.

Every open card asks every two seconds. The pipeline forgets a card whenever its job changes
and the next poll renders it once (``cards``), so a poll is two cache reads: the session's
user id (sessions live in the cache, written through to the database) and the card, which
names the members who may read it. The database is read only when one of those is missing
from the cache. A finished card is polled once, when it comes back finished; it lists no
members, and the poll asks the cached membership instead.

The session is read the way Django's ``cached_db`` engine (and the product's, which extends it)
reads it, the cache first, without building a session object; a session missing from the cache
(or any other engine) goes through ``request.session`` as usual. Reading the user id this way
skips Django's check of the password the session was made with, so a new password ends every
other session at once (``accounts.sessions.end_sessions``).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends import cached_db
from django.core.cache import caches
from django.http import Http404, HttpResponse, HttpResponseForbidden
from django.views.decorators.http import require_GET

from soundsite.accounts.access import cached_role
from soundsite.studio import cards
from soundsite.studio.models import Job

# Engines that keep sessions in the cache under cached_db's key prefix.
CACHED_ENGINES = ("django.contrib.sessions.backends.cached_db", "soundsite.accounts.sessions")


def session_user_id(request):
    """The signed-in user's id from the session, or None."""
    session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME, "")
    # Django's keys are 32 lowercase letters and digits; anything else is never in the cache.
    if (
        settings.SESSION_ENGINE in CACHED_ENGINES
        and 8 <= len(session_key) <= 40
        and session_key.isalnum()
    ):
        data = caches[settings.SESSION_CACHE_ALIAS].get(cached_db.KEY_PREFIX + session_key)
        if data is not None:
            return data.get(SESSION_KEY)
    return request.session.get(SESSION_KEY)


@require_GET
def job_card(request, code):
    """One job's card, for htmx polling; two cache reads and no query when the cache is warm."""
    user_id = session_user_id(request)
    if user_id is None:
        return HttpResponseForbidden("Your session has ended. Sign in again.")
    card = cards.read(code)
    if card is None:
        job = Job.objects.filter(code=code).select_related("key", "source_track").first()
        if job is None:
            raise Http404("No such job.")
        card = cards.publish(job)
    if not (card.admits(user_id) if card.members else cached_role(user_id, card.workspace_id)):
        raise Http404("No such job.")
    response = HttpResponse(card.html)
    response["Vary"] = "Cookie"  # what request.session would have added
    return response
