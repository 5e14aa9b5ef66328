"""Share links: making them, finding them from a token, passwords and their throttle.

Rules (docs/library.md, "Sharing"):
- A token is 32 URL-safe characters from ``secrets``; anything else is refused before the
  database is asked.
- An unknown token answers 404; a revoked or expired one, or one whose track was deleted,
  answers 410. Both show the same polite page, which names nothing.
- A password is stored hashed (Django's password hasher). Entering it unlocks the link for
  this browser session only; the unlock is bound to the current hash, so changing the
  password locks every visitor out again. Wrong passwords are counted per link and visitor
  address (and per link overall) and paused after a few attempts.
"""

from __future__ import annotations

import re
from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.cache import cache
from django.utils import timezone
from django.utils.crypto import salted_hmac

from soundsite.library.models import SHARE_TOKEN_LENGTH, ShareLink, Track

TOKEN_SHAPE = re.compile(rf"^[A-Za-z0-9_-]{{{SHARE_TOKEN_LENGTH}}}$")
EXPIRY_DAYS = (1, 7, 30, 0)
SESSION_PREFIX = "share-unlocked:"
# Guessing from many addresses is capped per link at this multiple of the per-address limit.
LINK_WIDE_FACTOR = 10


class Unavailable(Exception):
    """The token names no usable link; ``status`` is 404 (unknown) or 410 (gone)."""

    def __init__(self, status: int):
        super().__init__(status)
        self.status = status


def expiry_label(days: int) -> str:
    if days == 0:
        return "Never"
    return "1 day" if days == 1 else f"{days} days"


class ShareForm(forms.Form):
    expires_in = forms.TypedChoiceField(
        label="Link works for", coerce=int, widget=forms.RadioSelect
    )
    allow_download = forms.BooleanField(
        label="Allow downloads",
        required=False,
        initial=True,
        help_text="When off, the client can listen but gets no download buttons.",
    )
    password = forms.CharField(
        label="Password (optional)",
        required=False,
        min_length=4,
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="Send it to the client separately. Leave empty for no password.",
    )
    note = forms.CharField(
        label="Note to the client (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Shown at the top of the page, e.g. “Two options for the spring spot”.",
    )

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        default = workspace.default_share_days
        days = sorted(set(EXPIRY_DAYS) | {default}, key=lambda value: (value == 0, value))
        self.fields["expires_in"].choices = [(value, expiry_label(value)) for value in days]
        self.fields["expires_in"].initial = default
        self.fields["expires_in"].help_text = (
            f"{expiry_label(default)} is this workspace’s default (Settings → Workspace)."
            if default
            else "“Never” is this workspace’s default (Settings → Workspace)."
        )


def create_share(workspace, user, data: dict, *, track=None, collection=None) -> ShareLink:
    days = data["expires_in"]
    return ShareLink.objects.create(
        workspace=workspace,
        track=track,
        collection=collection,
        created_by=user,
        expires_at=timezone.now() + timedelta(days=days) if days else None,
        allow_download=data["allow_download"],
        password_hash=make_password(data["password"]) if data.get("password") else "",
        note=data.get("note", "").strip(),
    )


def find_share(token: str) -> ShareLink:
    """The usable link for ``token``, or raise Unavailable(404 or 410)."""
    if not TOKEN_SHAPE.match(token or ""):
        raise Unavailable(404)
    share = (
        ShareLink.objects.filter(token=token)
        .select_related("workspace", "track", "collection")
        .first()
    )
    if share is None:
        raise Unavailable(404)
    if not share.is_active:
        raise Unavailable(410)
    if share.track_id and share.track.deleted_at is not None:
        raise Unavailable(410)
    return share


def shared_tracks(share: ShareLink) -> list[Track]:
    """The live tracks this link shows, in the collection's order."""
    if share.track_id:
        return [share.track] if share.track.deleted_at is None else []
    return list(
        Track.objects.live()
        .filter(collection_items__collection_id=share.collection_id)
        .select_related("job")
        .defer("lyrics", "parameters", "remote_output")
        .order_by("collection_items__position", "collection_items__id")
    )


def shared_track(share: ShareLink, code) -> Track | None:
    """One track of the link by its code; None for any track the link does not show."""
    if share.track_id:
        return share.track if share.track.code == code and share.track.deleted_at is None else None
    return (
        Track.objects.live()
        .filter(code=code, collection_items__collection_id=share.collection_id)
        .first()
    )


def _unlock_value(share: ShareLink) -> str:
    return salted_hmac("soundsite.share-unlock", share.password_hash).hexdigest()[:32]


def is_unlocked(request, share: ShareLink) -> bool:
    if not share.has_password:
        return True
    return request.session.get(f"{SESSION_PREFIX}{share.pk}") == _unlock_value(share)


def _throttle_keys(request, share: ShareLink) -> tuple[str, str]:
    address = request.META.get("REMOTE_ADDR", "unknown")
    return f"share-pw:{share.pk}:{address}", f"share-pw:{share.pk}:all"


def is_throttled(request, share: ShareLink) -> bool:
    visitor, link = _throttle_keys(request, share)
    limit = settings.SHARE_PASSWORD_ATTEMPTS
    return (cache.get(visitor) or 0) >= limit or (cache.get(link) or 0) >= limit * LINK_WIDE_FACTOR


def try_password(request, share: ShareLink, password: str) -> bool:
    """Check a password; remember success in the session, count a failure."""
    if check_password(password or "", share.password_hash):
        request.session[f"{SESSION_PREFIX}{share.pk}"] = _unlock_value(share)
        for key in _throttle_keys(request, share)[:1]:
            cache.delete(key)
        return True
    for key in _throttle_keys(request, share):
        if not cache.add(key, 1, settings.SHARE_PASSWORD_WINDOW):
            try:
                cache.incr(key)
            except ValueError:
                cache.set(key, 1, settings.SHARE_PASSWORD_WINDOW)
    return False


def count_visit(share: ShareLink) -> None:
    from django.db.models import F

    ShareLink.objects.filter(pk=share.pk).update(
        visit_count=F("visit_count") + 1, last_visit_at=timezone.now()
    )
