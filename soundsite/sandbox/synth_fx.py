"""Sound effects: risers, impacts, whooshes and foley-like noises, chosen from prompt words."""

from __future__ import annotations

import numpy as np

from .synth_dsp import (
    SAMPLE_RATE,
    band,
    band_noise,
    decay,
    seconds_axis,
    shaped_noise,
    sine,
    soft_clip,
)
from .synth_style import normalise

SR = SAMPLE_RATE
F32 = np.float32

# Words → effect; the first effect (in this order) whose word appears in the prompt wins.
# fmt: off
EFFECT_WORDS: list[tuple[str, tuple[str, ...]]] = [
    ("downlifter", ("downlifter", "down lifter", "downsweep", "down sweep", "falling", "fall")),
    ("riser", ("riser", "rise", "rising", "build", "buildup", "build up", "uplifter", "tension",
               "sweep up", "upsweep", "crescendo")),
    ("thunder", ("thunder", "explosion", "blast", "storm hit", "detonation")),
    ("impact", ("impact", "hit", "boom", "slam", "thud", "stinger", "drop", "braam", "punch",
                "cinematic hit", "bang")),
    ("whoosh", ("whoosh", "swoosh", "swish", "woosh", "transition", "fly by", "flyby",
                "pass by", "swipe", "sweep")),
    ("footsteps", ("footstep", "footsteps", "steps", "walking", "walk", "running")),
    ("knock", ("knock", "knocking", "door")),
    ("rain", ("rain", "drizzle", "raindrops", "shower")),
    ("wind", ("wind", "windy", "breeze", "gust", "howling", "storm")),
    ("fire", ("fire", "campfire", "fireplace", "crackle", "crackling", "burning")),
    ("waves", ("ocean", "waves", "sea", "surf", "beach")),
    ("water", ("water", "stream", "river", "brook", "bubbles", "bubbling", "splash")),
    ("chime", ("chime", "notification", "ding", "bell", "alert", "success", "coin", "pickup",
               "ui", "interface")),
    ("click", ("click", "button", "tap", "tick")),
    ("zap", ("laser", "zap", "blaster", "sci fi", "scifi", "space", "ray gun", "pew")),
    ("glitch", ("glitch", "glitchy", "digital", "error", "malfunction", "static")),
    ("heartbeat", ("heartbeat", "heart beat", "pulse", "heart")),
    ("typing", ("typing", "keyboard", "typewriter", "keys clicking")),
    ("applause", ("applause", "clapping", "claps", "crowd", "audience", "cheer")),
    ("glass", ("glass", "shatter", "break", "breaking", "smash")),
]
# fmt: on


def effect_name(prompt: str) -> str:
    text = normalise(prompt)
    for name, words in EFFECT_WORDS:
        if any(f" {w} " in text for w in words):
            return name
    return "whoosh"


