"""Checking keys with their provider, and telling owners when a key stopped working.

``check_key`` asks the provider something cheap through the client's ``check_key()`` and
answers in plain words: accepted, rejected or unreachable. It never waits longer than
``KEY_CHECK_TIMEOUT`` seconds. ``mark_rejected`` is for the pipeline: a key the provider
refused during a job is marked, and its owner sees a notice on their next page view.

The notice costs one cache read per page: a per-user flag, set when a key is rejected and
recomputed (one small query) when it is missing or a key's health changes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

from asgiref.sync import async_to_sync, sync_to_async
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from soundsite.keys.models import KeyHealth, ProviderKey
from soundsite.lib.crypto import DecryptionError
from soundsite.providers.base import (
    KeyRejected,
    OutOfCredits,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
)

log = logging.getLogger(__name__)

# The seam for tests: a callable ``(provider, api_key, *, base_url) -> Client``. None means
# ``soundsite.providers.registry.client_for``.
client_factory = None

NOTICE_CACHE_KEY = "keys:rejected:{user_id}"
NOTICE_TTL = 60 * 60

PROVIDER_NAMES = {"soundpiece": "Soundpiece", "soundverse": "Soundverse"}


@dataclass(frozen=True)
class CheckOutcome:
    health: str
    message: str

    @property
    def accepted(self) -> bool:
        return self.health == KeyHealth.VALID


def _make_client(provider: str, api_key: str, base_url: str):
    factory = client_factory
    if factory is None:
        from soundsite.providers.registry import client_for as factory
    return factory(provider, api_key, base_url=base_url)


@sensitive_variables()
async def _ask(provider: str, api_key: str, base_url: str, timeout: float) -> CheckOutcome:
    name = PROVIDER_NAMES.get(provider, provider)
    client = None
    try:
        client = _make_client(provider, api_key, base_url)
        await asyncio.wait_for(client.check_key(), timeout=timeout)
    except KeyRejected:
        return CheckOutcome(
            KeyHealth.REJECTED,
            f"{name} did not accept this key. Check that you copied all of it, or make a new "
            f"key in your {name} dashboard and replace it here.",
        )
    except OutOfCredits:
        return CheckOutcome(
            KeyHealth.VALID,
            f"{name} accepted this key, but the account is out of credits. Top it up with "
            f"{name} before making music.",
        )
    except RateLimited:
        return CheckOutcome(
            KeyHealth.VALID,
            f"{name} accepted this key; it is limiting requests right now, so jobs may wait.",
        )
    except (TimeoutError, ProviderUnavailable, OSError):
        return CheckOutcome(
            KeyHealth.UNREACHABLE,
            f"Could not reach {name} within {timeout:g} seconds. Try again in a minute; if it "
            "keeps happening, check the key's base URL.",
        )
    except ProviderError as error:
        return CheckOutcome(
            KeyHealth.UNREACHABLE, f"{name} answered, but not clearly: {error.message}"
        )
    except ImportError:
        return CheckOutcome(
            KeyHealth.UNREACHABLE, f"Checking {name} keys is not available in this version."
        )
    except Exception as error:  # A broken client must not break the page.
        # Log the kind of error only: its text could quote the request, key included.
        log.warning("Checking a %s key failed with %s", provider, type(error).__name__)
        return CheckOutcome(
            KeyHealth.UNREACHABLE, f"Could not check the key with {name}. Try again later."
        )
    finally:
        if client is not None:
            # Closing is best effort: the answer is already known.
            with contextlib.suppress(Exception):
                await client.aclose()
    return CheckOutcome(KeyHealth.VALID, f"{name} accepted this key.")


@sensitive_variables()
def check_secret(provider: str, api_key: str, base_url: str = "") -> CheckOutcome:
    """Ask the provider whether ``api_key`` works, waiting at most KEY_CHECK_TIMEOUT seconds."""
    timeout = float(getattr(settings, "KEY_CHECK_TIMEOUT", 10))
    return async_to_sync(_ask)(provider, api_key, base_url, timeout)


@sensitive_variables()
def check_key(key: ProviderKey) -> CheckOutcome:
    """Check a stored key and record its health and the time of the check."""
    try:
        outcome = check_secret(key.provider, key.reveal_secret(), key.base_url)
    except DecryptionError:
        outcome = CheckOutcome(
            KeyHealth.UNREACHABLE,
            "Soundsite cannot read this key's stored secret (its encryption key is missing). "
            "Replace the secret.",
        )
    record_health(key, outcome.health, outcome.message)
    return outcome


def record_health(key: ProviderKey, health: str, message: str) -> None:
    key.health = health
    key.health_message = message[:300]
    key.checked_at = timezone.now()
    ProviderKey.objects.filter(pk=key.pk).update(
        health=key.health, health_message=key.health_message, checked_at=key.checked_at
    )
    refresh_notice(key.owner_id)


def mark_rejected(key: ProviderKey, message: str = "") -> None:
    """For the pipeline: the provider refused ``key`` during a job (HTTP 401)."""
    name = PROVIDER_NAMES.get(key.provider, key.provider)
    message = message or (
        f"{name} refused this key during a job. Check it, or replace its secret with a new key "
        f"from your {name} dashboard."
    )
    record_health(key, KeyHealth.REJECTED, message)
    cache.set(NOTICE_CACHE_KEY.format(user_id=key.owner_id), True, NOTICE_TTL)


async def amark_rejected(key: ProviderKey, message: str = "") -> None:
    """``mark_rejected`` for async code (the pipeline's waiting loop)."""
    await sync_to_async(mark_rejected)(key, message)


def _has_rejected_keys(user_id) -> bool:
    return ProviderKey.objects.filter(
        owner_id=user_id, health=KeyHealth.REJECTED, deleted_at__isnull=True
    ).exists()


def refresh_notice(user_id) -> None:
    cache.set(NOTICE_CACHE_KEY.format(user_id=user_id), _has_rejected_keys(user_id), NOTICE_TTL)


def has_rejected_keys(user_id) -> bool:
    """Cheap: one cache read; one small query only when the flag is not cached."""
    return cache.get_or_set(
        NOTICE_CACHE_KEY.format(user_id=user_id), lambda: _has_rejected_keys(user_id), NOTICE_TTL
    )


def rejected_keys(user_id):
    return list(
        ProviderKey.objects.filter(
            owner_id=user_id, health=KeyHealth.REJECTED, deleted_at__isnull=True
        ).select_related("workspace")
    )
