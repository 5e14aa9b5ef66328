"""The Soundverse stand-in over raw HTTP: documented bodies, stream shapes, state, money."""

import json
import re
import time
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from soundsite.providers.soundverse_wire import decode_events
from soundsite.sandbox import faults
from soundsite.sandbox import soundverse_spec as spec
from soundsite.sandbox.models import SandboxAccount, SandboxFile, SandboxOperation, SandboxRequest
from tests.sandbox.soundverse_support import call, decode, download, http, make_source, new_account

pytestmark = pytest.mark.django_db(transaction=True)

HEX24 = re.compile(r"^[0-9a-f]{24}$")


@pytest.fixture
def account():
    return new_account()


def chunks_of(response):
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/event-stream")
    assert all(line.startswith("data: ") for line in response.text.split("\n\n") if line)
    return list(decode_events([response.text]))


def post(path, body, key):
    return http("POST", path, key=key, json=body)


class TestAuth:
    @pytest.mark.parametrize("header", [None, "Token abc", "Bearer ", "Bearer sksoundverse_nope"])
    def test_bad_keys_get_the_documented_401(self, header):
        headers = {"Authorization": header} if header else {}
        response = http("POST", "/v5/generate/song", json={"prompt": "x"}, headers=headers)
        assert response.status_code == 401
        assert response.json() == {"detail": "Invalid API key format. Use Bearer <your_api_key>"}
        assert SandboxRequest.objects.filter(status_code=401, account=None).count() == 1

    def test_a_revoked_key(self, account):
        faults.inject(account, "reject_key")
        response = http("GET", "/v5/status?message_id=" + "0" * 24, key=account)
        assert response.status_code == 401
        assert faults.count(account, method="GET") == 1

    def test_wrong_method(self, account):
        response = http("GET", "/v7/generate/song", key=account)
        assert response.status_code == 405 and response.json() == {"detail": "Method Not Allowed"}


