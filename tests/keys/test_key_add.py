import pytest

from soundsite.keys.models import KeyHealth, ProviderKey
from tests.keys.conftest import SOUNDPIECE_SECRET, SOUNDVERSE_SECRET, WEBHOOK_SECRET

SOUNDVERSE_URL = "/settings/keys/new/soundverse/"
SOUNDPIECE_URL = "/settings/keys/new/soundpiece/"


def soundverse_form(**changes):
    data = {
        "label": "Agency Soundverse",
        "secret": SOUNDVERSE_SECRET,
        "plan": "growth",
        "license": "sample",
        "base_url": "",
    }
    data.update(changes)
    return data


def soundpiece_form(**changes):
    data = {
        "label": "Agency Soundpiece",
        "secret": SOUNDPIECE_SECRET,
        "webhook_secret": WEBHOOK_SECRET,
        "plan": "Pro",
        "license": "sync",
        "base_url": "",
    }
    data.update(changes)
    return data


def test_it_shows_the_form(client, teammate):
    client.force_login(teammate)
    response = client.get(SOUNDVERSE_URL)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Add a Soundverse key" in text
    assert 'name="secret"' in text and 'type="password"' in text
    assert "Starter ×5" in text
    assert "Release on Spotify" in text  # license summaries beside the choice
    assert 'name="shared"' not in text  # members cannot share
    assert 'name="webhook_secret"' not in text  # Soundverse has no webhooks


def test_the_soundpiece_form_asks_for_a_webhook_secret_and_a_free_plan_name(client, teammate):
    client.force_login(teammate)
    text = client.get(SOUNDPIECE_URL).content.decode()
    assert 'name="webhook_secret"' in text
    assert 'name="plan" ' in text and 'type="text"' in text
    assert "Soundpiece publishes no license terms" in text


def test_it_saves_an_encrypted_key_after_checking_it(client, teammate, workspace, fake_provider):
    client.force_login(teammate)
    response = client.post(SOUNDVERSE_URL, soundverse_form(secret=f"  {SOUNDVERSE_SECRET}\n"))
    assert response.status_code == 302
    assert response["Location"] == "/settings/keys/"
    key = ProviderKey.objects.get()
    assert key.workspace == workspace and key.owner == teammate
    assert key.provider == "soundverse"
    assert key.reveal_secret() == SOUNDVERSE_SECRET
    assert SOUNDVERSE_SECRET not in key.secret_encrypted
    assert key.secret_last4 == SOUNDVERSE_SECRET[-4:]
    assert (key.plan, key.license, key.shared) == ("growth", "sample", False)
    assert key.health == KeyHealth.VALID and key.checked_at is not None
    assert fake_provider.calls == [
        {"provider": "soundverse", "api_key": SOUNDVERSE_SECRET, "base_url": ""}
    ]
    page = client.get("/settings/keys/").content.decode()
    assert "Saved. Soundverse accepted this key." in page


def test_it_saves_a_soundpiece_key_with_its_webhook_secret(client, teammate):
    client.force_login(teammate)
    assert client.post(SOUNDPIECE_URL, soundpiece_form()).status_code == 302
    key = ProviderKey.objects.get()
    assert key.reveal_webhook_secret() == WEBHOOK_SECRET
    assert WEBHOOK_SECRET not in key.webhook_secret_encrypted
    assert (key.plan, key.license) == ("Pro", "sync")


def test_a_rejected_key_is_not_saved(client, teammate, fake_provider):
    fake_provider.answer = "reject"
    client.force_login(teammate)
    response = client.post(SOUNDVERSE_URL, soundverse_form())
    assert response.status_code == 400
    assert "Soundverse did not accept this key" in response.content.decode()
    assert 'id="id_secret_error"' in response.content.decode()
    assert not ProviderKey.objects.exists()


