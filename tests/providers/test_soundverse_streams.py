"""The client over the reference's example streams and bodies (httpx.MockTransport).

These tests pin the client's behaviour on exactly the documented sequences, including the
ones the sandbox does not produce (a v6 stream with every link, lines without blank lines,
pieces split mid-JSON), and its network rules: no POST is ever sent twice.
"""

import asyncio
import inspect
import json
import logging
from pathlib import Path

import httpx
import pytest

from soundsite.providers.base import (
    ContentRejected,
    InputRejected,
    KeyRejected,
    OperationFailed,
    ProviderUnavailable,
    RateLimited,
    Status,
    StreamInterrupted,
)
from soundsite.providers.soundverse import SoundverseClient, SubmissionUncertain

FIXTURES = Path(__file__).parent / "fixtures" / "soundverse"
MID = "68b7079d1c2e4f0012a3b4c5"
JOB = "0f8c3a52-6c1e-4c8e-9d7a-3a1b2c3d4e5f"
KEY = "sksoundverse_live_0123456789abcdef"


def run(coro):
    return asyncio.run(coro)


def stream_text(name):
    return (FIXTURES / "streams" / name).read_text()


def fixture(name):
    return json.loads((FIXTURES / name).read_text())


def sse_response(text, *, piece=11, pause=0.0, stop_after=None):
    """An event-stream answer delivered in small pieces (split mid-line on purpose)."""

    async def pieces():
        data = text.encode()
        for sent, start in enumerate(range(0, len(data), piece)):
            if stop_after is not None and sent >= stop_after:
                if pause:
                    await asyncio.sleep(pause)
                return
            yield data[start : start + piece]

    return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=pieces())


class Fake:
    """A scripted Soundverse: answers per (method, path), remembering every request."""

    def __init__(self, routes):
        self.routes = routes
        self.requests: list[httpx.Request] = []

    async def __call__(self, request: httpx.Request):
        self.requests.append(request)
        answer = self.routes[(request.method, request.url.path)]
        if isinstance(answer, httpx.Response):
            return answer
        answer = answer(request)
        return await answer if inspect.isawaitable(answer) else answer

    def count(self, method):
        return sum(1 for r in self.requests if r.method == method)


def client_with(fake, **options):
    return SoundverseClient(KEY, transport=httpx.MockTransport(fake), **options)


def submit(fake, operation, params, **options):
    seen = {"ids": [], "progress": []}

    async def go():
        async with client_with(fake, **options) as client:

            async def remember_id(remote_id):
                # The id is stored before any progress that carries it is reported.
                assert not any(p.remote_id for p in seen["progress"])
                seen["ids"].append(remote_id)

            return await client.submit(
                operation,
                params,
                idempotency_key="job-1",
                on_remote_id=remember_id,
                on_progress=seen["progress"].append,
            )

    return run(go()), seen


def answer(status, body, headers=None):
    """A fresh JSON answer per request (a Response object cannot be sent twice)."""
    return lambda request: httpx.Response(status, json=body, headers=headers)


COMPLETED_STATUS = answer(200, fixture("status/completed_dict.json"))


