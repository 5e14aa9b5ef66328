"""The Soundpiece stand-in over HTTP: routing, auth, validation, idempotency, lifecycle.

These tests talk to the sandbox as a raw HTTP client would, so they pin down the wire format
(status codes, bodies, headers) that the client tests rely on.
"""

import asyncio
import re
import time
import uuid
from datetime import UTC, datetime

import pytest

from soundsite.providers.base import InputRejected
from soundsite.providers.soundpiece import error_from_response
from soundsite.sandbox import faults
from soundsite.sandbox.accounts import create_account
from soundsite.sandbox.models import SandboxAccount, SandboxOperation, SandboxRequest
from tests.providers.soundpiece_support import make_harness

OP_ID = re.compile(r"^op_[0-9a-z]{26}$")
SONG = {"prompt": "rock song, energetic, male vocal", "lyrics": "[Verse]\nHello"}


@pytest.fixture
def sandbox(transactional_db):
    harness = make_harness()
    yield harness
    harness.close()


def put(harness, action, body=None, *, key=None, **kwargs):
    if body is not None:
        body = {"idempotency_key": key or str(uuid.uuid4()), **body}
        kwargs["json"] = body
    return harness.raw("PUT", f"/v1/{action}", **kwargs)


def get(harness, action, remote_id, wait="false", **kwargs):
    return harness.raw("GET", f"/v1/{action}", params={"id": remote_id, "wait": wait}, **kwargs)


def made_url(harness, seconds=2):
    response = put(harness, "create.new_sample", {"prompt": "funk", "duration": seconds})
    remote_id = response.json()["sample"]["id"]
    return get(harness, "create.new_sample", remote_id).json()["sample"]["output"]["url"]


# --- Routing and auth -----------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/v1/create.new_podcast", "/v2/create.new_song", "/", "/v1/"])
def test_unknown_paths_are_fastapis_404(sandbox, path):
    response = sandbox.raw("PUT", path, json={})
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


@pytest.mark.parametrize("method", ["POST", "DELETE", "PATCH"])
def test_other_methods_are_405(sandbox, method):
    response = sandbox.raw(method, "/v1/create.new_song")
    assert response.status_code == 405
    assert response.json() == {"detail": "Method Not Allowed"}
    assert response.headers["allow"] == "GET, PUT"


@pytest.mark.parametrize(
    "authorization", [None, "", "Bearer ", "Bearer spk_nobody", "Token abc", "spk_abc"]
)
def test_missing_or_wrong_keys_get_the_documented_401(sandbox, authorization):
    headers = {} if authorization is None else {"Authorization": authorization}
    sandbox.http.headers.pop("Authorization", None)
    response = sandbox.run(
        sandbox.http.put(
            "/v1/create.new_song", json={"idempotency_key": str(uuid.uuid4())}, headers=headers
        )
    )
    assert response.status_code == 401
    assert response.json() == {"detail": "Missing or invalid Authorization header"}


def test_a_soundverse_sandbox_key_is_not_a_soundpiece_key(sandbox):
    other = create_account("soundverse")
    response = put(
        sandbox, "create.new_song", SONG, headers={"Authorization": f"Bearer {other.api_key}"}
    )
    assert response.status_code == 401


def test_every_request_is_counted_rejected_ones_too(sandbox):
    sandbox.raw(
        "PUT", "/v1/create.new_song", content=b"{", headers={"Authorization": "Bearer spk_nobody"}
    )
    put(sandbox, "create.new_song", {})
    sandbox.raw("DELETE", "/v1/create.new_song")
    sandbox.raw("GET", "/nowhere")
    rows = SandboxRequest.objects.order_by("created_at")
    assert [(r.method, r.status_code) for r in rows] == [
        ("PUT", 401),
        ("PUT", 422),
        ("DELETE", 405),
        ("GET", 404),
    ]
    assert rows[0].account is None and rows[1].account_id == sandbox.account.pk
    assert faults.count(sandbox.account) == 3


# --- Validation -----------------------------------------------------------------------------
def test_malformed_json_is_400(sandbox):
    response = sandbox.raw(
        "PUT",
        "/v1/create.new_song",
        content=b'{"prompt": ',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert isinstance(response.json()["detail"], str)
    # The client reads it as a refused request that is Soundsite's fault, not the user's.
    error = error_from_response(response)
    assert isinstance(error, InputRejected) and "Soundsite" in error.message


def test_a_missing_body_is_422_at_body(sandbox):
    response = sandbox.raw("PUT", "/v1/create.new_song")
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"type": "missing", "loc": ["body"], "msg": "Field required", "input": None}
    ]


