"""Provider clients for jobs: one per key, with the key's secret and base URL."""

from __future__ import annotations

from soundsite.providers.base import Client
from soundsite.providers.registry import client_for

# Tests point every client at the in-process sandbox by setting this to an httpx transport
# (or a callable taking the key and returning one).
transport_override = None
# The archive downloads with a synchronous client; tests set its transport here.
download_transport_override = None
# Extra client settings (tests shorten timeouts with it).
options_override: dict = {}


# One waiter holds every in-flight wait of a key at once (hundreds of long-polls and streams):
# its connection pool must not make them queue behind each other.
MAX_CONNECTIONS = 1000


def client_options(key) -> dict:
    options = {"max_connections": MAX_CONNECTIONS}
    transport = transport_override
    if callable(transport) and not hasattr(transport, "handle_async_request"):
        transport = transport(key)
    if transport is not None:
        options["transport"] = transport
    options.update(options_override.get(key.provider, {}))
    return options


def make_client(key) -> Client:
    """A new async client for ``key`` (a ProviderKey); the caller closes it."""
    return client_for(
        key.provider,
        key.reveal_secret(),
        base_url=key.base_url,
        **client_options(key),
    )
