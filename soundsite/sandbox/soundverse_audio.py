"""The audio the Soundverse stand-in returns, made by the sandbox synthesiser.

``make`` renders; it needs no database, so callers run it in a worker thread while the event
loop keeps serving streams. Everything it needs (the recipe or bytes of an input recording)
is gathered beforehand into an ``AudioJob``. Sandbox-made inputs are re-rendered from their
recipe, so stems are the true layers and loops are seamless; other audio goes through the
synthesiser's simple filters; a link the sandbox cannot fetch is "imagined" from its URL
(a deterministic instrumental), so tempo checks and the rendered audio agree.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np

from soundsite.sandbox import synth
from soundsite.sandbox.synth_dsp import to_stereo

SAMPLE_RATE = synth.SAMPLE_RATE


@dataclass
class Source:
    """An input recording: its synth recipe when the sandbox made (or imagined) it, else its
    bytes."""

    duration: float
    bpm: float
    recipe: dict | None = None
    data: bytes | None = None


@dataclass
class AudioJob:
    """What to render for one output.

    ``kind`` is ``song``, ``instrumental``, ``singing``, ``extend``, ``remix``, ``loop``,
    ``gen_loop``, ``stems`` or ``voice``. ``segments`` are the loop's parts in seconds (already
    checked against the documented errors) and ``count`` its repeats; ``extend`` holds
    ``{"at": s or None, "extra": s, "side": "left"|"right"}``.
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
    loop_mode: str = "ranges"  # "bars", "beats" or "ranges"
    stock: bool = False  # the account's ``stock_audio``: render each shape once (``stock``)


@dataclass
class Made:
    """One rendered file."""

    label: str  # "mix", a stem name, "generated" or "looped"
    data: bytes
    duration: float
    bpm: float | None
    recipe: dict | None


def planned(kind: str, prompt: str, *, seconds: float, seed: int, vocals: bool = True, **extra):
    """The recipe a new piece will have (cheap: no rendering)."""
    kind = {"singing": "song", "voice": "song", "gen_loop": "instrumental"}.get(kind, kind)
    return synth.plan(kind, prompt or "music", seconds=seconds, seed=seed, vocals=vocals, **extra)


def imagined(url: str, seconds: float) -> dict:
    """The recipe of the instrumental the sandbox pretends sits behind a link it cannot fetch."""
    seed = int.from_bytes(hashlib.sha256(url.encode()).digest()[:4], "big") & 0x7FFFFFFF
    return planned("instrumental", "steady groove", seconds=seconds, seed=seed).to_json()


def _made(label: str, audio, job: AudioJob, bpm: float | None, rate: int = SAMPLE_RATE) -> Made:
    audio = np.asarray(audio, dtype=np.float32)
    data = synth.encode(audio, rate, job.fmt)
    return Made(label, data, audio.shape[0] / rate, bpm, None)


def _piece_made(label: str, piece, job: AudioJob) -> Made:
    data = piece.encode(job.fmt)
    return Made(label, data, piece.seconds, round(piece.recipe.tempo, 2), piece.recipe.to_json())


def _source(source: Source | None):
    """(recipe, (audio, rate)) of an input: a recipe when known, else decoded audio."""
    if source is None:
        return None, None
    if source.recipe:
        return synth.Recipe.from_json(source.recipe), None
    if source.data:
        tagged = synth.recipe_from_audio(source.data)
        if tagged is not None:
            return tagged, None
        audio, rate = synth.decode(source.data)
        return None, (audio, rate)
    raise synth.SynthError("The input recording is missing.")


def _slices(audio: np.ndarray, segments: list[dict], count: int, rate: int) -> np.ndarray:
    """The parts joined in order and repeated: the time-range trim, to the frame."""
    parts = [audio[int(round(s["start"] * rate)) : int(round(s["end"] * rate))] for s in segments]
    joined = np.concatenate(parts) if parts else audio[:0]
    return np.tile(joined, (count, 1)) if count > 1 else joined