def _errors(response):
    assert response.status_code == 422, response.text
    return {(tuple(e["loc"]), e["type"]) for e in response.json()["detail"]}


def test_pydantic_style_errors_for_every_documented_constraint(sandbox):
    cases = [
        (
            "create.new_song",
            {"prompt": "x" * 1025, "lyrics": "la"},
            (("body", "prompt"), "string_too_long"),
        ),
        (
            "create.new_song",
            {"prompt": "p", "lyrics": ""},
            (("body", "lyrics"), "string_too_short"),
        ),
        (
            "create.new_song",
            {"prompt": "p", "lyrics": "x" * 3001},
            (("body", "lyrics"), "string_too_long"),
        ),
        ("create.new_song", {"prompt": "p"}, (("body", "lyrics"), "missing")),
        (
            "create.new_song",
            {"lyrics": "la", "reference": {"url": "nope"}},
            (("body", "reference", "url"), "url_parsing"),
        ),
        ("create.new_instrumental", {"prompt": ""}, (("body", "prompt"), "string_too_short")),
        ("create.new_sample", {"prompt": "p"}, (("body", "duration"), "missing")),
        (
            "create.new_sample",
            {"prompt": "p", "duration": 0},
            (("body", "duration"), "greater_than"),
        ),
        (
            "create.new_sample",
            {"prompt": "p", "duration": "long"},
            (("body", "duration"), "float_parsing"),
        ),
        (
            "create.new_sample",
            {"prompt": "p", "duration": 2, "loopable": "sometimes"},
            (("body", "loopable"), "bool_parsing"),
        ),
        ("create.new_fx", {"duration": 2}, (("body", "prompt"), "missing")),
        (
            "create.remix_song",
            {
                "source": {"url": "https://a.example/x.flac"},
                "lyrics": "l",
                "prompt": "p",
                "n_variations": 0,
            },
            (("body", "n_variations"), "greater_than_equal"),
        ),
        (
            "create.remix_song",
            {
                "source": {"url": "https://a.example/x.flac"},
                "lyrics": "l",
                "prompt": "p",
                "n_variations": 4,
            },
            (("body", "n_variations"), "less_than_equal"),
        ),
        ("create.remix_instrumental", {}, (("body", "source"), "missing")),
        (
            "create.remix_instrumental",
            {"source": "https://a.example/x.flac"},
            (("body", "source"), "model_type"),
        ),
        (
            "adapt.separate_stems",
            {"source": {"url": "ftp://a.example/x.flac"}},
            (("body", "source", "url"), "url_scheme"),
        ),
        (
            "adapt.auto_cut_down",
            {"source": {"url": "https://a.example/x.flac"}},
            (("body", "target_duration"), "missing"),
        ),
        (
            "adapt.auto_cut_down",
            {"source": {"url": "https://a.example/x.flac"}, "target_duration": -3},
            (("body", "target_duration"), "greater_than"),
        ),
        (
            "create.new_fx",
            {"prompt": "p", "duration": 1, "callback_url": "x" * 10},
            (("body", "callback_url"), "url_parsing"),
        ),
    ]
    for action, body, expected in cases:
        assert expected in _errors(put(sandbox, action, body)), (action, body)
    assert SandboxOperation.objects.count() == 0


def test_a_bad_uuid_and_the_entries_shape(sandbox):
    response = put(sandbox, "create.new_fx", {"prompt": "p", "duration": 1}, key="not-a-uuid")
    [entry] = response.json()["detail"]
    assert entry["loc"] == ["body", "idempotency_key"]
    assert entry["type"] == "uuid_parsing"
    assert entry["msg"].startswith("Input should be a valid UUID")
    assert entry["input"] == "not-a-uuid"


def test_neither_prompt_nor_reference_names_both(sandbox):
    errors = _errors(put(sandbox, "create.new_song", {"lyrics": "la"}))
    assert errors == {(("body", "prompt"), "missing"), (("body", "reference"), "missing")}


