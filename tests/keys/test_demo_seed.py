import io

from django.core.management import call_command

from soundsite.accounts.management.commands.bootstrap_demo import DEMO_EMAIL
from soundsite.keys.models import ProviderKey
from soundsite.sandbox.models import SandboxAccount


def test_the_demo_workspace_gets_one_sandbox_key_per_provider(db, settings, fake_provider):
    settings.SANDBOX_ENABLED = True
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:8000"
    call_command("bootstrap_demo", stdout=io.StringIO())
    keys = ProviderKey.objects.order_by("provider")
    assert [k.provider for k in keys] == ["soundpiece", "soundverse"]
    for key in keys:
        assert key.is_sandbox and key.shared
        assert key.owner.email == DEMO_EMAIL
        assert key.base_url == f"http://127.0.0.1:8000/sandbox/{key.provider}"
        account = SandboxAccount.objects.get(provider=key.provider)
        assert key.reveal_secret() == account.api_key
    # The server is not running yet while the demo is made, so nothing was checked.
    assert fake_provider.calls == []
    # Running it again adds nothing.
    call_command("bootstrap_demo", stdout=io.StringIO())
    assert ProviderKey.objects.count() == 2


def test_no_sandbox_keys_when_the_sandbox_is_off(db, settings):
    settings.SANDBOX_ENABLED = False
    call_command("bootstrap_demo", stdout=io.StringIO())
    assert not ProviderKey.objects.exists()
