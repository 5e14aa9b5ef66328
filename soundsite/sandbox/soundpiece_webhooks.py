"""Standard Webhooks deliveries from the Soundpiece stand-in to each operation's callback_url.

``deliver_due_webhooks()`` does one round: it finishes operations that owe a callback and are
due (so a callback goes out even when nobody polls), then posts every delivery whose attempt
is due. Tests call it directly. In a running server a single daemon thread per process calls
it while there is anything pending: ``kick()`` starts it when a PUT asks for a callback, it
sleeps until the next due time, and it stops when nothing is left (the next callback PUT starts
it again). ``SANDBOX_WEBHOOK_DISPATCHER = False`` turns the thread off (the test suite does).

As documented: the body is ``{"type": "<action>.<status>", "data": <DTO>}``; ``webhook-id``
is stable across retries; ``webhook-timestamp`` is the first attempt's time, reused on
retries; ``webhook-signature`` carries one ``v1,…`` signature per signing secret of the
account; each attempt waits at most 10 s; any non-2xx answer is retried on the schedule.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from datetime import UTC, datetime, timedelta

import httpx
from django.conf import settings
from django.db import close_old_connections
from django.db.models import F, Min
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from soundsite.sandbox import soundpiece_ops as ops
from soundsite.sandbox.models import SandboxOperation, SandboxWebhook

logger = logging.getLogger(__name__)

ATTEMPT_TIMEOUT = 10.0  # DOCUMENTED: receivers must answer within 10 s.
CLAIM_SECONDS = 60

# Tests may replace the network the dispatcher thread posts through.
delivery_transport: httpx.BaseTransport | None = None


def _owing_operations(now):
    return SandboxOperation.objects.filter(
        account__provider=ops.PROVIDER,
        status__in=("processing", "rendering"),
        ready_at__lte=now,
        extra__has_key="callback_url",
    ).select_related("account")


def _pending_webhooks():
    return SandboxWebhook.objects.filter(
        delivered_at__isnull=True, operation__account__provider=ops.PROVIDER
    ).select_related("operation__account")


def _schedule(account) -> tuple[int, ...]:
    return tuple(account.option("webhook_retry_schedule", ops.DEFAULT_RETRY_SCHEDULE))


def signature_header(secrets: list[str], webhook_id: str, timestamp: int, body: str) -> str:
    moment = datetime.fromtimestamp(timestamp, tz=UTC)
    return " ".join(Webhook(secret).sign(webhook_id, moment, body) for secret in secrets)


def _attempt(hook: SandboxWebhook, client: httpx.Client) -> bool:
    account = hook.operation.account
    # Claim the attempt so two dispatchers (two server processes) never send it twice.
    claimed = SandboxWebhook.objects.filter(
        pk=hook.pk, attempts=hook.attempts, delivered_at__isnull=True
    ).update(
        attempts=F("attempts") + 1,
        next_attempt_at=timezone.now() + timedelta(seconds=CLAIM_SECONDS),
    )
    if not claimed:
        return False
    hook.refresh_from_db()
    if not hook.timestamp:
        hook.timestamp = int(time.time())
        hook.save(update_fields=["timestamp"])
    body = json.dumps(hook.payload, separators=(",", ":"))
    headers = {
        "content-type": "application/json",
        "user-agent": "Soundpiece-Webhooks (sandbox)",
        "webhook-id": hook.webhook_id,
        "webhook-timestamp": str(hook.timestamp),
        "webhook-signature": signature_header(
            account.webhook_secrets, hook.webhook_id, hook.timestamp, body
        ),
    }
    try:
        response = client.post(hook.url, content=body.encode(), headers=headers)
        status = response.status_code
    except httpx.HTTPError as exc:
        logger.info("Sandbox webhook %s to %s failed: %s", hook.webhook_id, hook.url, exc)
        status = None
    now = timezone.now()
    if status is not None and 200 <= status < 300:
        SandboxWebhook.objects.filter(pk=hook.pk).update(delivered_at=now, last_status=status)
        return True
    schedule = _schedule(account)
    if hook.attempts <= len(schedule):
        next_at = now + timedelta(seconds=schedule[hook.attempts - 1])
    else:
        next_at = now  # gave up: ``attempts`` past the schedule keeps it out of every round
    SandboxWebhook.objects.filter(pk=hook.pk).update(last_status=status, next_attempt_at=next_at)
    return True


def deliver_due_webhooks(*, transport: httpx.BaseTransport | None = None, limit: int = 100) -> int:
    """One round of work; returns how many delivery attempts were made."""
    now = timezone.now()
    for op in _owing_operations(now)[:limit]:
        ops.advance(op)
    attempts = 0
    due = _pending_webhooks().filter(next_attempt_at__lte=timezone.now()).order_by("pk")
    transport = transport or delivery_transport
    with httpx.Client(transport=transport, timeout=ATTEMPT_TIMEOUT) as client:
        for hook in due[:limit]:
            if hook.attempts > len(_schedule(hook.operation.account)):
                continue
            attempts += int(_attempt(hook, client))
    return attempts


def next_due() -> datetime | None:
    """When the next round has work, or None when nothing is owed at all."""
    times = []
    ready = (
        SandboxOperation.objects.filter(
            account__provider=ops.PROVIDER,
            status__in=("processing", "rendering"),
            extra__has_key="callback_url",
        )
        .aggregate(first=Min("ready_at"))
        .get("first")
    )
    if ready is not None:
        times.append(ready)
    for hook in _pending_webhooks():
        if hook.attempts <= len(_schedule(hook.operation.account)):
            times.append(hook.next_attempt_at)
    return min(times) if times else None


# --- The background dispatcher -------------------------------------------------------------
_lock = threading.Lock()
_wake = threading.Event()
_thread: threading.Thread | None = None


def kick() -> None:
    """Make sure the dispatcher thread runs (when enabled); cheap to call often."""
    global _thread
    if not getattr(settings, "SANDBOX_WEBHOOK_DISPATCHER", False):
        return
    with _lock:
        if _thread is not None and _thread.is_alive():
            _wake.set()
            return
        _thread = threading.Thread(target=_run, name="sandbox-soundpiece-webhooks", daemon=True)
        _thread.start()


def _run() -> None:
    global _thread
    while True:
        upcoming = None
        try:
            deliver_due_webhooks()
            upcoming = next_due()
        except Exception:
            logger.exception("Sandbox webhook round failed")
            upcoming = timezone.now() + timedelta(seconds=5)
        finally:
            close_old_connections()
        if upcoming is None:
            with _lock:
                if not _wake.is_set():
                    _thread = None
                    return
                _wake.clear()
            continue
        pause = (upcoming - timezone.now()).total_seconds()
        _wake.wait(min(30.0, max(0.2, pause)))
        _wake.clear()