def test_both_prompt_and_reference_is_configurable(sandbox):
    reference = {"url": "https://example.com/ref.flac"}
    accepted = put(sandbox, "create.new_song", {**SONG, "reference": reference})
    assert accepted.status_code == 200
    assert accepted.json()["song"]["reference"] == reference
    SandboxAccount.objects.filter(pk=sandbox.account.pk).update(
        options={**sandbox.account.options, "both_prompt_and_reference": "reject"}
    )
    refused = put(sandbox, "create.new_song", {**SONG, "reference": reference})
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["body"]


def test_sandbox_length_limits_are_options(transactional_db):
    harness = make_harness(duration_max=5)
    try:
        assert _errors(put(harness, "create.new_sample", {"prompt": "p", "duration": 6})) == {
            (("body", "duration"), "less_than_equal")
        }
        assert put(harness, "create.new_sample", {"prompt": "p", "duration": 5}).status_code == 200
    finally:
        harness.close()


def test_bad_poll_queries(sandbox):
    response = sandbox.raw("GET", "/v1/create.new_song", params={"id": "op_BAD", "wait": "perhaps"})
    assert _errors(response) == {
        (("query", "id"), "string_pattern_mismatch"),
        (("query", "wait"), "bool_parsing"),
    }
    assert _errors(sandbox.raw("GET", "/v1/create.new_song")) == {(("query", "id"), "missing")}


def test_https_only_callbacks_are_an_option(transactional_db):
    harness = make_harness(callback_https_only=True)
    try:
        body = {"prompt": "p", "duration": 1, "callback_url": "http://localhost:8000/hook"}
        assert _errors(put(harness, "create.new_fx", body)) == {
            (("body", "callback_url"), "url_scheme")
        }
        body["callback_url"] = "https://hooks.example.com/sp"
        assert put(harness, "create.new_fx", body).status_code == 200
    finally:
        harness.close()


# --- Accepted requests ----------------------------------------------------------------------
WRAPPERS = [
    ("create.new_song", SONG, "song", "outputs", ["lyrics", "prompt", "reference"]),
    (
        "create.new_instrumental",
        {"prompt": "synthwave"},
        "instrumental",
        "outputs",
        ["prompt", "reference"],
    ),
    (
        "create.new_sample",
        {"prompt": "rock", "duration": 2},
        "sample",
        "output",
        ["prompt", "duration", "loopable"],
    ),
    ("create.new_fx", {"prompt": "riser", "duration": 2}, "fx", "output", ["prompt", "duration"]),
    (
        "create.remix_song",
        {"source": {"url": "https://e.example/a.flac"}, "lyrics": "l", "prompt": "p"},
        "remix_song",
        "outputs",
        ["source", "lyrics", "prompt", "n_variations"],
    ),
    (
        "create.remix_instrumental",
        {"source": {"url": "https://e.example/a.flac"}},
        "remix_instrumental",
        "outputs",
        ["source", "n_variations"],
    ),
    (
        "adapt.separate_stems",
        {"source": {"url": "https://e.example/a.flac"}},
        "stems",
        "outputs",
        ["source"],
    ),
    (
        "adapt.auto_cut_down",
        {"source": {"url": "https://e.example/a.flac"}, "target_duration": 30},
        "auto_cut",
        "output",
        ["source", "target_duration"],
    ),
]


@pytest.mark.parametrize(("action", "body", "wrapper", "result_key", "echoed"), WRAPPERS)
def test_accepted_puts_are_200_processing_under_the_actions_wrapper(
    sandbox, action, body, wrapper, result_key, echoed
):
    key = str(uuid.uuid4())
    response = put(
        sandbox, action, {**body, "callback_url": "https://hooks.example.com/x"}, key=key
    )
    assert response.status_code == 200
    assert list(response.json()) == [wrapper]
    dto = response.json()[wrapper]
    assert OP_ID.match(dto["id"])
    assert dto["status"] == "processing" and dto["error"] is None
    assert dto[result_key] is None
    assert ("outputs" if result_key == "output" else "output") not in dto
    assert dto["idempotency_key"] == key
    assert "callback_url" not in dto
    assert set(echoed) <= set(dto)
    assert datetime.strptime(dto["created_at"], "%Y-%m-%dT%H:%M:%SZ")


def test_defaults_and_missing_fields_are_echoed(sandbox):
    remix = put(
        sandbox, "create.remix_instrumental", {"source": {"url": "https://e.example/a.flac"}}
    )
    assert remix.json()["remix_instrumental"]["n_variations"] == 1
    sample = put(sandbox, "create.new_sample", {"prompt": "p", "duration": 3})
    assert sample.json()["sample"]["loopable"] is False
    song = put(sandbox, "create.new_song", SONG)
    assert song.json()["song"]["reference"] is None


