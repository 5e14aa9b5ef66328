"""Signal helpers for the sandbox synthesiser: oscillators, filters, noise, limiter, analysis.

Everything here is vectorised numpy. Nothing loops per sample; the few Python loops run per
note, per frame of a spectrogram or per block of a limiter, never per sample.
"""

from __future__ import annotations

import zlib

import numpy as np

SAMPLE_RATE = 44100
TABLE_SIZE = 16384  # large enough that a nearest-sample lookup stays clean (-57 dB)
_TABLE_SHIFT = np.uint32(32 - 14)  # a 32-bit phase keeps its top 14 bits as the index
_COUNT = np.arange(1 << 21, dtype=np.uint32)  # shared 0, 1, 2 … for phase ramps (47 s)
CEILING = 0.891  # -1 dBFS: room for 16-bit rounding and MP3 overshoot.


def midi_hz(midi: float) -> float:
    """Frequency in Hz of a MIDI note number (A4 = 69 = 440 Hz)."""
    return 440.0 * 2.0 ** ((midi - 69.0) / 12.0)


def stable_rng(*parts: object) -> np.random.Generator:
    """A random generator seeded from the given parts, identical in every process.

    Python's own hash() is salted per process, so the parts are hashed with CRC32 instead.
    """
    text = "|".join(str(p) for p in parts)
    return np.random.default_rng(zlib.crc32(text.encode("utf-8")))


# --- Wavetables -------------------------------------------------------------------------


