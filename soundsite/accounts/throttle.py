"""Failed sign-in throttling, kept in the shared Django cache.

Two counters are kept: one per account (the e-mail address typed, whether or not such an account
exists, so that probing for addresses is throttled too) and one per client IP address. Each
counter opens a window of ``LOGIN_FAILURE_WINDOW`` seconds at its first failure; once it reaches
``LOGIN_FAILURE_LIMIT`` failures, further attempts for that account or from that address are
refused, without checking the password, until the window ends.

The cache is shared by every web process (file cache in the embedded default, Redis when scaled
out), so the limit holds across gunicorn workers and machines.
"""

import hashlib
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

PREFIX = "login-failures"


@dataclass(frozen=True)
class Refusal:
    """Why a sign-in attempt is refused and for how long."""

    retry_after: int

    @property
    def message(self) -> str:
        minutes = max(1, math.ceil(self.retry_after / 60))
        wait = "1 minute" if minutes == 1 else f"{minutes} minutes"
        return f"Too many failed sign-ins. Try again in {wait} or reset your password."


def client_ip(request) -> str:
    """The client's address, trusting as many X-Forwarded-For hops as there are proxies.

    With ``TRUSTED_PROXY_COUNT = 0`` the header is ignored (a client could write anything in it);
    behind one reverse proxy the last entry is the one that proxy added, and so on.
    """
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [h for h in hops if h]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _keys(email: str, ip: str) -> list[str]:
    # Hash the address so that no personal data sits in the cache in clear.
    account = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    return [f"{PREFIX}:account:{account}", f"{PREFIX}:ip:{ip}"]


def refusal_for(email: str, ip: str) -> Refusal | None:
    """A refusal if the account or the address has used up its failures, else None."""
    now = time.time()
    waits = []
    for key in _keys(email, ip):
        state = cache.get_many([key, f"{key}:until"])
        count, until = state.get(key, 0), state.get(f"{key}:until", 0)
        if count >= settings.LOGIN_FAILURE_LIMIT and until > now:
            waits.append(math.ceil(until - now))
    return Refusal(retry_after=max(waits)) if waits else None


def record_failure(email: str, ip: str) -> None:
    """Count one failed attempt against the account and the address."""
    window = settings.LOGIN_FAILURE_WINDOW
    now = time.time()
    for key in _keys(email, ip):
        # ``add`` only succeeds for the first failure of a window (atomic on Redis), so
        # concurrent failures never restart a window that is already open.
        if cache.add(key, 1, timeout=window):
            cache.set(f"{key}:until", now + window, timeout=window)
            continue
        try:
            cache.incr(key)
        except ValueError:
            # The window closed between ``add`` and ``incr``: this failure opens a new one.
            cache.set(key, 1, timeout=window)
            cache.set(f"{key}:until", now + window, timeout=window)
            continue
        # Some cache backends reset the expiry on ``incr``; put the window's end back.
        until = cache.get(f"{key}:until") or now + window
        cache.touch(key, max(1, math.ceil(until - now)))


def clear_account(email: str) -> None:
    """Forget the account's failures (after a successful sign-in or password reset)."""
    key = _keys(email, "")[0]
    cache.delete_many([key, f"{key}:until"])


def clear_ip(ip: str) -> None:
    key = _keys("", ip)[1]
    cache.delete_many([key, f"{key}:until"])
