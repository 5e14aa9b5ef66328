"""Check key against the real clients and the sandbox stand-ins, over HTTP semantics."""

import httpx
import pytest

from soundsite.asgi import application
from soundsite.keys import checks
from soundsite.keys.models import KeyHealth
from soundsite.providers.registry import client_for
from soundsite.sandbox.accounts import create_account


@pytest.fixture(autouse=True)
def in_process(monkeypatch):
    def factory(provider, api_key, *, base_url):
        transport = httpx.ASGITransport(app=application)
        return client_for(provider, api_key, base_url=base_url, transport=transport)

    monkeypatch.setattr(checks, "client_factory", factory)


def base(provider):
    return f"http://testserver/sandbox/{provider}"


@pytest.mark.parametrize("provider", ["soundpiece", "soundverse"])
@pytest.mark.django_db(transaction=True)
def test_a_sandbox_key_is_accepted(provider):
    account = create_account(provider)
    outcome = checks.check_secret(provider, account.api_key, base(provider))
    assert outcome.health == KeyHealth.VALID, outcome.message


@pytest.mark.parametrize(
    "provider, wrong",
    [("soundpiece", "spk_" + "0" * 32), ("soundverse", "not a bearer token at all")],
)
@pytest.mark.django_db(transaction=True)
def test_an_unknown_key_is_rejected(provider, wrong):
    outcome = checks.check_secret(provider, wrong, base(provider))
    assert outcome.health == KeyHealth.REJECTED
    assert "did not accept this key" in outcome.message


@pytest.mark.django_db(transaction=True)
def test_an_unreachable_provider_is_reported_plainly(monkeypatch):
    def refusing(provider, api_key, *, base_url):
        def fail(request):
            raise httpx.ConnectError("refused")

        return client_for(provider, api_key, base_url=base_url, transport=httpx.MockTransport(fail))

    monkeypatch.setattr(checks, "client_factory", refusing)
    outcome = checks.check_secret("soundpiece", "spk_" + "1" * 32, base("soundpiece"))
    assert outcome.health == KeyHealth.UNREACHABLE
