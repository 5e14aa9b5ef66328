"""Hostile provider answers: whatever a provider (or something pretending to be one) sends
back, the clients answer with a ``Result`` or an error of the shared hierarchy
(``providers.base.ProviderError``), never any other exception.

The answers are drawn by hypothesis: random JSON of every type, bodies shaped like the real
ones with wrong types in every field, huge strings, broken JSON, every status code the
clients handle, and event streams cut, garbled or full of nonsense. Each client is driven
through ``httpx.MockTransport``, so the whole path from bytes to ``Result`` is exercised.
"""

from __future__ import annotations

import asyncio
import contextlib
import json

import httpx
from hypothesis import HealthCheck, example, given
from hypothesis import strategies as st

from soundsite.providers.base import ProviderError, Result
from soundsite.providers.soundpiece import SoundpieceClient, parse_response
from soundsite.providers.soundverse import SoundverseClient
from soundsite.providers.soundverse_wire import (
    StreamTracker,
    decode_events,
    error_from_response,
    result_from_status,
    result_from_sync,
)
from tests.security.hypothesis_support import lean

LEAN = lean(25, HealthCheck.data_too_large)

HUGE = "é" * 20_000


def soundverse(transport, **options) -> SoundverseClient:
    """A Soundverse client that gets its answers from ``transport`` and never retries."""
    return SoundverseClient(
        "sv_hostile_0123456789",
        base_url="http://sv.test",
        transport=transport,
        connect_retries=0,
        **options,
    )


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.sampled_from(["", "null", "running", "ready", "failed", "COMPLETED", "-1", "1e400", HUGE]),
)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(max_size=12), children, max_size=5),
    ),
    max_leaves=20,
)
# Keys the parsers look for, so random values land where they are read.
SOUNDPIECE_KEYS = [
    "operation",
    "id",
    "status",
    "output",
    "outputs",
    "error",
    "code",
    "message",
    "url",
    "duration",
    "format",
    "created_at",
    "expires_at",
    "detail",
    "loc",
    "msg",
    "type",
    "progress",
    "stems",
]
SOUNDVERSE_KEYS = [
    "success",
    "message",
    "data",
    "message_id",
    "messageId",
    "status",
    "audio_url",
    "audioUrl",
    "stream_url",
    "versions",
    "version",
    "songs",
    "stems",
    "lyrics",
    "duration",
    "bpm",
    "error",
    "detail",
    "job_id",
    "completed",
    "song_name",
]


def shaped(keys):
    return st.recursive(
        st.dictionaries(st.sampled_from(keys), scalars, max_size=6),
        lambda children: st.dictionaries(
            st.sampled_from(keys),
            st.one_of(scalars, children, st.lists(children, max_size=3)),
            max_size=6,
        ),
        max_leaves=15,
    )


