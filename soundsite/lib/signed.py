"""Signed, expiring tokens for links that work without signing in.

A token carries a value and the moment it stops working, signed with ``SECRET_KEY`` (through
``django.core.signing``) under a salt that names its purpose, so a token made for one kind of
link is refused by every other. Tokens are URL-safe and contain no secret: the value inside
(a track's public code, say) can be read by whoever holds the link, but not changed.
"""

from __future__ import annotations

import time

from django.core import signing


class InvalidToken(Exception):
    """The token was tampered with, made for another purpose, or has expired."""


def make_token(value: str, *, salt: str, ttl: float, now: float | None = None) -> str:
    """A token for ``value`` that works for ``ttl`` seconds."""
    expires = int((now if now is not None else time.time()) + ttl)
    return signing.dumps([value, expires], salt=salt, compress=False)


def read_token(token: str, *, salt: str, now: float | None = None) -> tuple[str, int]:
    """The value inside ``token`` and its expiry (epoch seconds); raise ``InvalidToken``."""
    if not token or len(token) > 500:
        raise InvalidToken("No such link.")
    try:
        value, expires = signing.loads(token, salt=salt)
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise InvalidToken("This link is not valid.") from exc
    if not isinstance(value, str) or not isinstance(expires, int):
        raise InvalidToken("This link is not valid.")
    if (now if now is not None else time.time()) >= expires:
        raise InvalidToken("This link has expired.")
    return value, expires
