"""The reference's example bodies, read by the normaliser and the error mapping."""

import json
from pathlib import Path

import pytest

from soundsite.providers.base import (
    ContentRejected,
    InputRejected,
    OperationFailed,
    ProviderError,
    RateLimited,
    Status,
)
from soundsite.providers.soundverse_catalog import OPERATIONS_BY_KEY
from soundsite.providers.soundverse_wire import (
    EventReader,
    audio_items,
    decode_events,
    error_from_response,
    license_value,
    normalise,
    result_from_status,
    result_from_sync,
    retry_after_seconds,
)

FIXTURES = Path(__file__).parent / "fixtures" / "soundverse"


def load(name):
    return json.loads((FIXTURES / name).read_text())


class TestNormalise:
    def test_camel_and_snake_read_the_same(self):
        camel = result_from_sync("generation", load("sync/song_v5_sync_camel.json"))
        snake = result_from_sync("generation", load("sync/song_v5_sync_snake.json"))
        for result in (camel, snake):
            assert result.remote_id == "68b7079d1c2e4f0012a3b4c5"
            assert result.status is Status.READY
            assert [o.index for o in result.outputs] == [1, 2]
            assert all(o.format == "mp3" and o.title == "Neon Nights" for o in result.outputs)
            assert all(o.album_art_url.endswith("neon_nights.png") for o in result.outputs)
        assert [o.license for o in camel.outputs] == ["Royalty Free", "Royalty Free"]
        assert camel.outputs[0].lyrics.startswith("[Verse 1]")

    def test_success_data_wrapper_with_audio_urls(self):
        result = result_from_sync("generation", load("sync/music_v5_sync_wrapped.json"))
        assert result.remote_id == "68b7079d1c2e4f0012a3b4c5"
        assert [o.url.rsplit("/", 1)[-1] for o in result.outputs] == [
            "late_jazz_1.mp3",
            "late_jazz_2.mp3",
        ]
        assert result.outputs[0].title == "Late Jazz"

    @pytest.mark.parametrize(
        ("name", "count", "fmt", "license"),
        [
            ("sync/song_v7_sync.json", 2, "mp3", ""),
            ("sync/song_v6_sync.json", 2, "mp3", ""),
            ("sync/song_v4.json", 2, "mp3", "Sample"),
            ("sync/song_v1.json", 1, "wav", "Sync"),
            ("sync/text_to_music.json", 1, "wav", "Royalty-Free"),
            ("sync/extend_song_sync.json", 2, "mp3", "Royalty Free"),
            ("sync/extend_music_sync.json", 1, "mp3", "Royalty Free"),
            ("sync/extend_music_camel_old.json", 1, "mp3", ""),
            ("sync/singing_v2.json", 1, "mp3", "Royalty-Free"),
            ("sync/music_v5_sync_camel.json", 1, "mp3", "Royalty Free"),
        ],
    )
    def test_every_sync_generation_body(self, name, count, fmt, license):
        result = result_from_sync("generation", load(name))
        assert len(result.outputs) == count
        assert {o.format for o in result.outputs} == {fmt}
        assert {o.license for o in result.outputs} == {license}
        assert all(o.url.startswith("https://storage.") for o in result.outputs)

    def test_the_v7_job_id_is_kept(self):
        result = result_from_sync("generation", load("sync/song_v7_sync.json"))
        assert result.raw["job_id"] == "0f8c3a52-6c1e-4c8e-9d7a-3a1b2c3d4e5f"
        assert result.outputs[0].album_art_url.endswith(".webp")

    @pytest.mark.parametrize(
        ("name", "names"),
        [
            ("sync/stems_vocals.json", ["vocals"]),
            ("sync/stems_instruments.json", ["guitar", "other", "drums", "bass", "piano"]),
            ("sync/stems_all.json", ["vocals", "guitar", "other", "drums", "bass", "piano"]),
        ],
    )
    def test_stems(self, name, names):
        result = result_from_sync("stems", load(name))
        assert [o.kind for o in result.outputs] == names
        assert all(o.format == "wav" for o in result.outputs)

    def test_loops(self):
        loop = result_from_sync("loop", load("sync/loop.json"))
        assert [(o.kind, o.format) for o in loop.outputs] == [("loop", "wav")]
        generated = result_from_sync("gen_loop", load("sync/gen_loop.json"))
        assert [(o.kind, o.index) for o in generated.outputs] == [("mix", 1), ("loop", 2)]
        assert all(o.license == "" for o in generated.outputs)  # licenses: null

    def test_text_answers(self):
        lyrics = result_from_sync("lyrics", load("sync/lyrics.json"))
        assert lyrics.text.startswith("[Verse]") and not lyrics.outputs
        chat = result_from_sync("chat", load("sync/chat.json"))
        assert chat.text.startswith("Try a warm synth pad")
        match = result_from_sync("recognize", load("sync/recognize_match.json"))
        assert match.text == "Example Title — Example Artist (Example Album, Example Label, 2019)"
        assert match.raw["data"]["isrc"] == "USUM71900001"
        none = result_from_sync("recognize", load("sync/recognize_none.json"))
        assert none.text == "Soundverse did not recognise this recording."
        assert none.raw == {"recognized": False, "data": None}

    def test_a_body_without_audio_is_a_failure(self):
        with pytest.raises(OperationFailed) as caught:
            result_from_sync("generation", {"message_id": "x", "audio_data": []})
        assert caught.value.code == "no_output"

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("Sample", "Sample"),
            ({"licenses": "Royalty Free"}, "Royalty Free"),
            ({"licenses": "Royalty-Free"}, "Royalty-Free"),
            (None, ""),
            ({"licenses": None}, ""),
        ],
    )
    def test_license_shapes(self, value, expected):
        assert license_value(value) == expected

    def test_audio_data_as_list_dict_or_urls(self):
        as_list = audio_items({"audio_data": [{"audio_url": "a"}, {"audio_url": "b"}]})
        as_dict = audio_items({"audio_data": {"2": {"audio_url": "b"}, "1": {"audio_url": "a"}}})
        as_urls = audio_items({"audio_data": {"1": "a", "2": "b"}})
        single = audio_items({"audio_data": {"audio_url": "a"}})
        assert [(i["version"], i["audio_url"]) for i in as_list] == [(1, "a"), (2, "b")]
        assert sorted((i["version"], i["audio_url"]) for i in as_dict) == [(1, "a"), (2, "b")]
        assert [(i["version"], i["audio_url"]) for i in as_urls] == [(1, "a"), (2, "b")]
        assert [(i["version"], i["audio_url"]) for i in single] == [(1, "a")]
        # The documented schema placeholder has no URL: nothing to download, no crash.
        assert audio_items({"audio_data": {"additionalProp1": {}}}) == []

    def test_normalise_leaves_recognition_data_in_place(self):
        body = load("sync/recognize_match.json")
        assert normalise(body)["data"]["title"] == "Example Title"