class TestValidation:
    def test_fastapi_422_for_a_missing_field(self, account):
        response = post("/v2/generate/ai-singing-gen", {"styleOfMusic": "Choir"}, account)
        assert response.status_code == 422
        (item,) = response.json()["detail"]
        assert item["type"] == "missing" and item["loc"] == ["body", "lyrics"]
        assert item["msg"] == "Field required"

    def test_broken_json(self, account):
        response = http(
            "POST",
            "/v1/generate/lyrics",
            key=account,
            content=b"{nope",
            headers={"Content-Type": "application/json"},
        )
        assert response.status_code == 422
        assert response.json()["detail"][0]["type"] == "json_invalid"

    def test_types_ranges_and_choices(self, account):
        response = post(
            "/v6/extend/song",
            {"audio_url": "https://x/a.mp3", "lyrics": "x" * 3001, "extend_at": "soon"},
            account,
        )
        kinds = {tuple(i["loc"]): i["type"] for i in response.json()["detail"]}
        assert kinds == {
            ("body", "lyrics"): "string_too_long",
            ("body", "extend_at"): "int_parsing",
        }
        response = post(
            "/v6/extend/song", {"audio_url": "u", "lyrics": "x", "extend_at": 420001}, account
        )
        (item,) = response.json()["detail"]
        assert item["msg"] == "Input should be less than or equal to 420000"
        response = post("/v1/generate/text-to-music", {"prompt": "x", "duration": 45}, account)
        assert response.json()["detail"][0]["msg"] == "Input should be 15, 30, 60 or 180"
        response = post(
            "/v1/generate/song-from-prompt", {"prompt": "x", "styleOfMusic": "Polka"}, account
        )
        assert response.json()["detail"][0]["type"] == "literal_error"

    @pytest.mark.parametrize(
        ("path", "body", "expected"),
        [
            ("/v7/generate/song", {"lyrics": "words only"}, {"detail": spec.V7_NEED_INPUT}),
            ("/v7/generate/song", {"prompt": "p" * 1025}, {"detail": spec.V7_PROMPT_TOO_LONG}),
            ("/v6/generate/song", {"prompt": "  "}, {"detail": "Invalid or empty prompt provided"}),
            ("/v5/generate/music/sync", {"style": "jazz"}, {"detail": spec.EMPTY_PROMPT}),
            (
                "/v7/generate/remix",
                {"song_reference_url": "https://x/a.mp3"},
                {"detail": "Either prompt or lyrics must be provided"},
            ),
            (
                "/v4/generate/song-from-lyrics",
                {"lyrics": "la"},
                {"detail": spec.V1_NEED_STYLE_OR_AUDIO},
            ),
            (
                "/v1/generate/trim-and-loop/time-range",
                {"audioUrl": "https://x/a.mp3", "count": 1, "timeRanges": []},
                {"success": False, "message": "No valid segments found."},
            ),
            (
                "/v1/generate/trim-and-loop/time-range",
                {"audioUrl": "https://x/a.mp3", "count": 1, "timeRanges": [{"start": 5, "end": 2}]},
                {"success": False, "message": "Invalid range: start >= end at index 0."},
            ),
            (
                "/v1/generate/trim-and-loop/time-range",
                {
                    "audioUrl": "https://x/a.mp3",
                    "count": 1,
                    "timeRanges": [{"start": 0, "end": 2}, {"start": 50, "end": 70}],
                },
                {"success": False, "message": "Time range 1 is out of bounds."},
            ),
            (
                "/v1/generate/trim-and-loop/auto",
                {"audioUrl": "https://x/a.mp3", "count": 200},
                {"success": False, "message": "Maximum audio duration of 960 seconds reached."},
            ),
            (
                "/v1/generate/trim-and-loop/beat-count",
                {"audioUrl": "https://x/a.mp3", "count": 1, "beatsToInclude": 500},
                {"success": False, "message": "Not enough beats to create loop."},
            ),
            ("/v1/assistant/voice", {}, {"success": False, "message": "Invalid request body"}),
        ],
    )
    def test_documented_texts(self, account, path, body, expected):
        response = post(path, body, account)
        assert response.status_code in (400, 422) and response.json() == expected
        assert not SandboxOperation.objects.exists()

    def test_reference_audio_over_10_mb(self, account):
        source = make_source()
        SandboxFile.objects.filter(name__endswith=".wav").update(bytes=12 * 1024 * 1024)
        response = post("/v7/generate/song", {"reference_url": source}, account)
        assert response.json() == {"success": False, "message": spec.V7_FILE_TOO_LARGE}
        response = post(
            "/v7/generate/remix", {"song_reference_url": source, "prompt": "x"}, account
        )
        assert response.json() == {
            "success": False,
            "message": "Reference audio error: File too large: 12582912 bytes (max: 10485760)",
        }

    def test_a_short_loop_source(self, account):
        short = make_source(seconds=1)  # one bar: four beats
        body = {"audioUrl": short, "count": 2, "beatsToInclude": 5}
        response = post("/v1/generate/trim-and-loop/beat-count", body, account)
        assert response.json()["message"] == "Not enough beats to create loop."
        body["beatsToInclude"] = 4
        assert post("/v1/generate/trim-and-loop/beat-count", body, account).status_code == 200


