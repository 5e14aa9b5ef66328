"""Decoding checks and waveform peaks of uploaded and archived audio."""

import numpy as np
import pytest
import soundfile

from soundsite.lib.audio import BLOCK_FRAMES, NotAudio, analyse


def reference_peaks(audio: np.ndarray, buckets: int) -> list[float]:
    """The plain definition: the largest absolute sample of each equal slice."""
    frames = len(audio)
    size = int(np.ceil(frames / buckets))
    flat = np.abs(audio.reshape(frames, -1)).max(axis=1)
    return [round(float(flat[i : i + size].max()), 3) for i in range(0, frames, size)]


@pytest.mark.parametrize("channels", [1, 2, 6])
@pytest.mark.parametrize("frames", [1, 599, 4410, BLOCK_FRAMES + 17, 3 * BLOCK_FRAMES - 1])
def test_peaks_match_the_plain_definition(tmp_path, channels, frames):
    rng = np.random.default_rng(frames * channels)
    shape = (frames, channels) if channels > 1 else (frames,)
    audio = (rng.random(shape, dtype=np.float32) - 0.5) * 1.6
    path = tmp_path / "noise.wav"
    soundfile.write(path, audio, 8000, subtype="FLOAT")
    info, peaks = analyse(path)
    assert info.frames == frames and info.channels == channels
    assert peaks == pytest.approx(reference_peaks(audio, 600), abs=1e-3)


def test_a_file_cut_short_is_refused(tmp_path):
    path = tmp_path / "cut.flac"
    soundfile.write(path, np.zeros((44100 * 2, 2), dtype=np.float32) + 0.1, 44100)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(NotAudio):
        analyse(path)
