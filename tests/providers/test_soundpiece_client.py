"""The Soundpiece client against the sandbox, in-process over real HTTP semantics.

Every action runs from submit to downloadable FLAC; every error kind and every injected fault
is met the way the pipeline will meet it, and "exactly one operation" is proved from the
sandbox's own counters.
"""

import io
import logging
import time
import uuid

import httpx
import pytest
import soundfile

from soundsite.providers.base import (
    Client,
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
from soundsite.providers.downloads import DownloadIncomplete, LinkExpired
from soundsite.providers.registry import client_for
from soundsite.providers.soundpiece import OperationNotFound, SoundpieceClient
from soundsite.sandbox import faults
from soundsite.sandbox.models import SandboxAccount, SandboxOperation
from tests.providers.soundpiece_support import BASE_URL, make_harness


@pytest.fixture
def soundpiece(transactional_db):
    harness = make_harness()
    yield harness
    harness.close()


SONG = {"prompt": "synthwave, melancholic, mid-tempo", "lyrics": "[Verse]\nNeon on the water"}


def flac_info(data: bytes):
    info = soundfile.info(io.BytesIO(data))
    return info.format, info.samplerate, info.frames / info.samplerate


def made_track(harness, seconds=3.0):
    """A sandbox-made sample, to feed the adapt and remix actions."""
    _, result = harness.finish(
        "create.new_sample", {"prompt": "funk, bass, drums", "duration": seconds}
    )
    return result.outputs[0].url


# --- Every action, down to the bytes --------------------------------------------------------
def test_it_implements_the_client_protocol(soundpiece):
    assert isinstance(soundpiece.client, Client)
    made = client_for("soundpiece", "spk_x", base_url=BASE_URL, transport=soundpiece.transport)
    assert isinstance(made, SoundpieceClient) and made.base_url == BASE_URL
    soundpiece.run(made.aclose())


def test_new_song_from_a_prompt(soundpiece):
    seen = []
    submitted = soundpiece.submit("create.new_song", SONG, on_remote_id=seen.append)
    assert submitted.status is Status.RUNNING and submitted.outputs == []
    assert seen == [submitted.remote_id]
    result = soundpiece.run(soundpiece.client.wait("create.new_song", submitted.remote_id))
    assert result.status is Status.READY and result.remote_id == submitted.remote_id
    assert len(result.outputs) == 2  # the sandbox's default number of variations
    for output in result.outputs:
        fmt, rate, seconds = flac_info(soundpiece.download(output.url))
        assert (fmt, rate) == ("FLAC", 44100)
        assert seconds == pytest.approx(output.duration, abs=0.01)
        assert output.expires_at is not None and output.format == "flac"


def test_new_song_from_a_reference_track(soundpiece):
    reference = made_track(soundpiece)
    _, result = soundpiece.finish("create.new_song", {"reference": reference, "lyrics": "la la"})
    assert result.status is Status.READY
    assert result.raw["reference"] == {"url": reference} and result.raw["prompt"] is None
    assert flac_info(soundpiece.download(result.outputs[0].url))[0] == "FLAC"


def test_new_instrumental_both_variants(soundpiece):
    _, by_prompt = soundpiece.finish("create.new_instrumental", {"prompt": "lofi, rain"})
    assert by_prompt.status is Status.READY and len(by_prompt.outputs) == 2
    reference = made_track(soundpiece)
    _, by_reference = soundpiece.finish("create.new_instrumental", {"reference": reference})
    assert by_reference.status is Status.READY
    assert flac_info(soundpiece.download(by_reference.outputs[1].url))[1] == 44100


def test_new_sample_has_the_requested_duration(soundpiece):
    _, result = soundpiece.finish(
        "create.new_sample", {"prompt": "rock, guitar", "duration": 2.5, "loopable": True}
    )
    [output] = result.outputs
    assert output.duration == pytest.approx(2.5, abs=0.01)
    assert flac_info(soundpiece.download(output.url))[2] == pytest.approx(2.5, abs=0.01)
    assert result.raw["loopable"] is True


def test_new_fx(soundpiece):
    _, result = soundpiece.finish("create.new_fx", {"prompt": "a riser", "duration": 1.5})
    assert [round(o.duration, 2) for o in result.outputs] == [1.5]
    assert "loopable" not in result.raw


def test_remix_song_makes_n_variations(soundpiece):
    source = made_track(soundpiece)
    params = {"source": source, "lyrics": "new words", "prompt": "acoustic", "n_variations": 3}
    _, result = soundpiece.finish("create.remix_song", params)
    assert len(result.outputs) == 3 and result.raw["n_variations"] == 3
    for output in result.outputs:
        assert flac_info(soundpiece.download(output.url))[0] == "FLAC"


def test_remix_instrumental_defaults_to_one_variation(soundpiece):
    source = made_track(soundpiece)
    _, result = soundpiece.finish("create.remix_instrumental", {"source": source})
    assert len(result.outputs) == 1 and result.raw["n_variations"] == 1


def test_separate_stems_gives_four_kinds(soundpiece):
    source = made_track(soundpiece, seconds=2.0)
    _, result = soundpiece.finish("adapt.separate_stems", {"source": source})
    assert sorted(o.kind for o in result.outputs) == ["bass", "drums", "other", "vocals"]
    for output in result.outputs:
        assert flac_info(soundpiece.download(output.url))[2] == pytest.approx(2.0, abs=0.01)


def test_auto_cut_down_is_near_the_target(soundpiece):
    source = made_track(soundpiece, seconds=6.0)
    _, result = soundpiece.finish("adapt.auto_cut_down", {"source": source, "target_duration": 3})
    [output] = result.outputs
    assert output.duration == pytest.approx(3, abs=1.0)
    assert output.kind == "mix"


def test_sync_client_over_wsgi(transactional_db):
    from soundsite.providers.soundpiece import SoundpieceSyncClient
    from soundsite.sandbox.accounts import create_account
    from soundsite.wsgi import application

    account = create_account("soundpiece", processing_seconds=0, song_seconds=1, wait_cap=1)
    transport = httpx.WSGITransport(app=application)
    with SoundpieceSyncClient(account.api_key, base_url=BASE_URL, transport=transport) as client:
        client.check_key()
        submitted = client.submit(
            "create.new_fx", {"prompt": "impact", "duration": 1}, idempotency_key=str(uuid.uuid4())
        )
        result = client.poll("create.new_fx", submitted.remote_id, wait=True)
        assert result.status is Status.READY
        assert flac_info(client.download(result.outputs[0].url))[0] == "FLAC"


# --- Idempotency and retries ----------------------------------------------------------------
def test_resending_with_the_same_key_returns_the_same_operation(soundpiece):
    key = str(uuid.uuid4())
    first = soundpiece.submit("create.new_song", SONG, key=key)
    again = soundpiece.submit("create.new_song", SONG, key=key)
    assert again.remote_id == first.remote_id
    assert SandboxOperation.objects.filter(account=soundpiece.account).count() == 1
    assert faults.count(soundpiece.account, method="PUT", idempotency_key=key) == 2


def test_a_5xx_burst_then_success_creates_exactly_one_operation(soundpiece):
    faults.inject(soundpiece.account, "server_error", times=3, status=502)
    key = str(uuid.uuid4())
    for _ in range(3):
        with pytest.raises(ProviderUnavailable) as caught:
            soundpiece.submit("create.new_song", SONG, key=key)
        assert caught.value.status_code == 502 and caught.value.retryable
    result = soundpiece.submit("create.new_song", SONG, key=key)
    assert result.status is Status.RUNNING
    # Four PUTs arrived, all with the same key, and only one operation exists.
    assert faults.count(soundpiece.account, method="PUT", idempotency_key=key) == 4
    assert faults.count(soundpiece.account, method="PUT") == 4
    assert SandboxOperation.objects.filter(account=soundpiece.account).count() == 1


def test_a_5xx_after_the_operation_was_made_is_safe_to_resend(soundpiece):
    key = str(uuid.uuid4())
    first = soundpiece.submit("create.new_fx", {"prompt": "whoosh", "duration": 1}, key=key)
    faults.inject(soundpiece.account, "server_error", times=1)
    with pytest.raises(ProviderUnavailable):
        soundpiece.submit("create.new_fx", {"prompt": "whoosh", "duration": 1}, key=key)
    again = soundpiece.submit("create.new_fx", {"prompt": "whoosh", "duration": 1}, key=key)
    assert again.remote_id == first.remote_id
    assert SandboxOperation.objects.filter(account=soundpiece.account).count() == 1


def test_rate_limited_with_retry_after_then_success(soundpiece):
    faults.inject(soundpiece.account, "rate_limit", times=1, retry_after=7)
    key = str(uuid.uuid4())
    with pytest.raises(RateLimited) as caught:
        soundpiece.submit("create.new_song", SONG, key=key)
    assert caught.value.retry_after == 7 and caught.value.status_code == 429
    assert soundpiece.submit("create.new_song", SONG, key=key).remote_id
    assert SandboxOperation.objects.filter(account=soundpiece.account).count() == 1


def test_the_accounts_own_rate_limit(transactional_db):
    harness = make_harness(rate_limit={"requests": 2, "seconds": 60})
    try:
        harness.submit("create.new_fx", {"prompt": "a", "duration": 1})
        harness.submit("create.new_fx", {"prompt": "b", "duration": 1})
        with pytest.raises(RateLimited) as caught:
            harness.submit("create.new_fx", {"prompt": "c", "duration": 1})
        assert 55 <= caught.value.retry_after <= 60
    finally:
        harness.close()


def test_slow_past_the_client_timeout_is_unavailable_and_resending_is_safe(transactional_db):
    harness = make_harness()
    impatient = harness.client_for(harness.account.api_key, timeout=0.3, connect_timeout=0.2)
    try:
        faults.inject(harness.account, "slow", times=1, seconds=5)
        key = str(uuid.uuid4())
        started = time.monotonic()
        with pytest.raises(ProviderUnavailable) as caught:
            harness.submit("create.new_song", SONG, key=key, client=impatient)
        # Given up long before the stand-in's 5 s answer (a busy machine may add a little).
        assert time.monotonic() - started < 4.5
        assert "too long" in caught.value.message
        result = harness.submit("create.new_song", SONG, key=key, client=impatient)
        assert result.status is Status.RUNNING
        assert SandboxOperation.objects.filter(account=harness.account).count() == 1
    finally:
        harness.run(impatient.aclose())
        harness.close()


def test_connection_errors_are_unavailable():
    def refuse(request):
        raise httpx.ConnectError("connection refused", request=request)

    client = SoundpieceClient("spk_test_key", transport=httpx.MockTransport(refuse))
    import asyncio

    with pytest.raises(ProviderUnavailable) as caught:
        asyncio.run(client.submit("create.new_song", SONG, idempotency_key=str(uuid.uuid4())))
    assert "could not reach" in caught.value.message


# --- Operation failures ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("injected", "code"),
    [
        ({}, "internal_error"),
        ({"code": "source_unreachable", "message": "Could not fetch"}, "source_unreachable"),
        ({"code": "model_melted"}, "internal_error"),
    ],
)
def test_failed_operations_carry_their_code(soundpiece, injected, code):
    faults.inject(soundpiece.account, "fail", times=1, **injected)
    submitted, result = soundpiece.finish("create.new_song", SONG)
    assert submitted.status is Status.RUNNING  # accepted first, failed later
    assert result.status is Status.FAILED and result.outputs == []
    assert isinstance(result.error, OperationFailed)
    assert result.error.code == code
    assert result.error.provider_code == injected.get("code", "internal_error")