class TestStreams:
    def test_v5_chunk_sequence(self, account):
        chunks = chunks_of(post("/v5/generate/song", {"prompt": "city pop"}, account))
        assert [c["chunkIndex"] for c in chunks] == list(range(len(chunks)))
        assert chunks[0] == {"isComplete": False, "status": "initializing", "chunkIndex": 0}
        message_id = chunks[1]["message_id"]
        assert HEX24.match(message_id) and chunks[1]["status"] == "validated"
        assert {"album_art", "song_name"} <= set(chunks[1])
        statuses = [c["status"] for c in chunks]
        assert statuses[:4] == ["initializing", "validated", "streaming", "processing"]
        assert "running" in statuses and statuses[-1] == "completed"
        previews = [c for c in chunks if c.get("stream_url")]
        assert [c["version"] for c in previews] == [1, 2]
        assert all(c["streaming_ready"] for c in previews)
        done = [c for c in chunks if c["status"] == "completed"]
        assert "version" not in done[0] and done[0]["progress"] == 100 and done[0]["audio_url"]
        assert [c["version"] for c in done[1:]] == [1, 2]
        assert all(c["lyrics_sections"] and "audio_url" not in c for c in done[1:])
        assert not any(c["isComplete"] for c in chunks)  # as in every v5/v6 example
        progress = [c["progress"] for c in chunks if "progress" in c]
        assert progress == sorted(progress)

    def test_the_older_streaming_path_and_knobs(self, account):
        SandboxAccount.objects.filter(pk=account.pk).update(
            options={
                **account.options,
                "final_chunk_audio_url": True,
                "v56_final_is_complete": True,
            }
        )
        chunks = chunks_of(post("/v5/generate/song/streaming", {"prompt": "x"}, account))
        assert chunks[-1]["isComplete"] is True
        assert all(c.get("audio_url") for c in chunks if c["status"] == "completed")

    def test_extend_and_music_streams(self, account):
        source = make_source()
        chunks = chunks_of(
            post(
                "/v6/extend/song", {"audio_url": source, "lyrics": "la", "extend_at": 8000}, account
            )
        )
        assert {c.get("operation") for c in chunks[1:]} == {"extend_song"}
        assert not any("lyrics_sections" in c for c in chunks)
        music = chunks_of(post("/v6/generate/music", {"prompt": "x"}, account))
        assert not any("lyrics_sections" in c for c in music)

    def test_v7_chunk_sequence(self, account):
        chunks = chunks_of(post("/v7/generate/song", {"prompt": "x"}, account))
        first = chunks[0]
        assert first["type"] == "job_created" and first["status"] == "processing"
        assert uuid.UUID(first["job_id"]) and HEX24.match(first["message_id"])
        assert chunks[1]["status"] == "validated" and chunks[1]["operation"] == "song_generate"
        streaming = [c for c in chunks if c["status"] == "streaming"]
        assert [(c["version"], c["streaming_ready"]) for c in streaming] == [(1, True), (2, True)]
        assert all(c["task_id"] and c["stream_url"] for c in streaming)
        done = [c for c in chunks if c["status"] == "completed" and not c["isComplete"]]
        for chunk in done:
            assert chunk["audio_ready"] and chunk["audio_url"] and chunk["audio_id"]
            # Songs are whole bars long: about the two seconds asked for, at the song's tempo.
            bar = 240 / chunk["bpm"]
            assert abs(chunk["duration"] - 2.0) <= bar / 2 + 0.01 and 30 <= chunk["bpm"] <= 300
            assert chunk["lyrics_sections"] and chunk["tokens"] and chunk["totalTokens"]
        last = chunks[-1]
        assert last["isComplete"] and last["total_versions"] == 2
        assert last["content"] == "Generation complete"
        assert [c["chunkIndex"] for c in chunks] == list(range(len(chunks)))

    def test_v7_with_a_reference_says_so(self, account):
        source = make_source()
        chunks = chunks_of(post("/v7/generate/song", {"reference_url": source}, account))
        assert chunks[1]["operation"] == "song_with_reference"

    def test_remix_chunk_sequence(self, account):
        source = make_source()
        chunks = chunks_of(
            post("/v7/generate/remix", {"song_reference_url": source, "prompt": "dub"}, account)
        )
        statuses = [c["status"] for c in chunks]
        assert statuses[:5] == ["validating", "queued", "starting", "initializing", "uploading"]
        assert "message_id" not in chunks[0] and HEX24.match(chunks[1]["message_id"])
        progress = [c["progress"] for c in chunks if c["status"] == "streaming"]
        assert progress == [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]
        assert chunks[-2]["stream_url"] and chunks[-2]["version"] == 1
        assert chunks[-1]["isComplete"] and chunks[-1]["audio_url"]
        assert {c.get("operation") for c in chunks[1:]} == {"remix_song"}

    def test_previews_and_album_art(self, account):
        chunks = chunks_of(post("/v7/generate/song", {"prompt": "x"}, account))
        preview = next(c["stream_url"] for c in chunks if c.get("stream_url"))
        redirect = http("GET", preview)
        assert redirect.status_code == 302
        decode(download(redirect.headers["location"]))
        art = http("GET", chunks[1]["album_art"])
        assert (
            art.headers["content-type"] == "image/png" and art.content[:8] == b"\x89PNG\r\n\x1a\n"
        )

    def test_a_failing_job_ends_with_an_error_chunk(self, account):
        faults.inject(account, "fail", message="Generation failed", code="gpu_lost")
        chunks = chunks_of(post("/v6/generate/song", {"prompt": "x"}, account))
        assert chunks[-1] == {
            "message_id": chunks[1]["message_id"],
            "status": "failed",
            "isComplete": False,
            "error": "Generation failed",
            "code": "gpu_lost",
            "chunkIndex": len(chunks) - 1,
        }
        faults.inject(account, "fail", message="Generation failed")
        chunks = chunks_of(post("/v7/generate/song", {"prompt": "x"}, account))
        assert chunks[-1]["error"] is True and chunks[-1]["detail"] == "Generation failed"

    def test_a_broken_stream_stops_early_and_is_recorded(self, account):
        faults.inject(account, "break_stream", after_chunks=2, partial=True)
        response = post("/v5/generate/song", {"prompt": "x"}, account)
        assert len(list(decode_events([response.text]))) == 2
        assert response.text.endswith(
            'data: {"message_id": "' + response.text.split('"message_id": "')[1][:6]
        )
        assert faults.count(account, method="POST") == 1
        assert SandboxRequest.objects.get(account=account).fault == "break_stream"