def test_an_unreachable_provider_still_saves_the_key(client, teammate, fake_provider):
    fake_provider.answer = "unreachable"
    client.force_login(teammate)
    assert client.post(SOUNDVERSE_URL, soundverse_form()).status_code == 302
    key = ProviderKey.objects.get()
    assert key.health == KeyHealth.UNREACHABLE
    page = client.get("/settings/keys/").content.decode()
    assert "Saved, but it could not be checked" in page


def test_the_check_on_save_does_not_wait_forever(client, teammate, fake_provider, settings):
    import time

    settings.KEY_CHECK_TIMEOUT = 0.2
    fake_provider.answer = "slow"
    client.force_login(teammate)
    started = time.monotonic()
    assert client.post(SOUNDVERSE_URL, soundverse_form()).status_code == 302
    assert time.monotonic() - started < 5
    assert ProviderKey.objects.get().health == KeyHealth.UNREACHABLE


def test_admins_may_share(client, admin_user):
    client.force_login(admin_user)
    assert 'name="shared"' in client.get(SOUNDVERSE_URL).content.decode()
    assert client.post(SOUNDVERSE_URL, soundverse_form(shared="on")).status_code == 302
    assert ProviderKey.objects.get().shared is True


def test_an_upgrade_allows_a_higher_license(client, teammate):
    client.force_login(teammate)
    data = soundverse_form(license="sync", license_upgrade="on")
    assert client.post(SOUNDVERSE_URL, data).status_code == 302
    key = ProviderKey.objects.get()
    assert (key.license, key.license_upgrade) == ("sync", True)


def test_pay_as_you_go_keys_take_any_license(client, teammate):
    client.force_login(teammate)
    data = soundverse_form(plan="payg", license="full_ownership")
    assert client.post(SOUNDVERSE_URL, data).status_code == 302


def test_the_sandbox_address_may_use_plain_http(client, teammate, settings):
    settings.PUBLIC_BASE_URL = "http://soundsite.internal:8000"
    client.force_login(teammate)
    data = soundverse_form(base_url="http://soundsite.internal:8000/sandbox/soundverse/")
    assert client.post(SOUNDVERSE_URL, data).status_code == 302
    assert ProviderKey.objects.get().base_url == "http://soundsite.internal:8000/sandbox/soundverse"


