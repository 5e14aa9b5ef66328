"""The instruments: drum sounds, basses, keys, guitars, pads, leads and a singing voice.

Each function returns a float32 waveform, mono (n,) or stereo (n, 2), for one note or chord.
Pitched sounds read band-limited wavetables (no aliasing, no per-sample loops); noisy sounds
are filtered in the frequency domain. Sounds are cached per render by everything that
shapes them, so a three-minute song synthesises each distinct note only once.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .synth_dsp import (
    SAMPLE_RATE,
    ar_envelope,
    band,
    band_noise,
    control_curve,
    decay,
    harmonic_count,
    lowpass_amps,
    midi_hz,
    osc,
    phase_ramp,
    read_table,
    saw_amps,
    seconds_axis,
    sine,
    soft_clip,
    square_amps,
    stable_rng,
    table_from_harmonics,
)

SR = SAMPLE_RATE
F32 = np.float32


class SoundCache:
    """Memoises sounds for one render; keys carry every parameter of the sound."""

    def __init__(self) -> None:
        self._sounds: dict[tuple, np.ndarray] = {}

    def get(self, key: tuple, make: Callable[[], np.ndarray]) -> np.ndarray:
        sound = self._sounds.get(key)
        if sound is None:
            sound = make()
            self._sounds[key] = sound
        return sound


def _click(n: int, rng, lo: float, hi: float, length: float) -> np.ndarray:
    m = min(n, max(8, int(length * SR)))
    out = np.zeros(n, dtype=F32)
    out[:m] = band_noise(m, rng, lo, hi) * decay(m, length / 3)
    return out


def _attack(x: np.ndarray, seconds: float = 0.0015) -> np.ndarray:
    """A tiny linear fade-in so no sound starts with a step (clicks, seams)."""
    k = min(len(x), max(2, int(seconds * SR)))
    ramp = np.linspace(0.0, 1.0, k, dtype=F32)
    x[:k] *= ramp if x.ndim == 1 else ramp[:, None]
    return x


def _release(x: np.ndarray, seconds: float) -> np.ndarray:
    k = min(len(x), max(2, int(seconds * SR)))
    ramp = np.linspace(1.0, 0.0, k, dtype=F32)
    x[len(x) - k :] *= ramp if x.ndim == 1 else ramp[:, None]
    return x


# --- Drums --------------------------------------------------------------------------------


def drum(name: str, kit: str, variant: int = 0) -> np.ndarray:
    """One drum hit, mono, peak about 1."""
    rng = stable_rng("drum", name, kit, variant)
    maker = _DRUMS.get(name, _DRUMS["perc"])
    x = maker(kit, rng)
    _attack(x)
    _release(x, 0.004)
    peak = float(np.max(np.abs(x))) or 1.0
    return (x / peak).astype(F32)


def _kick(kit, rng):
    length = {"808": 0.9, "orchestral": 0.8, "lofi": 0.35, "boom": 0.45}.get(kit, 0.4)
    n = int(length * SR)
    t = seconds_axis(n)
    top, bottom, sweep = {
        "808": (120.0, 48.0, 0.05),
        "acoustic": (110.0, 58.0, 0.025),
        "lofi": (95.0, 52.0, 0.03),
        "boom": (130.0, 50.0, 0.035),
        "chip": (200.0, 60.0, 0.02),
        "orchestral": (90.0, 45.0, 0.05),
        "brush": (90.0, 60.0, 0.02),
    }.get(kit, (150.0, 50.0, 0.03))
    freq = bottom + (top - bottom) * np.exp(-t / sweep)
    body = sine(freq, n)
    tail = {"808": 0.45, "orchestral": 0.35, "lofi": 0.12}.get(kit, 0.16)
    x = body * decay(n, tail)
    if kit == "808":
        x = soft_clip(x, 1.6)
    beater = 0.25 if kit in ("acoustic", "boom", "electronic") else 0.1
    x += beater * _click(n, rng, 1500, 6000, 0.006)
    if kit == "chip":
        x = np.sign(x) * np.abs(x) ** 0.5
    return x.astype(F32)


def _snare(kit, rng):
    length = {"brush": 0.35, "lofi": 0.22, "orchestral": 0.5}.get(kit, 0.25)
    n = int(length * SR)
    t = seconds_axis(n)
    tone_hz = {"lofi": 170.0, "boom": 190.0, "chip": 220.0}.get(kit, 200.0)
    tone = sine(tone_hz * (1 + 0.3 * np.exp(-t / 0.01)), n)
    tone = tone.astype(F32) * decay(n, 0.05)
    lo, hi = {"lofi": (900, 5000), "brush": (1500, 9000), "chip": (500, 8000)}.get(
        kit, (1200, 11000)
    )
    rattle = band_noise(n, rng, lo, hi) * decay(n, {"brush": 0.12, "lofi": 0.07}.get(kit, 0.09))
    if kit == "brush":
        swell = np.minimum(1.0, t / 0.03).astype(F32)
        return (0.15 * tone + 0.5 * rattle * swell).astype(F32)
    if kit == "chip":
        rattle = np.sign(rattle) * 0.6
        return (0.5 * tone + rattle * decay(n, 0.06)).astype(F32)
    body = 0.7 if kit in ("acoustic", "boom") else 0.5
    return (body * tone + 0.45 * rattle).astype(F32)


def _clap(kit, rng):
    n = int(0.3 * SR)
    t = seconds_axis(n)
    env = np.zeros(n, dtype=F32)
    for k, start in enumerate((0.0, 0.011, 0.022)):
        env += (t >= start) * np.exp(-np.maximum(0.0, t - start) / 0.006) * (0.8 + 0.1 * k)
    env += (t >= 0.03) * np.exp(-np.maximum(0.0, t - 0.03) / 0.09) * 0.7
    return (band_noise(n, rng, 900, 3500) * env).astype(F32)


def _hat(kit, rng, length=0.05):
    n = int(max(length * 3, 0.08) * SR)
    lo = {"lofi": 5000, "chip": 3000, "brush": 6000}.get(kit, 7000)
    x = band_noise(n, rng, lo, 16000) * decay(n, length)
    if kit == "chip":
        x = np.sign(x) * decay(n, length)
    return x.astype(F32)


def _open_hat(kit, rng):
    return _hat(kit, rng, 0.22)


def _metal(n, rng, base, ratios, tail):
    t = seconds_axis(n)
    x = np.zeros(n, dtype=F32)
    for r in ratios:
        x += np.sign(np.sin(2 * np.pi * base * r * t + rng.uniform(0, 6.28))).astype(F32)
    x = band(x, 3000, 16000)
    return x * decay(n, tail)


def _ride(kit, rng):
    n = int(1.2 * SR)
    ping = _metal(n, rng, 420.0, (1.0, 1.48, 1.73, 2.23, 2.87, 3.41), 0.5) * 0.5
    wash = band_noise(n, rng, 5000, 14000) * decay(n, 0.35) * 0.25
    return (ping + wash + 0.3 * _click(n, rng, 3000, 9000, 0.004)).astype(F32)


def _crash(kit, rng):
    n = int(2.0 * SR)
    wash = band_noise(n, rng, 3500, 16000) * decay(n, 0.6)
    shimmer = _metal(n, rng, 330.0, (1.0, 1.41, 1.9, 2.6, 3.3), 0.7) * 0.3
    return (wash + shimmer).astype(F32)


def _tom(kit, rng, pitch=110.0):
    n = int(0.5 * SR)
    t = seconds_axis(n)
    freq = pitch * (1 + 0.5 * np.exp(-t / 0.02))
    body = sine(freq, n) * decay(n, 0.18)
    return (body + 0.15 * band_noise(n, rng, 300, 3000) * decay(n, 0.04)).astype(F32)


def _taiko(kit, rng):
    n = int(1.2 * SR)
    t = seconds_axis(n)
    freq = 62.0 * (1 + 0.6 * np.exp(-t / 0.03))
    body = sine(freq, n) * decay(n, 0.4)
    skin = band_noise(n, rng, 150, 1500) * decay(n, 0.08)
    return (body + 0.35 * skin).astype(F32)


def _shaker(kit, rng):
    n = int(0.12 * SR)
    t = seconds_axis(n)
    env = (np.minimum(1.0, t / 0.015) * np.exp(-t / 0.035)).astype(F32)
    return (band_noise(n, rng, 5000, 14000) * env).astype(F32)


def _rim(kit, rng):
    n = int(0.1 * SR)
    t = seconds_axis(n)
    tone = np.sin(2 * np.pi * 1700 * t).astype(F32) + 0.6 * np.sin(2 * np.pi * 820 * t)
    return (tone.astype(F32) * decay(n, 0.012) + 0.3 * _click(n, rng, 2000, 8000, 0.003)).astype(
        F32
    )


def _conga(kit, rng):
    return _tom(kit, rng, 260.0) * 0.9


_DRUMS = {
    "kick": _kick,
    "snare": _snare,
    "clap": _clap,
    "hat": _hat,
    "ohat": _open_hat,
    "ride": _ride,
    "crash": _crash,
    "tom_lo": lambda kit, rng: _tom(kit, rng, 90.0),
    "tom_mid": lambda kit, rng: _tom(kit, rng, 130.0),
    "tom_hi": lambda kit, rng: _tom(kit, rng, 180.0),
    "taiko": _taiko,
    "shaker": _shaker,
    "rim": _rim,
    "conga": _conga,
    "perc": _rim,
}


# --- Pitched building blocks --------------------------------------------------------------


def _table(amps_fn, f0: float) -> np.ndarray:
    return table_from_harmonics(amps_fn(harmonic_count(f0)))


def _two_table(
    f0: float,
    n: int,
    bright: np.ndarray,
    dark: np.ndarray,
    bright_decay: float,
    dark_decay: float | None,
    freq=None,
) -> np.ndarray:
    """A tone that fades from a bright to a dark spectrum: a plucked or struck string."""
    ph = phase_ramp(f0 if freq is None else freq, n)
    b = read_table(bright, ph)
    d = read_table(dark, ph)
    eb = decay(n, bright_decay)
    ed = decay(n, dark_decay) if dark_decay else np.ones(n, dtype=F32)
    return (b * eb + d * ed * (1.0 - eb)).astype(F32)


def _vibrato(
    f0: float, n: int, rate=5.5, depth=0.25, delay=0.18, rng=None, scoop: float = 0.0
) -> np.ndarray:
    """Per-sample frequency with a delayed vibrato (and an optional scoop up into the note)."""
    phase = rng.uniform(0, 6.28) if rng is not None else 0.0

    def semitones(t):
        ramp = np.clip((t - delay) / 0.3, 0.0, 1.0)
        return depth * ramp * np.sin(2 * np.pi * rate * t + phase) - scoop * np.exp(-t / 0.04)

    return f0 * 2.0 ** (control_curve(semitones, n) / 12.0)


# --- Bass -------------------------------------------------------------------------------


def bass(sound: str, midi: int, frames: int, bright: float = 1.0, lfo_hz: float = 4.0):
    """A bass note of `frames` length plus a short release, mono."""
    f0 = midi_hz(midi)
    tail = int(0.06 * SR)
    n = frames + tail
    if sound == "808":
        t = seconds_axis(n)
        freq = f0 * (1 + 0.25 * np.exp(-t / 0.03))
        x = sine(freq, n)
        x = soft_clip(x * decay(n, 0.9), 1.8)
    elif sound == "sub":
        table = table_from_harmonics(np.array([1.0, 0.12, 0.04]))
        x = osc(table, f0, n) * (0.6 + 0.4 * decay(n, 0.5))
    elif sound == "electric":
        b = _table(lambda h: lowpass_amps(saw_amps(h, 1.2), f0, 2200 * bright), f0)
        d = _table(lambda h: lowpass_amps(saw_amps(h, 1.6), f0, 500), f0)
        x = _two_table(f0, n, b, d, 0.08, 1.2)
    elif sound == "upright":
        b = _table(lambda h: lowpass_amps(saw_amps(h, 1.5), f0, 1200), f0)
        d = _table(lambda h: lowpass_amps(saw_amps(h, 2.0), f0, 350), f0)
        x = _two_table(f0, n, b, d, 0.05, 0.5)
    elif sound == "wobble":
        b = _table(lambda h: lowpass_amps(saw_amps(h), f0, 3000 * bright), f0)
        d = _table(lambda h: lowpass_amps(saw_amps(h), f0, 250), f0)
        ph = phase_ramp(f0, n)
        mix = (0.5 - 0.5 * np.cos(2 * np.pi * lfo_hz * seconds_axis(n))).astype(F32)
        x = read_table(b, ph) * mix + read_table(d, ph) * (1 - mix)
        x = soft_clip(x, 1.5)
    elif sound == "reese":
        table = _table(lambda h: lowpass_amps(saw_amps(h), f0, 700 * bright), f0)
        x = 0.5 * (osc(table, f0 * 1.006, n) + osc(table, f0 * 0.994, n, phase=0.3))
        x += 0.5 * sine(f0, n)
    elif sound == "square":
        x = osc(_table(square_amps, f0), f0, n) * 0.7
    elif sound == "piano":
        return mono(keys("piano", (midi,), frames))
    elif sound == "cello":
        table = _table(lambda h: lowpass_amps(saw_amps(h, 1.1), f0, 1500), f0)
        x = osc(table, _vibrato(f0, n, 5.0, 0.12), n)
    else:  # "synth": a filtered saw over a sine sub
        b = _table(lambda h: lowpass_amps(saw_amps(h), f0, 1800 * bright), f0)
        d = _table(lambda h: lowpass_amps(saw_amps(h), f0, 400), f0)
        x = 0.6 * _two_table(f0, n, b, d, 0.12, None)
        x += 0.5 * sine(f0, n)
    attack = 0.02 if sound == "cello" else 0.004
    env = ar_envelope(n, attack, frames, 0.05)
    return (x * env).astype(F32)


# --- Keys, guitars, pads ------------------------------------------------------------------


_BELL_PARTIALS = (
    (1.0, 1.0, 1.2),
    (2.0, 0.35, 0.6),
    (3.01, 0.2, 0.3),
    (4.2, 0.12, 0.15),
    (5.43, 0.08, 0.1),
)


def keys(sound: str, midis: tuple[int, ...], frames: int, bright: float = 1.0) -> np.ndarray:
    """A chord (or single note) on a keyboard instrument.

    Mono for piano, stab and bell; stereo (n, 2) for the electric piano and the organ, whose
    tremolo swings between the speakers. The notes of a chord share their envelopes, so the
    bright and dark layers are summed over the notes first and shaped once.
    """
    release = {"piano": 0.25, "epiano": 0.3, "organ": 0.05, "stab": 0.08, "bell": 0.6}
    tail = int(release.get(sound, 0.2) * SR)
    n = frames + tail
    bright_sum = np.zeros(n, dtype=F32)
    dark_sum = np.zeros(n, dtype=F32)
    for midi in midis:
        f0 = midi_hz(midi)
        if sound == "piano":
            b = _table(lambda h, f0=f0: lowpass_amps(saw_amps(h, 1.0), f0, 4500 * bright), f0)
            d = _table(lambda h, f0=f0: lowpass_amps(saw_amps(h, 2.0), f0, 900), f0)
            ph = phase_ramp(f0, n)
            bright_sum += read_table(b, ph)
            dark_sum += read_table(d, ph)
        elif sound == "epiano":
            ph = phase_ramp(f0, n)
            bright_sum += read_table(_EPIANO_BRIGHT, ph)
            dark_sum += read_table(_EPIANO_DARK, ph)
            # The tine: a short metallic partial at seven times the pitch.
            if f0 * 7.0 < 0.45 * SR:
                bright_sum += sine(f0 * 7.0, n) * F32(0.5)
        elif sound == "organ":
            amps = np.array([1.0, 0.8, 0.55, 0.5, 0.0, 0.3, 0.0, 0.2])
            dark_sum += osc(table_from_harmonics(amps[: harmonic_count(f0, limit=8)]), f0, n)
        elif sound == "stab":
            b = _table(lambda h, f0=f0: lowpass_amps(saw_amps(h), f0, 5000 * bright), f0)
            d = _table(lambda h, f0=f0: lowpass_amps(saw_amps(h), f0, 700), f0)
            for detune in (1.004, 0.996):
                ph = phase_ramp(f0 * detune, n)
                bright_sum += read_table(b, ph) * F32(0.5)
                dark_sum += read_table(d, ph) * F32(0.5)
        else:  # bell: inharmonic partials, the higher ones dying first
            for k, (ratio, amp, _tau) in enumerate(_BELL_PARTIALS):
                if f0 * ratio < 0.45 * SR:
                    part = sine(f0 * ratio, n) * F32(amp)
                    if k == 0:
                        dark_sum += part
                    else:
                        bright_sum += part * F32(_BELL_DECAY_SHARE[k])
    if sound == "piano":
        mean_hz = midi_hz(sum(midis) / len(midis))
        eb = decay(n, 0.12)
        x = bright_sum * eb + dark_sum * decay(n, 1.6 * (440.0 / mean_hz) ** 0.3) * (1 - eb)
    elif sound == "epiano":
        eb = decay(n, 0.15)
        x = bright_sum * eb + dark_sum * decay(n, 2.2) * (1 - eb)
    elif sound == "stab":
        eb = decay(n, 0.06)
        x = bright_sum * eb + dark_sum * decay(n, 0.5) * (1 - eb)
    elif sound == "organ":
        x = dark_sum * F32(0.6)
    else:
        x = dark_sum * decay(n, 1.2) + bright_sum * decay(n, 0.25)
    x *= ar_envelope(n, 0.003 if sound != "organ" else 0.008, frames, release.get(sound, 0.2))
    x *= F32(1.0 / max(1.0, len(midis) ** 0.5))
    if sound in ("epiano", "organ"):
        rate = 4.5 if sound == "epiano" else 6.2
        wobble = control_curve(lambda t: 0.2 * np.sin(2 * np.pi * rate * t), n).astype(F32)
        return np.stack([x * (1.0 + wobble), x * (1.0 - wobble)], axis=1)
    return x.astype(F32)


_EPIANO_BRIGHT = table_from_harmonics(np.array([1.0, 0.35, 0.12, 0.06, 0.03]))
_EPIANO_DARK = table_from_harmonics(np.array([1.0, 0.08]))
# Bell partials above the first share one faster decay, weighted to keep their balance.
_BELL_DECAY_SHARE = (1.0, 1.0, 0.8, 0.6, 0.5)


def mono(x: np.ndarray) -> np.ndarray:
    return x if x.ndim == 1 else (x[:, 0] + x[:, 1]) * F32(0.5)


def guitar(sound: str, midis: tuple[int, ...], frames: int, direction: int = 1) -> np.ndarray:
    """A strummed or plucked guitar chord, mono; power chords are distorted."""
    tail = int(0.25 * SR)
    n = frames + tail
    if sound == "power":
        x = np.zeros(n, dtype=F32)
        for midi in midis:
            f0 = midi_hz(midi)
            table = _table(lambda h, f0=f0: lowpass_amps(saw_amps(h), f0, 3000), f0)
            x += osc(table, f0 * 1.002, n) + osc(table, f0 * 0.998, n, phase=0.25)
        x = soft_clip(x * 0.6, 3.5)
        x = band(x, 90, 5000)
        return (x * ar_envelope(n, 0.004, frames, 0.08) * 0.6).astype(F32)
    order = list(midis) if direction > 0 else list(reversed(midis))
    step = {"strum": 0.014, "nylon": 0.02, "funk": 0.006, "pluck": 0.0}.get(sound, 0.012)
    x = np.zeros(n, dtype=F32)
    for i, midi in enumerate(order):
        f0 = midi_hz(midi)
        cut = {"nylon": 1800.0, "funk": 3500.0}.get(sound, 4000.0)
        b = _table(lambda h, f0=f0, cut=cut: lowpass_amps(saw_amps(h, 1.1), f0, cut), f0)
        d = _table(lambda h, f0=f0: lowpass_amps(saw_amps(h, 1.8), f0, 700), f0)
        offset = int(i * step * SR)
        length = n - offset
        ring = {"funk": 0.12, "nylon": 1.0, "pluck": 0.6}.get(sound, 1.4)
        note = _two_table(f0, length, b, d, 0.07, ring)
        x[offset:] += note
    env = ar_envelope(n, 0.002, frames, 0.12 if sound != "funk" else 0.03)
    return (x * env / F32(max(1.0, len(midis) ** 0.6))).astype(F32)


def pad(sound: str, midis: tuple[int, ...], frames: int, bright: float = 1.0) -> np.ndarray:
    """A sustained chord with two detuned voices per note, left and right, stereo."""
    attack = {"strings": 0.25, "choir": 0.3}.get(sound, 0.5)
    release = 0.9
    n = frames + int(release * SR)
    left = np.zeros(n, dtype=F32)
    right = np.zeros(n, dtype=F32)
    rng = stable_rng("pad", sound, midis)
    for midi in midis:
        f0 = midi_hz(midi)
        if sound == "choir":
            table = table_from_harmonics(formant_amps(f0, "o", "female"))
        elif sound == "strings":
            table = _table(lambda h, f0=f0: lowpass_amps(saw_amps(h), f0, 3500 * bright), f0)
        else:
            table = _table(lambda h, f0=f0: lowpass_amps(saw_amps(h), f0, 1400 * bright, 2), f0)
        if sound in ("strings", "choir"):
            fl = _vibrato(f0 * 0.997, n, 5.1, 0.12, 0.1, rng)
            fr = _vibrato(f0 * 1.003, n, 4.7, 0.12, 0.1, rng)
        else:
            fl, fr = f0 * 0.996, f0 * 1.004
        left += osc(table, fl, n, phase=rng.uniform())
        right += osc(table, fr, n, phase=rng.uniform())
    env = ar_envelope(n, attack, frames, release)
    out = np.stack([left * env, right * env], axis=1)
    return (out / F32(max(1.0, len(midis) ** 0.7))).astype(F32)


# --- Leads and the voice ------------------------------------------------------------------


def lead(sound: str, midi: int, frames: int, bright: float = 1.0) -> np.ndarray:
    """A melody note, mono."""
    f0 = midi_hz(midi)
    rng = stable_rng("lead", sound, midi, frames)
    tail = int(0.08 * SR)
    n = frames + tail
    if sound == "saw":
        table = _table(lambda h: lowpass_amps(saw_amps(h), f0, 4000 * bright), f0)
        freq = _vibrato(f0, n, 5.5, 0.15, 0.25, rng)
        x = 0.5 * (osc(table, freq * 1.003, n) + osc(table, freq * 0.997, n, phase=0.4))
    elif sound == "square":
        x = osc(_table(square_amps, f0), _vibrato(f0, n, 6.0, 0.12, 0.2, rng), n) * 0.7
    elif sound == "flute":
        table = table_from_harmonics(np.array([1.0, 0.25, 0.08, 0.03]))
        x = osc(table, _vibrato(f0, n, 5.0, 0.2, 0.15, rng), n)
        x += 0.06 * band_noise(n, rng, f0, f0 * 4)
    elif sound == "brass":
        b = _table(lambda h: lowpass_amps(saw_amps(h), f0, 3500 * bright), f0)
        d = _table(lambda h: lowpass_amps(saw_amps(h), f0, 500), f0)
        ph = phase_ramp(_vibrato(f0, n, 5.2, 0.2, 0.2, rng), n)
        opening = (1 - decay(n, 0.06)).astype(F32)
        x = read_table(b, ph) * opening + read_table(d, ph) * (1 - opening)
    elif sound == "guitar":
        table = _table(lambda h: lowpass_amps(saw_amps(h), f0, 3000), f0)
        x = soft_clip(osc(table, _vibrato(f0, n, 6.0, 0.3, 0.15, rng), n), 3.0) * 0.6
    elif sound in ("piano", "bell"):
        return mono(keys(sound, (midi,), frames, bright))
    else:  # "pluck"
        b = _table(lambda h: lowpass_amps(saw_amps(h, 1.0), f0, 5000 * bright), f0)
        d = _table(lambda h: lowpass_amps(saw_amps(h, 2.0), f0, 800), f0)
        x = _two_table(f0, n, b, d, 0.1, 0.8)
    env = ar_envelope(n, 0.01, frames, 0.07)
    return (x * env).astype(F32)


# Formant frequencies (Hz) and bandwidths of sung vowels, after Peterson & Barney.
# fmt: off
FORMANTS = {
    "male": {
        "a": (730, 1090, 2440), "e": (530, 1840, 2480), "i": (270, 2290, 3010),
        "o": (570, 840, 2410), "u": (300, 870, 2240),
    },
    "female": {
        "a": (850, 1220, 2810), "e": (610, 2330, 2990), "i": (310, 2790, 3310),
        "o": (590, 920, 2710), "u": (370, 950, 2670),
    },
}
# fmt: on
FORMANT_GAINS = (1.0, 0.55, 0.3)
FORMANT_WIDTHS = (90.0, 110.0, 160.0)


def formant_amps(f0: float, vowel: str, voice: str) -> np.ndarray:
    """Harmonic amplitudes of a glottal source shaped by the vowel's formants."""
    count = harmonic_count(f0)
    freqs = f0 * np.arange(1, count + 1)
    table = FORMANTS["male" if voice == "male" else "female"]
    envelope = np.full(count, 0.015)
    for centre, gain, width in zip(
        table.get(vowel, table["a"]), FORMANT_GAINS, FORMANT_WIDTHS, strict=True
    ):
        envelope += gain / (1.0 + ((freqs - centre) / width) ** 2)
    envelope += 0.12 / (1.0 + ((freqs - 3000.0) / 400.0) ** 2)  # the singer's formant
    return saw_amps(count, 1.0) * envelope