class TestStatus:
    def test_it_follows_the_same_timeline(self):
        account = new_account(processing_seconds=3.0)
        started = time.monotonic()
        result, ids, _ = _stream_in_background(account)
        early = http("GET", f"/v5/status?message_id={ids}", key=account).json()
        assert early["status"] in ("validated", "streaming", "processing", "running")
        assert early["audio_data"] == {} and early["song_name"] and early["album_art"]
        time.sleep(max(0, 3.1 - (time.monotonic() - started)))
        late = http("GET", f"/v5/status?message_id={ids}", key=account).json()
        assert late["status"] == "completed" and late["progress"] == 100
        assert sorted(late["audio_data"]) == ["1", "2"]
        decode(download(late["audio_data"]["2"]["audio_url"]))

    def test_missing_and_unknown_ids(self, account):
        missing = http("GET", "/v5/status", key=account)
        assert missing.status_code == 422
        assert missing.json()["detail"][0]["loc"] == ["query", "message_id"]
        unknown = http("GET", "/v5/status?message_id=" + "0" * 24, key=account)
        assert unknown.status_code == 404
        assert not SandboxOperation.objects.exists()

    def test_another_accounts_job_is_unknown(self, account):
        result, _, _ = call(account, "song_v5_sync", {"prompt": "x"})
        other = new_account()
        response = http("GET", f"/v5/status?message_id={result.remote_id}", key=other)
        assert response.status_code == 404

    def test_v7_status_by_job_id(self, account):
        chunks = chunks_of(post("/v7/generate/song", {"prompt": "x"}, account))
        response = http("GET", f"/v7/status?job_id={chunks[0]['job_id']}", key=account)
        assert response.json()["message_id"] == chunks[0]["message_id"]
        assert response.json()["status"] == "completed"

    def test_failed(self, account):
        faults.inject(account, "fail", message="Generation failed")
        chunks = chunks_of(post("/v5/generate/music", {"prompt": "x"}, account))
        body = http("GET", f"/v5/status?message_id={chunks[1]['message_id']}", key=account).json()
        assert body["status"] == "failed" and body["error"] == "Generation failed"


def _stream_in_background(account):
    """Start a stream job and return its id at once (the job keeps running on its timeline)."""
    faults.inject(account, "break_stream", after_chunks=2)
    chunks = chunks_of(post("/v5/generate/song", {"prompt": "x"}, account))
    return None, chunks[1]["message_id"], None