def harmonic_count(f0: float, sr: int = SAMPLE_RATE, limit: int = TABLE_SIZE // 2 - 1) -> int:
    """How many harmonics of f0 fit below 90 % of the Nyquist frequency."""
    return max(1, min(limit, int(0.45 * sr / max(f0, 1.0))))


def table_from_harmonics(amps: np.ndarray) -> np.ndarray:
    """One cycle (plus a guard point) of a waveform with the given sine-harmonic amplitudes."""
    amps = np.asarray(amps, dtype=np.float64)[: TABLE_SIZE // 2 - 1]
    spectrum = np.zeros(TABLE_SIZE // 2 + 1, dtype=np.complex128)
    spectrum[1 : len(amps) + 1] = -1j * amps * (TABLE_SIZE / 2)
    table = np.fft.irfft(spectrum, TABLE_SIZE)
    return np.append(table, table[0]).astype(np.float32)


SINE_TABLE = table_from_harmonics(np.array([1.0]))


def saw_amps(count: int, tilt: float = 1.0) -> np.ndarray:
    """Harmonic amplitudes of a sawtooth (tilt 1) or a darker/brighter relative."""
    h = np.arange(1, count + 1, dtype=np.float64)
    return 1.0 / h**tilt


def square_amps(count: int) -> np.ndarray:
    h = np.arange(1, count + 1, dtype=np.float64)
    return np.where(h % 2 == 1, 1.0 / h, 0.0)


def lowpass_amps(amps: np.ndarray, f0: float, cutoff: float, order: float = 2.0) -> np.ndarray:
    """Shape harmonic amplitudes as if through a resonance-free low-pass of the given order."""
    freqs = f0 * np.arange(1, len(amps) + 1)
    return amps / np.sqrt(1.0 + (freqs / cutoff) ** (2 * order))


def phase_ramp(freq: float | np.ndarray, n: int, sr: int = SAMPLE_RATE, phase: float = 0.0):
    """Running phase as 32-bit fixed point (2**32 is one cycle) for a constant or
    per-sample frequency.

    Integer phase wraps by itself (uint32 overflow is the modulo), needs no floor, and is
    exact over any length, which makes wavetable reading about three times faster.
    """
    start = np.uint32(int((phase % 1.0) * 2**32) & 0xFFFFFFFF)
    if np.isscalar(freq):
        step = np.uint32(int(round(float(freq) / sr * 2**32)) & 0xFFFFFFFF)
        base = _COUNT[:n] if n <= _COUNT.size else np.arange(n, dtype=np.uint32)
        ph = base * step
    else:
        steps = (np.asarray(freq, dtype=np.float64) * (2**32 / sr)).astype(np.int64)
        ph = np.cumsum(steps.astype(np.uint32), dtype=np.uint32)
    if start:
        ph += start
    return ph


def read_table(table: np.ndarray, ph: np.ndarray) -> np.ndarray:
    """Nearest-sample lookup of a wavetable at 32-bit fixed-point phases."""
    return table[ph >> _TABLE_SHIFT]


def osc(table: np.ndarray, freq, n: int, phase: float = 0.0) -> np.ndarray:
    return read_table(table, phase_ramp(freq, n, phase=phase))


def sine(freq, n: int, phase: float = 0.0) -> np.ndarray:
    """A sine wave (constant or per-sample frequency) from the shared sine table."""
    return read_table(SINE_TABLE, phase_ramp(freq, n, phase=phase))


# --- Envelopes --------------------------------------------------------------------------


def seconds_axis(n: int, sr: int = SAMPLE_RATE) -> np.ndarray:
    return np.arange(n, dtype=np.float32) / np.float32(sr)


def ar_envelope(n: int, attack: float, hold_frames: int, release: float, sr: int = SAMPLE_RATE):
    """Linear attack, flat sustain until hold_frames, then a linear release to zero."""
    a = min(n, max(1, int(attack * sr)))
    r = max(1, int(release * sr))
    hold = max(a, min(hold_frames, n))
    env = np.ones(n, dtype=np.float32)
    env[:a] = np.linspace(0.0, 1.0, a, endpoint=False, dtype=np.float32)
    if hold < n:
        stop = min(n, hold + r)
        env[hold:stop] = np.linspace(1.0, 0.0, r, endpoint=False, dtype=np.float32)[: stop - hold]
        env[stop:] = 0.0
    return env


def control_curve(values_at, n: int, step: int = 32, sr: int = SAMPLE_RATE) -> np.ndarray:
    """A slowly varying curve computed every `step` frames and held in between.

    values_at(times) gets the control times in seconds. Vibrato and tremolo change far
    more slowly than 1.4 kHz, so holding each value for 32 frames is inaudible and saves
    most of the work of computing them per sample.
    """
    count = -(-n // step)
    times = np.arange(count, dtype=np.float64) * (step / sr)
    return np.repeat(np.asarray(values_at(times)), step)[:n]


def decay(n: int, seconds: float, sr: int = SAMPLE_RATE) -> np.ndarray:
    """Exponential decay with the given time constant."""
    return np.exp(-seconds_axis(n, sr) / np.float32(max(seconds, 1e-4))).astype(np.float32)


def fade_edges(x: np.ndarray, fade_in: int, fade_out: int) -> np.ndarray:
    """Short linear fades at both ends, in place; returns x for chaining."""
    n = len(x)
    if fade_in > 0:
        k = min(fade_in, n)
        ramp = np.linspace(0.0, 1.0, k, endpoint=False, dtype=np.float32)
        x[:k] *= ramp if x.ndim == 1 else ramp[:, None]
    if fade_out > 0:
        k = min(fade_out, n)
        ramp = np.linspace(1.0, 0.0, k, dtype=np.float32)
        x[n - k :] *= ramp if x.ndim == 1 else ramp[:, None]
    return x


# --- Filters and noise ------------------------------------------------------------------


def fast_length(n: int) -> int:
    """Smallest 2^a * 3^b * 5^c at least n, so FFTs stay fast for any input length."""
    best = 1 << max(0, (n - 1).bit_length())
    p5 = 1
    while p5 < best:
        p35 = p5
        while p35 < best:
            size = p35
            while size < n:
                size *= 2
            best = min(best, size)
            p35 *= 3
        p5 *= 5
    return best


def band_mask(freqs: np.ndarray, lo: float, hi: float, width: float = 0.25) -> np.ndarray:
    """A smooth band-pass gain over freqs: raised-cosine skirts `width` octaves wide."""
    mask = np.ones_like(freqs, dtype=np.float64)
    safe = np.maximum(freqs, 1e-3)
    if lo > 0:
        x = np.clip((np.log2(safe / lo) / width) + 0.5, 0.0, 1.0)
        mask *= 0.5 - 0.5 * np.cos(np.pi * x)
    if hi is not None and hi < freqs[-1]:
        x = np.clip((np.log2(safe / hi) / width) + 0.5, 0.0, 1.0)
        mask *= 0.5 + 0.5 * np.cos(np.pi * x)
    return mask


def fft_filter(x: np.ndarray, gain_fn, sr: int = SAMPLE_RATE, pad: int = 4096) -> np.ndarray:
    """Zero-phase filtering of x (along axis 0) by a gain curve gain_fn(freqs)."""
    return fft_filters(x, [gain_fn], sr, pad)[0]


def fft_filters(x: np.ndarray, gain_fns, sr: int = SAMPLE_RATE, pad: int = 4096):
    """x filtered by several gain curves, sharing one forward FFT (zero-phase, float32).

    Channels are transformed as contiguous rows; the padding keeps the circular wrap of
    the FFT out of the result.
    """
    n = x.shape[0]
    rows = np.ascontiguousarray(x.T if x.ndim == 2 else x[None, :], dtype=np.float32)
    size = fast_length(n + pad)
    spectrum = np.fft.rfft(rows, size, axis=-1)
    freqs = np.fft.rfftfreq(size, 1.0 / sr)
    out = []
    for gain_fn in gain_fns:
        gains = np.asarray(gain_fn(freqs), dtype=np.float32)
        y = np.fft.irfft(spectrum * gains, size, axis=-1)[:, :n]
        out.append(np.ascontiguousarray(y.T if x.ndim == 2 else y[0], dtype=np.float32))
    return out


def band(x: np.ndarray, lo: float, hi: float | None, width: float = 0.25) -> np.ndarray:
    return fft_filter(x, lambda f: band_mask(f, lo, hi if hi else f[-1] * 2, width))


def noise(n: int, rng: np.random.Generator) -> np.ndarray:
    return rng.standard_normal(n).astype(np.float32)


def band_noise(n: int, rng: np.random.Generator, lo: float, hi: float | None) -> np.ndarray:
    """White noise band-limited to [lo, hi] Hz and scaled to unit RMS."""
    x = band(noise(n, rng), lo, hi)
    rms = float(np.sqrt(np.mean(x * x))) or 1.0
    return x / np.float32(rms)


def shaped_noise(
    n: int, rng: np.random.Generator, mask_fn, frame: int = 2048, sr: int = SAMPLE_RATE
) -> np.ndarray:
    """Noise whose spectrum follows mask_fn(freqs, times) frame by frame (overlap-add).

    mask_fn gets the bin frequencies (bins,) and the frame centre times (frames, 1) in seconds
    and returns magnitudes of shape (frames, bins). Used for risers, whooshes and wind.
    """
    hop = frame // 2
    frames = n // hop + 2
    freqs = np.fft.rfftfreq(frame, 1.0 / sr)
    times = ((np.arange(frames) * hop) / sr)[:, None]
    mags = np.asarray(mask_fn(freqs, times), dtype=np.float64)
    phases = rng.uniform(0, 2 * np.pi, size=mags.shape)
    grains = np.fft.irfft(mags * np.exp(1j * phases), frame, axis=1)
    grains *= np.hanning(frame)[None, :]
    out = np.zeros((frames + 1) * hop + frame, dtype=np.float64)
    # Overlap-add with a reshape: even and odd frames never overlap among themselves.
    for parity in (0, 1):
        sel = grains[parity::2]
        start = parity * hop
        block = sel.reshape(-1)
        out[start : start + block.size] += block
    out = out[hop : hop + n]
    peak = float(np.max(np.abs(out))) or 1.0
    return (out / peak).astype(np.float32)


def soft_clip(x: np.ndarray, drive: float) -> np.ndarray:
    return (np.tanh(x * np.float32(drive)) / np.float32(np.tanh(drive))).astype(np.float32)


# --- Mixing helpers ---------------------------------------------------------------------


def pan_gains(pan: float) -> np.ndarray:
    """Constant-power pan: -1 left, 0 centre, +1 right."""
    angle = (pan + 1.0) * np.pi / 4.0
    return np.array([np.cos(angle), np.sin(angle)], dtype=np.float32) * np.float32(np.sqrt(2.0))


def add_into(
    buf: np.ndarray,
    start: int,
    wave: np.ndarray,
    gains: np.ndarray | None,
    circular: bool = False,
) -> None:
    """Add a mono (n,) or stereo (n, 2) wave into buf (frames, 2) at start, scaled by gains.

    gains None adds the wave as it is (stereo waves add in one contiguous operation).

    In circular mode whatever runs past the end wraps around to the beginning, which is how
    a loop sounds when it repeats: note tails at the end ring on into the start.
    """
    total = buf.shape[0]
    n = wave.shape[0]
    if circular:
        start %= total
        offset = 0
        while offset < n:
            pos = (start + offset) % total
            take = min(n - offset, total - pos)
            _add_span(buf, pos, wave, offset, take, gains)
            offset += take
        return
    lo = max(0, -start)
    hi = min(n, total - start)
    if hi > lo:
        _add_span(buf, start + lo, wave, lo, hi - lo, gains)


def _add_span(buf, pos, wave, offset, take, gains):
    # Column by column: numpy broadcasts badly over a trailing axis of length 2.
    piece = wave[offset : offset + take]
    dst = buf[pos : pos + take]
    if gains is None:
        dst += piece if piece.ndim == 2 else piece[:, None]
    elif piece.ndim == 1:
        if gains[0] == gains[1]:
            scaled = piece * gains[0]
            dst[:, 0] += scaled
            dst[:, 1] += scaled
        else:
            dst[:, 0] += piece * gains[0]
            dst[:, 1] += piece * gains[1]
    else:
        dst[:, 0] += piece[:, 0] * gains[0]
        dst[:, 1] += piece[:, 1] * gains[1]


def limiter_curve(levels: np.ndarray, ceiling: float = CEILING, radius: int = 8) -> np.ndarray:
    """Smoothed per-block gains that keep blocks with the given peaks under ceiling.

    The raw gain of a block is ceiling / peak. A running minimum over ±radius blocks
    followed by a moving average over ±(radius - 1) blocks keeps every block at or below
    its raw gain (each averaged minimum includes the block itself), and linear
    interpolation between neighbouring block centres (see limiter_gain_at) stays between
    two such values, so the limited signal never exceeds the ceiling.
    """
    raw = np.minimum(1.0, ceiling / np.maximum(levels, 1e-9))
    padded = np.concatenate([np.ones(radius), raw, np.ones(radius)])
    mins = raw.copy()
    for shift in range(-radius, radius + 1):
        np.minimum(mins, padded[radius + shift : radius + shift + raw.size], out=mins)
    width = radius - 1
    ext = np.concatenate([np.full(width, mins[0]), mins, np.full(width, mins[-1])])
    cumsum = np.concatenate([[0.0], np.cumsum(ext)])
    smooth = (cumsum[2 * width + 1 :] - cumsum[: -(2 * width + 1)]) / (2 * width + 1)
    return np.minimum(smooth, mins)


def limiter_gain_at(curve: np.ndarray, start: int, stop: int, block: int) -> np.ndarray:
    """The per-frame gain for frames [start, stop) from a limiter_curve."""
    centres = np.arange(curve.size) * block + block / 2.0
    lo = max(0, start // block - 1)
    hi = min(curve.size, stop // block + 2)
    frames = np.arange(start, stop, dtype=np.float64)
    return np.interp(frames, centres[lo:hi], curve[lo:hi]).astype(np.float32)


def block_peaks(x: np.ndarray, block: int = 256) -> np.ndarray:
    """Peak absolute value per block of frames for a (frames, channels) C-ordered array."""
    n = x.shape[0]
    width = block * (x.shape[1] if x.ndim == 2 else 1)
    flat = x.reshape(-1)
    full = (n // block) * width
    out = []
    if full:
        head = flat[:full].reshape(-1, width)
        out.append(np.maximum(head.max(axis=1), -head.min(axis=1)))
    if flat.size > full:
        tail = flat[full:]
        out.append(np.array([max(float(tail.max()), -float(tail.min()))], dtype=np.float32))
    return np.concatenate(out) if out else np.zeros(0, dtype=np.float32)


def to_stereo(audio: np.ndarray) -> np.ndarray:
    """Any (frames,) or (frames, channels) array as float32 (frames, 2)."""
    audio = np.asarray(audio, dtype=np.float32)
    if audio.ndim == 1:
        return np.repeat(audio[:, None], 2, axis=1)
    if audio.shape[1] == 1:
        return np.repeat(audio, 2, axis=1)
    if audio.shape[1] == 2:
        return np.ascontiguousarray(audio)
    mono = audio.mean(axis=1, dtype=np.float32)
    return np.repeat(mono[:, None], 2, axis=1)


# --- Analysis ---------------------------------------------------------------------------


ONSET_BANDS = ((30.0, 200.0), (200.0, 2000.0), (2000.0, 8000.0))


def onset_envelope(audio: np.ndarray, sr: int) -> tuple[np.ndarray, float]:
    """Spectral flux of a mono downmix, each band counted equally, and its frame rate in Hz.

    The flux (rise of log magnitude) is averaged within a low, a mid and a high band and the
    three are summed, so a kick drum (a handful of low bins) weighs as much as a hi-hat
    (hundreds of high bins). Otherwise the busiest cymbal decides the tempo.
    """
    mono = np.asarray(audio, dtype=np.float32)
    if mono.ndim == 2:
        mono = mono.mean(axis=1)
    factor = max(1, int(round(sr / 22050)))
    if factor > 1:
        usable = (len(mono) // factor) * factor
        mono = mono[:usable].reshape(-1, factor).mean(axis=1)
    rate = sr / factor
    frame, hop = 1024, 128
    if len(mono) < frame * 2:
        return np.zeros(1, dtype=np.float32), rate / hop
    count = 1 + (len(mono) - frame) // hop
    window = np.hanning(frame).astype(np.float32)
    freqs = np.fft.rfftfreq(frame, 1.0 / rate)
    bands = [
        (int(np.searchsorted(freqs, lo)), int(np.searchsorted(freqs, hi))) for lo, hi in ONSET_BANDS
    ]
    top = bands[-1][1]
    flux = np.empty(count, dtype=np.float32)
    prev = None
    chunk = 2048
    for begin in range(0, count, chunk):
        end = min(count, begin + chunk)
        idx = (np.arange(begin, end) * hop)[:, None] + np.arange(frame)[None, :]
        mags = np.abs(np.fft.rfft(mono[idx] * window, axis=1))[:, :top]
        logs = np.log1p(1000.0 * mags).astype(np.float32)
        if prev is None:
            prev = logs[:1]
        rise = np.maximum(0.0, np.diff(np.concatenate([prev, logs]), axis=0))
        flux[begin:end] = sum(rise[:, lo:hi].mean(axis=1) for lo, hi in bands)
        prev = logs[-1:]
    # Remove the slow trend so sustained loud passages do not dominate the autocorrelation.
    span = max(1, min(int(0.4 * rate / hop), (count - 1) // 2))
    kernel = np.ones(2 * span + 1, dtype=np.float32) / (2 * span + 1)
    trend = np.convolve(flux, kernel, mode="same")
    env = np.maximum(0.0, flux - trend)
    return env.astype(np.float32), rate / hop


def autocorrelation(env: np.ndarray, max_lag: int) -> np.ndarray:
    n = len(env)
    size = fast_length(2 * n)
    spectrum = np.fft.rfft(env - env.mean(), size)
    ac = np.fft.irfft(spectrum * np.conj(spectrum), size)[: max_lag + 1]
    ac /= np.maximum(1, n - np.arange(max_lag + 1))  # unbiased: long lags have less overlap
    return ac


def _peak_near(ac: np.ndarray, centre: float, reach: float) -> float | None:
    lo = max(1, int(np.floor(centre - reach)))
    hi = min(len(ac) - 2, int(np.ceil(centre + reach)))
    if hi <= lo:
        return None
    i = lo + int(np.argmax(ac[lo : hi + 1]))
    a, b, c = ac[i - 1], ac[i], ac[i + 1]
    denom = a - 2 * b + c
    shift = 0.5 * (a - c) / denom if denom < 0 else 0.0
    return i + float(np.clip(shift, -0.5, 0.5))


def estimate_tempo(audio: np.ndarray, sample_rate: int, lo: float = 60, hi: float = 200) -> float:
    """Tempo in BPM from the autocorrelation of the onset envelope.

    1. Every candidate period is scored by the mean autocorrelation at its first eight
       multiples; the best one fixes the family of related tempos (T/2, T, 2T …) without
       the 3:2 confusions a single lag invites.
    2. Within the family, the fastest tempo whose period is at least 0.65 times as periodic
       as twice that period is the beat: faster pulses (off-beat hats) fail the test,
       slower ones (whole bars) are passed over.
    3. The period is refined to a fraction of a frame by a least-squares fit of the
       autocorrelation peaks at up to 16 multiples of it.
    """
    env, rate = onset_envelope(audio, sample_rate)
    if env.size < 4 or not np.any(env > 0):
        return 0.0
    seconds = env.size / rate
    max_lag = int(min(env.size - 2, rate * min(12.0, seconds * 0.75)))
    max_lag = max(max_lag, min(env.size - 2, int(rate * 60.0 / lo) * 2 + 2))
    ac = autocorrelation(env, max_lag)
    if ac[0] <= 0:
        return 0.0
    lags = np.arange(ac.size)

    def at(lag: float) -> float:
        return float(np.max(np.interp([lag - 1, lag, lag + 1], lags, ac)))

    def comb(bpm: float) -> float:
        period = 60.0 * rate / bpm
        ks = [k for k in range(1, 9) if k * period < ac.size - 2]
        return float(np.mean([at(k * period) for k in ks])) if ks else -np.inf

    grid = np.arange(lo, hi + 0.01, 0.5)
    best = float(grid[int(np.argmax([comb(b) for b in grid]))])
    family = [best * m for m in (0.25, 0.5, 1.0, 2.0, 4.0) if lo <= best * m <= hi]
    choice = min(family)
    for candidate in sorted(family, reverse=True):
        period = 60.0 * rate / candidate
        if 2 * period < ac.size - 2 and at(period) >= 0.65 * at(2 * period):
            choice = candidate
            break
    period = 60.0 * rate / choice
    ks, found_lags = [], []
    for k in range(1, 17):
        if k * period >= ac.size - 3:
            break
        found = _peak_near(ac, k * period, reach=max(1.5, 0.03 * k * period))
        if found is not None:
            ks.append(k)
            found_lags.append(found)
    if ks:
        ks_arr = np.array(ks, dtype=np.float64)
        period = float(np.dot(ks_arr, found_lags) / np.dot(ks_arr, ks_arr))
    return round(60.0 * rate / period, 2)


KRUMHANSL_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
KRUMHANSL_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])


def chroma(audio: np.ndarray, sr: int, max_seconds: float = 90.0) -> np.ndarray:
    """Energy per pitch class (C..B) over the first max_seconds of a mono downmix."""
    mono = np.asarray(audio, dtype=np.float32)
    if mono.ndim == 2:
        mono = mono.mean(axis=1)
    mono = mono[: int(max_seconds * sr)]
    frame = 8192
    if len(mono) < frame:
        mono = np.pad(mono, (0, frame - len(mono)))
    hop = frame
    count = max(1, (len(mono) - frame) // hop + 1)
    idx = (np.arange(count) * hop)[:, None] + np.arange(frame)[None, :]
    mags = np.abs(np.fft.rfft(mono[idx] * np.hanning(frame).astype(np.float32), axis=1))
    power = (mags**2).sum(axis=0)
    freqs = np.fft.rfftfreq(frame, 1.0 / sr)
    usable = (freqs > 55) & (freqs < 2000)
    midi = 69 + 12 * np.log2(freqs[usable] / 440.0)
    classes = np.round(midi).astype(int) % 12
    return np.bincount(classes, weights=power[usable], minlength=12)


def estimate_key(audio: np.ndarray, sr: int) -> tuple[int, str]:
    """(root pitch class, "major" | "minor") by correlating the chroma with key profiles."""
    profile = chroma(audio, sr)
    if not np.any(profile > 0):
        return 0, "major"
    best = (-2.0, 0, "major")
    for root in range(12):
        rotated = np.roll(profile, -root)
        for mode, template in (("major", KRUMHANSL_MAJOR), ("minor", KRUMHANSL_MINOR)):
            r = float(np.corrcoef(rotated, template)[0, 1])
            if r > best[0]:
                best = (r, root, mode)
    return best[1], best[2]