BAD_INPUT = [
    # (url, form, field, words in the message)
    (
        SOUNDPIECE_URL,
        soundpiece_form(secret="sk_live_abcdefghijklmnopqrstuvwxyz"),
        "secret",
        "start with “spk_”",
    ),
    (SOUNDPIECE_URL, soundpiece_form(secret="spk_abc"), "secret", "too short"),
    (
        SOUNDPIECE_URL,
        soundpiece_form(secret="spk_live_abc$def&ghi#jklmnop"),
        "secret",
        "only letters",
    ),
    (SOUNDPIECE_URL, soundpiece_form(secret=SOUNDVERSE_SECRET), "secret", "Soundverse key"),
    (
        SOUNDVERSE_URL,
        soundverse_form(secret="sksoundverse_live 9f8e7d6c5b4a3928"),
        "secret",
        "spaces",
    ),
    (SOUNDVERSE_URL, soundverse_form(secret=""), "secret", "Paste the API key"),
    (SOUNDVERSE_URL, soundverse_form(secret="   "), "secret", "Paste the API key"),
    (SOUNDVERSE_URL, soundverse_form(secret="sksoundverse_9f8e"), "secret", "too short"),
    (SOUNDVERSE_URL, soundverse_form(secret="sksoundverse_live_9f8e…b1a0"), "secret", "shortened"),
    (SOUNDVERSE_URL, soundverse_form(secret=f"Bearer {SOUNDVERSE_SECRET}"), "secret", "Bearer"),
    (SOUNDVERSE_URL, soundverse_form(secret=SOUNDPIECE_SECRET), "secret", "Soundpiece key"),
    (
        SOUNDVERSE_URL,
        soundverse_form(secret=WEBHOOK_SECRET + "abcdefgh"),
        "secret",
        "webhook signing secret",
    ),
    (
        SOUNDVERSE_URL,
        soundverse_form(plan="platinum"),
        "plan",
        "Choose one of the Soundverse plans",
    ),
    (SOUNDVERSE_URL, soundverse_form(plan=""), "plan", "Choose the plan"),
    (SOUNDVERSE_URL, soundverse_form(base_url="ftp://api.soundverse.ai"), "base_url", "https://"),
    (SOUNDVERSE_URL, soundverse_form(base_url="javascript:alert(1)"), "base_url", "https://"),
    (
        SOUNDVERSE_URL,
        soundverse_form(base_url="http://apiv2.soundverse.ai"),
        "base_url",
        "unencrypted",
    ),
    (
        SOUNDVERSE_URL,
        soundverse_form(base_url="https://user:pw@apiv2.soundverse.ai"),
        "base_url",
        "passwords",
    ),
    (SOUNDVERSE_URL, soundverse_form(license="sync"), "license", "gives the Sample license"),
    (
        SOUNDVERSE_URL,
        soundverse_form(plan="scale_1", license="royalty_free"),
        "license",
        "not part of it",
    ),
    (SOUNDVERSE_URL, soundverse_form(license="agreement"), "license", "Choose one of"),
    (SOUNDVERSE_URL, soundverse_form(shared="on"), "shared", "Only owners and admins"),
    (
        SOUNDPIECE_URL,
        soundpiece_form(webhook_secret="sk_whatever_1234567890"),
        "webhook_secret",
        "start with “whsec_”",
    ),
    (SOUNDPIECE_URL, soundpiece_form(webhook_secret="whsec_abc"), "webhook_secret", "incomplete"),
    (SOUNDPIECE_URL, soundpiece_form(label=""), "label", "Give the key a name"),
]


@pytest.mark.parametrize(("url", "data", "field", "words"), BAD_INPUT)
def test_bad_input_is_explained_beside_its_field_and_nothing_is_saved(
    client, teammate, fake_provider, url, data, field, words
):
    client.force_login(teammate)
    response = client.post(url, data)
    assert response.status_code == 400
    text = response.content.decode()
    if field == "license":
        assert 'id="license-errors"' in text
    else:
        assert f'id="id_{field}_error"' in text
    assert words in text
    assert not ProviderKey.objects.exists()
    assert fake_provider.calls == []  # nothing was even sent to the provider
    # The secret typed is never written back into the page.
    if len(data["secret"].strip()) > 8:
        assert data["secret"].strip() not in text


def test_htmx_requests_get_errors_with_status_200(client, teammate):
    client.force_login(teammate)
    response = client.post(SOUNDVERSE_URL, soundverse_form(plan="x"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Choose one of the Soundverse plans" in response.content.decode()


def test_an_unknown_provider_is_404(client, teammate):
    client.force_login(teammate)
    assert client.get("/settings/keys/new/sonicwave/").status_code == 404


def test_viewers_get_403(client, viewer):
    client.force_login(viewer)
    assert client.get(SOUNDVERSE_URL).status_code == 403
    assert client.post(SOUNDVERSE_URL, soundverse_form()).status_code == 403
    assert not ProviderKey.objects.exists()


def test_a_stranger_adds_to_their_own_workspace_only(client, stranger, workspace):
    client.force_login(stranger)
    assert client.post(SOUNDVERSE_URL, soundverse_form()).status_code == 302
    assert ProviderKey.objects.get().workspace != workspace


def test_anonymous_users_go_to_login(client, db):
    assert client.get(SOUNDVERSE_URL).status_code == 302
    assert client.post(SOUNDVERSE_URL, soundverse_form()).status_code == 302
    assert not ProviderKey.objects.exists()


def test_it_rejects_other_methods(client, teammate):
    client.force_login(teammate)
    assert client.put(SOUNDVERSE_URL).status_code == 405
    assert client.delete(SOUNDVERSE_URL).status_code == 405
