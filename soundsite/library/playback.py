"""Audio links for the player that skip the full access check while a member listens.

A player asks for the same file many times (a range request for every seek). Each full check
reads the session, the user and the membership before the track itself. The audio links that
library pages hand to the player therefore carry a short-lived key: an HMAC over the track's
code, a digest of the browser's session cookie and the time it was made. With a valid key the
audio view reads only the track row.

- The key only works with the same session cookie, so a copied link is useless anywhere else,
  and signing out (which ends the cookie) ends it at once.
- It lasts ``KEY_SECONDS``; after that, or when anything does not match, the view simply runs
  the full check, so an old link in a restored player still plays for a member.
- Someone removed from the workspace keeps a key they already hold for at most that long.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core import signing

from soundsite.library.models import Track

SALT = "soundsite.library.audio-key"
KEY_SECONDS = 10 * 60
FILE_FIELDS = ("id", "code", "workspace_id", "file", "file_name", "content_type", "bytes", "sha256")


def _cookie_digest(request) -> str:
    value = request.COOKIES.get(settings.SESSION_COOKIE_NAME, "")
    return hashlib.sha256(value.encode()).hexdigest()[:32] if value else ""


def audio_url_maker(request):
    """A function ``code -> audio URL with a key`` for this request's session."""
    from soundsite.library.templatetags.library import track_url

    digest = _cookie_digest(request)
    signer = signing.TimestampSigner(salt=SALT)

    def make(code) -> str:
        url = track_url(code, "track_audio")
        if not digest:
            return url
        value = f"{code}:{digest}"
        key = signer.sign(value)[len(value) + 1 :]
        return f"{url}?k={key}"

    return make


def track_from_key(request, code) -> Track | None:
    """The live track when the request carries a valid key for it, else None."""
    key = request.GET.get("k", "")
    digest = _cookie_digest(request)
    if not key or not digest or len(key) > 100:
        return None
    try:
        signing.TimestampSigner(salt=SALT).unsign(f"{code}:{digest}:{key}", max_age=KEY_SECONDS)
    except signing.BadSignature:
        return None
    return Track.objects.live().filter(code=code).only(*FILE_FIELDS, "title").first()