@pytest.mark.parametrize(("kind", "reason"), [("nsfw", "nsfw"), ("artist_name", "artist_name")])
def test_content_rejections(soundpiece, kind, reason):
    faults.inject(soundpiece.account, kind, times=1)
    _, result = soundpiece.finish("create.new_song", SONG)
    assert result.status is Status.FAILED
    assert isinstance(result.error, ContentRejected)
    assert result.error.reason == reason
    assert result.error.code == "content_policy_violation"


def test_an_unreachable_source_fails_the_operation(soundpiece):
    params = {"source": "https://unreachable.invalid/track.flac"}
    import soundsite.sandbox.soundpiece_ops as ops

    def not_there(request):
        return httpx.Response(404)

    ops.input_transport = httpx.MockTransport(not_there)
    try:
        _, result = soundpiece.finish("adapt.separate_stems", params)
    finally:
        ops.input_transport = None
    assert result.status is Status.FAILED
    assert result.error.code == "source_unreachable"


# --- Downloads ------------------------------------------------------------------------------
def test_a_truncated_download_is_detected(soundpiece):
    _, result = soundpiece.finish("create.new_fx", {"prompt": "impact", "duration": 2})
    faults.inject(soundpiece.account, "truncate", times=1, fraction=0.3)
    with pytest.raises(DownloadIncomplete) as caught:
        soundpiece.download(result.outputs[0].url)
    assert caught.value.expected > caught.value.received > 0
    assert caught.value.retryable
    assert flac_info(soundpiece.download(result.outputs[0].url))[0] == "FLAC"


