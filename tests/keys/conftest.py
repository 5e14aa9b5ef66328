"""A stand-in provider for key checks, so no test ever reaches a real (or sandbox) host."""

import asyncio

import pytest

from soundsite.keys import checks
from soundsite.providers.base import (
    KeyRejected,
    OutOfCredits,
    ProviderUnavailable,
    RateLimited,
)

SOUNDVERSE_SECRET = "sksoundverse_live_9f8e7d6c5b4a39281706f5e4d3c2b1a0"
SOUNDPIECE_SECRET = "spk_live_Qm9ZkQ2v8xW4nB7tR1yU3iO5pA6sD0fG"
WEBHOOK_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


class FakeProvider:
    """Decides how the fake client's ``check_key`` answers, and records who was asked."""

    def __init__(self):
        self.answer = "accept"
        self.calls = []

    def client(self, provider, api_key, *, base_url="", **options):
        self.calls.append({"provider": provider, "api_key": api_key, "base_url": base_url})
        return FakeClient(self)


class FakeClient:
    def __init__(self, controller):
        self.controller = controller
        self.closed = False

    async def check_key(self):
        answer = self.controller.answer
        if answer == "reject":
            raise KeyRejected(status_code=401)
        if answer == "unreachable":
            raise ProviderUnavailable(status_code=503)
        if answer == "slow":
            await asyncio.sleep(30)
        if answer == "rate_limited":
            raise RateLimited(retry_after=5, status_code=429)
        if answer == "out_of_credits":
            raise OutOfCredits(status_code=402)
        if answer == "crash":
            raise RuntimeError(f"client bug while sending {self.controller.calls[-1]}")

    async def aclose(self):
        self.closed = True


@pytest.fixture(autouse=True)
def fake_provider(monkeypatch):
    controller = FakeProvider()
    monkeypatch.setattr(checks, "client_factory", controller.client)
    return controller


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # The personas are made with passwords; a fast hasher keeps these tests quick.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
