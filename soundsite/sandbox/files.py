"""Audio files made by the sandbox, served at signed links that expire like a provider's CDN."""

import time

from asgiref.sync import sync_to_async
from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.handlers.asgi import ASGIRequest
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from soundsite.sandbox import faults
from soundsite.sandbox.models import SandboxFile, SandboxOperation
from soundsite.sandbox.threads import database_thread

SIGNER_SALT = "soundsite.sandbox.files"
CHUNK = 256 * 1024
CONTENT_TYPES = {"flac": "audio/flac", "mp3": "audio/mpeg", "wav": "audio/wav"}


def store(
    operation: SandboxOperation | None,
    name: str,
    data: bytes,
    *,
    duration: float = 0.0,
    recipe: dict | None = None,
) -> SandboxFile:
    """Keep ``data`` in storage under the sandbox's own prefix and return its record."""
    extension = name.rsplit(".", 1)[-1].lower()
    record = SandboxFile(
        operation=operation,
        name=name,
        content_type=CONTENT_TYPES.get(extension, "application/octet-stream"),
        bytes=len(data),
        duration=duration,
        recipe=recipe,
    )
    record.path = default_storage.save(f"sandbox/{record.token}.{extension}", ContentFile(data))
    record.save()
    return record


def signed_url(base_url: str, record: SandboxFile, *, ttl: float) -> tuple[str, float]:
    """An absolute link to ``record`` valid for ``ttl`` seconds; returns (url, expires_epoch).

    ``base_url`` is where the caller reached the sandbox (scheme and host), so links work in
    tests over an in-process transport and in a running server alike.
    """
    expires = time.time() + ttl
    if record.operation is not None and faults.take(record.operation.account, "expire") is not None:
        expires = time.time() - 1
    signature = signing.dumps({"t": record.token, "e": int(expires)}, salt=SIGNER_SALT)
    path = reverse("sandbox_file", args=[signature, record.name])
    return f"{base_url.rstrip('/')}{path}", expires


def parse_signature(signature: str) -> tuple[str, float]:
    data = signing.loads(signature, salt=SIGNER_SALT)
    return data["t"], float(data["e"])


def find_by_url(url: str) -> SandboxFile | None:
    """The sandbox file behind one of its own links (any expiry), or None for foreign audio."""
    marker = "/sandbox/files/"
    if marker not in url:
        return None
    signature = url.split(marker, 1)[1].split("/", 1)[0]
    try:
        token, _ = parse_signature(signature)
    except signing.BadSignature:
        return None
    return SandboxFile.objects.filter(token=token).first()


def _find_for_download(token: str, name: str):
    """(record, truncate fault) for a download, or (None, None) for an unknown file."""
    record = SandboxFile.objects.select_related("operation__account").filter(token=token).first()
    if record is None or record.name != name:
        return None, None
    account = record.operation.account if record.operation else None
    return record, faults.take(account, "truncate")


def _read_part(path: str, size: int) -> bytes:
    with default_storage.open(path, "rb") as handle:
        return handle.read(size)


_on_db_thread = database_thread("sandbox-files-db")


async def _chunks(handle):
    """The file as an async iterator: each read runs on a pool thread, the loop never blocks."""
    read = sync_to_async(handle.read, thread_sensitive=False)
    try:
        while chunk := await read(CHUNK):
            yield chunk
    finally:
        await sync_to_async(handle.close, thread_sensitive=False)()


@require_GET
async def download(request, signature, name):
    """Serve a sandbox file like a CDN: no auth header, 403 once the link has expired.

    Async, like the stand-ins' other views: under ASGI a download holds no thread of its own
    (a synchronous view gets a new thread, and a new database connection, per request), its
    lookup runs on the files' database thread and its body is read in chunks on pool threads.
    Under WSGI the lookup runs on the request's own thread and the file is handed to the
    server as it is.
    """
    try:
        token, expires = parse_signature(signature)
    except signing.BadSignature:
        return HttpResponse("Invalid signature", status=403, content_type="text/plain")
    if expires < time.time():
        return HttpResponse("Request has expired", status=403, content_type="text/plain")
    under_asgi = isinstance(request, ASGIRequest)
    run = _on_db_thread if under_asgi else sync_to_async
    record, truncate = await run(_find_for_download)(token, name)
    if record is None:
        raise Http404("No such file")
    if truncate is not None:
        # The declared length stays whole while the body stops early: what a dropped
        # connection looks like to the downloader.
        size = int(record.bytes * float(truncate.get("fraction", 0.5)))
        data = await sync_to_async(_read_part, thread_sensitive=not under_asgi)(record.path, size)
        response = HttpResponse(data, content_type=record.content_type)
    else:
        handle = await sync_to_async(default_storage.open, thread_sensitive=not under_asgi)(
            record.path, "rb"
        )
        if under_asgi:
            response = StreamingHttpResponse(_chunks(handle), content_type=record.content_type)
        else:
            response = FileResponse(handle, content_type=record.content_type)
    response["Content-Length"] = str(record.bytes)
    return response
