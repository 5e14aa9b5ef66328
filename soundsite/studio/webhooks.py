"""Soundpiece webhooks: a verified delivery only makes the job's next check happen at once.

The GET is the truth; a webhook is a hint. Deliveries are verified with the key's signing
secret (Standard Webhooks), deduplicated by ``webhook-id``, and a forged, stale or replayed
call changes nothing.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from soundsite.studio.models import Job, JobState, WebhookReceipt

log = logging.getLogger(__name__)


def public_base_is_reachable() -> bool:
    """Providers can only call back to a public https address."""
    parts = urlsplit(settings.PUBLIC_BASE_URL)
    host = (parts.hostname or "").lower()
    local = host in ("localhost", "127.0.0.1", "::1") or host.endswith(".local")
    return parts.scheme == "https" and not local


def callback_url_for(job: Job) -> str | None:
    key = job.key
    if key is None or key.provider != "soundpiece" or not key.webhook_secret_encrypted:
        return None
    if not (key.is_sandbox or public_base_is_reachable()):
        return None
    return settings.PUBLIC_BASE_URL + reverse("soundpiece_webhook", args=[key.code])


@csrf_exempt
@require_POST
def soundpiece_webhook(request, code):
    from soundsite.keys.models import ProviderKey
    from soundsite.providers.base import ProviderError
    from soundsite.providers.webhooks import WebhookRejected, verify_soundpiece_webhook

    key = ProviderKey.objects.filter(code=code, provider="soundpiece").first()
    if key is None or not key.webhook_secret_encrypted:
        return HttpResponse(status=404)
    secrets = key.reveal_webhook_secret().split()
    try:
        event = verify_soundpiece_webhook(request.body, request.headers, secrets)
    except (WebhookRejected, ProviderError):
        log.info("Rejected a Soundpiece webhook for key %s", key.code)
        return HttpResponse("invalid signature", status=400, content_type="text/plain")
    try:
        # A savepoint, so a replay's refused insert leaves any surrounding transaction usable.
        with transaction.atomic():
            WebhookReceipt.objects.create(key=key, webhook_id=event.webhook_id)
    except IntegrityError:
        return HttpResponse(status=204)  # a replay: already seen, nothing to do
    Job.objects.filter(
        key=key, remote_id=event.remote_id, state__in=(JobState.SUBMITTING, JobState.RUNNING)
    ).update(next_check_at=timezone.now())
    from soundsite.studio.tasks import kick_waiter

    kick_waiter()
    return HttpResponse(status=204)