class TestSyncBodies:
    def test_newest_shapes(self, account):
        v7 = post("/v7/generate/song/sync", {"prompt": "x"}, account).json()
        assert set(v7) == {"job_id", "message_id", "album_art", "audio_data"}
        assert [set(a) for a in v7["audio_data"]] == [{"audio_url", "song_name"}] * 2
        v6 = post("/v6/generate/music/sync", {"prompt": "x"}, account).json()
        assert set(v6) == {"message_id", "album_art", "song_name", "audio_data"}
        v4 = post("/v4/generate/song-from-lyrics", {"lyrics": "la", "styleOfMusic": "pop"}, account)
        assert set(v4.json()) == {"messageId", "prompt", "albumArt", "aiReply", "audioData"}
        assert [a["audioUrl"].endswith(".mp3") for a in v4.json()["audioData"]] == [True, True]
        v1 = post("/v1/generate/song-from-prompt", {"prompt": "x", "styleOfMusic": "Lofi"}, account)
        assert set(v1.json()) == {"prompt", "albumArt", "aiReply", "audioData"}
        assert v1.json()["audioData"][0]["audioUrl"].endswith(".wav")
        assert v1.json()["audioData"][0]["licenses"] == "Royalty-Free"

    def test_extend_and_singing_shapes(self, account):
        source = make_source()
        extend = post("/v5/extend/music", {"audio_url": source}, account).json()
        assert extend["ai_reply"] == "Your music has been extended successfully."
        assert extend["audio_data"][0]["licenses"] == {"licenses": "Royalty-Free"}
        extend = post(
            "/v6/extend/song/sync", {"audio_url": source, "lyrics": "x", "extend_at": 8000}, account
        ).json()
        assert extend["ai_reply"] == "Your song has been extended successfully."
        assert len(extend["audio_data"]) == 2
        singing = post("/v2/generate/ai-singing-gen", {"lyrics": "Shine"}, account).json()
        assert singing["prompt"] == "Shine" and singing["audioData"][0]["audioUrl"].endswith(".mp3")

    def test_stems_loops_and_text(self, account):
        source = make_source()
        stems = post("/v1/generate/stem-separation/all-stems", {"audioUrl": source}, account).json()
        assert [s["audioName"] for s in stems] == [
            "vocals",
            "Guitar",
            "Other",
            "Drums",
            "Bass",
            "Piano",
        ]
        loop = post(
            "/v1/generate/trim-and-loop/time-range",
            {"audioUrl": source, "count": 3, "timeRanges": [{"start": 1, "end": 3}]},
            account,
        ).json()
        audio, rate = decode(download(loop["audioData"][0]["audioUrl"]))
        assert abs(len(audio) / rate - 6.0) < 0.01  # two seconds, three times
        gen = post(
            "/v1/trim-and-loop/gen-and-loop/music/auto/", {"prompt": "x", "loopCount": 2}, account
        )
        assert gen.json()["generatedAudio"][0]["licenses"] is None
        assert gen.json()["loopedAudio"][0]["audioUrl"].endswith(".wav")
        lyrics = post(
            "/v1/generate/lyrics", {"prompt": "the sea", "section": "chorus"}, account
        ).json()
        assert lyrics["lyrics"].startswith("[Chorus]")
        again = post(
            "/v1/generate/lyrics", {"prompt": "the sea", "section": "chorus"}, account
        ).json()
        assert again == lyrics  # deterministic
        for path in ("/assistant/chat", "/v1/assistant/chat", "/api/assistant/chat"):
            chat = post(path, {"prompt": "coffee advert", "action": "loop_audio"}, account).json()
            assert "coffee advert" in chat["aiReply"]

    def test_legacy_shapes_behind_a_knob(self, account):
        SandboxAccount.objects.filter(pk=account.pk).update(
            options={**account.options, "legacy_sync_bodies": True}
        )
        camel = post("/v5/generate/song/sync", {"prompt": "x"}, account).json()
        assert camel["audioData"][0]["licenses"] == {"licenses": "Royalty-Free"}
        assert {"messageId", "aiReply", "lyrics"} <= set(camel)
        wrapped = post("/v5/generate/music/sync", {"prompt": "x"}, account).json()
        assert wrapped["success"] is True and sorted(wrapped["data"]["audio_urls"]) == ["1", "2"]

    def test_failure_answers(self, account):
        faults.inject(account, "fail")
        response = post("/v2/generate/ai-singing-gen", {"lyrics": "x"}, account)
        assert response.status_code == 500
        assert response.json() == {"detail": "Invalid response from generation service"}
        assert SandboxRequest.objects.get(account=account).status_code == 500

    def test_voice_bytes(self, account):
        source = make_source()
        response = post("/v1/assistant/voice", {"speech_url": source}, account)
        assert response.headers["content-type"] == "audio/mpeg"
        decode(response.content)


class TestRecognition:
    def test_by_url_file_and_bytes(self, account):
        result, _, _ = call(account, "song_v6_sync", {"prompt": "x"})
        url = result.outputs[0].url
        by_url = http("GET", "/v5/recognize", key=account, params={"audio_url": url}).json()
        assert by_url["recognized"] and by_url["data"]["title"] == result.outputs[0].title
        data = download(url)
        by_file = http("GET", "/v5/recognize", key=account, files={"file": ("a.mp3", data)}).json()
        assert by_file == by_url
        raw = http(
            "GET",
            "/v5/recognize",
            key=account,
            content=data,
            headers={"Content-Type": "audio/mpeg"},
        ).json()
        assert raw == by_url

    def test_no_match_and_no_input(self, account):
        none = http("GET", "/v5/recognize", key=account, params={"audio_url": "https://x/y.mp3"})
        assert none.json() == {"recognized": False, "data": None}
        empty = http("GET", "/v5/recognize", key=account)
        assert empty.status_code == 400
        assert empty.json() == {"detail": "Provide audio_url, file, or raw body bytes"}


