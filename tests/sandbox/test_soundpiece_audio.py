"""Audio from the Soundpiece stand-in: formats, lengths, stems and input audio it fetched."""

import io

import httpx
import numpy as np
import pytest
import soundfile

from soundsite.providers.base import Status
from soundsite.sandbox import soundpiece_ops, synth
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


def recipe_of(harness, url):
    """The synth recipe a sandbox output carries (its FLAC comment tag)."""
    return synth.recipe_from_audio(harness.download(url))


def db(signal):
    return 20 * np.log10(np.sqrt(np.mean(np.square(signal))) + 1e-12)


def test_songs_are_flac_at_44_1_khz_in_whole_bars(sandbox):
    _, result = sandbox.finish("create.new_song", {"prompt": "pop, 120 bpm", "lyrics": "la"})
    assert len(result.outputs) == 2
    for output in result.outputs:
        data = sandbox.download(output.url)
        info = soundfile.info(io.BytesIO(data))
        assert (info.format, info.samplerate) == ("FLAC", 44100)
        seconds = info.frames / info.samplerate
        assert output.duration == pytest.approx(seconds, abs=0.001)
        # Songs are rounded to whole bars, so they come out within a bar of the setting.
        recipe = synth.recipe_from_audio(data)
        assert abs(seconds - 2.0) <= recipe.bar_seconds
        bars = seconds / recipe.bar_seconds
        assert bars == pytest.approx(round(bars), abs=0.01)
    # Variations differ from one another.
    first, second = (sandbox.download(o.url) for o in result.outputs)
    assert first != second


def test_stems_of_sandbox_audio_are_its_true_stems(transactional_db):
    harness = make_harness(song_seconds=6, variations=1)
    try:
        _, song = harness.finish("create.new_song", {"prompt": "funk, 100 bpm", "lyrics": "la la"})
        mix, _ = decode(harness, song.outputs[0].url)
        _, result = harness.finish("adapt.separate_stems", {"source": song.outputs[0].url})
        stems = {o.kind: decode(harness, o.url)[0] for o in result.outputs}
        assert set(stems) == {"vocals", "drums", "bass", "other"}
        # Each stem carries real signal, and together they give back the mix (16-bit rounding
        # aside): the residual is more than 40 dB below the mix.
        for audio in stems.values():
            assert db(audio) > -60
        residual = mix - sum(stems.values())
        assert db(residual) < db(mix) - 40
    finally:
        harness.close()


def test_cut_down_is_near_the_target_and_ends_on_a_bar_line(transactional_db):
    harness = make_harness(song_seconds=30, variations=1)
    try:
        _, song = harness.finish("create.new_song", {"prompt": "rock, 120 bpm", "lyrics": "la"})
        source = recipe_of(harness, song.outputs[0].url)
        _, result = harness.finish(
            "adapt.auto_cut_down", {"source": song.outputs[0].url, "target_duration": 12.5}
        )
        [output] = result.outputs
        audio, rate = decode(harness, output.url)
        seconds = len(audio) / rate
        assert abs(seconds - 12.5) <= 1.0
        beats = seconds / source.beat_seconds
        assert beats == pytest.approx(round(beats), abs=0.01)
        cut = recipe_of(harness, output.url)
        assert cut.kind == "cut" and (cut.tempo, cut.key) == (source.tempo, source.key)
    finally:
        harness.close()


def test_a_loopable_sample_has_no_seam(sandbox):
    _, result = sandbox.finish(
        "create.new_sample", {"prompt": "house, synth chords", "duration": 2, "loopable": True}
    )
    audio, _ = decode(sandbox, result.outputs[0].url)
    steps = np.abs(np.diff(audio, axis=0))
    seam = np.abs(audio[0] - audio[-1])
    # Jumping from the end back to the start is no bigger than an ordinary step inside.
    assert np.all(seam <= np.percentile(steps, 99.9, axis=0) + 1e-3)


def test_remixes_keep_tempo_and_key_and_sing_the_new_lyrics(sandbox):
    _, song = sandbox.finish("create.new_song", {"prompt": "pop, 110 bpm", "lyrics": "old words"})
    source = recipe_of(sandbox, song.outputs[0].url)
    params = {
        "source": song.outputs[0].url,
        "prompt": "acoustic guitar",
        "lyrics": "new words",
        "n_variations": 2,
    }
    _, result = sandbox.finish("create.remix_song", params)
    for output in result.outputs:
        remix = recipe_of(sandbox, output.url)
        assert (remix.tempo, remix.key, remix.mode) == (source.tempo, source.key, source.mode)
        assert remix.vocals and remix.extra["lyrics"] == "new words"
    _, plain = sandbox.finish("create.remix_instrumental", {"source": song.outputs[0].url})
    assert not recipe_of(sandbox, plain.outputs[0].url).vocals


def test_a_reference_track_sets_tempo_and_key(sandbox):
    _, ref = sandbox.finish("create.new_sample", {"prompt": "jazz, 92 bpm, d minor", "duration": 4})
    reference = recipe_of(sandbox, ref.outputs[0].url)
    _, result = sandbox.finish("create.new_instrumental", {"reference": ref.outputs[0].url})
    made = recipe_of(sandbox, result.outputs[0].url)
    assert (made.tempo, made.key, made.mode) == (reference.tempo, reference.key, reference.mode)


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
    stems = []
    for output in result.outputs:
        audio, rate = decode(sandbox, output.url)
        assert rate == 44100
        assert len(audio) / rate == pytest.approx(2.5, abs=0.01)
        stems.append(audio)
    # The filters split the (resampled) input so the parts still add up to it.
    t = np.arange(len(stems[0])) / 44100
    original = 0.3 * np.sin(2 * np.pi * 330 * t)
    assert db(sum(stems)[:, 0] - original) < db(original) - 30


def test_a_sandbox_file_that_travelled_is_still_recognised(sandbox, foreign_host):
    # The library archives outputs and serves them from its own links; the FLAC's recipe tag
    # lets the stand-in treat such a copy as its own audio.
    _, made = sandbox.finish("create.new_sample", {"prompt": "funk", "duration": 2})
    mix, _ = decode(sandbox, made.outputs[0].url)
    copy_url = "https://media.example.com/library/track.flac"
    archived = sandbox.download(made.outputs[0].url)
    soundpiece_ops.input_transport = httpx.MockTransport(
        lambda request: httpx.Response(200, content=archived)
    )
    _, result = sandbox.finish("adapt.separate_stems", {"source": copy_url})
    stems = [decode(sandbox, o.url)[0] for o in result.outputs]
    assert db(mix - sum(stems)) < db(mix) - 40


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
