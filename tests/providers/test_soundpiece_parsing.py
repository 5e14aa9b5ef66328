"""The documented Soundpiece payloads, parsed by the client's own functions."""

import json
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from soundsite.providers.base import (
    ContentRejected,
    InputRejected,
    KeyRejected,
    OperationFailed,
    OutOfCredits,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
    Status,
)
from soundsite.providers.soundpiece import (
    OperationNotFound,
    build_body,
    error_from_response,
    get_operation,
    parse_response,
    parse_result,
    parse_retry_after,
    unwrap,
)

FIXTURES = Path(__file__).parent / "fixtures" / "soundpiece"


def load(name):
    return json.loads((FIXTURES / name).read_text())


def answer(status, name=None, *, headers=None, body=None):
    if name is not None:
        body = load(name)
    return httpx.Response(status, json=body, headers=headers)


def test_quickstart_song_is_running_without_outputs():
    result = parse_response(load("song_processing.json"), "create.new_song")
    assert result.status is Status.RUNNING
    assert result.remote_id == "op_01h7k3z9x4q2m8n6p5r1s0t7v3"
    assert result.outputs == [] and result.error is None
    assert result.raw["reference"] is None


def test_webhook_example_data_is_a_ready_song_with_outputs():
    data = load("webhook_song_ready.json")["data"]
    result = parse_result(data)
    assert result.status is Status.READY
    [output] = result.outputs
    assert output.duration == 87.4 and output.kind == "mix" and output.format == "flac"
    assert output.expires_at == datetime(2026, 5, 20, 12, 50, 21, tzinfo=UTC)
    # The webhook's data has no wrapper; ``unwrap`` recognises a bare DTO too.
    assert unwrap(data, "create.new_song")["id"] == result.remote_id


def test_single_output_actions_use_output_and_no_status_still_reads_as_ready():
    # The API-reference examples leave ``status`` out; the outputs say it is ready.
    result = parse_response(load("sample_ready.json"), "create.new_sample")
    assert result.status is Status.READY
    assert [o.duration for o in result.outputs] == [8.0]
    cut = parse_response(load("auto_cut_ready.json"), "adapt.auto_cut_down")
    assert cut.status is Status.READY and cut.outputs[0].duration == 30.8


def test_remixes_list_one_output_per_variation():
    result = parse_response(load("remix_song_ready.json"), "create.remix_song")
    assert [o.index for o in result.outputs] == [0, 1]
    assert [o.duration for o in result.outputs] == [181.2, 179.9]
    running = parse_response(
        load("remix_instrumental_processing.json"), "create.remix_instrumental"
    )
    assert running.status is Status.RUNNING and running.outputs == []


def test_stems_carry_their_kind_under_an_unconfirmed_wrapper_key():
    # The stems wrapper is unknown; the only top-level key is used whatever its name.
    result = parse_response(load("stems_ready.json"), "adapt.separate_stems")
    assert [o.kind for o in result.outputs] == ["vocals", "drums", "bass", "other"]
    assert {o.duration for o in result.outputs} == {120.0}


def test_failed_operation_with_code_and_message():
    result = parse_response(load("song_failed.json"), "create.new_song")
    assert result.status is Status.FAILED and result.outputs == []
    assert isinstance(result.error, OperationFailed)
    assert result.error.code == "internal_error"
    assert "Generation failed unexpectedly." in result.error.message


def test_failed_with_message_only_becomes_internal_error():
    # API-reference examples show ``{"message": "<string>"}`` without a code or status.
    result = parse_response(load("fx_failed_message_only.json"), "create.new_fx")
    assert result.status is Status.FAILED
    assert result.error.code == "internal_error"


def test_unknown_error_codes_map_to_internal_error_and_keep_the_original():
    result = parse_response(load("song_failed_new_code.json"), "create.new_song")
    assert result.error.code == "internal_error"
    assert result.error.provider_code == "gpu_capacity_exhausted"
    assert result.error.detail["code"] == "gpu_capacity_exhausted"


def test_content_policy_codes_become_content_rejected():
    nsfw = parse_result(
        {
            "id": "op_x",
            "status": "failed",
            "error": {
                "code": "content_policy_violation",
                "message": "The prompt or lyrics contain explicit content.",
            },
        }
    )
    assert isinstance(nsfw.error, ContentRejected) and nsfw.error.reason == "nsfw"
    artist = parse_result(
        {"id": "op_x", "status": "failed", "error": {"code": "artist_name", "message": "x"}}
    )
    assert isinstance(artist.error, ContentRejected) and artist.error.reason == "artist_name"