class TestQuotasAndMoney:
    def test_plan_hourly_limit(self):
        account = new_account(plan="Starter")
        _fill(account, "song_v5", 15, minutes_ago=5)
        response = post("/v7/generate/song/sync", {"prompt": "x"}, account)
        assert response.status_code == 429
        assert response.json() == {
            "success": False,
            "message": "Rate limits have been passed for the user.",
        }
        # Music is a separate column of the plan's table.
        assert post("/v5/generate/music/sync", {"prompt": "x"}, account).status_code == 200

    def test_plan_daily_limit(self):
        account = new_account(plan="Growth")
        _fill(account, "extend_song_v5", 60, minutes_ago=120)
        source = make_source()
        body = {"audio_url": source, "lyrics": "x", "extend_at": 8000}
        assert post("/v6/extend/song/sync", body, account).status_code == 429
        _fill(account, "stems_all", 50, minutes_ago=30)
        assert (
            post("/v1/generate/stem-separation/vocals", {"audioUrl": source}, account).status_code
            == 429
        )

    def test_old_requests_leave_the_window(self):
        account = new_account(plan="Starter", rate_limit_retry_after=True)
        _fill(account, "singing_v2", 15, minutes_ago=61)
        assert post("/v2/generate/ai-singing-gen", {"lyrics": "x"}, account).status_code == 200
        _fill(account, "singing_v2", 14, minutes_ago=1)
        response = post("/v2/generate/ai-singing-gen", {"lyrics": "x"}, account)
        assert response.status_code == 429 and 3500 < int(response.headers["retry-after"]) <= 3601

    def test_no_plan_means_no_limit(self, account):
        _fill(account, "song_v5", 500, minutes_ago=1)
        assert post("/v5/generate/song/sync", {"prompt": "x"}, account).status_code == 200

    @pytest.mark.parametrize(
        ("plan", "options", "path", "body", "cost"),
        [
            ("Starter", {}, "/v5/generate/song/sync", {"prompt": "x"}, "0.14"),
            ("Growth", {}, "/v6/generate/song/sync", {"prompt": "x"}, "0.316"),
            (
                "Scale 2",
                {"contract": "payg"},
                "/v4/generate/song-from-prompt",
                {"prompt": "x"},
                "0.56",
            ),
            ("Starter", {}, "/v2/generate/ai-singing-gen", {"lyrics": "x"}, "0.06"),
            ("Starter", {"license": "Sync"}, "/v1/generate/lyrics", {"prompt": "x"}, "0.08"),
            (
                "Starter",
                {},
                "/v1/generate/text-to-music",
                {"prompt": "x", "duration": 60, "model": "sansaar_1"},
                "0.04",
            ),
            (
                "Growth",
                {},
                "/v1/generate/text-to-music",
                {"prompt": "x", "duration": 15, "model": "sansaar_1_lite"},
                "0.0075",
            ),
            ("Starter", {}, "/assistant/chat", {"prompt": "x", "action": "other"}, "0"),
            ("Pay as you go", {}, "/v5/generate/song/sync", {"prompt": "x"}, "0.21"),
        ],
    )
    def test_prices_are_debited_at_validation(self, plan, options, path, body, cost):
        account = new_account(plan=plan, balance=Decimal("10"), **options)
        assert post(path, body, account).status_code == 200
        account.refresh_from_db()
        assert Decimal("10") - account.balance == Decimal(cost)

    def test_stems_and_loops_are_flat(self):
        account = new_account(balance=Decimal("1"))
        source = make_source(seconds=12)
        post("/v1/generate/stem-separation/all-stems", {"audioUrl": source}, account)
        post("/v1/generate/trim-and-loop/auto", {"audioUrl": source, "count": 1}, account)
        account.refresh_from_db()
        assert account.balance == Decimal("1") - Decimal("0.05") - Decimal("0.06")

    def test_insufficient_balance(self):
        account = new_account(balance=Decimal("0.05"))
        response = post("/v5/generate/song", {"prompt": "x"}, account)
        assert response.status_code == 402
        assert response.json() == {
            "success": False,
            "message": "Insufficient balance for this operation.",
        }
        account.refresh_from_db()
        assert account.balance == Decimal("0.05") and not SandboxOperation.objects.exists()


def _fill(account, action, count, *, minutes_ago):
    when = timezone.now() - timedelta(minutes=minutes_ago)
    SandboxOperation.objects.bulk_create(
        SandboxOperation(
            account=account,
            remote_id=uuid.uuid4().hex[:24],
            action=action,
            created_at=when,
            ready_at=when,
            extra={},
        )
        for _ in range(count)
    )