def test_an_expired_link_is_refused_and_polling_gives_a_fresh_one(soundpiece):
    submitted, _ = soundpiece.finish("create.new_fx", {"prompt": "impact", "duration": 1})
    faults.inject(soundpiece.account, "expire", times=1)
    stale = soundpiece.poll("create.new_fx", submitted.remote_id).outputs[0]
    with pytest.raises(LinkExpired) as caught:
        soundpiece.download(stale.url)
    assert caught.value.status_code == 403
    [fresh] = soundpiece.run(
        soundpiece.client.refresh_outputs("create.new_fx", submitted.remote_id)
    )
    assert fresh.url != stale.url and fresh.expires_at > stale.expires_at
    assert flac_info(soundpiece.download(fresh.url))[0] == "FLAC"


def test_downloads_never_carry_the_api_key(soundpiece):
    _, result = soundpiece.finish("create.new_fx", {"prompt": "impact", "duration": 1})
    seen = []

    def cdn(request):
        seen.append(request)
        return httpx.Response(200, content=b"fLaC")

    cdn_client = SoundpieceClient(soundpiece.account.api_key, transport=httpx.MockTransport(cdn))
    soundpiece.run(cdn_client.download(result.outputs[0].url))
    soundpiece.run(cdn_client.aclose())
    assert "authorization" not in seen[0].headers