class TestStatus:
    def test_running(self):
        result = result_from_status(load("status/running.json"))
        assert (result.status, result.progress, result.stage) == (Status.RUNNING, 45, "Composing")

    @pytest.mark.parametrize(
        "name",
        [
            "status/completed_dict.json",
            "status/completed_urls.json",
            "status/completed_list_camel.json",
        ],
    )
    def test_completed_in_every_shape(self, name):
        result = result_from_status(load(name))
        assert result.status is Status.READY
        assert [o.index for o in result.outputs] == [1, 2]
        assert result.remote_id == "68b7079d1c2e4f0012a3b4c5"

    def test_completed_duration_is_read(self):
        result = result_from_status(load("status/completed_dict.json"))
        assert result.outputs[0].duration == 182.4

    def test_completed_without_audio_keeps_running(self):
        # The files may still be uploading: the caller must keep checking.
        result = result_from_status(load("status/completed_no_audio.json"))
        assert result.status is Status.RUNNING and result.stage == "Saving the files"

    def test_failed(self):
        result = result_from_status(load("status/failed.json"))
        assert result.status is Status.FAILED
        assert isinstance(result.error, OperationFailed)
        assert "Generation failed" in result.error.message

    def test_schema_placeholder_and_legacy_wrapper_are_running(self):
        assert result_from_status(load("status/schema_placeholder.json")).status is Status.RUNNING
        legacy = result_from_status(load("status/legacy_wrapped.json"))
        assert legacy.status is Status.RUNNING and legacy.remote_id


ERROR_CASES = load("errors.json")


