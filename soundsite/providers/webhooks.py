"""Verify Soundpiece's Standard Webhooks deliveries and read the event they carry.

Soundpiece signs callbacks per the Standard Webhooks spec: headers ``webhook-id``,
``webhook-timestamp`` and ``webhook-signature`` (``v1,<base64 HMAC-SHA256>``, several separated
by spaces while a secret is being rotated), over ``"<id>.<timestamp>.<raw body>"`` with the
base64-decoded bytes of a ``whsec_…`` secret. Signing and secret decoding come from the
``standardwebhooks`` library.

The library's own ``verify`` rejects timestamps more than five minutes old, and that cannot be
changed. Soundpiece documents that ``webhook-timestamp`` is the time of the *first* delivery
attempt and that retries reuse it, so a retry would fail a five-minute check. The timestamp
check therefore lives here, with a configurable tolerance: by default a delivery may be up to
72 hours old (the Standard Webhooks retry schedule spans about 28 hours; Soundpiece's is
UNKNOWN) and at most 5 minutes in the future (clock skew). A generous past window is safe
because the payload is only a hint — the pipeline confirms every state with a GET — and
because receivers deduplicate on ``webhook_id``.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from standardwebhooks.webhooks import EmptyWebhookSecretError, Webhook

from soundsite.providers.base import Result, Status

DEFAULT_TOLERANCE = timedelta(hours=72)
DEFAULT_FUTURE_TOLERANCE = timedelta(minutes=5)
SECRET_PREFIX = "whsec_"


class WebhookRejected(Exception):
    """A delivery that must be ignored; ``reason`` is one of the class constants."""

    MISSING_HEADERS = "missing_headers"
    BAD_TIMESTAMP = "bad_timestamp"
    STALE = "stale"
    FUTURE = "future"
    BAD_SIGNATURE = "bad_signature"
    NO_SECRET = "no_secret"
    BAD_PAYLOAD = "bad_payload"

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class WebhookEvent:
    """One verified delivery.

    ``webhook_id`` is stable across retries: receivers deduplicate on it. ``status`` is the
    operation's state mapped to ``providers.base.Status`` (``raw_status`` is Soundpiece's
    word); ``result`` is the DTO parsed like a GET answer.
    """

    webhook_id: str
    timestamp: datetime
    type: str
    action: str
    remote_id: str
    status: Status
    raw_status: str
    idempotency_key: str
    data: dict[str, Any] = field(repr=False)
    result: Result = field(repr=False)


def _signing_keys(secrets: Iterable[str]) -> list[Webhook]:
    keys = []
    for secret in secrets:
        if not secret:
            continue
        try:
            keys.append(Webhook(secret))
        except (EmptyWebhookSecretError, binascii.Error, ValueError):
            continue
    return keys


def _header(headers: Mapping[str, str], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name:
            return value.strip()
    return ""


def verify_signature(
    body: bytes | str,
    headers: Mapping[str, str],
    secrets: Iterable[str],
    *,
    tolerance: timedelta = DEFAULT_TOLERANCE,
    future_tolerance: timedelta = DEFAULT_FUTURE_TOLERANCE,
    now: datetime | None = None,
) -> tuple[str, datetime]:
    """Check headers and signature against every secret; return (webhook_id, timestamp).

    ``secrets`` may hold the old and new secret during a rotation: one matching signature
    from any of them is enough. Entries with another version prefix than ``v1`` are skipped.
    """
    keys = _signing_keys(secrets)
    if not keys:
        raise WebhookRejected(
            WebhookRejected.NO_SECRET, "No webhook signing secret is set up for this key."
        )
    webhook_id = _header(headers, "webhook-id")
    raw_timestamp = _header(headers, "webhook-timestamp")
    signatures = _header(headers, "webhook-signature")
    if not (webhook_id and raw_timestamp and signatures):
        raise WebhookRejected(
            WebhookRejected.MISSING_HEADERS, "The delivery lacks the webhook signature headers."
        )
    try:
        seconds = int(raw_timestamp)
        timestamp = datetime.fromtimestamp(seconds, tz=UTC)
    except (ValueError, OverflowError, OSError):
        raise WebhookRejected(
            WebhookRejected.BAD_TIMESTAMP, "The delivery's timestamp is not a number."
        ) from None
    now = now or datetime.now(UTC)
    if timestamp < now - tolerance:
        raise WebhookRejected(WebhookRejected.STALE, "The delivery is too old to trust.")
    if timestamp > now + future_tolerance:
        raise WebhookRejected(WebhookRejected.FUTURE, "The delivery's timestamp is in the future.")
    text = body.decode("utf-8", errors="strict") if isinstance(body, bytes) else body
    offered = []
    for entry in signatures.split():
        version, _, signature = entry.partition(",")
        if version != "v1" or not signature:
            continue
        try:
            offered.append(base64.b64decode(signature, validate=True))
        except (binascii.Error, ValueError):
            continue
    for key in keys:
        expected = base64.b64decode(key.sign(webhook_id, timestamp, text).split(",", 1)[1])
        if any(hmac.compare_digest(expected, candidate) for candidate in offered):
            return webhook_id, timestamp
    raise WebhookRejected(
        WebhookRejected.BAD_SIGNATURE, "The delivery's signature does not match the secret."
    )


def sign(body: bytes | str, webhook_id: str, timestamp: int, secrets: Iterable[str]) -> str:
    """The ``webhook-signature`` header for ``body`` under every secret (space-separated)."""
    text = body.decode("utf-8") if isinstance(body, bytes) else body
    moment = datetime.fromtimestamp(timestamp, tz=UTC)
    return " ".join(key.sign(webhook_id, moment, text) for key in _signing_keys(secrets))


def verify_soundpiece_webhook(
    body: bytes | str,
    headers: Mapping[str, str],
    secrets: Iterable[str],
    *,
    tolerance: timedelta = DEFAULT_TOLERANCE,
    future_tolerance: timedelta = DEFAULT_FUTURE_TOLERANCE,
    now: datetime | None = None,
) -> WebhookEvent:
    """Verify a Soundpiece delivery and return its event, or raise ``WebhookRejected``.

    The payload is ``{"type": "<action>.<status>", "data": <the DTO a GET returns>}``.
    """
    from soundsite.providers.soundpiece import parse_result

    webhook_id, timestamp = verify_signature(
        body,
        headers,
        secrets,
        tolerance=tolerance,
        future_tolerance=future_tolerance,
        now=now,
    )
    try:
        payload = json.loads(body)
    except ValueError:
        raise WebhookRejected(
            WebhookRejected.BAD_PAYLOAD, "The delivery's body is not JSON."
        ) from None
    data = payload.get("data") if isinstance(payload, dict) else None
    event_type = payload.get("type") if isinstance(payload, dict) else None
    if not isinstance(data, dict) or not isinstance(event_type, str):
        raise WebhookRejected(
            WebhookRejected.BAD_PAYLOAD, "The delivery does not carry an operation."
        )
    result = parse_result(data)
    raw_status = data.get("status") if isinstance(data.get("status"), str) else ""
    action, _, type_status = event_type.rpartition(".")
    return WebhookEvent(
        webhook_id=webhook_id,
        timestamp=timestamp,
        type=event_type,
        action=action or event_type,
        remote_id=result.remote_id,
        status=result.status,
        raw_status=raw_status or type_status,
        idempotency_key=str(data.get("idempotency_key") or ""),
        data=data,
        result=result,
    )