# --- Money and keys -------------------------------------------------------------------------
def test_out_of_credits_then_retry_with_the_same_key_after_top_up(soundpiece):
    faults.inject(soundpiece.account, "out_of_credits", times=1)
    key = str(uuid.uuid4())
    with pytest.raises(OutOfCredits) as caught:
        soundpiece.submit("create.new_song", SONG, key=key)
    assert caught.value.status_code == 402
    assert "Top it up" in caught.value.message
    assert SandboxOperation.objects.filter(account=soundpiece.account).count() == 0
    assert soundpiece.submit("create.new_song", SONG, key=key).remote_id
    assert SandboxOperation.objects.filter(account=soundpiece.account).count() == 1


def test_a_spent_balance_is_402_until_topped_up(transactional_db):
    harness = make_harness()
    SandboxAccount.objects.filter(pk=harness.account.pk).update(balance=1)
    try:
        harness.submit("create.new_fx", {"prompt": "a", "duration": 1})
        key = str(uuid.uuid4())
        with pytest.raises(OutOfCredits):
            harness.submit("create.new_fx", {"prompt": "b", "duration": 1}, key=key)
        SandboxAccount.objects.filter(pk=harness.account.pk).update(balance=5)
        assert harness.submit("create.new_fx", {"prompt": "b", "duration": 1}, key=key).remote_id
        harness.account.refresh_from_db()
        assert harness.account.balance == 4
    finally:
        harness.close()


def test_a_rejected_key(soundpiece):
    faults.inject(soundpiece.account, "reject_key", times=2)
    with pytest.raises(KeyRejected):
        soundpiece.submit("create.new_song", SONG)
    with pytest.raises(KeyRejected):
        soundpiece.poll("create.new_song", "op_" + "1" * 26)
    stranger = soundpiece.client_for("spk_not_a_real_key")
    with pytest.raises(KeyRejected) as caught:
        soundpiece.run(stranger.check_key())
    assert "Settings → API keys" in caught.value.message
    soundpiece.run(stranger.aclose())


def test_check_key_accepts_a_valid_key_without_making_work(soundpiece):
    assert soundpiece.run(soundpiece.client.check_key()) is None
    assert SandboxOperation.objects.count() == 0
    assert faults.count(soundpiece.account, method="GET") == 1


@pytest.mark.parametrize("status", [400, 410, 422])
def test_check_key_accepts_any_unknown_id_answer(transactional_db, status):
    # What Soundpiece answers for an unknown id is undocumented; any non-401 answer from the
    # API itself means the key got through.
    harness = make_harness(unknown_id_status=status)
    try:
        assert harness.run(harness.client.check_key()) is None
    finally:
        harness.close()


def test_check_key_reports_a_wrong_base_url_instead_of_accepting(soundpiece):
    lost = soundpiece.client_for(soundpiece.account.api_key)
    lost.base_url = BASE_URL + "/typo"
    with pytest.raises(ProviderError) as caught:
        soundpiece.run(lost.check_key())
    assert not isinstance(caught.value, KeyRejected) and "base URL" in caught.value.message
    soundpiece.run(lost.aclose())


def test_check_key_cannot_tell_during_an_outage(soundpiece):
    faults.inject(soundpiece.account, "server_error", times=1)
    with pytest.raises(ProviderUnavailable):
        soundpiece.run(soundpiece.client.check_key())


