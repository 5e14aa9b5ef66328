"""Soundverse's Enterprise API, stood in for under ``/sandbox/soundverse/`` (reference §8).

Every view is async: streams and ``/sync`` answers wait with ``asyncio.sleep`` rather than a
thread, so a server can hold hundreds of them at once. Database work runs through
``sync_to_async``; audio is rendered in a worker thread the first time a file is needed,
guarded so that only one request renders a job.
"""

from __future__ import annotations

import asyncio
import dataclasses
import io
import json
import time

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.http import (
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
    StreamingHttpResponse,
)
from django.http.multipartparser import MultiPartParser, MultiPartParserError
from django.views.decorators.csrf import csrf_exempt

from soundsite.sandbox import soundverse_audio as audio
from soundsite.sandbox import soundverse_engine as engine
from soundsite.sandbox import soundverse_spec as spec
from soundsite.sandbox import stock, synth
from soundsite.sandbox.models import SandboxOperation
from soundsite.sandbox.soundverse_spec import ENDPOINTS
from soundsite.sandbox.threads import database_thread

# All database work of these views runs on one thread (``sandbox.threads``).
_db = database_thread("sandbox-soundverse-db")
RENDER_WAIT = 300.0


VOICE_PIECE = 8192


def _base_url(request) -> str:
    return f"{request.scheme}://{request.get_host()}"


def _json(status: int, body, headers: dict | None = None) -> JsonResponse:
    response = JsonResponse(body, status=status, safe=False)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _refused(refusal: engine.Refusal) -> JsonResponse:
    return _json(refusal.status, refusal.body, refusal.headers)


def _make_all(jobs) -> list:
    """Render every job (in a worker thread: no database here)."""
    made = []
    for key, job in jobs:
        if job.stock and job.source is None:
            shape = dataclasses.replace(job, prompt="", seed=0, lyrics="")
            outputs = stock.once(("soundverse", repr(shape)), lambda job=job: audio.make(job))
        else:
            outputs = audio.make(job)
        if job.kind in ("stems", "gen_loop"):
            made.extend((item.label, item) for item in outputs)
        else:
            made.append((key, outputs[0]))
    return made


async def _claim_and_render(operation_id: int) -> str:
    """Claim the render and, if this caller got it, render and store the files.

    Claiming and rendering are one unit: the claim is committed in the database thread, so a
    caller cancelled while it waited for the claim's answer would otherwise leave the job
    claimed with nobody rendering it.
    """
    state, jobs = await _db(engine.claim_render)(operation_id)
    if state != "mine":
        return state
    try:
        made = await sync_to_async(_make_all, thread_sensitive=False)(jobs)
        await _db(engine.store_render)(operation_id, made)
    except BaseException:
        # Also when storing fails (a busy database): the next reader renders again.
        await _db(engine.release_render)(operation_id)
        raise
    return state


async def ensure_rendered(operation_id: int) -> None:
    """Make sure the job's files exist; render them here unless another request does."""
    deadline = time.monotonic() + RENDER_WAIT
    while True:
        # Shielded: a client that hangs up (its request is cancelled) at any point from the
        # claim to the stored files must not leave the render claimed, or every later reader
        # of the job waits for it in vain.
        state = await asyncio.shield(asyncio.ensure_future(_claim_and_render(operation_id)))
        if state in ("done", "mine"):
            return
        if time.monotonic() > deadline:
            raise TimeoutError("Rendering took too long")
        await asyncio.sleep(0.05)


def _links(operation_id: int, base_url: str) -> dict:
    operation = SandboxOperation.objects.select_related("account").get(pk=operation_id)
    return engine.links(operation, base_url)


async def _method_not_allowed(request, account=None) -> JsonResponse:
    await _db(engine.record)(request, account, status=405)
    return _json(405, {"detail": "Method Not Allowed"})


# --- Generation endpoints -------------------------------------------------------------------
@csrf_exempt
async def generate(request, action: str):
    """Every POST endpoint: streams (SSE), ``/sync`` answers and the voice assistant."""
    if request.method != "POST":
        return await _method_not_allowed(request)
    endpoint = ENDPOINTS[action]
    admission = await _db(engine.admit)(request, endpoint, stream=endpoint.stream)
    if admission.slow:
        await asyncio.sleep(admission.slow)
    if admission.refusal is not None:
        return _refused(admission.refusal)
    operation = admission.operation
    base_url = _base_url(request)
    if endpoint.stream:
        chunks = _stream(operation, base_url)
        if not isinstance(request, ASGIRequest):
            chunks = _one_by_one(chunks)
        response = StreamingHttpResponse(chunks, content_type="text/event-stream")
        response["Cache-Control"] = "no-cache"
        response["X-Accel-Buffering"] = "no"
        return response
    if endpoint.kind == "voice":
        return await _voice(operation, admission.record)
    return await _answer_when_done(operation, base_url, admission.record)


