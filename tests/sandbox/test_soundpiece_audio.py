"""Audio from the Soundpiece stand-in: formats, lengths, stems and input audio it fetched."""

import io

import httpx
import numpy as np
import pytest
import soundfile

from soundsite.providers.base import Status
from soundsite.sandbox import soundpiece_ops
from tests.providers.soundpiece_support import make_harness


@pytest.fixture
def sandbox(transactional_db):
    harness = make_harness()
    yield harness
    harness.close()


def decode(harness, url):
    audio, rate = soundfile.read(io.BytesIO(harness.download(url)), dtype="float64", always_2d=True)
    return audio, rate


def wav_bytes(seconds, rate=22050):
    t = np.arange(int(seconds * rate)) / rate
    tone = 0.3 * np.sin(2 * np.pi * 330 * t)
    buffer = io.BytesIO()
    soundfile.write(buffer, tone, rate, format="WAV")
    return buffer.getvalue()


@pytest.fixture
def foreign_host():
    """Audio on a host the sandbox did not make, reached over (mock) HTTP."""
    served = {"https://media.example.com/voice.wav": wav_bytes(2.5)}
    served["https://media.example.com/broken.wav"] = b"RIFF but not really audio"
    requests = []

    def handle(request):
        requests.append(request)
        body = served.get(str(request.url))
        return httpx.Response(200, content=body) if body else httpx.Response(404)

    soundpiece_ops.input_transport = httpx.MockTransport(handle)
    yield requests
    soundpiece_ops.input_transport = None


def test_outputs_are_flac_at_44_1_khz(sandbox):
    _, result = sandbox.finish("create.new_song", {"prompt": "pop", "lyrics": "la"})
    for output in result.outputs:
        info = soundfile.info(io.BytesIO(sandbox.download(output.url)))
        assert (info.format, info.samplerate) == ("FLAC", 44100)
        assert info.frames / info.samplerate == pytest.approx(2.0, abs=0.05)


@pytest.mark.parametrize("seconds", [0.5, 1.25, 3.0])
def test_samples_and_effects_have_the_exact_requested_length(sandbox, seconds):
    for action in ("create.new_sample", "create.new_fx"):
        _, result = sandbox.finish(action, {"prompt": "bright synth", "duration": seconds})
        audio, rate = decode(sandbox, result.outputs[0].url)
        assert len(audio) == round(seconds * rate)
        assert result.outputs[0].duration == pytest.approx(seconds, abs=0.001)


def test_stems_of_audio_the_sandbox_did_not_make(sandbox, foreign_host):
    _, result = sandbox.finish(
        "adapt.separate_stems", {"source": "https://media.example.com/voice.wav"}
    )
    assert result.status is Status.READY, result.error
    assert [r.url.host for r in foreign_host] == ["media.example.com"]
    assert "authorization" not in foreign_host[0].headers
    for output in result.outputs:
        audio, rate = decode(sandbox, output.url)
        assert rate == 44100
        assert len(audio) / rate == pytest.approx(2.5, abs=0.01)


def test_undecodable_input_fails_the_operation(sandbox, foreign_host):
    _, result = sandbox.finish(
        "adapt.auto_cut_down",
        {"source": "https://media.example.com/broken.wav", "target_duration": 1},
    )
    assert result.status is Status.FAILED
    assert result.error.code == "source_undecodable"


def test_an_expired_sandbox_link_cannot_be_used_as_input(sandbox):
    from soundsite.sandbox import faults

    _, made = sandbox.finish("create.new_sample", {"prompt": "funk", "duration": 1})
    faults.inject(sandbox.account, "expire", times=1)
    [stale] = sandbox.run(sandbox.client.refresh_outputs("create.new_sample", made.remote_id))
    _, result = sandbox.finish("adapt.separate_stems", {"source": stale.url})
    assert result.status is Status.FAILED and result.error.code == "source_unreachable"