def test_unknown_fields_and_status_values_are_accepted():
    result = parse_response(load("instrumental_future_fields.json"), "create.new_instrumental")
    assert result.status is Status.RUNNING  # "queued": unknown, nothing finished yet
    assert result.raw["usage"] == {"credits": 2}
    stems = parse_response(load("stems_future_kinds.json"), "adapt.separate_stems")
    assert stems.status is Status.READY  # "mastered": unknown, but outputs are there
    assert [o.kind for o in stems.outputs] == ["vocals", "piano"]


def test_an_answer_without_an_operation_is_unreadable():
    with pytest.raises(ProviderUnavailable):
        parse_response({"a": 1, "b": 2}, "create.new_song")
    with pytest.raises(ProviderUnavailable):
        parse_response(["not", "an", "object"], "create.new_song")


def test_documented_422_becomes_field_errors_in_plain_words():
    error = error_from_response(
        answer(422, "error_422.json"), operation=get_operation("create.new_song")
    )
    assert isinstance(error, InputRejected)
    assert error.fields == {
        "lyrics": "This can't be empty.",
        "reference": (
            "Soundpiece could not use this link. Use a full web address starting https://."
        ),
    }
    assert "Lyrics: This can't be empty." in error.message


def test_union_model_names_in_loc_are_skipped():
    error = error_from_response(
        answer(422, "error_422_missing.json"), operation=get_operation("create.new_song")
    )
    assert error.fields == {"prompt": "This is required.", "reference": "Choose a track here."}


def test_documented_401_and_429():
    assert isinstance(error_from_response(answer(401, "error_401.json")), KeyRejected)
    limited = error_from_response(answer(429, "error_429.json", headers={"Retry-After": "17"}))
    assert isinstance(limited, RateLimited) and limited.retryable
    assert limited.retry_after == 17
    assert "17 seconds" in limited.message


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("17", 17), ("0", None), ("", None), (None, None), ("soon", None), ("2.5", 2.5)],
)
def test_retry_after_parsing(value, seconds):
    assert parse_retry_after(value) == seconds


def test_retry_after_as_an_http_date():
    when = datetime.now(UTC).timestamp() + 30
    header = datetime.fromtimestamp(when, UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert 25 <= parse_retry_after(header) <= 31


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (400, InputRejected),
        (402, OutOfCredits),
        (409, InputRejected),
        (500, ProviderUnavailable),
        (502, ProviderUnavailable),
        (503, ProviderUnavailable),
    ],
)
def test_status_codes_map_to_error_kinds(status, kind):
    error = error_from_response(httpx.Response(status, json={"detail": "x"}))
    assert type(error) is kind
    assert error.status_code == status


def test_a_5xx_without_json_is_still_provider_unavailable():
    error = error_from_response(httpx.Response(502, text="<html>Bad gateway</html>"))
    assert isinstance(error, ProviderUnavailable) and error.retryable


def test_404_on_a_path_is_a_configuration_problem_not_a_lost_job():
    error = error_from_response(httpx.Response(404, json={"detail": "Not Found"}), polling=True)
    assert type(error) is ProviderError
    assert "base URL" in error.message


def test_unknown_ids_are_recognised_whatever_status_they_come_with():
    for response in (
        httpx.Response(
            422,
            json={
                "detail": [
                    {
                        "loc": ["query", "id"],
                        "msg": "Value error, operation not found",
                        "type": "value_error",
                    }
                ]
            },
        ),
        httpx.Response(400, json={"detail": "Operation not found"}),
        httpx.Response(404, json={"detail": "Operation op_x not found"}),
        httpx.Response(410, json={"detail": "Gone"}),
    ):
        error = error_from_response(response, polling=True)
        assert isinstance(error, OperationNotFound), response
        assert error.code == "operation_not_found"


def test_body_wraps_audio_and_drops_empty_values():
    body = build_body(
        "create.remix_song",
        {
            "source": "https://example.com/a.flac",
            "lyrics": "la",
            "prompt": "p",
            "n_variations": None,
        },
        idempotency_key="550e8400-e29b-41d4-a716-446655440000",
        callback_url="https://hooks.example.com/sp",
    )
    assert body == {
        "idempotency_key": "550e8400-e29b-41d4-a716-446655440000",
        "source": {"url": "https://example.com/a.flac"},
        "lyrics": "la",
        "prompt": "p",
        "callback_url": "https://hooks.example.com/sp",
    }
    plain = build_body(
        "create.new_sample", {"prompt": "p", "duration": 4, "loopable": True}, idempotency_key="k"
    )
    assert "callback_url" not in plain and plain["loopable"] is True
