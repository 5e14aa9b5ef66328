import pytest

from soundsite.keys.models import KeyHealth
from tests.factories import make_key
from tests.keys.conftest import SOUNDPIECE_SECRET, SOUNDVERSE_SECRET, WEBHOOK_SECRET

OLD_SECRET = "sksoundverse_live_oldoldoldoldoldold1234"


def url(key):
    return f"/settings/keys/{key.code}/secret/"


@pytest.fixture
def key(workspace, teammate):
    return make_key(workspace, teammate, label="Mine", secret=OLD_SECRET, health="rejected")


def test_it_shows_the_form(client, teammate, key):
    client.force_login(teammate)
    response = client.get(url(key))
    assert response.status_code == 200
    assert "…1234" in response.content.decode()
    assert OLD_SECRET not in response.content.decode()


def test_it_replaces_the_secret_after_checking_it(client, teammate, key, fake_provider):
    client.force_login(teammate)
    response = client.post(url(key), {"secret": SOUNDVERSE_SECRET})
    assert response.status_code == 302
    key.refresh_from_db()
    assert key.reveal_secret() == SOUNDVERSE_SECRET
    assert key.secret_last4 == SOUNDVERSE_SECRET[-4:]
    assert key.health == KeyHealth.VALID
    assert fake_provider.calls[0]["api_key"] == SOUNDVERSE_SECRET


def test_a_rejected_new_secret_keeps_the_old_one(client, teammate, key, fake_provider):
    fake_provider.answer = "reject"
    client.force_login(teammate)
    response = client.post(url(key), {"secret": SOUNDVERSE_SECRET})
    assert response.status_code == 400
    assert "did not accept" in response.content.decode()
    key.refresh_from_db()
    assert key.reveal_secret() == OLD_SECRET


def test_soundpiece_webhook_secrets_can_be_replaced_and_removed(client, teammate, workspace):
    key = make_key(workspace, teammate, provider="soundpiece", webhook_secret=WEBHOOK_SECRET)
    client.force_login(teammate)
    new_webhook = "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldY"
    response = client.post(url(key), {"secret": SOUNDPIECE_SECRET, "webhook_secret": new_webhook})
    assert response.status_code == 302
    key.refresh_from_db()
    assert key.reveal_webhook_secret() == new_webhook
    # An empty field keeps the current one; the box removes it.
    client.post(url(key), {"secret": SOUNDPIECE_SECRET})
    key.refresh_from_db()
    assert key.reveal_webhook_secret() == new_webhook
    client.post(url(key), {"secret": SOUNDPIECE_SECRET, "remove_webhook_secret": "on"})
    key.refresh_from_db()
    assert key.reveal_webhook_secret() == ""


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"secret": ""}, "secret", "Paste the new API key"),
        ({"secret": "short"}, "secret", "too short"),
        ({"secret": "has space inside the key 123"}, "secret", "spaces"),
    ],
)
def test_bad_input_keeps_the_old_secret(client, teammate, key, data, field, words):
    client.force_login(teammate)
    response = client.post(url(key), data)
    assert response.status_code == 400
    assert words in response.content.decode()
    assert f'id="id_{field}_error"' in response.content.decode()
    key.refresh_from_db()
    assert key.reveal_secret() == OLD_SECRET


def test_a_bad_webhook_secret_is_refused(client, teammate, workspace):
    key = make_key(workspace, teammate, provider="soundpiece", secret=SOUNDPIECE_SECRET)
    client.force_login(teammate)
    response = client.post(url(key), {"secret": SOUNDPIECE_SECRET, "webhook_secret": "nope"})
    assert response.status_code == 400
    assert 'id="id_webhook_secret_error"' in response.content.decode()


def test_access(client, viewer, admin_user, stranger, owner, workspace, key):
    shared = make_key(workspace, owner, shared=True)
    client.force_login(viewer)
    assert client.get(url(shared)).status_code == 403
    client.force_login(admin_user)
    assert client.get(url(key)).status_code == 404  # a member's private key
    assert client.get(url(shared)).status_code == 200  # admins manage shared keys
    client.force_login(stranger)
    assert client.get(url(key)).status_code == 404
    assert client.post(url(shared), {"secret": SOUNDVERSE_SECRET}).status_code == 404


def test_it_rejects_other_methods(client, teammate, key):
    client.force_login(teammate)
    assert client.put(url(key)).status_code == 405