_BREATH = np.diff(stable_rng("breath").standard_normal(4 * SR + 1).astype(F32))


def vocal(midi: int, frames: int, vowel: str, voice: str) -> np.ndarray:
    """A sung vowel: a formant-filtered glottal tone with a scoop into the pitch and vibrato."""
    f0 = midi_hz(midi)
    rng = stable_rng("vocal", midi, frames, vowel, voice)
    tail = int(0.09 * SR)
    n = frames + tail
    # Singers scoop up into a note (a third of a semitone) before the vibrato sets in.
    freq = _vibrato(f0, n, 5.4, 0.35, 0.2, rng, scoop=0.35)
    table = table_from_harmonics(formant_amps(f0, vowel, voice))
    table /= F32(max(1e-6, float(np.max(np.abs(table)))))
    x = osc(table, freq, n)
    x += np.resize(_BREATH, n) * F32(0.012)  # airy, high-passed noise
    tremolo = control_curve(lambda t: 1.0 + 0.05 * np.sin(2 * np.pi * 5.4 * t), n)
    x *= ar_envelope(n, 0.04, frames, 0.08) * tremolo.astype(F32)
    return x


def consonant(kind: str) -> np.ndarray:
    """The start of a syllable: an "s" hiss, a "t" burst or an "h" breath."""
    rng = stable_rng("consonant", kind)
    n = int(0.08 * SR)
    out = np.zeros(n, dtype=F32)
    if kind == "s":
        m = min(n, int(0.07 * SR))
        out[:m] = band_noise(m, rng, 4500, 11000) * 0.12 * np.hanning(m).astype(F32)
    elif kind == "t":
        m = min(n, int(0.018 * SR))
        out[:m] = band_noise(m, rng, 2000, 7000) * 0.25 * decay(m, 0.005)
    elif kind == "h":
        m = min(n, int(0.05 * SR))
        out[:m] = band_noise(m, rng, 800, 4000) * 0.06 * np.hanning(m).astype(F32)
    return out
