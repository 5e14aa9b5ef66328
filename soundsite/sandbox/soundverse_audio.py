"""The audio the Soundverse stand-in returns, made by the sandbox synthesiser.

``make`` is the one place that renders sound; it needs no database, so callers run it in a
worker thread while the event loop keeps serving streams. Everything it needs (the source
recipe or bytes of an input recording) is gathered beforehand into an ``AudioJob``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import numpy as np
import soundfile

SAMPLE_RATE = 44100


@dataclass
class Source:
    """An input recording: its synth recipe when the sandbox made it, else its bytes."""

    duration: float
    bpm: float
    recipe: dict | None = None
    data: bytes | None = None


@dataclass
class AudioJob:
    """What to render for one output.

    ``kind`` is ``song``, ``instrumental``, ``singing``, ``extend``, ``remix``, ``sample``,
    ``loop``, ``stems`` or ``voice``. ``loop`` holds ``{"start": s, "end": s, "count": n}``
    segments (already checked), ``extend`` holds ``{"at": s, "extra": s, "side": …}``.
    """

    kind: str
    prompt: str
    seconds: float
    seed: int
    fmt: str
    lyrics: str = ""
    vocals: bool = True
    loopable: bool = False
    source: Source | None = None
    stems: tuple[str, ...] = ()
    segments: list[dict] = field(default_factory=list)
    count: int = 1
    extend: dict | None = None


@dataclass
class Made:
    """One rendered file."""

    label: str  # "mix", or the stem name for separations
    data: bytes
    duration: float
    bpm: float | None
    recipe: dict | None


def tempo_for(seed: int) -> float:
    """The tempo the sandbox gives music it makes from ``seed`` (used before rendering too)."""
    return float(80 + seed % 61)


def make(job: AudioJob) -> list[Made]:
    """Render ``job``: one file, or one per stem for separations.

    A plain tone shaped by the beat stands in until the synthesiser module lands.
    """
    bpm = job.source.bpm if job.source else tempo_for(job.seed)
    if job.kind == "loop":
        seconds = sum(s["end"] - s["start"] for s in job.segments) * job.count
    elif job.kind == "stems" and job.source:
        seconds = job.source.duration
    else:
        seconds = job.seconds
    frames = max(1, int(round(seconds * SAMPLE_RATE)))
    t = np.arange(frames) / SAMPLE_RATE
    base = 110.0 * 2 ** ((job.seed % 12) / 12)
    beat = 0.5 + 0.5 * np.cos(2 * np.pi * (bpm / 60.0) * t) ** 8
    labels = job.stems or (("generated", "looped") if job.kind == "gen_loop" else ("mix",))
    made = []
    looped = sum(s["end"] - s["start"] for s in job.segments) * job.count
    for index, label in enumerate(labels):
        if label == "looped":
            seconds = looped
            frames = max(1, int(round(seconds * SAMPLE_RATE)))
            t = np.arange(frames) / SAMPLE_RATE
            beat = 0.5 + 0.5 * np.cos(2 * np.pi * (bpm / 60.0) * t) ** 8
        tone = 0.2 * np.sin(2 * np.pi * base * (index + 1) * t) * beat
        stereo = np.stack([tone, tone], axis=1).astype(np.float32)
        buffer = io.BytesIO()
        soundfile.write(buffer, stereo, SAMPLE_RATE, format=job.fmt.upper())
        recipe = {"placeholder": True, "bpm": bpm, "seed": job.seed, "seconds": seconds}
        made.append(Made(label, buffer.getvalue(), seconds, bpm, recipe))
    return made
