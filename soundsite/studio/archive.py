"""Archive a finished job: download every output at once and keep it as a library track.

Each file is streamed to a temporary file (constant memory) while it is hashed, checked
against the length the server declared, decoded end to end, measured and given waveform
peaks; only then is it moved into storage and recorded as a Track, in one transaction. A link
that has expired is refreshed from the provider; a download cut short is fetched again.
Nothing half-written is ever visible, and running the archive twice creates nothing twice.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from django.conf import settings
from django.utils import timezone

from soundsite.lib.audio import NotAudio, analyse
from soundsite.providers import base as providers
from soundsite.studio import clients, pipeline
from soundsite.studio.clients import make_client
from soundsite.studio.models import Job, JobState
from soundsite.studio.results import outputs_from_json, outputs_to_json

log = logging.getLogger(__name__)

CHUNK = 256 * 1024
DOWNLOAD_TRIES = 4


class LinkExpired(Exception):
    """The provider's download link no longer works; ask the provider for a fresh one."""


class DownloadBroken(Exception):
    """The download ended early or the file does not decode; fetch it again."""


@dataclass
class Downloaded:
    path: Path
    sha256: str
    bytes: int


@contextmanager
def downloaded(http: httpx.Client, url: str):
    """Stream ``url`` into a private temporary file, yielding it hashed and length-checked."""
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - removed in the finally below
        prefix="soundsite-", suffix=".part", dir=temp_dir(), delete=False
    )
    path = Path(handle.name)
    try:
        digest = hashlib.sha256()
        size = 0
        try:
            with http.stream("GET", url) as response:
                if response.status_code in (401, 403, 404, 410):
                    raise LinkExpired(f"download answered {response.status_code}")
                if response.status_code >= 400:
                    raise DownloadBroken(f"download answered {response.status_code}")
                declared = response.headers.get("content-length")
                for chunk in response.iter_bytes(CHUNK):
                    handle.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
        except httpx.HTTPError as exc:
            raise DownloadBroken(str(exc)) from exc
        handle.close()
        if declared is not None and declared.isdigit() and int(declared) != size:
            raise DownloadBroken(f"received {size} of {declared} bytes")
        if size == 0:
            raise DownloadBroken("empty download")
        yield Downloaded(path=path, sha256=digest.hexdigest(), bytes=size)
    finally:
        handle.close()
        path.unlink(missing_ok=True)


@contextmanager
def inline(data: bytes):
    """Audio the provider sent as bytes, written to a private temporary file like a download."""
    with tempfile.NamedTemporaryFile(prefix="soundsite-", suffix=".part", dir=temp_dir()) as handle:
        handle.write(data)
        handle.flush()
        yield Downloaded(
            path=Path(handle.name), sha256=hashlib.sha256(data).hexdigest(), bytes=len(data)
        )


_download_client: list = []  # [(transport, client)]


def http_client() -> httpx.Client:
    """The process's download client, kept between archive tasks.

    Building an ``httpx.Client`` loads the certificate store into a new TLS context, which
    cost more than downloading and checking a 10 s output; a kept client also reuses its
    connections to the provider's file host. One archive task runs at a time per worker.
    """
    transport = clients.download_transport_override
    if _download_client:
        kept_transport, client = _download_client[0]
        if kept_transport is transport and not client.is_closed:
            return client
    client = httpx.Client(
        timeout=httpx.Timeout(60.0, connect=10.0), follow_redirects=True, transport=transport
    )
    _download_client[:] = [(transport, client)]
    return client


def refresh_outputs(job: Job) -> list[providers.Output]:
    """Ask the provider again for the job's outputs (Soundpiece re-signs its links)."""

    async def fetch():
        client = make_client(job.key)
        try:
            return await client.poll(job.operation, job.remote_id, wait=False)
        finally:
            await client.aclose()

    result = asyncio.run(fetch())
    if result.status != providers.Status.READY or not result.outputs:
        raise DownloadBroken("the provider returned no fresh links")
    Job.objects.filter(pk=job.pk).update(
        result={**job.result, "outputs": outputs_to_json(result.outputs)}
    )
    job.result = {**job.result, "outputs": outputs_to_json(result.outputs)}
    return result.outputs


def archive_job(job_id: int) -> str:
    """Archive every output of a job that is in ``archiving``; safe to run twice."""
    from soundsite.library.tracks import existing_output_indexes

    owner = pipeline.new_lease_owner()
    job = pipeline.claim(job_id, owner, states=(JobState.ARCHIVING,), due_only=False)
    if job is None:
        return "not claimed"
    outputs = outputs_from_json(job.result.get("outputs", []))
    done = existing_output_indexes(job)
    try:
        http = http_client()
        for position in range(len(outputs)):
            if position in done:
                continue
            pipeline.update(
                job,
                owner=owner,
                stage=f"Saving to the library ({position + 1} of {len(outputs)})",
            )
            archive_output(job, http, outputs, position)
            pipeline.renew(owner)
    except (DownloadBroken, LinkExpired, NotAudio) as error:
        attempts = job.attempts + 1
        if attempts >= DOWNLOAD_TRIES * 2:
            pipeline.fail(
                job,
                owner,
                providers.ProviderError(
                    "The finished music could not be downloaded from the provider intact. "
                    "Run the job again."
                ),
            )
            return "failed"
        log.info("Archive of job %s will be retried: %s", job.code, error)
        delay = pipeline.backoff_seconds(attempts)
        pipeline.release(
            job, owner, attempts=attempts, next_check_at=pipeline.archive_check_at(delay)
        )
        from soundsite.studio.tasks import enqueue_archive

        enqueue_archive(job.pk, delay=delay)
        return "retry"
    pipeline.release(
        job,
        owner,
        states=(JobState.ARCHIVING,),
        state=JobState.READY,
        stage="",
        progress=100.0,
        finished_at=timezone.now(),
    )
    return "ready"


def archive_output(job: Job, http: httpx.Client, outputs: list, position: int) -> None:
    """Download one output (refreshing its link when needed) and record it as a track."""
    from soundsite.library.tracks import create_track_from_output

    refreshed = False
    last_error: Exception | None = None
    for _ in range(DOWNLOAD_TRIES):
        output = outputs[position]
        expired = output.expires_at is not None and output.expires_at <= timezone.now()
        try:
            if expired:
                raise LinkExpired("link past its expiry time")
            source = inline(output.data) if output.data and not output.url else None
            with source or downloaded(http, output.url) as file:
                try:
                    info, peaks = analyse(file.path)
                except NotAudio as exc:
                    raise DownloadBroken(str(exc)) from exc
                if output.duration and abs(info.duration - output.duration) > max(
                    1.5, 0.05 * output.duration
                ):
                    raise DownloadBroken(
                        f"decoded {info.duration:.1f} s, provider said {output.duration:.1f} s"
                    )
                create_track_from_output(job, output, position, file, info, peaks)
                return
        except LinkExpired as error:
            last_error = error
            if refreshed and not job.remote_id:
                break
            outputs[:] = refresh_outputs(job)
            refreshed = True
        except DownloadBroken as error:
            last_error = error
            log.info("Download of job %s output %s broke: %s", job.code, position, error)
    raise DownloadBroken(str(last_error))


def temp_dir() -> str:
    path = Path(settings.VAR_DIR) / "tmp"
    os.makedirs(path, exist_ok=True)
    return str(path)