class TestContent:
    @pytest.mark.parametrize(
        ("path", "body", "message"),
        [
            ("/v5/generate/song", {"prompt": "porn"}, spec.NSFW_LYRICS),
            ("/v2/generate/ai-singing-gen", {"lyrics": "shit happens"}, spec.NSFW_LYRICS),
            (
                "/v1/generate/song-from-lyrics",
                {"lyrics": "fuck", "styleOfMusic": "Pop"},
                spec.NSFW_PROMPT,
            ),
            ("/v1/generate/lyrics", {"prompt": "like Drake"}, spec.ARTIST_PROMPT),
            ("/v2/generate/ai-singing-gen", {"lyrics": "Taylor Swift"}, spec.ARTIST_LYRICS),
        ],
    )
    def test_word_lists(self, account, path, body, message):
        response = post(path, body, account)
        assert response.status_code == 400
        assert response.json() == {"success": False, "message": message}

    def test_word_lists_are_configurable_and_whole_words(self):
        account = new_account(nsfw_words=["banana"], artist_names=[])
        assert post("/v1/generate/lyrics", {"prompt": "like Drake"}, account).status_code == 200
        assert post("/v1/generate/lyrics", {"prompt": "bananas"}, account).status_code == 200
        assert post("/v1/generate/lyrics", {"prompt": "one banana"}, account).status_code == 400

    def test_faults(self, account):
        faults.inject(account, "nsfw")
        response = post("/v1/generate/stem-separation/vocals", {"audioUrl": "https://x/a"}, account)
        assert response.json()["message"] == spec.NSFW_PROMPT
        assert SandboxRequest.objects.get(account=account).fault == "nsfw"


class TestRecording:
    def test_every_request_is_counted_once(self, account):
        post("/v5/generate/song", {"prompt": "x"}, account)  # accepted
        post("/v5/generate/song", {}, account)  # refused
        http("GET", "/v5/status", key=account)  # 422
        faults.inject(account, "rate_limit")
        post("/v1/generate/lyrics", {"prompt": "x"}, account)  # 429 fault
        codes = list(
            SandboxRequest.objects.filter(account=account)
            .order_by("created_at")
            .values_list("method", "status_code", "fault")
        )
        assert codes == [
            ("POST", 200, ""),
            ("POST", 400, ""),
            ("GET", 422, ""),
            ("POST", 429, "rate_limit"),
        ]
        accepted = SandboxRequest.objects.filter(account=account, status_code=200).get()
        assert accepted.remote_id == SandboxOperation.objects.get().remote_id

    def test_requests_are_counted_per_idempotency_key_when_one_is_sent(self, account):
        # Soundverse has no idempotency; the client's opt-in header (for the newer host) is
        # still counted, so a test can prove one POST per job.
        headers = {"Idempotency-Key": "job-7"}
        http("POST", "/v5/generate/song", key=account, json={"prompt": "x"}, headers=headers)
        post("/v1/generate/lyrics", {"prompt": "y"}, account)
        assert faults.count(account, idempotency_key="job-7") == 1
        assert faults.count(account, method="POST", idempotency_key="") == 1

    def test_server_errors_use_the_documented_body(self, account):
        faults.inject(account, "server_error")
        response = post("/v5/generate/song", {"prompt": "x"}, account)
        assert response.status_code == 503
        assert response.json() == {
            "success": False,
            "message": "Service temporarily unavailable. Please try again in a moment.",
            "error": "Database connection pool exhausted",
        }

    def test_rendering_happens_once_per_job(self, account):
        chunks = chunks_of(post("/v6/generate/song", {"prompt": "x"}, account))
        message_id = chunks[1]["message_id"]
        for _ in range(3):
            http("GET", f"/v5/status?message_id={message_id}", key=account)
        assert SandboxFile.objects.count() == 2  # two versions, rendered a single time
        assert json.dumps(SandboxOperation.objects.get().result["files"])


def test_all_stems_of_sandbox_music_sum_back_to_it(account):
    # Stem separation of sandbox-made audio returns its true layers, not filtered guesses.
    import numpy as np

    source = make_source(seconds=6)
    mix, rate = decode(download(source))
    stems = post("/v1/generate/stem-separation/all-stems", {"audioUrl": source}, account).json()
    layers = [decode(download(stem["audioUrl"]))[0] for stem in stems]
    total = sum(layers)
    assert rate == 44100 and total.shape == mix.shape
    error = np.sqrt(np.mean((total - mix) ** 2)) / np.sqrt(np.mean(mix**2))
    assert 20 * np.log10(error) < -40
    assert all(np.sqrt(np.mean(layer**2)) < np.sqrt(np.mean(mix**2)) for layer in layers)