class TestDocumentedStreams:
    def test_v5_stream_then_status_for_the_second_link(self):
        fake = Fake(
            {
                ("POST", "/v5/generate/song"): sse_response(stream_text("song_v5.sse")),
                ("GET", "/v5/status"): COMPLETED_STATUS,
            }
        )
        result, seen = submit(fake, "song_v5", {"prompt": "city pop"})
        assert seen["ids"] == [MID]
        assert result.status is Status.READY and result.remote_id == MID
        assert [o.index for o in result.outputs] == [1, 2]
        assert result.outputs[0].url.endswith("tmpA1b2C3d4.mp3")  # from the stream
        assert result.outputs[1].url.endswith("tmpE5f6G7h8.mp3")  # from /v5/status
        # One POST, and a GET only because the documented stream lacks version 2's link.
        assert fake.count("POST") == 1 and fake.count("GET") == 1
        assert fake.requests[1].url.params["message_id"] == MID
        progress = [p.progress for p in seen["progress"] if p.progress is not None]
        assert progress == sorted(progress) and progress[-1] == 100
        previews = [o.preview_url for p in seen["progress"] for o in p.outputs if o.preview_url]
        assert f"https://api.soundverse.ai/stream/{MID}/2" in previews
        assert all(p.status is Status.RUNNING for p in seen["progress"])
        assert result.outputs[0].lyrics.startswith("[Verse 1]")

    def test_v6_stream_with_every_link_needs_no_status_call(self):
        fake = Fake({("POST", "/v6/generate/song"): sse_response(stream_text("song_v6.sse"))})
        result, seen = submit(fake, "song_v6", {"prompt": "city pop"})
        assert [o.url.rsplit("/", 1)[-1] for o in result.outputs] == [
            "neon_nights_v1.mp3",
            "neon_nights_v2.mp3",
        ]
        assert fake.count("GET") == 0 and seen["ids"] == [MID]

    def test_lines_without_blank_lines(self):
        fake = Fake(
            {
                ("POST", "/v5/generate/music"): sse_response(
                    stream_text("song_v5_lines_only.sse"), piece=5
                ),
                ("GET", "/v5/status"): COMPLETED_STATUS,
            }
        )
        result, seen = submit(fake, "music_v5", {"prompt": "late jazz"})
        assert len(result.outputs) == 2 and seen["ids"] == [MID]

    def test_v7_finishes_on_is_complete(self):
        fake = Fake({("POST", "/v7/generate/song"): sse_response(stream_text("song_v7.sse"))})
        result, seen = submit(fake, "song_v7", {"prompt": "city pop"})
        assert seen["ids"] == [MID]
        assert [o.duration for o in result.outputs] == [184.32, 184.32]
        assert result.raw["job_id"] == JOB and result.raw["versions"]["1"]["bpm"] == 118
        assert fake.count("GET") == 0
        assert len(seen["progress"]) == 9

    def test_v7_can_be_followed_by_job_id(self):
        fake = Fake(
            {
                ("POST", "/v7/generate/song"): sse_response(
                    stream_text("song_v7.sse"), stop_after=30
                ),
                ("GET", "/v7/status"): COMPLETED_STATUS,
            }
        )
        with pytest.raises(StreamInterrupted) as caught:
            submit(fake, "song_v7", {"prompt": "x"}, v7_status=True)
        assert caught.value.remote_id == JOB

        async def follow():
            async with client_with(fake, v7_status=True) as client:
                return await client.poll("song_v7", JOB)

        assert run(follow()).status is Status.READY
        assert fake.requests[-1].url.path == "/v7/status"
        assert fake.requests[-1].url.params["job_id"] == JOB

    def test_a_v7_sync_answer_is_followed_by_job_id_when_configured(self):
        fake = Fake(
            {("POST", "/v7/generate/song/sync"): answer(200, fixture("sync/song_v7_sync.json"))}
        )
        result, seen = submit(fake, "song_v7_sync", {"prompt": "x"}, v7_status=True)
        assert result.remote_id == JOB and seen["ids"] == [JOB]
        result, seen = submit(fake, "song_v7_sync", {"prompt": "x"})
        assert result.remote_id == MID and seen["ids"] == [MID]

    def test_remix_holds_at_ninety_then_completes(self):
        fake = Fake({("POST", "/v7/generate/remix"): sse_response(stream_text("remix_v7.sse"))})
        result, seen = submit(
            fake, "remix_v7", {"song_reference_url": "https://x/a.mp3", "prompt": "dub"}
        )
        assert [o.index for o in result.outputs] == [1]
        assert seen["ids"] == [MID]
        stages = [p.stage for p in seen["progress"]]
        assert stages[0] == "Checking the request" and "Waiting for a free slot" in stages
        assert [p.progress for p in seen["progress"]].count(90) == 2

    def test_extend_stream_without_lyrics_sections(self):
        fake = Fake(
            {
                ("POST", "/v6/extend/song"): sse_response(stream_text("extend_song_v6.sse")),
                ("GET", "/v5/status"): COMPLETED_STATUS,
            }
        )
        params = {"audio_url": "https://x/a.mp3", "lyrics": "more words", "extend_at": 30000}
        result, _ = submit(fake, "extend_song_v6", params)
        assert len(result.outputs) == 2
        assert json.loads(fake.requests[0].content) == params


