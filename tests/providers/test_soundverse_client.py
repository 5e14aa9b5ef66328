"""Every Soundverse operation, through the client, against the sandbox (in-process ASGI).

Each test goes down to audio bytes that decode, and counts the POSTs the sandbox received:
a Soundverse POST that reached the server is never sent again.
"""

import asyncio
import re
import time
from decimal import Decimal

import pytest

from soundsite.providers.base import (
    ContentRejected,
    InputRejected,
    KeyRejected,
    OperationFailed,
    OutOfCredits,
    ProviderUnavailable,
    RateLimited,
    Status,
    StreamInterrupted,
)
from soundsite.providers.soundverse import SubmissionUncertain
from soundsite.providers.soundverse_catalog import OPERATIONS_BY_KEY
from soundsite.sandbox import faults
from soundsite.sandbox.models import SandboxAccount, SandboxOperation
from tests.sandbox.soundverse_support import (
    StreamingASGITransport,
    call,
    decode,
    download,
    make_source,
    new_account,
    poll,
    posts,
    run,
    sandbox_client,
)

pytestmark = pytest.mark.django_db(transaction=True)

HEX24 = re.compile(r"^[0-9a-f]{24}$")
LYRICS = "Paper boats on a silver river\nCarry all the words I never said"


def params_for(key: str, source: str) -> dict:
    """Realistic inputs for every catalog entry (``source`` is a sandbox-made recording)."""
    table = {
        "song_v7": {"prompt": "bright synth-pop about summer nights"},
        "song_v7_sync": {"prompt": "acoustic ballad", "reference_url": source},
        "song_v6": {"prompt": "indie rock about leaving town", "lyrics": LYRICS},
        "song_v6_sync": {"prompt": "soul groove", "lyrics": LYRICS},
        "song_v5": {"prompt": "upbeat k-pop"},
        "song_v5_sync": {"prompt": "country road trip", "lyrics": LYRICS},
        "song_v4": {"lyrics": LYRICS, "styleOfMusic": "soft pop"},
        "song_v1": {"lyrics": LYRICS, "styleOfMusic": "Synthwave"},
        "music_v6": {"prompt": "late night jazz trio", "style": "jazz"},
        "music_v6_sync": {"prompt": "epic trailer drums"},
        "music_v5": {"prompt": "lofi beats to study to"},
        "music_v5_sync": {"prompt": "calm ambient pads", "style": "ambient"},
        "music_v4": {"prompt": "funky bassline", "styleOfMusic": "funk"},
        "music_v1": {"prompt": "sunny beach party", "styleOfMusic": "Reggaeton"},
        "text_to_music": {"prompt": "gentle piano", "duration": "15", "model": "sansaar_1_lite"},
        "extend_song_v6": {"audio_url": source, "lyrics": LYRICS, "extend_at": 8000},
        "extend_song_v6_sync": {"audio_url": source, "lyrics": LYRICS, "extend_at": 10000},
        "extend_song_v5": {"audio_url": source, "lyrics": LYRICS, "extend_at": 9000},
        "extend_song_v5_sync": {"audio_url": source, "lyrics": LYRICS, "extend_at": 8000},
        "extend_music_v6": {"audio_url": source, "duration": 10, "guidanceScale": 7.5},
        "extend_music_v5": {"audio_url": source, "side": "left", "manualSeeds": "1, 2"},
        "extend_music_v1": {"audioUrl": source},
        "remix_v7": {"song_reference_url": source, "prompt": "dub reggae"},
        "lyrics_v1": {"prompt": "a lighthouse keeper", "mood": "sad", "genre": "folk"},
        "singing_v2": {"lyrics": LYRICS, "styleOfMusic": "Choir"},
        "stems_all": {"audioUrl": source},
        "stems_instruments": {"audioUrl": source},
        "stems_vocals": {"audioUrl": source},
        "loop_auto": {"audioUrl": source, "count": 2},
        "loop_beat_count": {"audioUrl": source, "beatsToInclude": 4, "count": 3},
        "loop_time_range": {"audioUrl": source, "timeRanges": "0-1.5, 3-4", "count": 2},
        "cut_time_range": {"audioUrl": source, "start": 1, "end": 4},
        "gen_loop_music": {"prompt": "house groove", "duration": "15", "loopCount": 2},
        "gen_loop_song_prompt": {"prompt": "dreamy", "styleOfMusic": "Ambient", "loopCount": 2},
        "gen_loop_song_lyrics": {"lyrics": LYRICS, "styleOfMusic": "Pop", "loopCount": 2},
        "chat": {"prompt": "ideas for a coffee advert", "action": "generate_music"},
        "voice": {"speech_url": source},
        "recognize_v5": {"audio_url": source},
    }
    assert set(table) == set(OPERATIONS_BY_KEY), "every catalog entry needs a test input"
    return table[key]