def test_a_reader_that_hangs_up_mid_render_still_leaves_the_files_rendered(account):
    # The stream of a client that disconnects is cancelled while it renders; the render must
    # finish (or be released), or every later reader would wait for it until it gives up.
    import asyncio

    from asgiref.sync import sync_to_async

    from soundsite.sandbox import soundverse

    chunks = chunks_of(post("/v6/generate/song", {"prompt": "x"}, account))
    operation = SandboxOperation.objects.get(remote_id=chunks[1]["message_id"])
    SandboxFile.objects.all().delete()
    SandboxOperation.objects.filter(pk=operation.pk).update(status="processing", result={})

    async def hang_up_mid_render():
        reader = asyncio.ensure_future(soundverse.ensure_rendered(operation.pk))
        status = sync_to_async(
            lambda: SandboxOperation.objects.get(pk=operation.pk).status, thread_sensitive=False
        )
        while await status() != "rendering":
            await asyncio.sleep(0.01)
        # Servers may cancel a disconnected request more than once, also while it cleans up.
        while not reader.done():
            reader.cancel()
            await asyncio.sleep(0)
        with pytest.raises(asyncio.CancelledError):
            await reader
        # The next reader finds the render finished rather than claimed for ever.
        await asyncio.wait_for(soundverse.ensure_rendered(operation.pk), timeout=60)

    asyncio.run(hang_up_mid_render())
    assert SandboxOperation.objects.get(pk=operation.pk).status == "ready"
    assert SandboxFile.objects.filter(operation=operation).count() == 2


def test_a_reader_cancelled_while_claiming_the_render_still_leaves_it_rendered(
    account, monkeypatch
):
    # The claim is committed in the database thread; a request cancelled while it waits for
    # the claim's answer (its client hung up) must not leave the job claimed with nobody
    # rendering it, or every later stream, status call and download of the job waits in vain.
    import asyncio
    import threading

    from soundsite.sandbox import soundverse
    from soundsite.sandbox import soundverse_engine as engine

    chunks = chunks_of(post("/v6/generate/song", {"prompt": "x"}, account))
    operation = SandboxOperation.objects.get(remote_id=chunks[1]["message_id"])
    SandboxFile.objects.all().delete()
    SandboxOperation.objects.filter(pk=operation.pk).update(status="processing", result={})

    claiming, go_on = threading.Event(), threading.Event()
    render_jobs = engine.render_jobs

    def slow_render_jobs(found):
        # Runs inside claim_render, after the claim is committed.
        claiming.set()
        go_on.wait(30)
        return render_jobs(found)

    monkeypatch.setattr(engine, "render_jobs", slow_render_jobs)

    async def hang_up_while_claiming():
        reader = asyncio.ensure_future(soundverse.ensure_rendered(operation.pk))
        while not claiming.is_set():
            await asyncio.sleep(0.01)
        reader.cancel()
        with pytest.raises(asyncio.CancelledError):
            await reader
        go_on.set()
        # The next reader finds the render finished (or being finished), not claimed for ever.
        await asyncio.wait_for(soundverse.ensure_rendered(operation.pk), timeout=60)

    asyncio.run(hang_up_while_claiming())
    assert SandboxOperation.objects.get(pk=operation.pk).status == "ready"
    assert SandboxFile.objects.filter(operation=operation).count() == 2


def test_a_render_whose_files_could_not_be_stored_is_released_for_the_next_reader(
    account, monkeypatch
):
    import asyncio

    from django.db import OperationalError

    from soundsite.sandbox import soundverse
    from soundsite.sandbox import soundverse_engine as engine

    chunks = chunks_of(post("/v6/generate/song", {"prompt": "x"}, account))
    operation = SandboxOperation.objects.get(remote_id=chunks[1]["message_id"])
    SandboxFile.objects.all().delete()
    SandboxOperation.objects.filter(pk=operation.pk).update(status="processing", result={})
    store_render = engine.store_render

    def busy(operation_id, made):
        monkeypatch.setattr(engine, "store_render", store_render)
        raise OperationalError("database is locked")

    monkeypatch.setattr(engine, "store_render", busy)
    with pytest.raises(OperationalError):
        asyncio.run(soundverse.ensure_rendered(operation.pk))
    assert SandboxOperation.objects.get(pk=operation.pk).status == "processing"
    asyncio.run(asyncio.wait_for(soundverse.ensure_rendered(operation.pk), timeout=60))
    assert SandboxOperation.objects.get(pk=operation.pk).status == "ready"
    assert SandboxFile.objects.filter(operation=operation).count() == 2
