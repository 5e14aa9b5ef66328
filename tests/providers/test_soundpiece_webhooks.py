"""Verifying Soundpiece's Standard Webhooks deliveries.

Deliveries are signed here with the ``standardwebhooks`` library itself, independently of the
verifier, so a mistake in one cannot hide a mistake in the other.
"""

import base64
import json
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from standardwebhooks.webhooks import Webhook

from soundsite.providers.base import Status
from soundsite.providers.webhooks import (
    DEFAULT_TOLERANCE,
    WebhookRejected,
    verify_soundpiece_webhook,
)

BODY = (Path(__file__).parent / "fixtures" / "soundpiece" / "webhook_song_ready.json").read_text()


def new_secret():
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


OLD, NEW = new_secret(), new_secret()


def headers_for(body, *signers, msg_id="msg_2f1x", at=None):
    at = at or datetime.now(UTC)
    signatures = " ".join(Webhook(secret).sign(msg_id, at, body) for secret in signers)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signatures,
    }


def test_a_valid_delivery_gives_the_event():
    event = verify_soundpiece_webhook(BODY.encode(), headers_for(BODY, NEW), [NEW])
    assert event.webhook_id == "msg_2f1x"
    assert event.type == "create.new_song.ready"
    assert event.action == "create.new_song"
    assert event.remote_id == "op_01h7k3z9x4q2m8n6p5r1s0t7v3"
    assert event.status is Status.READY and event.raw_status == "ready"
    assert event.idempotency_key == "550e8400-e29b-41d4-a716-446655440000"
    assert event.result.outputs[0].duration == 87.4


def test_header_names_are_case_insensitive_and_str_bodies_work():
    headers = {k.title(): v for k, v in headers_for(BODY, NEW).items()}
    assert verify_soundpiece_webhook(BODY, headers, [NEW]).remote_id


def test_a_forged_signature_is_rejected():
    with pytest.raises(WebhookRejected) as caught:
        verify_soundpiece_webhook(BODY.encode(), headers_for(BODY, new_secret()), [NEW])
    assert caught.value.reason == WebhookRejected.BAD_SIGNATURE


def test_a_changed_body_is_rejected():
    headers = headers_for(BODY, NEW)
    tampered = BODY.replace('"ready"', '"failed"', 1)
    with pytest.raises(WebhookRejected) as caught:
        verify_soundpiece_webhook(tampered.encode(), headers, [NEW])
    assert caught.value.reason == WebhookRejected.BAD_SIGNATURE


def test_a_changed_id_or_timestamp_is_rejected():
    headers = headers_for(BODY, NEW)
    with pytest.raises(WebhookRejected):
        verify_soundpiece_webhook(BODY, {**headers, "webhook-id": "msg_other"}, [NEW])
    moved = str(int(headers["webhook-timestamp"]) - 1)
    with pytest.raises(WebhookRejected):
        verify_soundpiece_webhook(BODY, {**headers, "webhook-timestamp": moved}, [NEW])


def test_a_retry_hours_after_the_first_attempt_still_verifies():
    # Soundpiece keeps the first attempt's timestamp on retries; a stock 5-minute check
    # would refuse this delivery, the default tolerance accepts it.
    first_attempt = datetime.now(UTC) - timedelta(hours=6)
    event = verify_soundpiece_webhook(BODY, headers_for(BODY, NEW, at=first_attempt), [NEW])
    assert event.timestamp == first_attempt.replace(microsecond=0)


def test_a_stale_delivery_is_rejected():
    stale = datetime.now(UTC) - DEFAULT_TOLERANCE - timedelta(minutes=1)
    with pytest.raises(WebhookRejected) as caught:
        verify_soundpiece_webhook(BODY, headers_for(BODY, NEW, at=stale), [NEW])
    assert caught.value.reason == WebhookRejected.STALE


def test_the_tolerance_is_configurable():
    ten_minutes_ago = datetime.now(UTC) - timedelta(minutes=10)
    headers = headers_for(BODY, NEW, at=ten_minutes_ago)
    with pytest.raises(WebhookRejected) as caught:
        verify_soundpiece_webhook(BODY, headers, [NEW], tolerance=timedelta(minutes=5))
    assert caught.value.reason == WebhookRejected.STALE
    assert verify_soundpiece_webhook(BODY, headers, [NEW], tolerance=timedelta(minutes=15))