def test_unconfirmed_wrapper_keys_are_options(transactional_db):
    harness = make_harness(stems_wrapper="separate_stems", wrappers={"create.new_fx": "effect"})
    try:
        stems = put(
            harness, "adapt.separate_stems", {"source": {"url": "https://e.example/a.flac"}}
        )
        assert list(stems.json()) == ["separate_stems"]
        assert list(put(harness, "create.new_fx", {"prompt": "p", "duration": 1}).json()) == [
            "effect"
        ]
    finally:
        harness.close()


# --- Idempotency ----------------------------------------------------------------------------
def test_a_repeat_returns_the_original_snapshot_by_default(sandbox):
    key = str(uuid.uuid4())
    first = put(sandbox, "create.new_fx", {"prompt": "p", "duration": 1}, key=key).json()["fx"]
    get(sandbox, "create.new_fx", first["id"])  # now ready
    again = put(sandbox, "create.new_fx", {"prompt": "p", "duration": 1}, key=key).json()["fx"]
    assert again == first
    assert SandboxOperation.objects.count() == 1


def test_a_repeat_can_return_the_current_state(transactional_db):
    harness = make_harness(replay="current")
    try:
        key = str(uuid.uuid4())
        first = put(harness, "create.new_fx", {"prompt": "p", "duration": 1}, key=key).json()["fx"]
        again = put(harness, "create.new_fx", {"prompt": "p", "duration": 1}, key=key).json()["fx"]
        assert again["id"] == first["id"] and again["status"] == "ready"
        assert again["output"]["url"]
    finally:
        harness.close()


@pytest.mark.parametrize(("mode", "status"), [("original", 200), ("409", 409), ("422", 422)])
def test_same_key_different_body_is_configurable(transactional_db, mode, status):
    harness = make_harness(idempotency_conflict=mode)
    try:
        key = str(uuid.uuid4())
        first = put(harness, "create.new_fx", {"prompt": "p", "duration": 1}, key=key)
        other = put(harness, "create.new_fx", {"prompt": "different", "duration": 1}, key=key)
        assert other.status_code == status
        if status == 200:
            assert other.json()["fx"]["id"] == first.json()["fx"]["id"]
            assert other.json()["fx"]["prompt"] == "p"
        assert SandboxOperation.objects.count() == 1
    finally:
        harness.close()


def test_keys_are_scoped_per_account(sandbox):
    other = make_harness()
    try:
        key = str(uuid.uuid4())
        a = put(sandbox, "create.new_fx", {"prompt": "p", "duration": 1}, key=key).json()["fx"][
            "id"
        ]
        b = put(other, "create.new_fx", {"prompt": "p", "duration": 1}, key=key).json()["fx"]["id"]
        assert a != b and SandboxOperation.objects.count() == 2
        # And one account cannot read the other's operation.
        assert get(other, "create.new_fx", a).status_code == 422
    finally:
        other.close()


def test_concurrent_repeats_make_one_operation(sandbox):
    key = str(uuid.uuid4())
    body = {"idempotency_key": key, "prompt": "p", "duration": 1}
    headers = {"Authorization": f"Bearer {sandbox.account.api_key}"}

    async def burst():
        return await asyncio.gather(
            *(sandbox.http.put("/v1/create.new_fx", json=body, headers=headers) for _ in range(5))
        )

    responses = sandbox.run(burst())
    assert {r.status_code for r in responses} == {200}
    assert len({r.json()["fx"]["id"] for r in responses}) == 1
    assert SandboxOperation.objects.count() == 1


# --- Lifecycle and polling ------------------------------------------------------------------
def test_processing_until_ready_then_outputs_with_fresh_links(transactional_db):
    harness = make_harness(processing_seconds=60)
    try:
        remote_id = put(harness, "create.new_song", SONG).json()["song"]["id"]
        processing = get(harness, "create.new_song", remote_id).json()["song"]
        assert processing["status"] == "processing" and processing["outputs"] is None
        SandboxOperation.objects.filter(remote_id=remote_id).update(ready_at=datetime.now(UTC))
        ready = get(harness, "create.new_song", remote_id).json()["song"]
        assert ready["status"] == "ready" and ready["error"] is None
        assert len(ready["outputs"]) == 2
        for output in ready["outputs"]:
            assert set(output) == {"url", "expires_at", "duration"}
            expires = datetime.strptime(output["expires_at"], "%Y-%m-%dT%H:%M:%SZ").replace(
                tzinfo=UTC
            )
            assert 890 <= (expires - datetime.now(UTC)).total_seconds() <= 901
    finally:
        harness.close()