@pytest.fixture
def account():
    return new_account(plan="Starter", balance=Decimal("100"))


@pytest.fixture
def source():
    return make_source()


@pytest.mark.parametrize("key", sorted(OPERATIONS_BY_KEY))
def test_every_operation_down_to_audio_bytes(key, account):
    operation = OPERATIONS_BY_KEY[key]
    params = params_for(key, "SOURCE")
    if "SOURCE" in params.values():
        source = make_source()
        params = {name: source if value == "SOURCE" else value for name, value in params.items()}
    result, ids, progress = call(account, key, params)
    assert result.status is Status.READY
    if operation.streams:
        assert ids == [result.remote_id] and HEX24.match(result.remote_id)
        assert progress and all(p.status is Status.RUNNING for p in progress)
    if key == "recognize_v5":
        assert result.text.endswith(
            "("
            + result.raw["data"]["album_name"]
            + ", Sandbox Records, "
            + result.raw["data"]["released"]
            + ")"
        )
        assert faults.count(account, method="GET", path_contains="/v5/recognize") == 1
        return
    assert posts(account) == 1  # exactly one POST, whatever the operation
    if operation.output_kind in ("text", "reply"):
        assert len(result.text) > 20
        if key == "lyrics_v1":
            assert "[Verse 1]" in result.text and "lighthouse" in result.text.lower()
        return
    if key == "voice":
        audio, rate = decode(result.outputs[0].data)
        assert rate == 44100 and len(audio) > rate
        return
    assert len(result.outputs) == operation.results
    for output in result.outputs:
        data = download(output.url)
        audio, rate = decode(data)
        assert rate == 44100 and len(audio) > rate // 2, key
        assert output.format in ("mp3", "wav") and output.url.endswith("." + output.format)
    if key.startswith(("song_v7", "song_v6", "song_v5", "music_v6", "music_v5", "song_v4")):
        assert {o.format for o in result.outputs} == {"mp3"}
    if key.startswith(("song_v1", "music_v1", "text_to_music", "loop", "gen_loop", "stems")):
        assert {o.format for o in result.outputs} == {"wav"}


def test_the_id_arrives_while_the_stream_is_still_running(account):
    # ASGITransport buffers whole answers; this transport streams, as a real server does.
    SandboxAccount.objects.filter(pk=account.pk).update(
        options={**account.options, "processing_seconds": 1.5}
    )
    # A first request warms the application up, so the timing below measures the stream only.
    with pytest.raises(OperationFailed):
        poll(account, "song_v7", "0" * 24)
    announced = {}
    started = time.monotonic()

    async def go():
        async with sandbox_client(account, transport=StreamingASGITransport(_app())) as client:
            return await client.submit(
                "song_v7",
                {"prompt": "slow build"},
                idempotency_key="k",
                on_remote_id=lambda rid: announced.setdefault("at", time.monotonic() - started),
            )

    result = run(go())
    total = time.monotonic() - started
    assert result.status is Status.READY and total >= 1.4
    assert announced["at"] < 0.75


def _app():
    from soundsite.asgi import application

    return application


