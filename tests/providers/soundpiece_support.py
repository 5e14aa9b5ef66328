"""A Soundpiece client wired to the sandbox in-process (no sockets), for both test folders."""

import asyncio
import uuid

import httpx

from soundsite.asgi import application
from soundsite.providers.soundpiece import SoundpieceClient
from soundsite.sandbox.accounts import create_account
from soundsite.sandbox.models import SandboxAccount

BASE_URL = "http://testserver/sandbox/soundpiece"
# Short outputs and no processing delay keep each test well under a second.
FAST = {"processing_seconds": 0, "song_seconds": 2, "variations": 2, "wait_cap": 1}


class Harness:
    """One sandbox account, a client for its key, and an event loop that outlives calls."""

    def __init__(self, account: SandboxAccount, **client_options):
        self.account = account
        self.runner = asyncio.Runner()
        self.transport = httpx.ASGITransport(app=application)
        self.client = self.client_for(account.api_key, **client_options)
        self.http = httpx.AsyncClient(transport=self.transport, base_url=BASE_URL)

    def client_for(self, api_key: str, **options) -> SoundpieceClient:
        return SoundpieceClient(api_key, base_url=BASE_URL, transport=self.transport, **options)

    def run(self, awaitable):
        return self.runner.run(awaitable)

    def submit(self, operation, params, *, key=None, client=None, **kwargs):
        key = key or str(uuid.uuid4())
        return self.run(
            (client or self.client).submit(operation, params, idempotency_key=key, **kwargs)
        )

    def poll(self, operation, remote_id, *, wait=False, client=None):
        return self.run((client or self.client).poll(operation, remote_id, wait=wait))

    def finish(self, operation, params, **kwargs):
        submitted = self.submit(operation, params, **kwargs)
        return submitted, self.run(self.client.wait(operation, submitted.remote_id, timeout=10))

    def download(self, url):
        return self.run(self.client.download(url))

    def raw(self, method, path, **kwargs):
        """A plain request to the stand-in, with this account's key unless headers say otherwise."""
        headers = {"Authorization": f"Bearer {self.account.api_key}", **kwargs.pop("headers", {})}
        return self.run(self.http.request(method, path, headers=headers, **kwargs))

    def close(self):
        self.run(self.client.aclose())
        self.run(self.http.aclose())
        self.runner.close()


def make_harness(**options) -> Harness:
    return Harness(create_account("soundpiece", **{**FAST, **options}))
