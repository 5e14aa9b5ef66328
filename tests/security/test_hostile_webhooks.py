"""Forged, stale and replayed Soundpiece webhooks change nothing (docs/security.md).

A genuine delivery only records its receipt and moves the job's next check to now. Anything
else — random bodies and headers, a wrong signature, a signature by another secret, an old or
future timestamp, the same delivery again — must answer 4xx (or 204 for a replay) and write no
row at all.
"""

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings as django_settings
from django.db import connection
from hypothesis import HealthCheck, given
from hypothesis import strategies as st
from standardwebhooks.webhooks import Webhook

from soundsite.studio.models import Job, WebhookReceipt
from tests.factories import make_job, make_key
from tests.security.hypothesis_support import lean
from tests.security.sweep import WriteRecorder

SECRET = "whsec_" + base64.b64encode(b"s" * 32).decode()
OTHER = "whsec_" + base64.b64encode(b"o" * 32).decode()
OPERATION = "op_01h7k3z9x4q2m8n6p5r1s0t7v3"
BODY = json.dumps({"type": "create.new_song.ready", "data": {"id": OPERATION, "status": "ready"}})
LEAN = lean(30, HealthCheck.function_scoped_fixture)


def signed(body, secret=SECRET, *, msg_id="msg_1", at=None):
    at = at or datetime.now(UTC)
    return {
        "HTTP_WEBHOOK_ID": msg_id,
        "HTTP_WEBHOOK_TIMESTAMP": str(int(at.timestamp())),
        "HTTP_WEBHOOK_SIGNATURE": Webhook(secret).sign(msg_id, at, body),
    }


@pytest.fixture
def hook(workspace, owner):
    key = make_key(workspace, owner, provider="soundpiece", webhook_secret=SECRET)
    job = make_job(workspace, owner, key, state="running", remote_id=OPERATION)
    Job.objects.filter(pk=job.pk).update(next_check_at=datetime(2030, 1, 1, tzinfo=UTC))
    return {"url": f"/hooks/soundpiece/{key.code}/", "job": job}


def post(client, url, body, headers):
    recorder = WriteRecorder()
    with connection.execute_wrapper(recorder):
        response = client.post(url, body, content_type="application/json", **headers)
    return response, recorder.written


def test_a_genuine_delivery_moves_the_check_and_its_replay_changes_nothing(client, hook):
    headers = signed(BODY)
    response, written = post(client, hook["url"], BODY, headers)
    assert response.status_code == 204
    # The receipt, the job's next check, and the nudge to the waiter (a queued task, which is a
    # row only with the ORM broker; with Redis it goes to Redis).
    queued = {"django_q.ormq"} if "orm" in django_settings.Q_CLUSTER else set()
    assert written == {"studio.webhookreceipt", "studio.job"} | queued
    hook["job"].refresh_from_db()
    assert hook["job"].next_check_at.year < 2030
    Job.objects.filter(pk=hook["job"].pk).update(next_check_at=datetime(2030, 1, 1, tzinfo=UTC))
    response, written = post(client, hook["url"], BODY, headers)
    assert response.status_code == 204
    assert written == set()
    assert WebhookReceipt.objects.count() == 1
    assert Job.objects.get(pk=hook["job"].pk).next_check_at.year == 2030


@pytest.mark.parametrize(
    "headers",
    [
        signed(BODY, OTHER),  # signed by a secret that is not the key's
        signed(BODY, at=datetime.now(UTC) - timedelta(days=4)),  # stale
        signed(BODY, at=datetime.now(UTC) + timedelta(hours=1)),  # from the future
        {**signed(BODY), "HTTP_WEBHOOK_ID": "msg_other"},  # id swapped after signing
        {k: v for k, v in signed(BODY).items() if k != "HTTP_WEBHOOK_SIGNATURE"},
        {},
    ],
    ids=["other-secret", "stale", "future", "swapped-id", "unsigned", "no-headers"],
)
def test_forged_and_stale_deliveries_change_nothing(client, hook, headers):
    response, written = post(client, hook["url"], BODY, headers)
    assert response.status_code == 400
    assert written == set()


def test_a_signed_delivery_with_a_changed_body_changes_nothing(client, hook):
    headers = signed(BODY)
    tampered = BODY.replace("ready", "failed")
    response, written = post(client, hook["url"], tampered, headers)
    assert response.status_code == 400
    assert written == set()


def test_an_unknown_key_or_a_key_without_a_signing_secret_is_404(client, workspace, owner):
    bare = make_key(workspace, owner, provider="soundpiece")
    for url in (
        "/hooks/soundpiece/8f3f0c3e-0000-4000-8000-000000000000/",
        f"/hooks/soundpiece/{bare.code}/",
    ):
        response, written = post(client, url, BODY, signed(BODY))
        assert response.status_code == 404
        assert written == set()


header_values = st.one_of(
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=60),
    st.sampled_from(
        ["v1,", "v1,AAAA", "v1a,xyz", "0", "-1", "99999999999999999999", "v1," + "A" * 500]
    ),
)


@LEAN
@given(
    body=st.one_of(st.text(max_size=200), st.just(BODY)),
    msg_id=header_values,
    timestamp=st.one_of(header_values, st.integers(0, 2**40).map(str)),
    signature=header_values,
    with_real_signature=st.booleans(),
)
def test_random_forgeries_change_nothing(
    client, hook, body, msg_id, timestamp, signature, with_real_signature
):
    if with_real_signature:
        # A genuine signature of other content, spliced in beside the forged values.
        signature = f"{signature} {signed(BODY, msg_id='msg_real')['HTTP_WEBHOOK_SIGNATURE']}"
    headers = {
        "HTTP_WEBHOOK_ID": msg_id,
        "HTTP_WEBHOOK_TIMESTAMP": timestamp,
        "HTTP_WEBHOOK_SIGNATURE": signature,
    }
    response, written = post(client, hook["url"], body, headers)
    assert response.status_code == 400
    assert written == set()


def test_a_secret_of_the_wrong_shape_is_refused_not_crashed(client, workspace, owner):
    odd = make_key(workspace, owner, provider="soundpiece", webhook_secret="not base64 at all!!")
    body = BODY
    response, written = post(client, f"/hooks/soundpiece/{odd.code}/", body, signed(body))
    assert response.status_code == 400
    assert written == set()