class TestFaults:
    def test_a_broken_stream_is_followed_by_polling_with_one_post(self, account):
        faults.inject(account, "break_stream", after_chunks=3)
        with pytest.raises(StreamInterrupted) as caught:
            call(account, "song_v5", {"prompt": "city pop"})
        remote_id = caught.value.remote_id
        assert HEX24.match(remote_id)
        result = poll(account, "song_v5", remote_id)
        assert result.status is Status.READY and [o.index for o in result.outputs] == [1, 2]
        for output in result.outputs:
            decode(download(output.url))
        assert posts(account) == 1
        assert SandboxOperation.objects.filter(account=account).count() == 1

    def test_a_broken_v7_stream_with_a_cut_line(self, account):
        faults.inject(account, "break_stream", after_chunks=2, partial=True)
        with pytest.raises(StreamInterrupted) as caught:
            call(account, "song_v7", {"prompt": "x"})
        assert poll(account, "song_v7", caught.value.remote_id).status is Status.READY

    def test_a_stream_broken_before_the_id_is_not_resent(self, account):
        faults.inject(account, "break_stream", after_chunks=1)
        with pytest.raises(SubmissionUncertain) as caught:
            call(account, "music_v6", {"prompt": "x"})
        assert not caught.value.retryable
        # The job exists on the server: sending again would have made (and billed) a second.
        assert SandboxOperation.objects.filter(account=account).count() == 1
        assert posts(account) == 1

    def test_a_broken_remix_stream(self, account, source):
        faults.inject(account, "break_stream", after_chunks=4)
        with pytest.raises(StreamInterrupted) as caught:
            call(account, "remix_v7", {"song_reference_url": source, "lyrics": "new words"})
        assert poll(account, "remix_v7", caught.value.remote_id).outputs

    def test_server_errors(self, account):
        faults.inject(account, "server_error", status=503)
        with pytest.raises(ProviderUnavailable) as caught:
            call(account, "song_v6", {"prompt": "x"})
        assert caught.value.retryable and caught.value.status_code == 503
        assert posts(account) == 1  # the client itself never retries
        faults.inject(account, "server_error", status=500)
        with pytest.raises(ProviderUnavailable):
            poll(account, "song_v6", "0" * 24)

    def test_rate_limit_fault_with_retry_after(self, account):
        faults.inject(account, "rate_limit", retry_after=9)
        with pytest.raises(RateLimited) as caught:
            call(account, "singing_v2", {"lyrics": "la la"})
        assert caught.value.retry_after == 9

    def test_plan_rate_limit(self):
        limited = new_account(plan="Starter", rate_limits={"song": [1, 10]})
        call(limited, "song_v5", {"prompt": "first"})
        with pytest.raises(RateLimited) as caught:
            call(limited, "song_v6_sync", {"prompt": "second"})
        assert "allowance" in caught.value.message
        # Other columns of the plan's table are unaffected.
        assert call(limited, "lyrics_v1", {"prompt": "third"})[0].text

    def test_slow_answers_time_out(self, account):
        faults.inject(account, "slow", seconds=1)
        with pytest.raises(SubmissionUncertain):
            call(account, "song_v5", {"prompt": "x"}, stream_open_timeout=0.2, connect_timeout=0.1)
        assert posts(account) == 1
        faults.inject(account, "slow", seconds=1)
        with pytest.raises(ProviderUnavailable) as caught:
            poll(account, "song_v5", "0" * 24, timeout=0.2, connect_timeout=0.1)
        assert caught.value.retryable

    @pytest.mark.parametrize("key", ["song_v5", "song_v7", "music_v6_sync"])
    def test_failed_jobs(self, account, key):
        faults.inject(account, "fail", code="model_overloaded", message="The model is overloaded")
        with pytest.raises(OperationFailed) as caught:
            call(account, key, {"prompt": "x"})
        assert caught.value.code == "model_overloaded"
        assert "overloaded" in caught.value.message

    def test_a_failed_job_polls_as_failed(self, account):
        faults.inject(account, "fail", message="Generation failed")
        with pytest.raises(OperationFailed):
            call(account, "song_v5", {"prompt": "x"})
        remote_id = SandboxOperation.objects.get(account=account).remote_id
        result = poll(account, "song_v5", remote_id)
        assert result.status is Status.FAILED and isinstance(result.error, OperationFailed)

    def test_singing_failures_use_the_documented_texts(self, account):
        faults.inject(account, "fail")
        with pytest.raises(OperationFailed) as caught:
            call(account, "singing_v2", {"lyrics": "la"})
        assert caught.value.status_code == 500 and caught.value.code == "internal_error"
        faults.inject(account, "fail", message="Generation failed or timed out after polling.")
        with pytest.raises(OperationFailed) as caught:
            call(account, "singing_v2", {"lyrics": "la"})
        assert caught.value.status_code == 504 and caught.value.code == "timed_out"

    def test_nsfw_and_artist_faults(self, account):
        faults.inject(account, "nsfw")
        with pytest.raises(ContentRejected) as caught:
            call(account, "song_v5", {"prompt": "x"})
        assert caught.value.reason == "nsfw"
        faults.inject(account, "artist_name")
        with pytest.raises(ContentRejected) as caught:
            call(account, "lyrics_v1", {"prompt": "x"})
        assert caught.value.reason == "artist_name"
        assert not SandboxOperation.objects.filter(account=account).exists()

    def test_word_lists(self, account):
        with pytest.raises(ContentRejected) as caught:
            call(account, "song_v7", {"prompt": "a song like Taylor Swift"})
        assert caught.value.reason == "artist_name"

    def test_out_of_credits(self, account):
        faults.inject(account, "out_of_credits")
        with pytest.raises(OutOfCredits):
            call(account, "song_v5", {"prompt": "x"})
        poor = new_account(balance=Decimal("0.10"))
        with pytest.raises(OutOfCredits):
            call(poor, "song_v5", {"prompt": "x"})  # two outputs at 0.07 each
        poor.refresh_from_db()
        assert poor.balance == Decimal("0.10")

    def test_the_balance_is_debited_once(self, account):
        call(account, "song_v5", {"prompt": "x"})
        account.refresh_from_db()
        assert account.balance == Decimal("100") - Decimal("0.14")

    def test_rejected_and_revoked_keys(self, account):
        with pytest.raises(KeyRejected):
            call("sksoundverse_unknown_key", "song_v5", {"prompt": "x"})
        faults.inject(account, "reject_key")

        async def check():
            async with sandbox_client(account) as client:
                await client.check_key()

        with pytest.raises(KeyRejected) as caught:
            run(check())
        assert account.api_key not in str(caught.value)
        run(check())  # the fault fired once; the key is accepted again
        assert not SandboxOperation.objects.exists()
        assert faults.count(account, method="GET", path_contains="/v5/status") == 2

    def test_truncated_downloads(self, account):
        result, _, _ = call(account, "music_v5_sync", {"prompt": "x"})
        faults.inject(account, "truncate", fraction=0.25)
        from tests.sandbox.soundverse_support import http

        response = http("GET", result.outputs[0].url)
        assert len(response.content) < int(response.headers["content-length"])

    def test_expired_links(self, account):
        faults.inject(account, "expire")
        result, _, _ = call(account, "song_v1", {"lyrics": "la", "styleOfMusic": "Pop"})
        from tests.sandbox.soundverse_support import http

        assert http("GET", result.outputs[0].url).status_code == 403