async def _stream(operation: SandboxOperation, base_url: str):
    """The job's chunks, each sent at its time on the timeline (or cut short by a fault)."""
    plan = await _db(engine.timeline)(operation, base_url)
    broken = operation.extra.get("break")
    started = operation.created_at.timestamp()
    entries = None
    for index, planned in enumerate(plan):
        if broken and index >= broken["after_chunks"]:
            if broken["partial"]:
                yield 'data: {"message_id": "' + operation.remote_id[:6]
            return
        delay = started + planned.at - time.time()
        if delay > 0:
            await asyncio.sleep(delay)
        if planned.needs_files and entries is None:
            try:
                await ensure_rendered(operation.pk)
            except synth.SynthError as error:
                failure = {"message_id": operation.remote_id, "status": "failed"}
                failure.update({"isComplete": True, "error": str(error), "chunkIndex": index})
                yield "data: " + json.dumps(failure) + "\n\n"
                return
            entries = await _db(_links)(operation.pk, base_url)
        yield "data: " + json.dumps(engine.fill(planned.chunk, entries or {})) + "\n\n"


def _one_by_one(chunks):
    """The stream for a WSGI server (gunicorn, Django's test server): one chunk at a time.

    Given an async iterator, Django's WSGI handler collects the whole stream before sending
    any of it, so a client would see no progress and every chunk at the very end. The stream
    keeps one event loop of its own for its whole life (``async_to_sync`` would start a new
    loop per chunk and close the generator with the first one).
    """
    loop = asyncio.new_event_loop()
    try:
        while True:
            try:
                yield loop.run_until_complete(chunks.__anext__())
            except StopAsyncIteration:
                return
    finally:
        loop.run_until_complete(chunks.aclose())
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


async def _wait_until(operation: SandboxOperation) -> dict | None:
    """Sleep until the job is done or has failed; returns the failure, if any."""
    failure = operation.extra.get("fail")
    length = operation.extra["processing"]
    finish = operation.created_at.timestamp() + (failure["at"] * length if failure else length)
    delay = finish - time.time()
    if delay > 0:
        await asyncio.sleep(delay)
    return failure


async def _answer_when_done(operation, base_url, entry):
    """A ``/sync`` endpoint: block (without a thread) until the job is done, then answer."""
    if await _wait_until(operation):
        status, body = engine.failure_response(operation)
        await _db(engine.set_recorded_status)(entry, status)
        return _json(status, body)
    entries = {}
    if ENDPOINTS[operation.action].kind not in ("lyrics", "chat"):
        try:
            await ensure_rendered(operation.pk)
        except synth.SynthError as error:
            await _db(engine.set_recorded_status)(entry, 500)
            return _json(500, {"detail": str(error)})
        entries = await _db(_links)(operation.pk, base_url)
    return _json(200, engine.sync_body(operation, base_url, entries))


def _file_bytes(operation_id: int) -> bytes:
    operation = SandboxOperation.objects.get(pk=operation_id)
    token = operation.result["files"][0]["token"]
    return engine._read(operation.files.get(token=token))


async def _voice(operation, entry):
    """The voice assistant: spoken MP3 bytes, streamed in pieces (not JSON, not SSE)."""
    if await _wait_until(operation):
        await _db(engine.set_recorded_status)(entry, 500)
        message = operation.extra["fail"]["message"]
        return _json(500, {"success": False, "message": message})
    await ensure_rendered(operation.pk)
    data = await _db(_file_bytes)(operation.pk)

    async def pieces():
        for start in range(0, len(data), VOICE_PIECE):
            yield data[start : start + VOICE_PIECE]

    return StreamingHttpResponse(pieces(), content_type="audio/mpeg")


