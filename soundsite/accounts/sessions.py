"""The session engine: Django's ``cached_db`` sessions, each row knowing whose session it is.

Sessions are kept exactly as Django's ``cached_db`` engine keeps them (the cache first, written
through to the database); the only addition is the signed-in user's id on each row
(``UserSession``), the extension Django documents for database-backed sessions. With it a
person's sessions can be found, and changing or resetting a password ends every other session
at once (``end_sessions``) instead of leaving each to fail its check on its next full page:
the job-card poll, which reads the session straight from the cache, would never make that check.
"""

from __future__ import annotations

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore
from django.core.cache import caches


class SessionStore(CachedDBStore):
    @classmethod
    def get_model_class(cls):
        from soundsite.accounts.models import UserSession

        return UserSession

    def create_model_instance(self, data):
        row = super().create_model_instance(data)
        try:
            row.user_id = int(data.get(SESSION_KEY))
        except (TypeError, ValueError):
            row.user_id = None
        return row


def end_sessions(user_id, keep: str | None = None) -> int:
    """Sign ``user_id`` out everywhere (but the session ``keep``); how many sessions ended."""
    from django.conf import settings

    from soundsite.accounts.models import UserSession

    rows = UserSession.objects.filter(user_id=user_id).exclude(session_key=keep or "")
    keys = list(rows.values_list("session_key", flat=True))
    if keys:
        UserSession.objects.filter(session_key__in=keys).delete()
        cache = caches[settings.SESSION_CACHE_ALIAS]
        cache.delete_many([SessionStore.cache_key_prefix + key for key in keys])
    return len(keys)
