"""The Soundpiece webhook endpoint per key: verified, deduplicated, and only a hint."""

import base64
import json
import secrets
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from soundsite.studio import tasks
from soundsite.studio.models import Job, JobState, WebhookReceipt
from tests.factories import make_key

SECRET = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


@pytest.fixture
def hooked_key(workspace, owner):
    return make_key(workspace, owner, "soundpiece", webhook_secret=SECRET, shared=True)


@pytest.fixture
def kicks(monkeypatch):
    calls = []
    monkeypatch.setattr(tasks, "kick_waiter", lambda: calls.append(1))
    return calls


@pytest.fixture
def running_job(workspace, owner, hooked_key):
    return Job.objects.create(
        workspace=workspace,
        created_by=owner,
        key=hooked_key,
        provider="soundpiece",
        operation="create.new_fx",
        task="sound_effect",
        parameters={"prompt": "door creak", "duration": 3},
        state=JobState.RUNNING,
        remote_id="op_01hookedjob",
        next_check_at=timezone.now() + timedelta(minutes=5),
    )


def delivery(remote_id="op_01hookedjob", msg_id="msg_1", secret=SECRET, at=None):
    body = json.dumps(
        {
            "type": "create.new_fx.ready",
            "data": {
                "id": remote_id,
                "status": "ready",
                "idempotency_key": "550e8400-e29b-41d4-a716-446655440000",
                "result": None,
            },
        }
    )
    at = at or datetime.now(UTC)
    headers = {
        "HTTP_WEBHOOK_ID": msg_id,
        "HTTP_WEBHOOK_TIMESTAMP": str(int(at.timestamp())),
        "HTTP_WEBHOOK_SIGNATURE": Webhook(secret).sign(msg_id, at, body),
    }
    return body, headers


def url(key):
    return f"/hooks/soundpiece/{key.code}/"


def test_a_verified_delivery_makes_the_next_check_happen_at_once(
    client, hooked_key, running_job, kicks
):
    body, headers = delivery()
    response = client.post(url(hooked_key), body, content_type="application/json", **headers)
    assert response.status_code == 204
    running_job.refresh_from_db()
    assert running_job.next_check_at <= timezone.now()
    # Only a hint: the job is not moved on by the webhook, the GET stays the truth.
    assert running_job.state == JobState.RUNNING
    assert kicks == [1]


def test_a_replayed_delivery_is_ignored(client, hooked_key, running_job, kicks):
    body, headers = delivery(msg_id="msg_same")
    client.post(url(hooked_key), body, content_type="application/json", **headers)
    Job.objects.filter(pk=running_job.pk).update(
        next_check_at=timezone.now() + timedelta(minutes=5)
    )
    again = client.post(url(hooked_key), body, content_type="application/json", **headers)
    assert again.status_code == 204
    running_job.refresh_from_db()
    assert running_job.next_check_at > timezone.now()
    assert kicks == [1]
    assert WebhookReceipt.objects.filter(key=hooked_key, webhook_id="msg_same").count() == 1


def test_a_forged_delivery_changes_nothing(client, hooked_key, running_job, kicks):
    other = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    body, headers = delivery(secret=other)
    response = client.post(url(hooked_key), body, content_type="application/json", **headers)
    assert response.status_code == 400
    running_job.refresh_from_db()
    assert running_job.next_check_at > timezone.now()
    assert kicks == [] and not WebhookReceipt.objects.exists()


def test_a_delivery_from_the_future_is_refused(client, hooked_key, running_job, kicks):
    body, headers = delivery(at=datetime.now(UTC) + timedelta(hours=1))
    response = client.post(url(hooked_key), body, content_type="application/json", **headers)
    assert response.status_code == 400
    assert kicks == []


def test_a_delivery_for_another_keys_job_changes_nothing(
    client, workspace, owner, hooked_key, running_job, kicks
):
    second = make_key(workspace, owner, "soundpiece", webhook_secret=SECRET, label="Second")
    body, headers = delivery()
    response = client.post(url(second), body, content_type="application/json", **headers)
    assert response.status_code == 204
    running_job.refresh_from_db()
    assert running_job.next_check_at > timezone.now()


def test_unknown_keys_and_keys_without_a_secret_answer_404(client, workspace, owner, kicks):
    plain = make_key(workspace, owner, "soundpiece")
    body, headers = delivery()
    assert (
        client.post(url(plain), body, content_type="application/json", **headers).status_code == 404
    )
    missing = "/hooks/soundpiece/00000000-0000-0000-0000-000000000000/"
    assert client.post(missing, body, content_type="application/json").status_code == 404


def test_only_post_is_accepted(client, hooked_key):
    assert client.get(url(hooked_key)).status_code == 405


def test_finished_jobs_are_not_touched(client, hooked_key, running_job, kicks):
    Job.objects.filter(pk=running_job.pk).update(state=JobState.READY)
    body, headers = delivery()
    client.post(url(hooked_key), body, content_type="application/json", **headers)
    running_job.refresh_from_db()
    assert running_job.next_check_at > timezone.now()