def test_a_timestamp_from_the_future_is_rejected():
    ahead = datetime.now(UTC) + timedelta(minutes=30)
    with pytest.raises(WebhookRejected) as caught:
        verify_soundpiece_webhook(BODY, headers_for(BODY, NEW, at=ahead), [NEW])
    assert caught.value.reason == WebhookRejected.FUTURE


def test_a_replayed_delivery_verifies_with_the_same_id_for_deduplication():
    # Verification cannot tell a replay from a retry; the stable webhook_id lets the
    # receiver's store drop the second one.
    headers = headers_for(BODY, NEW, msg_id="msg_replayed")
    first = verify_soundpiece_webhook(BODY, headers, [NEW])
    again = verify_soundpiece_webhook(BODY, dict(headers), [NEW])
    assert first.webhook_id == again.webhook_id == "msg_replayed"


def test_rotation_old_and_new_secrets_both_verify():
    during_rotation = headers_for(BODY, OLD, NEW)
    assert len(during_rotation["webhook-signature"].split()) == 2
    assert verify_soundpiece_webhook(BODY, during_rotation, [NEW])
    assert verify_soundpiece_webhook(BODY, during_rotation, [OLD])
    # The receiver may hold both secrets while the sender already signs with only one.
    assert verify_soundpiece_webhook(BODY, headers_for(BODY, OLD), [OLD, NEW])
    assert verify_soundpiece_webhook(BODY, headers_for(BODY, NEW), [OLD, NEW])
    with pytest.raises(WebhookRejected):
        verify_soundpiece_webhook(BODY, headers_for(BODY, OLD), [NEW])


def test_other_versions_and_garbage_entries_in_the_header_are_skipped():
    headers = headers_for(BODY, NEW)
    good = headers["webhook-signature"]
    headers["webhook-signature"] = f"v1a,abc garbage v1,!!notbase64 v2,{good[3:]} {good}"
    assert verify_soundpiece_webhook(BODY, headers, [NEW])
    headers["webhook-signature"] = f"v2,{good[3:]}"
    with pytest.raises(WebhookRejected):
        verify_soundpiece_webhook(BODY, headers, [NEW])


def test_missing_headers_no_secret_and_bad_json():
    headers = headers_for(BODY, NEW)
    for name in headers:
        partial = {k: v for k, v in headers.items() if k != name}
        with pytest.raises(WebhookRejected) as caught:
            verify_soundpiece_webhook(BODY, partial, [NEW])
        assert caught.value.reason == WebhookRejected.MISSING_HEADERS
    with pytest.raises(WebhookRejected) as caught:
        verify_soundpiece_webhook(BODY, headers, [])
    assert caught.value.reason == WebhookRejected.NO_SECRET
    with pytest.raises(WebhookRejected) as caught:
        verify_soundpiece_webhook(BODY, {**headers, "webhook-timestamp": "yesterday"}, [NEW])
    assert caught.value.reason == WebhookRejected.BAD_TIMESTAMP
    not_json = "definitely not json"
    with pytest.raises(WebhookRejected) as caught:
        verify_soundpiece_webhook(not_json, headers_for(not_json, NEW), [NEW])
    assert caught.value.reason == WebhookRejected.BAD_PAYLOAD
    no_data = json.dumps({"type": "create.new_song.ready"})
    with pytest.raises(WebhookRejected) as caught:
        verify_soundpiece_webhook(no_data, headers_for(no_data, NEW), [NEW])
    assert caught.value.reason == WebhookRejected.BAD_PAYLOAD


def test_a_failed_event():
    body = json.dumps(
        {
            "type": "adapt.auto_cut_down.failed",
            "data": {
                "id": "op_01h7k7z8y9x0w1v2t3s4r5q6p7",
                "status": "failed",
                "idempotency_key": "k",
                "output": None,
                "error": {"code": "internal_error", "message": "boom"},
            },
        }
    )
    event = verify_soundpiece_webhook(body, headers_for(body, NEW), [NEW])
    assert event.status is Status.FAILED and event.action == "adapt.auto_cut_down"
    assert event.result.error.code == "internal_error"
