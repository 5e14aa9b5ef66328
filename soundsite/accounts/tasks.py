"""Background tasks of the accounts app (django-q2)."""

from __future__ import annotations


def clear_expired_sessions() -> str:
    """Remove sessions past their expiry date (daily; Django's ``clearsessions``)."""
    from django.utils import timezone

    from soundsite.accounts.models import UserSession

    removed, _ = UserSession.objects.filter(expire_date__lt=timezone.now()).delete()
    return f"removed {removed} expired sessions"
