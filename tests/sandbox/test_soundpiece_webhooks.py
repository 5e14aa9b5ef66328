"""Webhook deliveries from the Soundpiece stand-in, verified by the client's own verifier."""

import base64
import secrets
import time
import uuid
from datetime import timedelta

import httpx
import pytest
from django.utils import timezone

from soundsite.providers.base import Status
from soundsite.providers.webhooks import WebhookRejected, verify_soundpiece_webhook
from soundsite.sandbox import faults
from soundsite.sandbox import soundpiece_webhooks as dispatcher
from soundsite.sandbox.models import SandboxAccount, SandboxOperation, SandboxWebhook
from soundsite.sandbox.soundpiece_webhooks import deliver_due_webhooks
from tests.providers.soundpiece_support import make_harness

HOOK = "https://hooks.example.com/soundpiece"


class Receiver:
    """A callback endpoint that answers with the given statuses in turn (then 200)."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.requests = []
        self.transport = httpx.MockTransport(self.handle)

    def handle(self, request):
        self.requests.append(request)
        answer = self.answers.pop(0) if self.answers else 200
        if isinstance(answer, Exception):
            raise answer
        return httpx.Response(answer)


@pytest.fixture
def sandbox(transactional_db):
    harness = make_harness(webhook_retry_schedule=[5, 300])
    yield harness
    harness.close()


def submit(harness, action="create.new_fx", params=None, callback_url=HOOK):
    params = params or {"prompt": "impact", "duration": 1}
    return harness.submit(action, params, callback_url=callback_url)


def verify(request, secrets_, **kwargs):
    return verify_soundpiece_webhook(request.content, dict(request.headers), secrets_, **kwargs)


def test_a_finished_operation_is_posted_once_and_verifies(sandbox):
    submitted = submit(sandbox)
    receiver = Receiver(200)
    # Nobody polls: the delivery round itself finishes the operation and sends the callback.
    assert deliver_due_webhooks(transport=receiver.transport) == 1
    [request] = receiver.requests
    assert request.method == "POST" and str(request.url) == HOOK
    assert request.headers["content-type"] == "application/json"
    assert request.headers["webhook-id"].startswith("msg_")
    assert request.extensions["timeout"]["read"] == 10.0
    event = verify(request, sandbox.account.webhook_secrets)
    assert event.type == "create.new_fx.ready" and event.status is Status.READY
    assert event.remote_id == submitted.remote_id
    assert event.idempotency_key == submitted.raw["idempotency_key"]
    polled = sandbox.poll("create.new_fx", submitted.remote_id)
    assert event.data["id"] == polled.raw["id"] and event.data["prompt"] == "impact"
    assert event.result.outputs[0].duration == polled.outputs[0].duration
    assert "callback_url" not in event.data
    # Delivered means done: later rounds send nothing more.
    assert deliver_due_webhooks(transport=receiver.transport) == 0
    hook = SandboxWebhook.objects.get()
    assert hook.delivered_at is not None and hook.last_status == 200 and hook.attempts == 1


def test_nothing_is_sent_before_the_operation_is_due(transactional_db):
    harness = make_harness(processing_seconds=60)
    try:
        submit(harness)
        receiver = Receiver()
        assert deliver_due_webhooks(transport=receiver.transport) == 0
        assert receiver.requests == [] and not SandboxWebhook.objects.exists()
        assert SandboxOperation.objects.get().status == "processing"
    finally:
        harness.close()


def test_a_failed_operation_sends_a_failed_event(sandbox):
    faults.inject(sandbox.account, "fail", times=1, code="internal_error", message="boom")
    submit(sandbox, "create.new_song", {"prompt": "p", "lyrics": "l"})
    receiver = Receiver()
    deliver_due_webhooks(transport=receiver.transport)
    event = verify(receiver.requests[0], sandbox.account.webhook_secrets)
    assert event.type == "create.new_song.failed" and event.status is Status.FAILED
    assert event.data["outputs"] is None
    assert event.data["error"] == {"code": "internal_error", "message": "boom"}


def test_retries_keep_the_id_and_the_first_attempts_timestamp(sandbox):
    submit(sandbox)
    receiver = Receiver(500, 200)
    assert deliver_due_webhooks(transport=receiver.transport) == 1
    hook = SandboxWebhook.objects.get()
    assert hook.delivered_at is None and hook.last_status == 500 and hook.attempts == 1
    wait = (hook.next_attempt_at - timezone.now()).total_seconds()
    assert 3 < wait <= 5  # the first step of the schedule
    assert deliver_due_webhooks(transport=receiver.transport) == 0  # not due yet
    # As if the first attempt had been ten minutes ago and the retry were due now.
    first_attempt = hook.timestamp - 600
    SandboxWebhook.objects.filter(pk=hook.pk).update(
        timestamp=first_attempt, next_attempt_at=timezone.now()
    )
    assert deliver_due_webhooks(transport=receiver.transport) == 1
    first, retry = receiver.requests
    assert retry.headers["webhook-id"] == first.headers["webhook-id"]
    assert retry.headers["webhook-timestamp"] == str(first_attempt)
    assert retry.content == first.content
    # A stock five-minute tolerance would refuse this retry; the client's default accepts it.
    assert verify(retry, sandbox.account.webhook_secrets).webhook_id == hook.webhook_id
    with pytest.raises(WebhookRejected):
        verify(retry, sandbox.account.webhook_secrets, tolerance=timedelta(minutes=5))
    assert SandboxWebhook.objects.get().delivered_at is not None


def test_timeouts_and_refused_connections_are_retried(sandbox):
    submit(sandbox)
    request = httpx.Request("POST", HOOK)
    receiver = Receiver(httpx.ReadTimeout("slow", request=request))
    deliver_due_webhooks(transport=receiver.transport)
    hook = SandboxWebhook.objects.get()
    assert hook.attempts == 1 and hook.last_status is None and hook.delivered_at is None
    assert hook.next_attempt_at > timezone.now()


def test_it_gives_up_after_the_schedule(transactional_db):
    harness = make_harness(webhook_retry_schedule=[0])
    try:
        submit(harness)
        receiver = Receiver(500, 502, 200)
        assert deliver_due_webhooks(transport=receiver.transport) == 1
        assert deliver_due_webhooks(transport=receiver.transport) == 1
        assert deliver_due_webhooks(transport=receiver.transport) == 0
        assert len(receiver.requests) == 2
        hook = SandboxWebhook.objects.get()
        assert hook.attempts == 2 and hook.delivered_at is None
        assert dispatcher.next_due() is None
    finally:
        harness.close()


def test_every_signing_secret_of_the_account_signs(sandbox):
    old = sandbox.account.webhook_secrets[0]
    new = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
    SandboxAccount.objects.filter(pk=sandbox.account.pk).update(webhook_secrets=[old, new])
    submit(sandbox)
    receiver = Receiver()
    deliver_due_webhooks(transport=receiver.transport)
    [request] = receiver.requests
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    assert verify(request, [old]).remote_id
    assert verify(request, [new]).remote_id
    with pytest.raises(WebhookRejected):
        verify(request, ["whsec_" + base64.b64encode(b"someone else").decode()])


def test_no_signing_secret_or_no_callback_means_no_delivery(sandbox):
    submit(sandbox, callback_url=None)
    receiver = Receiver()
    deliver_due_webhooks(transport=receiver.transport)
    SandboxAccount.objects.filter(pk=sandbox.account.pk).update(webhook_secrets=[])
    submit(sandbox)
    deliver_due_webhooks(transport=receiver.transport)
    assert receiver.requests == [] and not SandboxWebhook.objects.exists()
    assert set(SandboxOperation.objects.values_list("status", flat=True)) == {"processing", "ready"}


def test_polling_first_still_leads_to_exactly_one_delivery(sandbox):
    submitted = submit(sandbox)
    sandbox.poll("create.new_fx", submitted.remote_id)
    sandbox.poll("create.new_fx", submitted.remote_id)
    receiver = Receiver()
    deliver_due_webhooks(transport=receiver.transport)
    deliver_due_webhooks(transport=receiver.transport)
    assert len(receiver.requests) == 1


def test_the_background_dispatcher_delivers_and_then_stops(transactional_db, settings):
    settings.SANDBOX_WEBHOOK_DISPATCHER = True
    harness = make_harness(processing_seconds=0.3)
    receiver = Receiver()
    dispatcher.delivery_transport = receiver.transport
    try:
        harness.submit(
            "create.new_fx",
            {"prompt": "p", "duration": 1},
            key=str(uuid.uuid4()),
            callback_url=HOOK,
        )
        deadline = time.monotonic() + 10
        while not receiver.requests and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(receiver.requests) == 1
        while dispatcher._thread is not None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert dispatcher._thread is None  # nothing left to do: the thread has ended
    finally:
        dispatcher.delivery_transport = None
        harness.close()