# --- Status ---------------------------------------------------------------------------------
def _status_answer(request, by: str):
    """(status, body, headers, account, slow) for a status request (database work only)."""
    account, refusal, slow = engine.gate(request)
    if refusal is not None:
        engine.record(request, account, status=refusal.status, fault=refusal.fault)
        return refusal.status, refusal.body, refusal.headers, None, 0.0
    wanted = request.GET.get(by) or (request.GET.get("message_id") if by == "job_id" else "")
    if not wanted:
        body = {
            "detail": [
                {"type": "missing", "loc": ["query", by], "msg": "Field required", "input": None}
            ]
        }
        engine.record(request, account, status=422)
        return 422, body, {}, None, slow
    operation = engine.find_operation(
        account, wanted, by="job_id" if request.GET.get("job_id") else "message_id"
    )
    if operation is None:
        status = int(engine.option(account, "unknown_status"))
        engine.record(request, account, status=status, fault="slow" if slow else "")
        return status, {"detail": "Message not found"}, {}, None, slow
    engine.record(
        request, account, status=200, remote_id=operation.remote_id, fault="slow" if slow else ""
    )
    return 200, None, {}, operation, slow


def _status_body(operation_id: int, base_url: str) -> dict:
    operation = SandboxOperation.objects.select_related("account").get(pk=operation_id)
    entries = engine.links(operation, base_url) if operation.status == "ready" else {}
    return engine.status_body(operation, base_url, entries)


async def _status(request, by: str):
    if request.method != "GET":
        return await _method_not_allowed(request)
    status, body, headers, operation, slow = await _db(_status_answer)(request, by)
    if slow:
        await asyncio.sleep(slow)
    if operation is None:
        return _json(status, body, headers)
    base_url = _base_url(request)
    if await _db(engine.status_needs_files)(operation, base_url):
        await ensure_rendered(operation.pk)
    return _json(200, await _db(_status_body)(operation.pk, base_url))


@csrf_exempt
async def status(request):
    """``GET /v5/status?message_id=…``."""
    return await _status(request, "message_id")


@csrf_exempt
async def status_v7(request):
    """``GET /v7/status?job_id=…`` (undocumented; also takes ``message_id``)."""
    return await _status(request, "job_id")


# --- Song recognition -----------------------------------------------------------------------
def _recognise_answer(request):
    account, refusal, slow = engine.gate(request)
    if refusal is not None:
        engine.record(request, account, status=refusal.status, fault=refusal.fault)
        return refusal.status, refusal.body, refusal.headers, 0.0
    data, url = None, request.GET.get("audio_url", "")
    content_type = request.META.get("CONTENT_TYPE", "")
    if content_type.startswith("multipart/form-data"):
        try:
            _, uploads = MultiPartParser(
                request.META, io.BytesIO(request.body), request.upload_handlers, request.encoding
            ).parse()
        except MultiPartParserError:
            uploads = {}
        if "file" in uploads:
            data = uploads["file"].read()
    elif request.body and not url:
        data = request.body
    if data is None and not url:
        engine.record(request, account, status=400)
        return 400, {"detail": spec.RECOGNIZE_NO_INPUT}, {}, slow
    engine.record(request, account, status=200, fault="slow" if slow else "")
    return 200, engine.recognise(account, url=url if data is None else "", data=data), {}, slow


@csrf_exempt
async def recognize(request):
    """``GET /v5/recognize``: a multipart ``file``, ``audio_url``, or raw audio bytes."""
    if request.method != "GET":
        return await _method_not_allowed(request)
    status, body, headers, slow = await _db(_recognise_answer)(request)
    if slow:
        await asyncio.sleep(slow)
    return _json(status, body, headers)


# --- Public links: previews and album art ---------------------------------------------------
def _operation_by_id(message_id: str):
    return SandboxOperation.objects.select_related("account").filter(remote_id=message_id).first()


@csrf_exempt
async def preview(request, message_id: str, key: str):
    """A ``stream_url``: plays the version before the job is over (redirects to the file)."""
    operation = await _db(_operation_by_id)(message_id)
    if operation is None or operation.action not in ENDPOINTS:
        return _json(404, {"detail": "Not Found"})
    await _db(engine.record)(request, operation.account, status=302, remote_id=message_id)
    await ensure_rendered(operation.pk)
    entries = await _db(_links)(operation.pk, _base_url(request))
    if key not in entries:
        return _json(404, {"detail": "Not Found"})
    return HttpResponseRedirect(entries[key]["url"])


@csrf_exempt
async def album_art(request, message_id: str):
    operation = await _db(_operation_by_id)(message_id)
    if operation is None:
        return _json(404, {"detail": "Not Found"})
    response = HttpResponse(engine.album_art_png(operation.extra.get("seed", 0)), "image/png")
    response["Cache-Control"] = "public, max-age=86400"
    return response