def _looped(job: AudioJob, recipe, upload) -> tuple[np.ndarray, float | None, int]:
    """(audio, tempo, sample rate) of the loop of ``job``."""
    length = job.segments[0]["end"] - job.segments[0]["start"] if job.segments else 0.0
    if recipe is not None:
        bpm = round(recipe.tempo, 2)
        if job.loop_mode == "ranges":
            mix = synth.render(recipe).mix
            return _slices(mix, job.segments, job.count, SAMPLE_RATE), bpm, SAMPLE_RATE
        beats = max(1, round(length / (60.0 / recipe.tempo)))
        if job.loop_mode == "bars" and beats % 4 == 0:
            piece = synth.loop(recipe, bars=beats // 4, count=job.count)
        else:
            piece = synth.loop(recipe, beats=beats, count=job.count)
        return piece.mix, bpm, SAMPLE_RATE
    audio, rate = upload
    if job.loop_mode == "ranges":
        return _slices(to_stereo(audio), job.segments, job.count, rate), None, rate
    tempo = job.source.bpm
    beats = max(1, round(length * tempo / 60.0))
    looped = synth.process_audio(
        audio, rate, kind="loop", tempo=tempo, beats=beats, count=job.count
    )
    return looped, tempo, rate


def _processed_upload(job: AudioJob, upload) -> Made:
    """Extend or remix of audio the sandbox did not make, by the synthesiser's filters."""
    audio, rate = upload
    if job.kind == "remix":
        out = synth.process_audio(audio, rate, kind="remix", prompt=job.prompt, seed=job.seed)
    else:
        options = job.extend or {}
        length = audio.shape[0] / rate
        at = options.get("at")
        at = length if at is None else min(at, length)
        out = synth.process_audio(
            audio,
            rate,
            kind="extend",
            at_seconds=at,
            extra_seconds=max(job.seconds - at, 4.0),
            side=options.get("side") or "right",
        )
    return _made("mix", out, job, job.source.bpm if job.source else None, rate)


def make(job: AudioJob) -> list[Made]:
    """Render ``job``: one file, or one per stem, or the generated music and its loop."""
    recipe, upload = _source(job.source)
    if job.kind == "stems":
        if recipe is not None:
            layers, rate = synth.separate(synth.render(recipe), layout="six"), SAMPLE_RATE
        else:
            layers, rate = synth.separate_audio(*upload, layout="six"), upload[1]
        bpm = round(recipe.tempo, 2) if recipe else None
        return [_made(name, layers[name.lower()], job, bpm, rate) for name in job.stems]
    if job.kind == "loop":
        audio, bpm, rate = _looped(job, recipe, upload)
        return [_made("mix", audio, job, bpm, rate)]
    if job.kind == "gen_loop":
        generated = generated_recipe(job)
        looped, bpm, rate = _looped(job, generated, None)
        return [
            _piece_made("generated", synth.render(generated), job),
            _made("looped", looped, job, bpm, rate),
        ]
    if job.kind in ("extend", "remix") and recipe is None and upload is not None:
        return [_processed_upload(job, upload)]
    return [_piece_made("mix", synth.render(_recipe_for(job, recipe)), job)]


def generated_recipe(job: AudioJob):
    """The piece a generate-and-loop job makes before looping it."""
    kind = "song" if job.vocals else "instrumental"
    extra = {"lyrics": job.lyrics} if job.vocals and job.lyrics else {}
    return planned(kind, job.prompt, seconds=job.seconds, seed=job.seed, vocals=job.vocals, **extra)


def _recipe_for(job: AudioJob, source):
    """The recipe of a new piece (song, instrumental, singing, voice, extend, remix)."""
    if job.kind == "remix":
        return synth.remix_recipe(source, job.prompt, seed=job.seed)
    if job.kind == "extend":
        options = job.extend or {}
        side = options.get("side") or "right"
        length = source.seconds - 0.001  # stay inside the rendered audio, whatever rounding
        at = options.get("at")
        at = length if at is None else min(max(at, 0.01), length)
        extra = max(job.seconds - at, 4.0) if side == "right" else options.get("extra", 30.0)
        return synth.extend_recipe(
            source,
            at_seconds=at,
            extra_seconds=extra,
            prompt=job.prompt,
            seed=job.seed,
            side=side,
        )
    if job.kind == "voice":
        return planned("song", "spoken word voice, soft", seconds=job.seconds, seed=job.seed)
    extra = {"lyrics": job.lyrics} if job.vocals and job.lyrics else {}
    return planned(
        job.kind, job.prompt, seconds=job.seconds, seed=job.seed, vocals=job.vocals, **extra
    )
