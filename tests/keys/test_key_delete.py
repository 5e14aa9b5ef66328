import pytest

from soundsite.keys.models import ProviderKey
from tests.factories import make_job, make_key


def url(key):
    return f"/settings/keys/{key.code}/delete/"


@pytest.fixture
def key(workspace, teammate):
    return make_key(workspace, teammate, label="Mine")


def test_it_asks_once(client, teammate, key):
    client.force_login(teammate)
    response = client.get(url(key))
    assert response.status_code == 200
    assert "Delete “Mine”?" in response.content.decode()
    assert "keep their records" in response.content.decode()
    assert ProviderKey.objects.get().deleted_at is None


def test_it_deletes_softly_and_forgets_the_secret(client, teammate, key, workspace):
    job = make_job(workspace, teammate, key)
    client.force_login(teammate)
    response = client.post(url(key))
    assert response.status_code == 302
    key.refresh_from_db()
    assert key.deleted_at is not None
    assert key.secret_encrypted == "" and key.webhook_secret_encrypted == ""
    assert key.label == "Mine" and key.secret_last4  # the record stays for the jobs
    job.refresh_from_db()
    assert job.key_id == key.pk
    assert "Mine" not in client.get("/settings/keys/").content.decode().split("</h1>")[1]


def test_a_deleted_key_is_no_longer_usable(client, teammate, key):
    from soundsite.accounts.models import Membership
    from soundsite.keys.access import usable_keys

    client.force_login(teammate)
    client.post(url(key))
    assert not usable_keys(Membership.objects.get(user=teammate)).exists()
    assert client.post(url(key)).status_code == 404  # deleting twice finds nothing


def test_access(client, viewer, admin_user, stranger, owner, workspace, key):
    shared = make_key(workspace, owner, shared=True)
    client.force_login(viewer)
    assert client.post(url(shared)).status_code == 403
    client.force_login(admin_user)
    assert client.post(url(key)).status_code == 404
    client.force_login(stranger)
    assert client.post(url(shared)).status_code == 404
    assert ProviderKey.objects.filter(deleted_at__isnull=True).count() == 2
    client.force_login(admin_user)
    assert client.post(url(shared)).status_code == 302  # admins manage shared keys


def test_it_rejects_other_methods(client, teammate, key):
    client.force_login(teammate)
    assert client.put(url(key)).status_code == 405


def test_jobs_and_tracks_made_with_it_keep_their_records(client, teammate, key, workspace):
    from soundsite.keys import plans
    from soundsite.library.models import Track
    from tests.factories import make_track

    job = make_job(workspace, teammate, key)
    snapshot = {**plans.license_snapshot(key), "key_label": key.label}
    track = make_track(workspace, user=teammate, job=job, license=snapshot, provider="soundverse")
    client.force_login(teammate)
    assert client.post(url(key)).status_code == 302

    track = Track.objects.get(pk=track.pk)
    assert track.deleted_at is None and track.job_id == job.pk
    assert track.license_snapshot["license_label"] == "Royalty-Free"
    assert track.license_snapshot["key_label"] == "Mine"
    from django.urls import reverse

    page = client.get(reverse("track", args=[track.code])).content.decode()
    assert "Royalty-Free" in page and "Use it commercially in any media" in page
    # The usage page still counts the job under the deleted key's name.
    usage = client.get("/settings/usage/").content.decode()
    assert "Mine" in usage