def test_links_are_signed_again_on_every_get(sandbox):
    remote_id = put(sandbox, "create.new_fx", {"prompt": "p", "duration": 1}).json()["fx"]["id"]
    first = get(sandbox, "create.new_fx", remote_id).json()["fx"]["output"]
    SandboxAccount.objects.filter(pk=sandbox.account.pk).update(
        options={**sandbox.account.options, "url_ttl": 60}
    )
    second = get(sandbox, "create.new_fx", remote_id).json()["fx"]["output"]
    assert second["url"] != first["url"] and second["expires_at"] < first["expires_at"]
    download = sandbox.run(sandbox.http.get(second["url"]))
    assert download.status_code == 200 and download.headers["content-type"] == "audio/flac"


def test_stems_outputs_carry_their_kind(sandbox):
    source = made_url(sandbox)
    remote_id = put(sandbox, "adapt.separate_stems", {"source": {"url": source}}).json()["stems"][
        "id"
    ]
    outputs = get(sandbox, "adapt.separate_stems", remote_id).json()["stems"]["outputs"]
    assert [o["kind"] for o in outputs] == ["vocals", "drums", "bass", "other"]


def test_long_polls_wait_concurrently_without_holding_each_other(transactional_db):
    harness = make_harness(processing_seconds=60, wait_cap=2)
    try:
        ids = [
            put(harness, "create.new_fx", {"prompt": str(i), "duration": 1}).json()["fx"]["id"]
            for i in range(12)
        ]
        headers = {"Authorization": f"Bearer {harness.account.api_key}"}

        async def hold_all():
            return await asyncio.gather(
                *(
                    harness.http.get(
                        "/v1/create.new_fx", params={"id": i, "wait": "true"}, headers=headers
                    )
                    for i in ids
                )
            )

        started = time.monotonic()
        responses = harness.run(hold_all())
        elapsed = time.monotonic() - started
        assert {r.json()["fx"]["status"] for r in responses} == {"processing"}
        # Twelve 2 s holds one after another would take 24 s; held together they take about
        # 2 s. Half the serial time leaves room for a busy machine and still tells them apart.
        assert 1.9 < elapsed < 12
    finally:
        harness.close()


def test_wait_false_answers_at_once(transactional_db):
    harness = make_harness(processing_seconds=60, wait_cap=5)
    try:
        remote_id = put(harness, "create.new_fx", {"prompt": "p", "duration": 1}).json()["fx"]["id"]
        started = time.monotonic()
        assert get(harness, "create.new_fx", remote_id).json()["fx"]["status"] == "processing"
        assert time.monotonic() - started < 1
    finally:
        harness.close()


@pytest.mark.parametrize(("status", "body_type"), [(422, list), (400, str), (410, str)])
def test_unknown_ids_answer_as_configured_and_never_404(transactional_db, status, body_type):
    harness = make_harness() if status == 422 else make_harness(unknown_id_status=status)
    try:
        response = get(harness, "create.new_song", "op_" + "0" * 26)
        assert response.status_code == status
        assert isinstance(response.json()["detail"], body_type)
    finally:
        harness.close()


# --- Money and limits -----------------------------------------------------------------------
def test_credits_are_debited_on_acceptance_and_402_when_spent(transactional_db):
    harness = make_harness(credit_costs={"create.new_song": 2})
    SandboxAccount.objects.filter(pk=harness.account.pk).update(balance=3)
    try:
        assert put(harness, "create.new_song", SONG).status_code == 200
        refused = put(harness, "create.new_song", SONG)
        assert refused.status_code == 402
        assert "Insufficient credits" in refused.json()["detail"]
        assert put(harness, "create.new_fx", {"prompt": "p", "duration": 1}).status_code == 200
        harness.account.refresh_from_db()
        assert harness.account.balance == 0
        assert SandboxOperation.objects.count() == 2
    finally:
        harness.close()