class TestInputErrors:
    """What Soundverse refuses, sent on purpose (``validate=False`` skips local checks)."""

    def test_schema_errors_come_back_per_field(self, account, source):
        with pytest.raises(InputRejected) as caught:
            call(account, "extend_song_v6", {"audio_url": source, "extend_at": 10}, validate=False)
        assert caught.value.status_code == 422
        assert caught.value.fields == {
            "lyrics": "This is required.",
            "extend_at": "Use 8000 or more.",
        }

    def test_documented_texts(self, account, source):
        cases = [
            ("song_v7", {"prompt": "p" * 1025}, "prompt"),
            ("song_v7", {"lyrics": "only words"}, "prompt"),
            ("song_v5", {"prompt": "   "}, "prompt"),
            ("remix_v7", {"song_reference_url": source}, "prompt"),
            (
                "loop_beat_count",
                {"audioUrl": source, "beatsToInclude": 500, "count": 1},
                "beatsToInclude",
            ),
            ("loop_auto", {"audioUrl": source, "count": 500}, "count"),
            (
                "loop_time_range",
                {"audioUrl": source, "timeRanges": "0-99", "count": 1},
                "timeRanges",
            ),
            ("cut_time_range", {"audioUrl": source, "start": 0, "end": 99}, "end"),
        ]
        for key, params, field in cases:
            with pytest.raises(InputRejected) as caught:
                call(account, key, params, validate=False)
            assert field in caught.value.fields, (key, caught.value.fields)
        assert not SandboxOperation.objects.filter(account=account).exists()

    def test_a_remix_source_outside_10_to_350_seconds(self, account):
        short = make_source(seconds=5)
        with pytest.raises(InputRejected) as caught:
            call(account, "remix_v7", {"song_reference_url": short, "prompt": "x"})
        assert caught.value.fields == {
            "song_reference_url": "This recording must be 10 to 350 seconds long."
        }


def test_many_streams_are_held_at_once():
    # Each stream waits on its timeline with asyncio.sleep, not a thread: twelve jobs of three
    # seconds are all open at once, every one named before the first could finish.
    # (No plan: no hourly limit.)
    account = new_account(processing_seconds=3.0, output_seconds=0.5)
    with pytest.raises(OperationFailed):
        poll(account, "song_v7", "0" * 24)  # warm up
    announced, finished = [], []

    async def go():
        transport = StreamingASGITransport(_app())
        async with sandbox_client(account, transport=transport) as client:

            async def one(n):
                result = await client.submit(
                    "music_v6",
                    {"prompt": f"take {n}"},
                    idempotency_key=str(n),
                    on_remote_id=lambda rid: announced.append(time.monotonic()),
                )
                finished.append(time.monotonic())
                return result

            return await asyncio.gather(*(one(n) for n in range(12)))

    results = run(go())
    assert len({r.remote_id for r in results}) == 12
    assert all(len(r.outputs) == 2 for r in results)
    # Compared with each other, not with the clock, so a busy machine cannot fail it: held one
    # after another, the first stream would end before the last was even named.
    assert len(announced) == 12 and max(announced) < min(finished)
    assert posts(account) == 12
