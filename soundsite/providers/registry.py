"""Make a client for a provider key."""

from soundsite.providers.base import Client, Provider


def client_for(provider: Provider | str, api_key: str, *, base_url: str = "", **options) -> Client:
    """A new async client for ``provider``; ``options`` pass through (transport, timeouts…)."""
    provider = Provider(provider)
    if provider is Provider.SOUNDPIECE:
        from soundsite.providers.soundpiece import SoundpieceClient

        return SoundpieceClient(api_key, base_url=base_url or None, **options)
    from soundsite.providers.soundverse import SoundverseClient

    return SoundverseClient(api_key, base_url=base_url or None, **options)