class TestStreamErrors:
    def test_an_error_chunk_fails_the_job_after_naming_it(self):
        fake = Fake({("POST", "/v5/generate/song"): sse_response(stream_text("song_v5_error.sse"))})
        seen = {"ids": []}

        async def go():
            async with client_with(fake) as client:
                return await client.submit(
                    "song_v5", {"prompt": "x"}, idempotency_key="k", on_remote_id=seen["ids"].append
                )

        with pytest.raises(OperationFailed) as caught:
            run(go())
        assert seen["ids"] == [MID]
        assert "upstream model error" in caught.value.message

    def test_a_v7_error_chunk_with_a_documented_text(self):
        fake = Fake({("POST", "/v7/generate/song"): sse_response(stream_text("song_v7_error.sse"))})
        with pytest.raises(InputRejected) as caught:
            submit(fake, "song_v7", {"prompt": "x"})
        assert caught.value.fields == {"prompt": "Use at most 1024 characters."}

    def test_a_business_error_inside_the_stream(self):
        text = stream_text("song_v5_nsfw_chunk.sse")
        fake = Fake({("POST", "/v5/generate/song"): sse_response(text)})
        with pytest.raises(ContentRejected) as caught:
            submit(fake, "song_v5", {"prompt": "x"})
        assert caught.value.reason == "nsfw"

    def test_a_break_after_the_id_continues_by_polling(self):
        fake = Fake(
            {
                ("POST", "/v5/generate/song"): sse_response(
                    stream_text("song_v5.sse"), stop_after=40
                ),
                ("GET", "/v5/status"): COMPLETED_STATUS,
            }
        )
        with pytest.raises(StreamInterrupted) as caught:
            submit(fake, "song_v5", {"prompt": "x"})
        assert caught.value.remote_id == MID and caught.value.retryable
        assert fake.count("POST") == 1

    def test_a_break_before_the_id_is_uncertain_and_not_retried(self):
        fake = Fake(
            {("POST", "/v5/generate/song"): sse_response(stream_text("song_v5.sse"), stop_after=6)}
        )
        with pytest.raises(SubmissionUncertain) as caught:
            submit(fake, "song_v5", {"prompt": "x"})
        assert not caught.value.retryable
        assert caught.value.kind == "provider_unavailable"
        assert "charge you twice" in caught.value.message
        assert fake.count("POST") == 1

    def test_silence_longer_than_the_idle_limit_breaks_the_stream(self):
        text = stream_text("song_v7.sse")
        fake = Fake({("POST", "/v7/generate/song"): sse_response(text, stop_after=40, pause=1.0)})
        with pytest.raises(StreamInterrupted) as caught:
            submit(fake, "song_v7", {"prompt": "x"}, stream_idle_timeout=0.05)
        assert caught.value.remote_id == MID

    def test_done_but_no_links_anywhere_keeps_following(self):
        chunks = [json.loads(line[6:]) for line in stream_text("song_v5.sse").split("\n\n") if line]
        for chunk in chunks:
            chunk.pop("audio_url", None)
        text = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks)
        fake = Fake(
            {
                ("POST", "/v5/generate/song"): sse_response(text),
                ("GET", "/v5/status"): httpx.Response(200, json=fixture("status/running.json")),
            }
        )
        with pytest.raises(StreamInterrupted) as caught:
            submit(fake, "song_v5", {"prompt": "x"})
        assert caught.value.remote_id == MID

    def test_a_failing_status_lookup_keeps_what_the_stream_gave(self):
        fake = Fake(
            {
                ("POST", "/v5/generate/song"): sse_response(stream_text("song_v5.sse")),
                ("GET", "/v5/status"): httpx.Response(503, json={"detail": "busy"}),
            }
        )
        result, _ = submit(fake, "song_v5", {"prompt": "x"})
        assert [o.index for o in result.outputs] == [1]

    def test_an_http_error_on_a_stream_path(self):
        body = {"success": False, "message": "Rate limits have been passed for the user."}
        fake = Fake(
            {
                ("POST", "/v6/generate/music"): httpx.Response(
                    429, json=body, headers={"Retry-After": "7"}
                )
            }
        )
        with pytest.raises(RateLimited) as caught:
            submit(fake, "music_v6", {"prompt": "x"})
        assert caught.value.retry_after == 7

    def test_a_json_answer_on_a_stream_path_is_read_as_the_sync_body(self):
        fake = Fake(
            {
                ("POST", "/v6/generate/song"): httpx.Response(
                    200, json=fixture("sync/song_v6_sync.json")
                )
            }
        )
        result, _ = submit(fake, "song_v6", {"prompt": "x"})
        assert len(result.outputs) == 2