def bodies(keys):
    return st.one_of(
        json_values.map(json.dumps),
        shaped(keys).map(json.dumps),
        st.text(max_size=60),  # not JSON at all
        shaped(keys).map(lambda body: json.dumps(body)[: max(1, len(json.dumps(body)) // 2)]),
        st.just(json.dumps({"status": HUGE, "message": HUGE})),
    )


STATUSES = st.sampled_from([200, 201, 202, 204, 301, 400, 401, 402, 403, 404, 409, 410, 413, 422])
STATUSES = st.one_of(STATUSES, st.sampled_from([429, 500, 502, 503, 504, 418, 299]))
HEADERS = st.dictionaries(
    st.sampled_from(["content-type", "retry-after", "x-request-id"]),
    st.sampled_from(["application/json", "text/plain", "text/html", "5", "-1", "soon", "9" * 80]),
    max_size=3,
)


def answering(status, body, headers):
    def handle(request):
        return httpx.Response(status, content=body.encode(), headers=headers)

    return httpx.MockTransport(handle)


def outcome(awaitable_factory):
    """Run the call: a Result or a ProviderError is a clear answer; anything else fails."""

    async def go():
        return await awaitable_factory()

    try:
        result = asyncio.run(go())
    except ProviderError as error:
        assert str(error)  # a plain message for the job card
        return error
    assert isinstance(result, Result)
    return result


@LEAN
@given(status=STATUSES, body=bodies(SOUNDPIECE_KEYS), headers=HEADERS, polling=st.booleans())
def test_soundpiece_client_answers_any_response_clearly(status, body, headers, polling):
    async def call():
        client = SoundpieceClient(
            "spk_hostile_0123456789",
            base_url="http://sp.test",
            transport=answering(status, body, headers),
        )
        async with client:
            if polling:
                return await client.poll("create.new_song", "op_1")
            return await client.submit("create.new_song", {"prompt": "calm"}, idempotency_key="k-1")

    outcome(call)


@LEAN
@given(body=json_values | shaped(SOUNDPIECE_KEYS))
def test_soundpiece_parser_takes_any_json(body):
    with contextlib.suppress(ProviderError):
        assert isinstance(parse_response(body, "create.new_song"), Result)


@LEAN
@given(status=STATUSES, body=bodies(SOUNDVERSE_KEYS), headers=HEADERS)
def test_soundverse_status_answers_any_response_clearly(status, body, headers):
    async def call():
        async with soundverse(answering(status, body, headers)) as client:
            return await client.poll("song_v5", "68b7079d1c2e4f0012a3b4c5")

    outcome(call)


@LEAN
@given(
    status=STATUSES,
    body=bodies(SOUNDVERSE_KEYS),
    headers=HEADERS,
    operation=st.sampled_from(["lyrics_v1", "stems_all", "song_v6_sync", "extend_music_v6"]),
)
def test_soundverse_sync_answers_any_response_clearly(status, body, headers, operation):
    params = {
        "lyrics_v1": {"prompt": "rain"},
        "stems_all": {"audio_url": "https://files.test/a.mp3"},
        "song_v6_sync": {"prompt": "rain"},
        "extend_music_v6": {"audio_url": "https://files.test/a.mp3", "prompt": "more"},
    }[operation]

    async def call():
        async with soundverse(answering(status, body, headers), validate=False) as client:
            return await client.submit(operation, params)

    outcome(call)


def sse_texts():
    event = st.one_of(
        shaped(SOUNDVERSE_KEYS).map(lambda body: f"data: {json.dumps(body)}\n\n"),
        json_values.map(lambda body: f"data: {json.dumps(body)}\n"),
        st.text(max_size=40).map(lambda text: f"data: {text}\n\n"),
        st.sampled_from(
            [
                ": comment\n",
                'event: error\ndata: {"success": false}\n\n',
                'data: {"status": "completed"\n\n',  # cut mid-object
                "data:\ndata:\n\n",
                "id: 1\nretry: x\n\n",
                "\r\n\r\n",
                "data: " + "x" * 50_000 + "\n\n",
            ]
        ),
    )
    return st.lists(event, max_size=8).map("".join)


@LEAN
@given(text=sse_texts(), cut=st.integers(min_value=1, max_value=7))
# Found by hypothesis: a link that is not a string used to crash the stream's reader.
@example(text='data: {"audio_url": true, "version": 1}\n\n', cut=1)
@example(text='data: {"audio_url": true}\n\n', cut=1)
@example(text='data: {"total_versions": "Infinity", "song_name": 7}\n\n', cut=3)
def test_soundverse_stream_answers_any_event_stream_clearly(text, cut):
    def handle(request):
        return httpx.Response(
            200, content=text.encode(), headers={"content-type": "text/event-stream"}
        )

    async def call():
        async with soundverse(httpx.MockTransport(handle), stream_idle_timeout=5) as client:
            return await client.submit("song_v5", {"prompt": "city pop"})

    outcome(call)
    # The decoder alone, fed in pieces of any size, yields only JSON objects.
    pieces = [text[i : i + cut] for i in range(0, len(text), cut)]
    tracker = StreamTracker("song", 2)
    for chunk in decode_events(pieces):
        assert isinstance(chunk, dict)
        error = tracker.apply(chunk)
        assert error is None or isinstance(error, ProviderError)


@LEAN
@given(
    body=json_values | shaped(SOUNDVERSE_KEYS),
    status=st.integers(min_value=100, max_value=599),
    shape=st.sampled_from(["stems", "lyrics", "song", "music", "chat", "loop", "extend", "x"]),
)
def test_soundverse_normalisers_take_any_json(body, status, shape):
    for parse in (lambda: result_from_status(body), lambda: result_from_sync(shape, body)):
        with contextlib.suppress(ProviderError):
            assert isinstance(parse(), Result)
    assert isinstance(error_from_response(status, body, {}), ProviderError)
