import pytest

from soundsite.keys.models import KeyHealth
from tests.factories import make_key


def url(key):
    return f"/settings/keys/{key.code}/check/"


@pytest.fixture
def key(workspace, teammate):
    return make_key(workspace, teammate, label="Mine", base_url="https://apiv2.soundverse.ai")


@pytest.mark.parametrize(
    ("answer", "health", "words"),
    [
        ("accept", KeyHealth.VALID, "Soundverse accepted this key."),
        ("reject", KeyHealth.REJECTED, "Soundverse did not accept this key."),
        ("unreachable", KeyHealth.UNREACHABLE, "Could not reach Soundverse"),
        ("rate_limited", KeyHealth.VALID, "limiting requests right now"),
        ("out_of_credits", KeyHealth.VALID, "out of credits"),
        ("crash", KeyHealth.UNREACHABLE, "Could not check the key"),
    ],
)
def test_htmx_gets_the_health_fragment_in_plain_words(
    client, teammate, key, fake_provider, answer, health, words
):
    fake_provider.answer = answer
    client.force_login(teammate)
    response = client.post(url(key), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    text = response.content.decode()
    assert text.strip().startswith(f'<div class="key-health" id="key-health-{key.code}">')
    assert "<html" not in text
    assert words in text
    assert 'role="status"' in text
    key.refresh_from_db()
    assert key.health == health and key.checked_at is not None
    assert fake_provider.calls[0]["base_url"] == "https://apiv2.soundverse.ai"


def test_without_htmx_it_redirects_with_a_message(client, teammate, key, fake_provider):
    fake_provider.answer = "reject"
    client.force_login(teammate)
    response = client.post(url(key), follow=True)
    assert response.redirect_chain == [("/settings/keys/", 302)]
    assert "Soundverse did not accept this key." in response.content.decode()


def test_a_slow_provider_is_cut_short(client, teammate, key, fake_provider, settings):
    settings.KEY_CHECK_TIMEOUT = 0.2
    fake_provider.answer = "slow"
    client.force_login(teammate)
    response = client.post(url(key), HTTP_HX_REQUEST="true")
    assert "within 0.2 seconds" in response.content.decode()
    key.refresh_from_db()
    assert key.health == KeyHealth.UNREACHABLE


def test_teammates_may_check_a_shared_key(client, teammate, owner, workspace):
    shared = make_key(workspace, owner, shared=True)
    client.force_login(teammate)
    assert client.post(url(shared), HTTP_HX_REQUEST="true").status_code == 200


def test_access(client, viewer, admin_user, stranger, owner, workspace, key, fake_provider):
    shared = make_key(workspace, owner, shared=True)
    client.force_login(viewer)
    assert client.post(url(shared)).status_code == 403
    client.force_login(admin_user)
    assert client.post(url(key)).status_code == 404  # a member's private key
    client.force_login(stranger)
    assert client.post(url(shared)).status_code == 404
    assert fake_provider.calls == []


def test_anonymous_htmx_gets_403_not_a_login_page(client, key):
    assert client.post(url(key), HTTP_HX_REQUEST="true").status_code == 403


def test_it_rejects_get(client, teammate, key):
    client.force_login(teammate)
    assert client.get(url(key)).status_code == 405