def render_effect(prompt: str, frames: int, seed: int) -> np.ndarray:
    """A stereo effect of exactly `frames` frames, peak about 0.9, faded at both ends."""
    name = effect_name(prompt)
    rng = np.random.default_rng([seed, frames])
    make = globals()["_" + name]
    audio = np.asarray(make(frames, rng), dtype=F32)
    if audio.ndim == 1:
        audio = np.stack([audio, audio], axis=1)
    audio = audio[:frames]
    if audio.shape[0] < frames:
        audio = np.pad(audio, ((0, frames - audio.shape[0]), (0, 0)))
    peak = float(np.max(np.abs(audio))) or 1.0
    audio = audio * F32(0.9 / peak)
    fade_in = min(frames // 4, int(0.003 * SR))
    fade_out = min(frames // 4, int(0.02 * SR))
    if fade_in:
        audio[:fade_in] *= np.linspace(0, 1, fade_in, dtype=F32)[:, None]
    if fade_out:
        audio[frames - fade_out :] *= np.linspace(1, 0, fade_out, dtype=F32)[:, None]
    return audio.astype(F32)


def _stereo_noise(n, rng, mask_fn) -> np.ndarray:
    return np.stack([shaped_noise(n, rng, mask_fn), shaped_noise(n, rng, mask_fn)], axis=1)


def _log_band(freqs, centre, width_octaves):
    safe = np.maximum(freqs, 1.0)
    return np.exp(-0.5 * (np.log2(safe / centre) / width_octaves) ** 2)


def _riser(n, rng):
    total = n / SR

    def mask(freqs, times):
        progress = np.clip(times / max(total, 1e-3), 0, 1)
        centre = 300.0 * (9000.0 / 300.0) ** progress
        return _log_band(freqs[None, :], centre, 0.9) * (0.1 + progress) ** 2

    air = _stereo_noise(n, rng, mask)
    t = seconds_axis(n)
    progress = t / F32(max(total, 1e-3))
    freq = 110.0 * 2.0 ** (3.0 * progress)
    tone = sine(freq, n) * progress**2 * 0.35
    return air + tone[:, None]


def _downlifter(n, rng):
    return _riser(n, rng)[::-1].copy()


def _impact(n, rng):
    t = seconds_axis(n)
    freq = 38.0 + 90.0 * np.exp(-t / 0.06)
    boom = sine(freq, n) * decay(n, 0.9)
    boom = soft_clip(boom, 2.0)
    crack = band_noise(n, rng, 200, 12000) * decay(n, 0.08) * 0.6
    tail = band_noise(n, rng, 40, 400) * decay(n, 1.5) * 0.25
    mono = boom + crack + tail
    wide = band_noise(n, rng, 2000, 12000) * decay(n, 0.4) * 0.15
    return np.stack([mono + wide, mono - wide], axis=1)


def _thunder(n, rng):
    t = seconds_axis(n)
    rumble = band_noise(n, rng, 25, 350)
    flutter = band(rng.standard_normal(n).astype(F32), 0.5, 8)
    flutter = np.abs(flutter) / F32(max(1e-6, float(np.max(np.abs(flutter)))))
    rumble = rumble * (0.3 + flutter) * decay(n, max(0.8, n / SR / 2.5))
    crack = band_noise(n, rng, 500, 9000) * np.exp(-np.maximum(0, t - 0.02) / 0.15)
    return _impact(n, rng) * 0.5 + (rumble + 0.4 * crack)[:, None]


def _whoosh(n, rng):
    total = n / SR

    def mask(freqs, times):
        progress = np.clip(times / max(total, 1e-3), 0, 1)
        swell = np.sin(np.pi * progress) ** 2
        centre = 400.0 * (5000.0 / 400.0) ** swell
        return _log_band(freqs[None, :], centre, 1.1) * swell

    mono = shaped_noise(n, rng, mask)
    pan = np.linspace(-0.8, 0.8, n, dtype=F32)
    left = mono * np.sqrt(0.5 * (1 - pan))
    right = mono * np.sqrt(0.5 * (1 + pan))
    return np.stack([left, right], axis=1)


def _events(n, times, make, rng, spread=0.4) -> np.ndarray:
    """Place short sounds made by make(rng) at the given times (seconds), with random pans."""
    out = np.zeros((n, 2), dtype=F32)
    for time in times:
        start = int(time * SR)
        if start >= n:
            continue
        sound = make(rng)
        take = min(len(sound), n - start)
        pan = rng.uniform(-spread, spread)
        out[start : start + take, 0] += sound[:take] * F32(1 - pan)
        out[start : start + take, 1] += sound[:take] * F32(1 + pan)
    return out


def _poisson_times(n, rate, rng) -> np.ndarray:
    total = n / SR
    count = rng.poisson(rate * total)
    return np.sort(rng.uniform(0, total, size=count))


def _step(rng):
    m = int(0.25 * SR)
    t = seconds_axis(m)
    thud = np.sin(2 * np.pi * 75 * t).astype(F32) * decay(m, 0.05)
    grit = band_noise(m, rng, 800, 5000) * decay(m, 0.03) * 0.5
    scuff = band_noise(m, rng, 300, 3000) * np.exp(-np.abs(t - 0.09) / 0.02).astype(F32) * 0.25
    return (thud + grit + scuff) * F32(rng.uniform(0.7, 1.0))


def _footsteps(n, rng):
    interval = rng.uniform(0.5, 0.6)
    times = np.arange(0.05, n / SR, interval) + rng.uniform(-0.02, 0.02, size=1)
    return _events(n, times, _step, rng, 0.3)


def _knock_one(rng):
    m = int(0.15 * SR)
    t = seconds_axis(m)
    wood = (np.sin(2 * np.pi * 190 * t) + 0.6 * np.sin(2 * np.pi * 430 * t)).astype(F32)
    return wood * decay(m, 0.03) + band_noise(m, rng, 1000, 6000) * decay(m, 0.004) * 0.5


def _knock(n, rng):
    times = []
    start = 0.05
    while start < n / SR:
        times += [start, start + 0.2, start + 0.4]
        start += 1.6
    return _events(n, times, _knock_one, rng, 0.1)


def _drop(rng):
    m = int(0.03 * SR)
    return band_noise(m, rng, 2000, 9000) * decay(m, 0.004) * F32(rng.uniform(0.2, 1.0))


def _rain(n, rng):
    bed = np.stack([band_noise(n, rng, 400, 8000), band_noise(n, rng, 400, 8000)], axis=1) * 0.15
    return bed + _events(n, _poisson_times(n, 250, rng), _drop, rng, 0.9)


def _wind(n, rng):
    total = n / SR
    lfo_phase = rng.uniform(0, 6.28, size=2)

    def mask(freqs, times):
        sway = 0.5 + 0.5 * np.sin(2 * np.pi * 0.15 * times + lfo_phase[0])
        centre = 250.0 + 700.0 * sway
        gust = 0.4 + 0.6 * (0.5 + 0.5 * np.sin(2 * np.pi * 0.23 * times + lfo_phase[1]))
        return _log_band(freqs[None, :], centre, 0.7) * gust

    del total
    return _stereo_noise(n, rng, mask)


def _crackle(rng):
    m = int(0.01 * SR)
    return band_noise(m, rng, 1500, 10000) * decay(m, 0.002) * F32(rng.uniform(0.3, 1.0))


def _fire(n, rng):
    roar = np.stack([band_noise(n, rng, 60, 500), band_noise(n, rng, 60, 500)], axis=1) * 0.35
    return roar + _events(n, _poisson_times(n, 25, rng), _crackle, rng, 0.8)


def _waves(n, rng):
    period = rng.uniform(5.0, 8.0)

    def mask(freqs, times):
        swell = 0.15 + 0.85 * np.sin(np.pi * (times / period) % np.pi) ** 2
        return _log_band(freqs[None, :], 700.0 + 900.0 * swell, 1.4) * swell

    return _stereo_noise(n, rng, mask)


def _water(n, rng):
    hop_centres = rng.uniform(350, 1800, size=int(n / SR * 25) + 4)

    def mask(freqs, times):
        idx = np.minimum((times[:, 0] * 25).astype(int), len(hop_centres) - 1)
        centre = hop_centres[idx][:, None]
        return _log_band(freqs[None, :], centre, 0.35)

    return _stereo_noise(n, rng, mask)


def _tone(freq, seconds, tau, harmonics=(1.0, 0.3, 0.1)):
    m = int(seconds * SR)
    t = seconds_axis(m)
    x = np.zeros(m, dtype=F32)
    for h, amp in enumerate(harmonics, start=1):
        x += amp * np.sin(2 * np.pi * freq * h * t).astype(F32)
    return x * decay(m, tau)


def _chime(n, rng):
    root = 880.0 * 2 ** (int(rng.integers(0, 5)) / 12)
    first = _tone(root, 1.2, 0.35, (1.0, 0.2, 0.35))
    second = _tone(root * 2 ** (7 / 12), 1.2, 0.45, (1.0, 0.2, 0.35))
    out = np.zeros(n, dtype=F32)
    for start, sound in ((0, first), (int(0.12 * SR), second)):
        if start < n:
            take = min(len(sound), n - start)
            out[start : start + take] += sound[:take]
    return out


def _click(n, rng):
    out = np.zeros(n, dtype=F32)
    m = min(n, int(0.02 * SR))
    out[:m] = band_noise(m, rng, 2000, 9000) * decay(m, 0.002)
    out[:m] += _tone(2400.0, m / SR, 0.004, (1.0,))[:m] * 0.5
    return out


def _zap(n, rng):
    out = np.zeros(n, dtype=F32)
    shot = int(min(n / SR, 0.35) * SR)
    t = seconds_axis(shot)
    freq = 180.0 + 2800.0 * np.exp(-t / 0.05)
    x = sine(freq, shot)
    x = soft_clip(x * 2.0, 2.0) * decay(shot, 0.12)
    repeat = max(shot, int(0.5 * SR))
    for start in range(0, n, repeat):
        take = min(shot, n - start)
        out[start : start + take] += x[:take]
    return out


def _glitch(n, rng):
    out = np.zeros(n, dtype=F32)
    grid = int(SR / 16)
    for start in range(0, n, grid):
        if rng.random() < 0.55:
            m = min(n - start, int(grid * rng.uniform(0.3, 1.0)))
            if rng.random() < 0.5:
                t = seconds_axis(m)
                piece = np.sign(np.sin(2 * np.pi * rng.uniform(200, 3000) * t)).astype(F32) * 0.4
            else:
                piece = band_noise(m, rng, rng.uniform(200, 2000), 12000) * 0.3
            out[start : start + m] += piece
    return out


def _beat(rng):
    m = int(0.3 * SR)
    t = seconds_axis(m)
    return np.sin(2 * np.pi * 55 * t).astype(F32) * decay(m, 0.07)


def _heartbeat(n, rng):
    period = 60.0 / rng.uniform(62, 76)
    times = []
    start = 0.05
    while start < n / SR:
        times += [start, start + 0.28]
        start += period
    return _events(n, times, _beat, rng, 0.0)


def _key(rng):
    m = int(0.04 * SR)
    return band_noise(m, rng, 1500, 7000) * decay(m, 0.006) * F32(rng.uniform(0.4, 1.0))


def _typing(n, rng):
    return _events(n, _poisson_times(n, 9, rng), _key, rng, 0.3)


def _clap(rng):
    m = int(0.05 * SR)
    return band_noise(m, rng, 800, 5000) * decay(m, 0.01) * F32(rng.uniform(0.3, 1.0))


def _applause(n, rng):
    out = _events(n, _poisson_times(n, 90, rng), _clap, rng, 1.0)
    ramp = np.minimum(1.0, seconds_axis(n) / 0.6)
    return out * ramp[:, None]


def _shard(rng):
    m = int(0.5 * SR)
    freqs = rng.uniform(2500, 7000, size=4)
    t = seconds_axis(m)
    x = sum(np.sin(2 * np.pi * f * t).astype(F32) for f in freqs) / 4
    return x * decay(m, rng.uniform(0.05, 0.2))


def _glass(n, rng):
    times = np.concatenate([[0.02], 0.02 + np.sort(rng.uniform(0, 0.6, size=12))])
    out = _events(n, times, _shard, rng, 0.7)
    burst = band_noise(n, rng, 2000, 12000) * decay(n, 0.05)
    return out + burst[:, None] * 0.5