class TestNetworkRules:
    def test_connect_failures_are_retried_because_nothing_was_sent(self):
        calls = []

        def flaky(request):
            calls.append(request)
            if len(calls) < 3:
                raise httpx.ConnectError("refused", request=request)
            return httpx.Response(200, json=fixture("sync/lyrics.json"))

        fake = Fake({("POST", "/v1/generate/lyrics"): flaky})
        result, _ = submit(fake, "lyrics_v1", {"prompt": "sea"}, connect_backoff=0)
        assert result.text.startswith("[Verse]") and len(calls) == 3

    def test_connect_failures_give_up_as_retryable(self):
        def refused(request):
            raise httpx.ConnectTimeout("no route", request=request)

        fake = Fake({("POST", "/v1/generate/lyrics"): refused})
        with pytest.raises(ProviderUnavailable) as caught:
            submit(fake, "lyrics_v1", {"prompt": "sea"}, connect_retries=1, connect_backoff=0)
        assert caught.value.retryable and fake.count("POST") == 2

    @pytest.mark.parametrize(
        "error", [httpx.ReadTimeout, httpx.RemoteProtocolError, httpx.ReadError]
    )
    def test_a_post_that_may_have_arrived_is_never_resent(self, error):
        def lost(request):
            raise error("gone", request=request)

        fake = Fake({("POST", "/v2/generate/ai-singing-gen"): lost})
        with pytest.raises(SubmissionUncertain) as caught:
            submit(fake, "singing_v2", {"lyrics": "la"})
        assert not caught.value.retryable and fake.count("POST") == 1

    def test_a_slow_sync_answer_times_out_without_resending(self):
        async def slow(request):
            await asyncio.sleep(1)
            return httpx.Response(200, json={})

        fake = Fake({("POST", "/v6/generate/song/sync"): slow})
        with pytest.raises(SubmissionUncertain):
            submit(fake, "song_v6_sync", {"prompt": "x"}, sync_timeout=0.05, connect_timeout=0.05)
        assert fake.count("POST") == 1

    def test_a_slow_status_is_retryable(self):
        async def slow(request):
            await asyncio.sleep(1)
            return COMPLETED_STATUS(request)

        fake = Fake({("GET", "/v5/status"): slow})

        async def go():
            async with client_with(fake, timeout=0.05, connect_timeout=0.05) as client:
                return await client.poll("song_v5", MID)

        with pytest.raises(ProviderUnavailable) as caught:
            run(go())
        assert caught.value.retryable

    def test_paths_are_configurable(self):
        fake = Fake(
            {
                ("POST", "/v5/generate/song/streaming"): sse_response(stream_text("song_v6.sse")),
                ("POST", "/v1/assistant/chat"): httpx.Response(200, json={"aiReply": "Hi"}),
                ("GET", "/v2/status"): COMPLETED_STATUS,
            }
        )
        paths = {
            "song_v5": "/v5/generate/song/streaming",
            "chat": "/v1/assistant/chat",
            "status": "/v2/status",
        }
        submit(fake, "song_v5", {"prompt": "x"}, paths=paths)
        result, _ = submit(fake, "chat", {"prompt": "hi", "action": "other"}, paths=paths)
        assert result.text == "Hi"

        async def go():
            async with client_with(fake, paths=paths) as client:
                return await client.poll("song_v5", MID)

        assert run(go()).status is Status.READY

    def test_the_base_url_is_configurable_for_the_new_host(self):
        fake = Fake(
            {("POST", "/v1/generate/lyrics"): httpx.Response(200, json=fixture("sync/lyrics.json"))}
        )
        submit(fake, "lyrics_v1", {"prompt": "sea"}, base_url="https://apiv2.soundverse.ai/")
        assert fake.requests[0].url.host == "apiv2.soundverse.ai"
        default = SoundverseClient(KEY)
        assert default.base_url == "https://api.soundverse.ai"
        run(default.aclose())

    def test_local_validation_sends_nothing(self):
        fake = Fake({})
        with pytest.raises(InputRejected) as caught:
            submit(fake, "extend_song_v6", {"audio_url": "u", "lyrics": "x", "extend_at": 10})
        assert caught.value.fields == {"extend_at": "Use 8000 or more."}
        assert fake.requests == []

    def test_unknown_operations_are_a_programming_error(self):
        with pytest.raises(ValueError):
            submit(Fake({}), "song_v99", {})