def test_the_rate_limit_answers_429_with_retry_after_and_the_documented_text(transactional_db):
    harness = make_harness(rate_limit={"requests": 3, "seconds": 30})
    try:
        for _ in range(3):
            assert put(harness, "create.new_fx", {"prompt": "p", "duration": 1}).status_code == 200
        limited = put(harness, "create.new_fx", {"prompt": "p", "duration": 1})
        assert limited.status_code == 429
        seconds = int(limited.headers["retry-after"])
        assert 1 <= seconds <= 30
        assert limited.json() == {"detail": f"Rate limit exceeded; retry in {seconds} seconds"}
        assert not [h for h in limited.headers if h.lower().startswith("x-ratelimit")]
        assert SandboxOperation.objects.count() == 3
    finally:
        harness.close()


# --- Faults ---------------------------------------------------------------------------------
def test_server_errors_are_plain_text_and_recorded(sandbox):
    faults.inject(sandbox.account, "server_error", times=1, status=500)
    response = put(sandbox, "create.new_fx", {"prompt": "p", "duration": 1})
    assert response.status_code == 500 and response.text == "Internal Server Error"
    row = SandboxRequest.objects.get(status_code=500)
    assert row.fault == "server_error"


def test_slow_delays_the_answer(sandbox):
    faults.inject(sandbox.account, "slow", times=1, seconds=0.4)
    started = time.monotonic()
    assert put(sandbox, "create.new_fx", {"prompt": "p", "duration": 1}).status_code == 200
    assert time.monotonic() - started >= 0.4
    assert SandboxRequest.objects.filter(fault="slow").count() == 1


def test_faults_are_recorded_with_their_name(sandbox):
    for kind in ("rate_limit", "reject_key", "out_of_credits", "nsfw"):
        faults.inject(sandbox.account, kind, times=1)
        put(sandbox, "create.new_song", SONG)
    assert list(
        SandboxRequest.objects.order_by("created_at").values_list("fault", "status_code")
    ) == [
        ("rate_limit", 429),
        ("reject_key", 401),
        ("out_of_credits", 402),
        ("nsfw", 200),
    ]


def test_content_faults_fail_with_a_content_code(sandbox):
    faults.inject(sandbox.account, "artist_name", times=1)
    remote_id = put(sandbox, "create.new_song", SONG).json()["song"]["id"]
    dto = get(sandbox, "create.new_song", remote_id).json()["song"]
    assert dto["status"] == "failed" and dto["outputs"] is None
    assert dto["error"] == {
        "code": "content_policy_violation",
        "message": "The prompt or lyrics name a real artist.",
    }


def test_ids_are_unique_and_well_formed(sandbox):
    ids = [
        put(sandbox, "create.new_fx", {"prompt": "p", "duration": 1}).json()["fx"]["id"]
        for _ in range(5)
    ]
    assert len(set(ids)) == 5 and all(OP_ID.match(i) for i in ids)


def test_a_poller_cancelled_while_claiming_the_render_leaves_no_stranded_claim(
    transactional_db, monkeypatch
):
    # The claim is committed in the database thread; a poller cancelled while it waits for the
    # claim's answer (its client hung up) must still see the render through, or the operation
    # stays claimed until the render lease (two minutes) runs out.
    import threading

    from soundsite.sandbox import soundpiece, soundpiece_ops

    harness = make_harness(processing_seconds=60)
    try:
        remote_id = put(harness, "create.new_song", SONG).json()["song"]["id"]
        SandboxOperation.objects.filter(remote_id=remote_id).update(ready_at=datetime.now(UTC))
        op = SandboxOperation.objects.get(remote_id=remote_id)
        claiming, go_on = threading.Event(), threading.Event()
        claim = soundpiece_ops._claim

        def slow_claim(found):
            won = claim(found)
            claiming.set()
            go_on.wait(30)
            return won

        monkeypatch.setattr(soundpiece_ops, "_claim", slow_claim)

        async def hang_up_while_claiming():
            poller = asyncio.ensure_future(soundpiece.advance(op))
            while not claiming.is_set():
                await asyncio.sleep(0.01)
            poller.cancel()
            with pytest.raises(asyncio.CancelledError):
                await poller
            go_on.set()
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                fresh = await soundpiece.db(SandboxOperation.objects.get)(pk=op.pk)
                if fresh.status == "ready":
                    return fresh
                await soundpiece.advance(fresh)
                await asyncio.sleep(0.05)
            return fresh

        assert asyncio.run(hang_up_while_claiming()).status == "ready"
    finally:
        harness.close()