def test_the_key_never_appears_in_errors_reprs_or_logs(soundpiece, caplog):
    caplog.set_level(logging.DEBUG)
    key = soundpiece.account.api_key
    faults.inject(soundpiece.account, "reject_key", times=1)
    with pytest.raises(KeyRejected) as caught:
        soundpiece.submit("create.new_song", SONG)
    error = caught.value
    for text in (str(error), repr(error), error.message, repr(error.detail)):
        assert key not in text
    assert key not in repr(soundpiece.client) and key not in repr(soundpiece.client._auth)
    assert key not in caplog.text
    faults.inject(soundpiece.account, "server_error", times=1)
    with pytest.raises(ProviderUnavailable) as caught:
        soundpiece.submit("create.new_song", SONG)
    assert key not in str(caught.value) and key not in repr(caught.value.__cause__)


# --- Input errors and lookups ---------------------------------------------------------------
def test_validation_errors_become_field_messages(soundpiece):
    with pytest.raises(InputRejected) as caught:
        soundpiece.submit("create.new_song", {"prompt": "x" * 1025, "lyrics": ""})
    assert caught.value.status_code == 422
    assert caught.value.fields == {
        "prompt": "Keep this to 1024 characters or fewer.",
        "lyrics": "This can't be empty.",
    }
    with pytest.raises(InputRejected) as caught:
        soundpiece.submit("create.remix_instrumental", {"source": "not a link", "n_variations": 4})
    assert set(caught.value.fields) == {"source", "n_variations"}
    assert caught.value.fields["n_variations"] == "Use 3 or less."
    with pytest.raises(InputRejected) as caught:
        soundpiece.submit("create.new_song", {"lyrics": "la"})
    assert set(caught.value.fields) == {"prompt", "reference"}
    with pytest.raises(InputRejected) as caught:
        soundpiece.submit("create.new_song", SONG, key="not-a-uuid")
    assert "idempotency_key" in caught.value.fields
    assert SandboxOperation.objects.count() == 0


def test_a_malformed_id_is_an_input_error(soundpiece):
    with pytest.raises(InputRejected) as caught:
        soundpiece.poll("create.new_song", "op_SHOUTING")
    assert "id" in caught.value.fields


@pytest.mark.parametrize("status", [422, 400, 404, 410])
def test_an_unknown_id_is_operation_not_found(transactional_db, status):
    harness = make_harness(unknown_id_status=status)
    try:
        with pytest.raises(OperationNotFound) as caught:
            harness.poll("create.new_song", "op_" + "z" * 26)
        assert caught.value.code == "operation_not_found"
    finally:
        harness.close()


def test_an_id_polled_on_another_action_is_unknown(soundpiece):
    submitted = soundpiece.submit("create.new_song", SONG)
    with pytest.raises(OperationNotFound):
        soundpiece.poll("create.new_sample", submitted.remote_id)


def test_a_wrong_base_url_says_so(soundpiece):
    lost = SoundpieceClient(
        soundpiece.account.api_key, base_url=BASE_URL + "/typo", transport=soundpiece.transport
    )
    with pytest.raises(ProviderError) as caught:
        soundpiece.submit("create.new_song", SONG, client=lost)
    assert caught.value.status_code == 404 and "base URL" in caught.value.message
    assert not isinstance(caught.value, OperationNotFound)
    soundpiece.run(lost.aclose())


# --- Polling --------------------------------------------------------------------------------
def test_long_poll_returns_as_soon_as_the_operation_is_ready(transactional_db):
    harness = make_harness(processing_seconds=0.4, wait_cap=5)
    try:
        submitted = harness.submit("create.new_fx", {"prompt": "impact", "duration": 1})
        started = time.monotonic()
        result = harness.poll("create.new_fx", submitted.remote_id, wait=True)
        elapsed = time.monotonic() - started
        assert result.status is Status.READY
        assert 0.2 < elapsed < 3
    finally:
        harness.close()


def test_long_poll_gives_up_at_the_cap_and_reports_running(transactional_db):
    harness = make_harness(processing_seconds=60, wait_cap=0.3)
    try:
        submitted = harness.submit("create.new_fx", {"prompt": "impact", "duration": 1})
        started = time.monotonic()
        result = harness.poll("create.new_fx", submitted.remote_id, wait=True)
        assert result.status is Status.RUNNING and result.stage
        assert 0.25 < time.monotonic() - started < 2
        assert harness.poll("create.new_fx", submitted.remote_id).status is Status.RUNNING
    finally:
        harness.close()


def test_long_poll_timeout_must_exceed_the_server_hold():
    with pytest.raises(ValueError, match="above 20"):
        SoundpieceClient("spk_x", long_poll_timeout=20)