class TestKeyHandling:
    def test_the_key_goes_only_in_the_authorization_header(self):
        fake = Fake(
            {("POST", "/v1/generate/lyrics"): httpx.Response(200, json=fixture("sync/lyrics.json"))}
        )
        submit(fake, "lyrics_v1", {"prompt": "sea"})
        request = fake.requests[0]
        assert request.headers["authorization"] == f"Bearer {KEY}"
        assert KEY not in str(request.url) and KEY.encode() not in request.content
        assert "idempotency-key" not in request.headers

    def test_the_idempotency_header_is_opt_in(self):
        fake = Fake(
            {("POST", "/v1/generate/lyrics"): httpx.Response(200, json=fixture("sync/lyrics.json"))}
        )
        submit(fake, "lyrics_v1", {"prompt": "sea"}, send_idempotency_header=True)
        assert fake.requests[0].headers["idempotency-key"] == "job-1"

    def test_the_key_is_never_in_errors_reprs_or_logs(self, caplog):
        caplog.set_level(logging.DEBUG)

        def lost(request):
            raise httpx.ReadTimeout("gone", request=request)

        fake = Fake(
            {
                ("POST", "/v1/generate/lyrics"): lost,
                ("GET", "/v5/status"): httpx.Response(
                    401, json={"detail": "Invalid API key format."}
                ),
            }
        )
        client = client_with(fake)
        assert KEY not in repr(client)
        errors = []
        for call in (
            client.submit("lyrics_v1", {"prompt": "x"}, idempotency_key="k"),
            client.check_key(),
        ):
            try:
                run(call)
            except Exception as exc:  # noqa: BLE001 - every error is inspected below
                errors.append(exc)
        assert [type(e) for e in errors] == [SubmissionUncertain, KeyRejected]
        for error in errors:
            assert KEY not in str(error) and KEY not in repr(error.detail)
            assert KEY not in str(error.__cause__ or "")
        assert KEY not in caplog.text

    def test_check_key(self):
        answers = iter(
            [
                httpx.Response(404, json={"detail": "Message not found"}),
                httpx.Response(422, json={"detail": []}),
                httpx.Response(401, json={"detail": "Invalid API key format. Use Bearer <key>"}),
                httpx.Response(503, json={"detail": "down"}),
            ]
        )
        fake = Fake({("GET", "/v5/status"): lambda request: next(answers)})

        async def check():
            async with client_with(fake) as client:
                await client.check_key()

        run(check())
        run(check())
        with pytest.raises(KeyRejected):
            run(check())
        with pytest.raises(ProviderUnavailable):
            run(check())
        assert {r.url.params["message_id"] for r in fake.requests} == {"0" * 24}
        assert fake.count("POST") == 0

    def test_an_empty_key_is_refused_at_once(self):
        with pytest.raises(KeyRejected):
            SoundverseClient("  ")


class TestOtherAnswers:
    def test_voice_returns_bytes(self):
        audio = b"ID3" + bytes(5000)
        fake = Fake(
            {
                ("POST", "/v1/assistant/voice"): httpx.Response(
                    200, headers={"content-type": "audio/mpeg"}, content=audio
                )
            }
        )
        result, _ = submit(fake, "voice", {"speech_url": "https://x/q.mp3"})
        assert result.outputs[0].data == audio and result.outputs[0].url == ""
        assert result.raw == {"content_type": "audio/mpeg", "bytes": len(audio)}

    def test_voice_errors(self):
        body = {"success": False, "message": "Invalid request body"}
        fake = Fake({("POST", "/v1/assistant/voice"): httpx.Response(400, json=body)})
        with pytest.raises(InputRejected):
            submit(fake, "voice", {"speech_url": "https://x/q.mp3"})

    def test_recognize_by_url_file_or_bytes(self):
        fake = Fake(
            {
                ("GET", "/v5/recognize"): httpx.Response(
                    200, json=fixture("sync/recognize_match.json")
                )
            }
        )
        by_url, _ = submit(fake, "recognize_v5", {"audio_url": "https://x/a.mp3"})
        assert by_url.text.startswith("Example Title")
        assert fake.requests[0].url.params["audio_url"] == "https://x/a.mp3"
        submit(fake, "recognize_v5", {"file": b"RIFF1234", "filename": "a.wav"})
        assert fake.requests[1].headers["content-type"].startswith("multipart/form-data")
        assert (
            b"RIFF1234" in fake.requests[1].content
            and "audio_url" not in fake.requests[1].url.params
        )
        submit(fake, "recognize_v5", {"audio": b"ID3xx"})
        assert fake.requests[2].content == b"ID3xx"

    def test_a_business_error_with_status_200(self):
        body = {"success": False, "message": "Insufficient balance for this operation."}
        fake = Fake({("POST", "/v1/generate/lyrics"): httpx.Response(200, json=body)})
        with pytest.raises(Exception) as caught:
            submit(fake, "lyrics_v1", {"prompt": "x"})
        assert caught.value.kind == "out_of_credits"
