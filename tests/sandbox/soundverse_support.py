"""Helpers for tests that talk to the Soundverse sandbox in-process (no sockets)."""

import asyncio
import io

import httpx
import soundfile

from soundsite.asgi import application
from soundsite.providers.soundverse import SoundverseClient
from soundsite.sandbox import faults
from soundsite.sandbox.accounts import create_account

BASE = "http://testserver/sandbox/soundverse"


def run(coro):
    return asyncio.run(coro)


def new_account(*, plan="", balance=None, **options):
    """A sandbox account that answers at once with two-second audio, unless told otherwise."""
    options = {"processing_seconds": 0, "output_seconds": 2, **options}
    return create_account("soundverse", plan=plan, balance=balance, **options)


def sandbox_client(account, transport=None, **options) -> SoundverseClient:
    key = getattr(account, "api_key", account)
    return SoundverseClient(
        key,
        base_url=BASE,
        transport=transport or httpx.ASGITransport(app=application),
        **options,
    )


def call(account, operation, params, **options):
    """Submit once; returns (result, remote ids announced, progress snapshots)."""
    ids, progress = [], []

    async def go():
        async with sandbox_client(account, **options) as client:
            return await client.submit(
                operation,
                params,
                idempotency_key="job-1",
                on_remote_id=ids.append,
                on_progress=progress.append,
            )

    return run(go()), ids, progress


def poll(account, operation, remote_id, **options):
    async def go():
        async with sandbox_client(account, **options) as client:
            return await client.poll(operation, remote_id)

    return run(go())


async def _fetch(method, url, **kwargs) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=application)) as client:
        return await client.request(method, url, **kwargs)


def http(method, path_or_url, *, key=None, **kwargs) -> httpx.Response:
    """One raw request to the sandbox (``path`` below /sandbox/soundverse, or a full URL)."""
    url = path_or_url if path_or_url.startswith("http") else BASE + path_or_url
    headers = dict(kwargs.pop("headers", {}))
    if key is not None:
        headers["Authorization"] = f"Bearer {getattr(key, 'api_key', key)}"
    return run(_fetch(method, url, headers=headers, **kwargs))


def download(url) -> bytes:
    response = run(_fetch("GET", url))
    assert response.status_code == 200, (response.status_code, url)
    return response.content


def decode(data: bytes):
    audio, rate = soundfile.read(io.BytesIO(data))
    return audio, rate


def posts(account) -> int:
    return faults.count(account, method="POST")


def make_source(seconds=12.0) -> str:
    """The link of a sandbox-made instrumental, on an account of its own (so the accounts
    under test count only their own requests)."""
    library = new_account(output_seconds=seconds)
    params = {"prompt": "steady drums, warm bass", "styleOfMusic": "House"}
    result, _, _ = call(library, "music_v1", params)  # one WAV: quick to make
    return result.outputs[0].url


class StreamingASGITransport(httpx.AsyncBaseTransport):
    """Like ``httpx.ASGITransport``, but the response is handed over as soon as its headers
    are sent and the body streams as the app produces it (``ASGITransport`` buffers it)."""

    def __init__(self, app):
        self.app = app

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        pieces: asyncio.Queue = asyncio.Queue()
        started = asyncio.Event()
        finished = asyncio.Event()
        head = {}
        delivered = False

        async def receive():
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            await finished.wait()
            return {"type": "http.disconnect"}

        async def send(message):
            if message["type"] == "http.response.start":
                head["status"], head["headers"] = message["status"], message.get("headers", [])
                started.set()
            elif message["type"] == "http.response.body":
                await pieces.put(message.get("body", b""))
                if not message.get("more_body", False):
                    await pieces.put(None)

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": request.method,
            "headers": [(k.lower(), v) for k, v in request.headers.raw],
            "scheme": request.url.scheme,
            "path": request.url.path,
            "raw_path": request.url.raw_path.split(b"?")[0],
            "query_string": request.url.query,
            "server": (request.url.host, request.url.port or 80),
            "client": ("127.0.0.1", 123),
            "root_path": "",
        }
        task = asyncio.create_task(self.app(scope, receive, send))
        waiter = asyncio.create_task(started.wait())
        await asyncio.wait([task, waiter], return_when=asyncio.FIRST_COMPLETED)
        if not started.is_set():
            waiter.cancel()
            task.result()

        class Body(httpx.AsyncByteStream):
            async def __aiter__(self):
                while (piece := await pieces.get()) is not None:
                    yield piece

            async def aclose(self):
                finished.set()
                await asyncio.wait([task], timeout=5)

        return httpx.Response(head["status"], headers=head["headers"], stream=Body())