@pytest.mark.parametrize("case", ERROR_CASES, ids=[c["name"] for c in ERROR_CASES])
def test_documented_error_bodies_map_to_kinds(case):
    operation = OPERATIONS_BY_KEY.get(case["operation"])
    audio_field = operation.audio_fields[0].name if operation and operation.audio_fields else ""
    error = error_from_response(
        case["status"],
        case["body"],
        case["headers"],
        operation_key=case["operation"],
        audio_field=audio_field,
    )
    assert isinstance(error, ProviderError)
    assert error.kind == case["kind"], error
    assert error.status_code == case["status"]
    if case["field"] is not None:
        assert isinstance(error, InputRejected)
        assert case["field"] in error.fields, error.fields
        assert all(message for message in error.fields.values())
    if case["reason"]:
        assert isinstance(error, ContentRejected) and error.reason == case["reason"]
    # Messages are for people: never a bare status code, always a next step.
    assert error.message and not error.message.isdigit()


def test_rate_limit_retry_after():
    error = error_from_response(
        429,
        {"success": False, "message": "Rate limits have been passed for the user."},
        {"retry-after": "30"},
    )
    assert isinstance(error, RateLimited) and error.retry_after == 30
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0
    assert retry_after_seconds("soon") is None


def test_fastapi_fields_are_in_plain_words():
    error = error_from_response(422, load("errors.json")[-4]["body"])
    assert error.fields == {"extend_at": "Use 8000 or more.", "lyrics": "This is required."}


@pytest.mark.parametrize(
    ("status", "kind", "retryable"),
    [
        (500, "operation_failed", False),
        (502, "provider_unavailable", False),
        (504, "provider_unavailable", False),
        (503, "provider_unavailable", True),
    ],
)
def test_a_5xx_to_a_post_is_never_retryable_unless_refused(status, kind, retryable):
    body = (
        {"detail": "boom"}
        if status != 503
        else {
            "success": False,
            "message": "Service temporarily unavailable. Please try again in a moment.",
        }
    )
    error = error_from_response(status, body, method="POST")
    assert (error.kind, error.retryable) == (kind, retryable)
    # The same answers to a GET (status, recognition) are worth asking again.
    assert error_from_response(status, {"detail": "boom"}, method="GET").retryable


def test_singing_timeout_has_its_own_code():
    error = error_from_response(504, {"detail": "Generation failed or timed out after polling."})
    assert isinstance(error, OperationFailed) and error.code == "timed_out"


class TestEventReader:
    def test_documented_lines_with_blank_lines(self):
        text = (FIXTURES / "streams" / "song_v5.sse").read_text()
        chunks = list(decode_events([text]))
        assert [c["chunkIndex"] for c in chunks] == list(range(15))

    def test_lines_without_blank_lines_are_read_one_by_one(self):
        # The documented clients read line by line; a server need not send blank lines.
        text = (FIXTURES / "streams" / "song_v5_lines_only.sse").read_text()
        reader = EventReader()
        first = reader.feed(text.split("\n", 1)[0] + "\n")
        assert first == [{"isComplete": False, "status": "initializing", "chunkIndex": 0}]
        assert len(first + reader.feed(text.split("\n", 1)[1]) + reader.close()) == 15

    def test_pieces_split_anywhere(self):
        text = (FIXTURES / "streams" / "song_v7.sse").read_text()
        pieces = [text[i : i + 7] for i in range(0, len(text), 7)]
        assert list(decode_events(pieces)) == list(decode_events([text]))
        assert len(list(decode_events(pieces))) == 9

    def test_comments_event_names_and_garbage_are_ignored(self):
        text = ': keep-alive\nevent: progress\nid: 4\ndata: {"status": "running"}\n\nhello\n'
        text += "data: not json\n\ndata: [1, 2]\n\n"
        assert list(decode_events([text])) == [{"status": "running"}]

    def test_multi_line_data_is_joined(self):
        text = 'data: {"status":\ndata: "running"}\n\n'
        assert list(decode_events([text])) == [{"status": "running"}]

    def test_a_last_event_without_its_blank_line_is_delivered(self):
        assert list(decode_events(['data: {"a": 1}'])) == [{"a": 1}]

    def test_a_cut_off_last_line_is_dropped(self):
        assert list(decode_events(['data: {"a": 1}\n\ndata: {"message_id": "68b7'])) == [{"a": 1}]
