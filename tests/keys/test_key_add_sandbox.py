from soundsite.keys.models import KeyHealth, ProviderKey
from soundsite.sandbox.models import SandboxAccount

URL = "/settings/keys/sandbox/{}/"


def test_it_adds_a_badged_sandbox_key(client, teammate, workspace, settings, fake_provider):
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:8000"
    client.force_login(teammate)
    response = client.post(URL.format("soundpiece"))
    assert response.status_code == 302
    key = ProviderKey.objects.get()
    account = SandboxAccount.objects.get()
    assert key.is_sandbox and key.provider == "soundpiece"
    assert key.base_url == "http://127.0.0.1:8000/sandbox/soundpiece"
    assert key.reveal_secret() == account.api_key
    assert key.reveal_webhook_secret() == account.webhook_secrets[0]
    assert key.owner == teammate and key.workspace == workspace and not key.shared
    assert key.health == KeyHealth.VALID  # checked like any other key
    assert fake_provider.calls[0]["base_url"] == "http://127.0.0.1:8000/sandbox/soundpiece"
    page = client.get("/settings/keys/").content.decode()
    assert ">Sandbox<" in page and "Soundpiece sandbox" in page


def test_soundverse_sandbox_keys_start_on_starter(client, teammate):
    client.force_login(teammate)
    client.post(URL.format("soundverse"))
    key = ProviderKey.objects.get()
    assert (key.plan, key.license) == ("starter", "royalty_free")
    assert SandboxAccount.objects.get().plan == "starter"
    assert not key.has_webhook_secret


def test_it_is_404_when_the_sandbox_is_off(client, teammate, settings):
    settings.SANDBOX_ENABLED = False
    client.force_login(teammate)
    assert client.post(URL.format("soundverse")).status_code == 404
    assert not ProviderKey.objects.exists()


def test_an_unknown_provider_is_404(client, teammate):
    client.force_login(teammate)
    assert client.post(URL.format("nope")).status_code == 404


def test_viewers_get_403(client, viewer):
    client.force_login(viewer)
    assert client.post(URL.format("soundverse")).status_code == 403
    assert not SandboxAccount.objects.exists()


def test_a_stranger_adds_to_their_own_workspace(client, stranger, workspace):
    client.force_login(stranger)
    client.post(URL.format("soundverse"))
    assert ProviderKey.objects.get().workspace != workspace


def test_it_rejects_get(client, teammate):
    client.force_login(teammate)
    assert client.get(URL.format("soundverse")).status_code == 405
