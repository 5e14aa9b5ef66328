"""Fetch a provider's output file from its signed link, and notice when the fetch went wrong.

Provider links are plain, unauthenticated GETs on a CDN. Two things go wrong in practice: the
link has expired (the CDN answers 403 or 410, and the provider must be asked for a fresh one)
and the connection drops part-way (fewer bytes than the declared ``Content-Length``). Both are
raised as their own errors so the pipeline can react to each.
"""

from __future__ import annotations

from typing import BinaryIO

import httpx

from soundsite.providers.base import ProviderUnavailable

EXPIRED_STATUSES = (401, 403, 410)


class LinkExpired(ProviderUnavailable):
    """The download link no longer works; ask the provider for a fresh one and try again."""

    default_message = (
        "The download link from the music service has expired. Soundsite will ask for a fresh "
        "link and try again."
    )


class DownloadIncomplete(ProviderUnavailable):
    """The file arrived shorter than the server said it would be."""

    default_message = (
        "The download from the music service stopped part-way. Soundsite will try again."
    )

    def __init__(self, message: str = "", *, received: int = 0, expected: int | None = None):
        super().__init__(message)
        self.received = received
        self.expected = expected


def _declared_length(response: httpx.Response) -> int | None:
    value = response.headers.get("content-length")
    if value is None or response.headers.get("content-encoding"):
        # A compressed body's declared length is of the compressed bytes, not of what we read.
        return None
    try:
        return int(value)
    except ValueError:
        return None


def _status_error(response: httpx.Response) -> Exception:
    if response.status_code in EXPIRED_STATUSES:
        return LinkExpired(status_code=response.status_code)
    if response.status_code == 404:
        return LinkExpired(
            "The music service no longer has this file at its link. Soundsite will ask for a "
            "fresh link.",
            status_code=404,
        )
    return ProviderUnavailable(
        f"The music service's file server answered with error {response.status_code}. "
        "Soundsite will try again.",
        status_code=response.status_code,
    )


async def download(
    http: httpx.AsyncClient,
    url: str,
    sink: BinaryIO | None = None,
    *,
    timeout: float | httpx.Timeout = 60.0,
    chunk_size: int = 64 * 1024,
) -> bytes | int:
    """Stream ``url`` into ``sink`` (returning the byte count) or into memory (returning bytes).

    No Authorization header is sent: signed links carry their own permission, and an API key
    must never travel to a CDN host.
    """
    buffer = bytearray() if sink is None else None
    received = 0
    try:
        async with http.stream("GET", url, timeout=timeout, headers={"Accept": "*/*"}) as response:
            if response.status_code != 200:
                raise _status_error(response)
            expected = _declared_length(response)
            async for chunk in response.aiter_bytes(chunk_size):
                received += len(chunk)
                if sink is None:
                    buffer.extend(chunk)
                else:
                    sink.write(chunk)
    except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
        raise DownloadIncomplete(received=received) from exc
    except (httpx.TimeoutException, TimeoutError) as exc:
        raise ProviderUnavailable(
            "The download from the music service took too long. Soundsite will try again."
        ) from exc
    except httpx.TransportError as exc:
        raise ProviderUnavailable(
            "Soundsite could not reach the music service's file server. It will try again."
        ) from exc
    if expected is not None and received != expected:
        raise DownloadIncomplete(
            f"The download stopped after {received} of {expected} bytes. Soundsite will try again.",
            received=received,
            expected=expected,
        )
    return bytes(buffer) if buffer is not None else received


def download_sync(
    http: httpx.Client,
    url: str,
    sink: BinaryIO | None = None,
    *,
    timeout: float | httpx.Timeout = 60.0,
    chunk_size: int = 64 * 1024,
) -> bytes | int:
    """The blocking twin of ``download`` for synchronous code."""
    buffer = bytearray() if sink is None else None
    received = 0
    try:
        with http.stream("GET", url, timeout=timeout, headers={"Accept": "*/*"}) as response:
            if response.status_code != 200:
                raise _status_error(response)
            expected = _declared_length(response)
            for chunk in response.iter_bytes(chunk_size):
                received += len(chunk)
                if sink is None:
                    buffer.extend(chunk)
                else:
                    sink.write(chunk)
    except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
        raise DownloadIncomplete(received=received) from exc
    except httpx.TimeoutException as exc:
        raise ProviderUnavailable(
            "The download from the music service took too long. Soundsite will try again."
        ) from exc
    except httpx.TransportError as exc:
        raise ProviderUnavailable(
            "Soundsite could not reach the music service's file server. It will try again."
        ) from exc
    if expected is not None and received != expected:
        raise DownloadIncomplete(
            f"The download stopped after {received} of {expected} bytes. Soundsite will try again.",
            received=received,
            expected=expected,
        )
    return bytes(buffer) if buffer is not None else received
