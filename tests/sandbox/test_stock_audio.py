"""The sandbox's ``stock_audio`` option (load tests): each shape of output is rendered once."""

import pytest

from soundsite.sandbox import soundpiece_ops, stock
from tests.providers.soundpiece_support import make_harness
from tests.sandbox.soundverse_support import call, download, new_account


@pytest.fixture(autouse=True)
def fresh_stock():
    stock.forget()
    yield
    stock.forget()


@pytest.fixture
def counted_renders(monkeypatch):
    """How many times the Soundpiece stand-in really rendered."""
    calls = []
    real = soundpiece_ops.render

    def render(job, sources):
        calls.append(job.remote_id)
        return real(job, sources)

    monkeypatch.setattr(soundpiece_ops, "render", render)
    return calls


def soundpiece_outputs(harness, prompt, seconds=2):
    _, result = harness.finish("create.new_fx", {"prompt": prompt, "duration": seconds})
    return result


def test_soundpiece_renders_each_shape_once_and_gives_every_job_its_own_files(
    transactional_db, counted_renders
):
    harness = make_harness(stock_audio=True, variations=1)
    try:
        first = soundpiece_outputs(harness, "door creak")
        second = soundpiece_outputs(harness, "thunder far away")
        longer = soundpiece_outputs(harness, "door creak", seconds=3)
        assert len(counted_renders) == 2  # the 2 s shape once, the 3 s shape once
        assert first.outputs[0].url != second.outputs[0].url  # files of their own
        assert harness.download(first.outputs[0].url) == harness.download(second.outputs[0].url)
        assert harness.download(longer.outputs[0].url) != harness.download(first.outputs[0].url)
    finally:
        harness.close()


def test_without_the_option_every_job_is_rendered(transactional_db, counted_renders):
    harness = make_harness(variations=1)
    try:
        first = soundpiece_outputs(harness, "door creak")
        second = soundpiece_outputs(harness, "thunder far away")
        assert len(counted_renders) == 2
        assert harness.download(first.outputs[0].url) != harness.download(second.outputs[0].url)
    finally:
        harness.close()


def test_soundverse_stock_audio_is_shared_between_jobs(transactional_db):
    account = new_account(stock_audio=True)
    first, _, _ = call(account, "song_v5_sync", {"prompt": "calm piano"})
    second, _, _ = call(account, "song_v5_sync", {"prompt": "loud brass"})
    assert [o.url for o in first.outputs] != [o.url for o in second.outputs]
    assert download(first.outputs[0].url) == download(second.outputs[0].url)

    plain = new_account()
    third, _, _ = call(plain, "song_v5_sync", {"prompt": "calm piano"})
    fourth, _, _ = call(plain, "song_v5_sync", {"prompt": "loud brass"})
    assert download(third.outputs[0].url) != download(fourth.outputs[0].url)


def test_a_failed_render_is_not_kept():
    attempts = []

    def fails():
        attempts.append(1)
        raise RuntimeError("synthesiser broke")

    for _ in range(2):
        with pytest.raises(RuntimeError):
            stock.once("shape", fails)
    assert len(attempts) == 2
    assert stock.once("shape", lambda: b"audio") == b"audio"
    assert stock.once("shape", lambda: b"other") == b"audio"
