"""Audio inputs of a job: library tracks given to a provider as signed, expiring links.

Providers fetch input audio by URL. A stored file (a library track or an upload) is given to
them as a link under ``PUBLIC_BASE_URL`` that carries a signed token naming the track and the
moment it stops working; the file view serves it without signing in. The link is made afresh
when the job is sent (``submit_parameters``), so a job that waited in the queue, or one run
again later, never hands the provider a dead link.

Tracks made by Soundpiece are given the same way (not as a fresh Soundpiece link): the file is
ours and archived, it works for both providers, and it costs no extra request.
"""

from __future__ import annotations

import re
import unicodedata

from django.conf import settings
from django.urls import reverse

from soundsite.lib.signed import InvalidToken, make_token, read_token

SALT = "soundsite.studio.input-file"
DEFAULT_LINK_SECONDS = 24 * 60 * 60


def link_seconds() -> int:
    return int(getattr(settings, "STUDIO_INPUT_LINK_SECONDS", DEFAULT_LINK_SECONDS))


def url_file_name(track) -> str:
    """A plain ASCII file name for the link (providers sometimes read the extension)."""
    text = unicodedata.normalize("NFKD", track.title or "track")
    text = text.encode("ascii", "ignore").decode()
    text = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()[:60] or "track"
    return f"{text}.{track.format or 'audio'}"


def track_url(track, *, ttl: float | None = None) -> str:
    """A link that lets anyone holding it fetch the track's file until it expires."""
    token = make_token(str(track.code), salt=SALT, ttl=ttl if ttl is not None else link_seconds())
    path = reverse("studio_input_file", args=[token, url_file_name(track)])
    return settings.PUBLIC_BASE_URL.rstrip("/") + path


def track_code_from_token(token: str) -> str:
    """The code of the track a link names; raise ``InvalidToken`` when it is bad or expired."""
    code, _expires = read_token(token, salt=SALT)
    return code


def submit_parameters(job) -> dict:
    """The job's wire parameters with a fresh link for every stored-file input."""
    from soundsite.library.models import Track

    params = dict(job.parameters)
    codes = {
        name: source["track"]
        for name, source in (job.inputs or {}).items()
        if isinstance(source, dict) and source.get("track") and name in params
    }
    if not codes:
        return params
    tracks = {
        str(track.code): track
        for track in Track.objects.filter(
            workspace_id=job.workspace_id, code__in=list(codes.values()), deleted_at=None
        )
    }
    for name, code in codes.items():
        track = tracks.get(str(code))
        if track is not None:
            params[name] = track_url(track)
    return params


__all__ = [
    "InvalidToken",
    "submit_parameters",
    "track_code_from_token",
    "track_url",
]
