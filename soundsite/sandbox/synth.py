"""The sandbox synthesiser: recognisable, deterministic, fast music for the stand-in APIs.

A prompt becomes a Recipe (tempo, key, mode and style read from its words, seeded), and a
Recipe renders to a Piece: four true stems (vocals, drums, bass, other) that sum to the mix.
Derived operations (remix, extend, cut-down, loop) are recipes too, holding their source
recipe, so any piece can be re-rendered from JSON byte for byte. Audio the sandbox did not
make (uploads) goes through simple filters instead (`separate_audio`, `process_audio`).

No Django here: numpy and soundfile only.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field

import numpy as np
import soundfile as sf

from . import synth_dsp as dsp
from .synth_dsp import CEILING, SAMPLE_RATE, estimate_key, estimate_tempo
from .synth_fx import render_effect
from .synth_score import (
    Note,
    Section,
    build_groove,
    build_harmony,
)
from .synth_style import (
    NOTE_NAMES,
    STYLES,
    Style,
    choose_key,
    choose_tempo,
    key_root,
    normalise,
    prompt_seed,
    read_prompt,
)
from .synth_voices import SoundCache, bass, consonant, drum, guitar, keys, lead, pad, vocal

__all__ = [
    "SAMPLE_RATE",
    "STEMS",
    "FINE_STEMS",
    "KINDS",
    "LoopError",
    "Piece",
    "Recipe",
    "SynthError",
    "analyse",
    "cut_down",
    "cut_recipe",
    "decode",
    "effect",
    "encode",
    "estimate_key",
    "estimate_tempo",
    "extend",
    "extend_recipe",
    "instrumental",
    "loop",
    "loop_recipe",
    "plan",
    "process_audio",
    "recipe_from_audio",
    "remix",
    "remix_recipe",
    "render",
    "sample",
    "separate",
    "separate_audio",
    "song",
]

STEMS = ("vocals", "drums", "bass", "other")
FINE_STEMS = ("vocals", "drums", "bass", "piano", "guitar", "other")
KINDS = ("song", "instrumental", "sample", "effect", "remix", "extend", "cut", "loop", "upload")
MUSIC_KINDS = ("song", "instrumental", "remix")
TARGET_RMS = 0.16  # about -16 dBFS: loud enough to judge, leaves the limiter little to do
MAX_SECONDS = 960.0  # Soundverse's documented cap for looped output; also our render cap
LOOP_CAP_MESSAGE = "Maximum audio duration of 960 seconds reached."
F32 = np.float32


class SynthError(ValueError):
    """A request the synthesiser cannot honour; the message is fit to show a person."""


class LoopError(SynthError):
    """Loop and trim failures, worded as Soundverse documents them."""


@dataclass
class Recipe:
    """Everything needed to re-render a piece deterministically."""

    kind: str
    prompt: str
    seconds: float
    seed: int
    tempo: float
    key: str
    mode: str
    vocals: bool
    loopable: bool = False
    extra: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return json.loads(json.dumps(asdict(self)))

    @classmethod
    def from_json(cls, data: dict) -> Recipe:
        try:
            return cls(
                kind=str(data["kind"]),
                prompt=str(data["prompt"]),
                seconds=float(data["seconds"]),
                seed=int(data["seed"]),
                tempo=float(data["tempo"]),
                key=str(data["key"]),
                mode=str(data["mode"]),
                vocals=bool(data["vocals"]),
                loopable=bool(data.get("loopable", False)),
                extra=dict(data.get("extra") or {}),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise SynthError(f"Not a synthesiser recipe: {error}") from error

    @property
    def beat_seconds(self) -> float:
        return 60.0 / self.tempo

    @property
    def bar_seconds(self) -> float:
        return 4 * 60.0 / self.tempo


@dataclass
class Piece:
    """Rendered audio: the recipe, and stems of shape (frames, 2) that sum to the mix."""

    recipe: Recipe
    sample_rate: int
    stems: dict[str, np.ndarray]
    sections: list[dict] = field(default_factory=list)

    @property
    def mix(self) -> np.ndarray:
        names = list(self.stems)
        total = self.stems[names[0]].copy()
        for name in names[1:]:
            total += self.stems[name]
        return total

    @property
    def frames(self) -> int:
        return int(next(iter(self.stems.values())).shape[0])

    def encode(self, fmt: str, *, stem: str | None = None, tag: bool = True) -> bytes:
        """The mix (or one stem) as file bytes, summed chunk by chunk: no full-size copy."""
        sources = [self.stems[stem]] if stem else list(self.stems.values())
        return _encode_sum(sources, self.sample_rate, fmt, self.recipe if tag else None)

    @property
    def seconds(self) -> float:
        return self.frames / self.sample_rate

    @property
    def beat_seconds(self) -> float:
        return 60.0 / self.recipe.tempo

    @property
    def bar_seconds(self) -> float:
        return 4 * 60.0 / self.recipe.tempo


# --- Planning ----------------------------------------------------------------------------


def plan(
    kind: str,
    prompt: str,
    *,
    seconds: float,
    seed: int | None = None,
    vocals: bool = True,
    loopable: bool = False,
    **extra,
) -> Recipe:
    """Read the prompt and fix every musical choice of a new piece into a Recipe.

    Tempo, key and mode come from the prompt's words when it names them, otherwise from the
    style's ranges drawn with the seed (the prompt's hash when no seed is given). Songs,
    instrumentals and remixes are rounded to whole bars (the requested length is kept in
    extra["requested_seconds"]); samples and effects keep the exact length. A loopable
    sample gets its tempo nudged so the length holds a whole number of bars (or beats).
    Pass tempo=, key=, mode= or style= to force them.
    """
    if kind not in KINDS:
        raise SynthError(f"Unknown kind {kind!r}; expected one of {', '.join(KINDS)}.")
    seconds = float(seconds)
    if not math.isfinite(seconds) or seconds <= 0:
        raise SynthError("The length must be a positive number of seconds.")
    if seconds > MAX_SECONDS:
        raise SynthError(f"The length must be at most {int(MAX_SECONDS)} seconds.")
    seed = prompt_seed(prompt) if seed is None else int(seed) & 0x7FFFFFFF
    reading = read_prompt(prompt, extra.pop("style", None))
    tempo = extra.pop("tempo", None)
    if tempo is None:
        tempo = choose_tempo(reading, dsp.stable_rng("tempo", seed, reading.style.name))
    tempo = float(tempo)
    if not 30.0 <= tempo <= 300.0:
        raise SynthError("The tempo must be between 30 and 300 BPM.")
    key, mode = choose_key(reading, dsp.stable_rng("key", seed))
    key = NOTE_NAMES[key_root(extra.pop("key", None) or key)]
    mode = extra.pop("mode", None) or mode
    if mode not in ("major", "minor"):
        raise SynthError("The mode must be major or minor.")
    extra = {"style": reading.style.name, **extra}
    if kind in MUSIC_KINDS:
        bar = 240.0 / tempo
        bars = max(1, round(seconds / bar))
        extra.setdefault("requested_seconds", seconds)
        seconds = bars * bar
    if kind == "sample" and loopable:
        tempo = _fit_tempo(seconds, tempo)
    vocals = bool(vocals) and kind in ("song", "remix")
    return Recipe(kind, prompt, seconds, seed, tempo, key, mode, vocals, bool(loopable), extra)


def _fit_tempo(seconds: float, tempo: float) -> float:
    """A tempo near `tempo` at which `seconds` is whole bars (or at least whole beats)."""
    bars = max(1, round(seconds / (240.0 / tempo)))
    fitted = 240.0 * bars / seconds
    if abs(fitted - tempo) / tempo <= 0.08 and 40 <= fitted <= 240:
        return fitted
    beats = max(1, round(seconds / (60.0 / tempo)))
    return 60.0 * beats / seconds


# --- Public generators -------------------------------------------------------------------


def song(
    prompt: str, *, seconds: float, seed: int | None = None, vocals: bool = True, lyrics: str = ""
) -> Piece:
    """A song with arrangement sections and, with vocals, a sung lead line."""
    return render(plan("song", prompt, seconds=seconds, seed=seed, vocals=vocals, lyrics=lyrics))


def instrumental(prompt: str, *, seconds: float, seed: int | None = None) -> Piece:
    return render(plan("instrumental", prompt, seconds=seconds, seed=seed, vocals=False))


def sample(
    prompt: str, *, seconds: float, seed: int | None = None, loopable: bool = False
) -> Piece:
    """A sample of exactly `seconds` (to the frame); seamless when loopable."""
    return render(
        plan("sample", prompt, seconds=seconds, seed=seed, vocals=False, loopable=loopable)
    )


def effect(prompt: str, *, seconds: float, seed: int | None = None) -> Piece:
    """A riser, impact, whoosh or foley-like sound of exactly `seconds`."""
    return render(plan("effect", prompt, seconds=seconds, seed=seed, vocals=False))


def remix(
    source: Recipe, prompt: str, *, seed: int | None = None, vocals: bool | None = None
) -> Piece:
    """The source's tempo and key with new instruments and patterns from the prompt.

    Songs, instrumentals and remixes keep their arrangement, chords and melody (the sung
    line stays when the source had vocals); other sources keep tempo, key and length only.
    """
    return render(remix_recipe(source, prompt, seed=seed, vocals=vocals))


def remix_recipe(
    source: Recipe, prompt: str, *, seed: int | None = None, vocals: bool | None = None
) -> Recipe:
    seed = prompt_seed(f"{prompt}|{source.seed}") if seed is None else seed
    keep = vocals if vocals is not None else source.vocals
    seconds = _rendered_seconds(source)
    extra: dict = {"source": source.to_json()}
    harmony = _harmony_origin(source)
    if harmony is not None:
        extra["harmony"] = harmony
    if source.extra.get("lyrics"):
        extra["lyrics"] = source.extra["lyrics"]
    recipe = plan(
        "remix",
        prompt,
        seconds=seconds,
        seed=seed,
        vocals=keep,
        tempo=source.tempo,
        key=source.key,
        mode=source.mode,
        **extra,
    )
    return recipe


def _harmony_origin(source: Recipe) -> dict | None:
    if source.kind in ("song", "instrumental"):
        return {
            "prompt": source.prompt,
            "style": source.extra.get("style"),
            "seed": source.seed,
            "lyrics": source.extra.get("lyrics", ""),
        }
    if source.kind == "remix" and source.extra.get("harmony"):
        return dict(source.extra["harmony"])
    return None


def extend(
    source: Recipe,
    *,
    at_seconds: float,
    extra_seconds: float,
    prompt: str = "",
    seed: int | None = None,
    side: str = "right",
) -> Piece:
    """The source up to at_seconds, continued in the same tempo and key.

    The result ends on a bar line, so its length is at_seconds + extra_seconds to within
    half a bar. side="left" puts extra_seconds (rounded to whole bars) before the start
    instead, as Soundverse's v5 extend allows; at_seconds is then ignored.
    """
    return render(
        extend_recipe(
            source,
            at_seconds=at_seconds,
            extra_seconds=extra_seconds,
            prompt=prompt,
            seed=seed,
            side=side,
        )
    )


def extend_recipe(
    source: Recipe,
    *,
    at_seconds: float,
    extra_seconds: float,
    prompt: str = "",
    seed: int | None = None,
    side: str = "right",
) -> Recipe:
    if side not in ("left", "right"):
        raise SynthError("side must be left or right.")
    length = _rendered_seconds(source)
    extra_seconds = float(extra_seconds)
    if not math.isfinite(extra_seconds) or extra_seconds <= 0:
        raise SynthError("The extension must be a positive number of seconds.")
    at = float(at_seconds) if side == "right" else 0.0
    if side == "right" and not (0 < at <= length + 1e-6):
        raise SynthError(f"The extend point must be inside the audio (0 to {length:.1f} seconds).")
    bar = 240.0 / source.tempo
    if side == "right":
        first = math.floor(at / bar + 1e-9)
        bars = max(first + 1, round((at + extra_seconds) / bar))
        seconds = bars * bar
    else:
        seconds = max(1, round(extra_seconds / bar)) * bar + length
    if seconds > MAX_SECONDS:
        raise SynthError(f"The result would be longer than {int(MAX_SECONDS)} seconds.")
    seed = prompt_seed(f"{prompt}|{source.seed}|{at}") if seed is None else seed
    style = source.extra.get("style") if not prompt.strip() else None
    extra = {
        "source": source.to_json(),
        "at_seconds": at,
        "extra_seconds": extra_seconds,
        "side": side,
    }
    if style:
        extra["style"] = style
    if source.extra.get("lyrics"):
        extra["lyrics"] = source.extra["lyrics"]
    recipe = plan(
        "extend",
        prompt or source.prompt,
        seconds=seconds,
        seed=seed,
        vocals=source.vocals,
        tempo=source.tempo,
        key=source.key,
        mode=source.mode,
        **extra,
    )
    recipe.vocals = source.vocals
    return recipe


def cut_down(source: Recipe, target_seconds: float) -> Piece:
    """A shorter version within 1 s of the target that ends on a bar line.

    The start of the source is kept and joined, on bar lines, to its ending (outro and final
    bar), so the result still ends like the song does. When whole bars cannot land within
    1 s of the target (slow tempos have bars over 2 s) the result starts with a pickup: a
    few beats before the first full bar. Its length is then pickup + whole bars, still
    ending on a bar line; recipe.extra holds bars and pickup_beats. A target at or above the
    source's length returns the whole source.
    """
    return render(cut_recipe(source, target_seconds))


def cut_recipe(source: Recipe, target_seconds: float) -> Recipe:
    target = float(target_seconds)
    if not math.isfinite(target) or target <= 0:
        raise SynthError("The target length must be a positive number of seconds.")
    src = render(source)
    frames = src.frames
    bar_f = SAMPLE_RATE * src.bar_seconds
    beat_f = bar_f / 4
    target_f = target * SAMPLE_RATE
    whole_bars = int(math.floor(frames / bar_f + 1e-6))
    extra: dict = {"source": source.to_json(), "target_seconds": target}
    if target_f >= frames - 1 or whole_bars < 1:
        extra.update(bars=whole_bars, pickup_beats=0, head_bars=whole_bars, tail_bars=0, whole=True)
        seconds = frames / SAMPLE_RATE
    else:
        bars = max(1, round(target_f / bar_f))
        pickup = 0
        if abs(bars * bar_f - target_f) > SAMPLE_RATE * 1.0:
            beats = max(1, round(target_f / beat_f))
            bars, pickup = divmod(beats, 4)
        bars = min(bars, whole_bars)
        tail = _tail_bars(src, bars)
        head = bars - tail
        extra.update(bars=bars, pickup_beats=pickup, head_bars=head, tail_bars=tail, whole=False)
        seconds = (bars * 4 + pickup) * src.beat_seconds
    return Recipe(
        "cut",
        source.prompt,
        seconds,
        source.seed,
        source.tempo,
        source.key,
        source.mode,
        source.vocals,
        False,
        extra,
    )


def _tail_bars(src: Piece, bars: int) -> int:
    """How many bars of the ending to keep: the outro and final bar when they fit."""
    ending = [s for s in src.sections if s["name"] in ("outro", "end")]
    if not ending or bars < 2:
        return 0
    outro_bars = sum(s["bars"] for s in ending)
    end_bars = sum(s["bars"] for s in ending if s["name"] == "end")
    if outro_bars <= bars - 1:
        return outro_bars
    return min(end_bars, bars - 1)


def loop(
    source: Recipe,
    *,
    bars: int | None = None,
    beats: int | None = None,
    start: float | None = None,
    end: float | None = None,
    count: int = 1,
) -> Piece:
    """A seamless loop of whole bars (or beats, or a time range snapped to beats).

    Without bars, beats or a range, four bars (fewer for short sources) from the start of
    the first full-energy section. count repeats the loop (Soundverse's loop count).
    """
    return render(loop_recipe(source, bars=bars, beats=beats, start=start, end=end, count=count))


def loop_recipe(
    source: Recipe,
    *,
    bars: int | None = None,
    beats: int | None = None,
    start: float | None = None,
    end: float | None = None,
    count: int = 1,
) -> Recipe:
    if count < 1:
        raise LoopError("The loop count must be at least 1.")
    src_seconds = _rendered_seconds(source)
    beat = 60.0 / source.tempo
    total_beats = int(math.floor(src_seconds / beat + 1e-6))
    if start is not None or end is not None:
        lo = 0.0 if start is None else float(start)
        hi = src_seconds if end is None else float(end)
        if lo < 0 or hi > src_seconds + 1e-6:
            raise LoopError("Time range 0 is out of bounds.")
        if lo >= hi:
            raise LoopError("Invalid range: start >= end at index 0.")
        first = int(round(lo / beat))
        last = min(total_beats, int(round(hi / beat)))
        if last - first < 1:
            raise LoopError("Not enough beats to create loop.")
        first_beat, length_beats = first, last - first
    else:
        if bars is not None and beats is not None:
            raise LoopError("Give bars or beats, not both.")
        if bars is not None:
            length_beats = int(bars) * 4
        elif beats is not None:
            length_beats = int(beats)
        else:
            length_beats = min(16, max(4, (total_beats // 4) * 4)) if total_beats >= 4 else 0
        if length_beats < 1 or length_beats > total_beats:
            raise LoopError("Not enough beats to create loop.")
        first_beat = _loop_start_beat(source, length_beats, total_beats)
    seconds = length_beats * beat * count
    if seconds > MAX_SECONDS:
        raise LoopError(LOOP_CAP_MESSAGE)
    extra = {
        "source": source.to_json(),
        "first_beat": first_beat,
        "beats": length_beats,
        "count": int(count),
    }
    return Recipe(
        "loop",
        source.prompt,
        seconds,
        source.seed,
        source.tempo,
        source.key,
        source.mode,
        source.vocals,
        True,
        extra,
    )


def _loop_start_beat(source: Recipe, length_beats: int, total_beats: int) -> int:
    """The first beat of the first chorus (or main section) when the loop fits from there."""
    if source.kind in MUSIC_KINDS:
        setup = _setup(source)
        bar_beats = 4
        for section in _sections_for(source, setup):
            if section.name in ("chorus", "main", "loop"):
                first = section.start_bar * bar_beats
                if first + length_beats <= total_beats:
                    return first
    return 0


def _rendered_seconds(recipe: Recipe) -> float:
    return round(recipe.seconds * SAMPLE_RATE) / SAMPLE_RATE


# --- Rendering ---------------------------------------------------------------------------


@contextlib.contextmanager
def _plain_pages():
    """Ask numpy for ordinary pages while rendering.

    numpy advises the kernel to back large arrays with huge pages. Where huge pages are
    scarce (a busy shared machine) every fault then stalls on memory compaction: filling a
    three-minute stem took 0.3-0.7 s instead of a steady 0.08 s. Rendering allocates a few
    such arrays, so it switches the advice off for its duration and restores it after.
    """
    toggle = getattr(np._core.multiarray, "_set_madvise_hugepage", None)
    previous = toggle(False) if toggle else None
    try:
        yield
    finally:
        if toggle and previous is not None:
            toggle(previous)


def render(recipe: Recipe, *, fine: bool = False) -> Piece:
    """Render a recipe. fine=True splits "other" into piano, guitar and other (six stems)."""
    with _plain_pages():
        return _render(recipe, fine)


def _render(recipe: Recipe, fine: bool) -> Piece:
    kind = recipe.kind
    if kind in MUSIC_KINDS or kind == "sample":
        parts, sections = _render_music(recipe, fine=fine, circular=recipe.loopable)
    elif kind == "effect":
        parts, sections = _render_effect(recipe, fine)
    elif kind == "extend":
        parts, sections = _render_extend(recipe, fine)
    elif kind == "cut":
        parts, sections = _render_cut(recipe, fine)
    elif kind == "loop":
        parts, sections = _render_loop(recipe, fine)
    elif kind == "upload":
        raise SynthError("Uploaded audio is not made from a recipe; use process_audio.")
    else:
        raise SynthError(f"Unknown kind {kind!r}.")
    return Piece(recipe, SAMPLE_RATE, parts, sections)


@dataclass
class _Setup:
    style: Style
    harmony_style: Style
    harmony_seed: int
    groove_seed: int
    tonic: int
    mode: str
    voice: str
    drums: bool
    lyrics: str


def _setup(recipe: Recipe) -> _Setup:
    reading = read_prompt(recipe.prompt, recipe.extra.get("style"))
    origin = recipe.extra.get("harmony")
    if origin:
        h_reading = read_prompt(origin.get("prompt", ""), origin.get("style"))
        h_seed = int(origin.get("seed", recipe.seed))
        lyrics = origin.get("lyrics", "") or recipe.extra.get("lyrics", "")
    else:
        h_reading, h_seed = reading, recipe.seed
        lyrics = recipe.extra.get("lyrics", "")
    voice = h_reading.voice or (
        "female" if dsp.stable_rng("voice", h_seed).random() < 0.5 else "male"
    )
    return _Setup(
        reading.style,
        h_reading.style,
        h_seed,
        recipe.seed,
        key_root(recipe.key),
        recipe.mode,
        voice,
        reading.drums,
        lyrics or "",
    )


# fmt: off
SAMPLE_LAYER_WORDS = {
    "drums": ("drum", "drums", "beat", "beats", "percussion", "groove", "break", "breakbeat",
              "kick", "snare", "hat", "hats", "hihat", "hi hat", "clap", "top loop"),
    "bass": ("bass", "bassline", "808", "sub", "low end"),
    "keys": ("piano", "keys", "chord", "chords", "rhodes", "organ", "stab", "stabs"),
    "guitar": ("guitar", "riff", "strum", "strumming"),
    "pad": ("pad", "pads", "strings", "atmosphere", "texture", "drone", "ambience"),
    "melody": ("melody", "lead", "hook", "flute", "arp", "arpeggio", "bell", "bells", "pluck",
               "motif", "synth lead"),
    "vocal": ("vocal", "vocals", "vox", "chop", "chops", "voice", "choir", "singing", "sung"),
}
# fmt: on
ONE_SHOT_WORDS = ("one shot", "oneshot", "single hit", "one hit", "hit", "shot")
# fmt: off
DRUM_NAMES = {"kick": "kick", "snare": "snare", "clap": "clap", "hat": "hat", "hihat": "hat",
              "hi hat": "hat", "crash": "crash", "cymbal": "crash", "tom": "tom_mid",
              "rim": "rim", "shaker": "shaker", "ride": "ride", "conga": "conga"}


def sample_layers(prompt: str) -> tuple[set[str] | None, str | None]:
    """Which layers a sample prompt asks for, and whether it is a single hit."""
    text = normalise(prompt)
    found = {layer for layer, words in SAMPLE_LAYER_WORDS.items()
             if any(f" {w} " in text for w in words)}
    if not found:
        return {"drums", "bass", "keys", "guitar", "pad"}, None
    shot = None
    if any(f" {w} " in text for w in ONE_SHOT_WORDS) and "loop" not in text:
        for word, name in DRUM_NAMES.items():
            if f" {word} " in text:
                shot = name
                break
        if shot is None:
            order = ("bass", "keys", "guitar", "pad", "vocal", "melody", "drums")
            shot = next(layer for layer in order if layer in found)
            shot = "kick" if shot == "drums" else shot
    return found, shot


def _sections_for(recipe: Recipe, setup: _Setup) -> list[Section]:
    beat_f = SAMPLE_RATE * 60.0 / recipe.tempo
    frames = round(recipe.seconds * SAMPLE_RATE)
    total_bars = max(1, math.ceil(frames / (4 * beat_f) - 1e-6))
    harmony = build_harmony(setup.harmony_style, setup.harmony_seed, setup.tonic, setup.mode,
                            total_bars, _arrangement_kind(recipe), setup.voice, setup.lyrics)
    return harmony.sections


def _arrangement_kind(recipe: Recipe) -> str:
    return "sample" if recipe.kind == "sample" else "song"


def _render_music(
    recipe: Recipe,
    *,
    fine: bool,
    circular: bool = False,
    window: tuple[int, int] | None = None,
    start_bar: int = 0,
    frames: int | None = None,
    ending: bool = True,
) -> tuple[dict[str, np.ndarray], list[dict]]:
    """Render a song, instrumental, remix or sample (or a window of one) into parts."""
    setup = _setup(recipe)
    tempo = recipe.tempo
    beat_f = SAMPLE_RATE * 60.0 / tempo
    total = round(recipe.seconds * SAMPLE_RATE) if frames is None else frames
    total_bars = max(1, math.ceil(total / (4 * beat_f) - 1e-6))
    layers, one_shot = (None, None)
    vocals = recipe.vocals
    if recipe.kind == "sample":
        layers, one_shot = sample_layers(recipe.prompt)
        vocals = "vocal" in layers
    harmony = build_harmony(setup.harmony_style, setup.harmony_seed, setup.tonic, setup.mode,
                            total_bars, _arrangement_kind(recipe), setup.voice, setup.lyrics,
                            start_bar=start_bar, ending=ending)
    notes = build_groove(
        setup.style, setup.groove_seed, harmony, total / beat_f,
        drums_on=setup.drums or (layers is not None and "drums" in layers),
        vocals=vocals, voice=setup.voice, layers=layers, one_shot=one_shot,
        bar_range=(start_bar, total_bars) if start_bar else None,
        tempo=tempo,
    )
    lo, hi = window if window is not None else (0, total)
    parts = _paint(notes, hi - lo, lo, beat_f, tempo, fine, circular)
    _echo(parts, setup.style.echo, beat_f, circular)
    ends_song = recipe.kind in MUSIC_KINDS or start_bar > 0
    if not circular:
        if ends_song and any(s.name == "end" for s in harmony.sections) and hi == total:
            _fade_tail(parts, int(min(total, 0.6 * 4 * beat_f)))
        elif recipe.kind == "sample":
            _fade_tail(parts, min(total // 4, int(0.05 * SAMPLE_RATE)))
    _master(parts, circular)
    sections = [
        {"name": s.name, "start_bar": s.start_bar, "bars": s.bars,
         "start": s.start_bar * 4 * beat_f / SAMPLE_RATE,
         "end": min(total, (s.start_bar + s.bars) * 4 * beat_f) / SAMPLE_RATE}
        for s in harmony.sections
    ]
    return parts, sections


def _paint(notes: list[Note], frames: int, offset: int, beat_f: float, tempo: float,
           fine: bool, circular: bool) -> dict[str, np.ndarray]:
    """Add every note's sound into its part, the vocals on a second thread.

    numpy releases the GIL in its loops, so on a two-core machine the singer (the most
    expensive layer to synthesise) is painted alongside the band. Each part is written by
    exactly one thread, in note order, so the result is identical to a serial render.
    """
    names = FINE_STEMS if fine else STEMS
    parts = {name: np.zeros((frames, 2), dtype=F32) for name in names}

    def destination(note: Note) -> str:
        return note.part if fine or note.part in STEMS else "other"

    voices = [n for n in notes if destination(n) in ("vocals", "guitar")]
    band = [n for n in notes if destination(n) not in ("vocals", "guitar")]
    args = (parts, frames, offset, beat_f, tempo, circular, destination)
    if voices and band:
        with ThreadPoolExecutor(max_workers=1) as pool:
            pending = pool.submit(_paint_notes, voices, *args)
            _paint_notes(band, *args)
            pending.result()
    else:
        _paint_notes(notes, *args)
    return parts


def _paint_notes(notes, parts, frames, offset, beat_f, tempo, circular, destination) -> None:
    """Paint notes into parts (drum bars that repeat exactly are mixed once and reused,
    which turns some 1 800 small additions of a three-minute song into about 90)."""
    cache = SoundCache()
    pans: dict[tuple[float, float], np.ndarray] = {}

    def gains_for(note: Note) -> np.ndarray:
        key = (note.gain, note.pan)
        gains = pans.get(key)
        if gains is None:
            gains = dsp.pan_gains(note.pan) * F32(note.gain)
            pans[key] = gains
        return gains

    def wave_for(note: Note) -> np.ndarray:
        length = int(round(note.length * beat_f))
        key = (note.kind, note.params, length)
        return cache.get(key, lambda: _sound(note, length, tempo))

    def frame_of(note: Note) -> int:
        return int(round(note.beat * beat_f + note.shift * SAMPLE_RATE))

    drum_bars: dict[int, list[Note]] = {}
    for note in notes:
        if note.kind == "drum":
            drum_bars.setdefault(int(note.beat // 4), []).append(note)
            continue
        start = frame_of(note) - offset
        if not circular and start >= frames:
            continue
        wave = wave_for(note)
        if not circular and start + wave.shape[0] <= 0:
            continue
        dsp.add_into(parts[destination(note)], start, wave, gains_for(note), circular)

    bar_sounds: dict[tuple, tuple[np.ndarray, int]] = {}
    for bar, group in drum_bars.items():
        base = int(round(bar * 4 * beat_f))
        if not circular and (base - offset >= frames or base - offset + 8 * beat_f < 0):
            continue
        signature = tuple((n.params, round(n.beat - bar * 4, 6), n.gain, n.pan, n.shift)
                          for n in group)
        made = bar_sounds.get(signature)
        if made is None:
            starts = [frame_of(n) - base for n in group]
            waves = [wave_for(n) for n in group]
            lo = min(0, min(starts))
            hi = max(s + w.shape[0] for s, w in zip(starts, waves, strict=True))
            mixed = np.zeros((hi - lo, 2), dtype=F32)
            for note, start, wave in zip(group, starts, waves, strict=True):
                dsp.add_into(mixed, start - lo, wave, gains_for(note))
            made = (mixed, lo)
            bar_sounds[signature] = made
        mixed, lo = made
        dsp.add_into(parts["drums"], base + lo - offset, mixed, None, circular)


def _sound(note: Note, frames: int, tempo: float) -> np.ndarray:
    p = note.params
    kind = note.kind
    frames = max(frames, 32)
    if kind == "drum":
        return drum(p[0], p[1], p[2])
    if kind == "bass":
        return bass(p[0], p[1], frames, p[2], p[3] * tempo / 60.0)
    if kind == "keys":
        return keys(p[0], p[1], frames, p[2])
    if kind == "guitar":
        return guitar(p[0], p[1], frames, p[2])
    if kind == "pad":
        return pad(p[0], p[1], frames, p[2])
    if kind == "lead":
        return lead(p[0], p[1], frames, p[2])
    if kind == "vocal":
        return vocal(p[0], frames, p[1], p[2])
    if kind == "consonant":
        return consonant(p[0])
    if kind == "fx":
        return _texture(p, frames)
    raise SynthError(f"Unknown sound kind {kind!r}.")


def _texture(params: tuple, frames: int) -> np.ndarray:
    rng = dsp.stable_rng("texture", *params, frames)
    if params[0] == "riser":
        return render_effect("riser", frames, int(rng.integers(1 << 30))) * F32(0.6)
    # Vinyl crackle: sparse clicks over a little hiss.
    white = rng.standard_normal(frames + 1).astype(F32)
    hiss = np.diff(white) * F32(0.025)  # a first difference is a cheap high-pass
    clicks = np.zeros(frames, dtype=F32)
    count = int(frames / SAMPLE_RATE * 14)
    where = rng.integers(0, max(1, frames - 64), size=count)
    clicks[where] = rng.uniform(-1, 1, size=count).astype(F32)
    clicks = np.convolve(clicks, np.hanning(9).astype(F32), mode="same")
    return dsp.fade_edges((hiss + clicks * F32(0.6)).astype(F32), 64, 64)


CHUNK = 1 << 17  # frames per chunk when mastering: small temporaries, cache friendly


def _echo(parts: dict[str, np.ndarray], amount: float, beat_f: float, circular: bool) -> None:
    """A dotted-eighth ping-pong echo on the vocals and the lead/pad layer, in place.

    Chunks are processed from the end backwards, so every tap still reads the dry signal
    (earlier frames are only changed after later ones have read them).
    """
    if amount <= 0:
        return
    delay = int(round(0.75 * beat_f))
    taps = [(delay * k, k % 2, F32(g)) for k, g in
            enumerate((amount * 0.55, amount * 0.3, amount * 0.16), start=1)]
    # Piano and guitar are part of "other" in the four-stem layout, so they get the same echo
    # when rendered apart: both layouts then sum to the same mix.
    for name in ("vocals", "other", "piano", "guitar"):
        buf = parts.get(name)
        if buf is None or buf.shape[0] <= delay or not (buf.max() or buf.min()):
            continue
        n = buf.shape[0]
        if circular:
            mono = (buf[:, 0] + buf[:, 1]) * F32(0.5)
            for d, channel, gain in taps:
                buf[:, channel] += np.roll(mono, d % n) * gain
            continue
        for stop in range(n, 0, -CHUNK):
            start = max(0, stop - CHUNK)
            for d, channel, gain in taps:
                lo = max(start, d)
                if lo >= stop:
                    continue
                src = buf[lo - d : stop - d]
                buf[lo:stop, channel] += (src[:, 0] + src[:, 1]) * (gain * F32(0.5))


def _fade_tail(parts: dict[str, np.ndarray], frames: int) -> None:
    if frames <= 0:
        return
    ramp = np.linspace(1.0, 0.0, frames, dtype=F32)[:, None] ** 2
    for buf in parts.values():
        k = min(frames, buf.shape[0])
        buf[buf.shape[0] - k :] *= ramp[frames - k :]


def _master(parts: dict[str, np.ndarray], circular: bool) -> None:
    """One gain curve for every part: loudness to TARGET_RMS, then a peak limiter.

    The same curve multiplies every stem, so the stems still sum to the mix; the curve is
    computed from the peaks of the mix and of each stem, so neither clips. Works in chunks
    so no full-length temporary is allocated (page faults dominate at these sizes).
    """
    names = list(parts)
    n = parts[names[0]].shape[0]
    if n == 0:
        return
    # Peaks are taken over the four-stem grouping even when piano and guitar are apart, so
    # the six-stem render gets exactly the same gain curve as the four-stem one.
    groups = [[name] for name in names if name not in ("piano", "guitar", "other")]
    groups.append([name for name in names if name in ("piano", "guitar", "other")])
    block = 256
    squares = 0.0
    levels = []
    for start in range(0, n, CHUNK):
        stop = min(n, start + CHUNK)
        mix = parts[names[0]][start:stop].copy()
        for name in names[1:]:
            mix += parts[name][start:stop]
        flat = mix.reshape(-1)
        squares += float(np.dot(flat, flat))
        peaks = dsp.block_peaks(mix, block)
        for group in groups:
            stem = parts[group[0]][start:stop]
            if len(group) > 1:
                stem = stem.copy()
                for name in group[1:]:
                    stem += parts[name][start:stop]
            np.maximum(peaks, dsp.block_peaks(stem, block), out=peaks)
        levels.append(peaks)
    rms = math.sqrt(squares / (2 * n))
    if rms <= 1e-9:
        return
    pre = min(8.0, max(0.05, TARGET_RMS / rms))
    level = np.concatenate(levels) * pre
    if circular or float(level.max()) <= CEILING:
        gain = F32(pre * min(1.0, CEILING / max(float(level.max()), 1e-9)))
        for name in names:
            parts[name] *= gain
        return
    curve = dsp.limiter_curve(level, CEILING) * pre
    for start in range(0, n, CHUNK):
        stop = min(n, start + CHUNK)
        # One gain per frame, repeated for both channels: contiguous multiplies are fastest.
        gain = np.repeat(dsp.limiter_gain_at(curve, start, stop, block), 2)
        for name in names:
            parts[name][start:stop].reshape(-1)[:] *= gain


def _render_effect(recipe: Recipe, fine: bool):
    frames = round(recipe.seconds * SAMPLE_RATE)
    names = FINE_STEMS if fine else STEMS
    parts = {name: np.zeros((frames, 2), dtype=F32) for name in names}
    parts["other"] = render_effect(recipe.prompt, frames, recipe.seed) * F32(CEILING / 0.9)
    return parts, [{"name": "effect", "start": 0.0, "end": frames / SAMPLE_RATE}]


def _render_extend(recipe: Recipe, fine: bool):
    source = Recipe.from_json(recipe.extra["source"])
    src = render(source, fine=fine)
    total = round(recipe.seconds * SAMPLE_RATE)
    bar_f = SAMPLE_RATE * 240.0 / recipe.tempo
    xf = int(0.08 * SAMPLE_RATE)
    if recipe.extra.get("side") == "left":
        # A new opening of whole bars, crossfaded into the untouched source.
        prefix_frames = total - src.frames
        prefix_recipe = Recipe("instrumental", recipe.prompt, prefix_frames / SAMPLE_RATE,
                               recipe.seed, recipe.tempo, recipe.key, recipe.mode, False,
                               False, {"style": recipe.extra.get("style")})
        head, _ = _render_music(prefix_recipe, fine=fine, frames=prefix_frames + xf,
                                ending=False)
        parts = {}
        for name, buf in src.stems.items():
            out = np.zeros((total, 2), dtype=F32)
            out[: prefix_frames + xf] += head[name]
            out[prefix_frames : prefix_frames + xf] *= _ramp(xf, down=True)
            body = buf.copy()
            body[:xf] *= _ramp(xf, down=False)
            out[prefix_frames:] += body
            parts[name] = out
        sections = [{"name": "extension", "start": 0.0, "end": prefix_frames / SAMPLE_RATE}]
        sections += [_shift_section(s, prefix_frames / SAMPLE_RATE) for s in src.sections]
        return parts, sections
    at = round(float(recipe.extra["at_seconds"]) * SAMPLE_RATE)
    at = min(at, src.frames)
    start_bar = int(math.floor(at / bar_f + 1e-9))
    lo = max(0, at - xf)
    cont, cont_sections = _render_music(recipe, fine=fine, window=(lo, total),
                                        start_bar=start_bar, frames=total)
    parts = {}
    for name, buf in src.stems.items():
        out = np.zeros((total, 2), dtype=F32)
        out[:at] = buf[:at]
        out[lo:at] *= _ramp(at - lo, down=True)
        tail = cont[name]
        tail[: at - lo] *= _ramp(at - lo, down=False)
        out[lo:] += tail
        parts[name] = out
    sections = [s for s in src.sections if s["start"] < at / SAMPLE_RATE]
    if sections:
        sections[-1] = {**sections[-1], "end": at / SAMPLE_RATE}
    sections += [{**s, "start": max(s["start"], at / SAMPLE_RATE)} for s in cont_sections]
    return parts, sections


def _shift_section(section: dict, offset: float) -> dict:
    return {**section, "start": section["start"] + offset, "end": section["end"] + offset}


def _ramp(n: int, down: bool) -> np.ndarray:
    if n <= 0:
        return np.ones((0, 1), dtype=F32)
    ramp = np.linspace(0.0, 1.0, n, dtype=F32)
    return (ramp[::-1] if down else ramp)[:, None]


def _render_cut(recipe: Recipe, fine: bool):
    source = Recipe.from_json(recipe.extra["source"])
    src = render(source, fine=fine)
    if recipe.extra.get("whole"):
        return src.stems, src.sections
    beat_f = SAMPLE_RATE * 60.0 / source.tempo
    bar_f = 4 * beat_f
    head_bars = int(recipe.extra["head_bars"])
    tail_bars = int(recipe.extra["tail_bars"])
    pickup = int(recipe.extra["pickup_beats"])
    end_f = int(round(math.floor(src.frames / bar_f + 1e-6) * bar_f))
    first = int(round((4 - pickup) * beat_f)) if pickup else 0
    head_end = int(round((head_bars + (1 if pickup else 0)) * bar_f))
    tail_start = end_f - int(round(tail_bars * bar_f))
    total = round(recipe.seconds * SAMPLE_RATE)
    xf = int(0.03 * SAMPLE_RATE)
    parts = {}
    for name, buf in src.stems.items():
        out = np.zeros((total, 2), dtype=F32)
        tail = buf[tail_start:end_f][-total:] if tail_bars else buf[:0]
        # The tail is placed flush with the end, so the cut ends exactly where the source
        # does (on its last bar line); the head fills what is left before it.
        joint = total - len(tail)
        head = buf[first:head_end][:joint]
        out[: len(head)] = head
        if pickup:
            ramp_in = min(total, int(0.005 * SAMPLE_RATE))
            out[:ramp_in] *= _ramp(ramp_in, down=False)
        if len(tail):
            lo = max(0, joint - xf)
            # The head fades out over the last few milliseconds before the joint while the
            # frames just before the tail fade in, so the tail's downbeat lands on the joint.
            out[lo:joint] *= _ramp(joint - lo, down=True)
            pre_tail = buf[max(0, tail_start - (joint - lo)) : tail_start]
            if len(pre_tail) == joint - lo:
                out[lo:joint] += pre_tail * _ramp(joint - lo, down=False)
            out[joint:] = tail
        fade = int(min(0.25 * bar_f, 0.08 * SAMPLE_RATE))
        out[total - fade :] *= _ramp(fade, down=True)
        parts[name] = out
    sections = [{"name": "cut", "start": 0.0, "end": total / SAMPLE_RATE}]
    return parts, sections


def _render_loop(recipe: Recipe, fine: bool):
    source = Recipe.from_json(recipe.extra["source"])
    beat_f = SAMPLE_RATE * 60.0 / source.tempo
    first = int(round(recipe.extra["first_beat"] * beat_f))
    last = int(round((recipe.extra["first_beat"] + recipe.extra["beats"]) * beat_f))
    count = int(recipe.extra.get("count", 1))
    if source.kind in MUSIC_KINDS or source.kind == "sample":
        # Render just the window, wrapping note tails around: a seamless loop by construction.
        single, _ = _render_music(source, fine=fine, circular=True, window=(first, last))
    else:
        src = render(source, fine=fine)
        single = {name: _crossfade_loop(buf, first, last) for name, buf in src.stems.items()}
        _share_seam_gain(single)
    parts = {name: np.tile(buf, (count, 1)) if count > 1 else buf for name, buf in single.items()}
    return parts, [{"name": "loop", "start": 0.0, "end": parts["vocals"].shape[0] / SAMPLE_RATE}]


def _share_seam_gain(parts: dict[str, np.ndarray]) -> None:
    """Keep the stems' sum under the ceiling after crossfading (which can add peaks)."""
    names = list(parts)
    mix = sum(parts[n] for n in names[1:]) + parts[names[0]]
    peak = max([float(np.max(np.abs(mix)))] + [float(np.max(np.abs(parts[n]))) for n in names])
    if peak > CEILING:
        for n in names:
            parts[n] *= F32(CEILING / peak)


def _crossfade_loop(audio: np.ndarray, first: int, last: int, fade: int | None = None):
    """audio[first:last] with what follows `last` faded into its start: no seam when looped.

    At the loop point the next frame played is audio[first], which (with the fade) equals
    audio[last] plus a vanishing share of audio[first]: the natural continuation of
    audio[last - 1]. Where there is nothing after `last`, the fade borrows from before
    `first` instead (the end fades out while the start fades in).
    """
    length = last - first
    fade = fade if fade is not None else min(length // 4, int(0.03 * SAMPLE_RATE))
    seg = audio[first:last].astype(F32, copy=True)
    if fade <= 1:
        return seg
    after = audio[last : last + fade]
    up = _ramp(fade, down=False)
    if len(after) == fade:
        seg[:fade] = seg[:fade] * up + after * (1 - up)
    else:
        before = audio[max(0, first - fade) : first]
        if len(before) == fade:
            seg[-fade:] = seg[-fade:] * (1 - up) + before * up
        else:
            seg[:fade] *= up
            seg[-fade:] *= 1 - up
    return seg


# --- Separation --------------------------------------------------------------------------


def separate(piece: Piece, layout: str = "four") -> dict[str, np.ndarray]:
    """The true stems of a sandbox-made piece; they sum back to its mix.

    layout "four": vocals, drums, bass, other (Soundpiece). layout "six": vocals, drums,
    bass, piano, guitar, other (Soundverse's all-stems), re-rendered from the recipe.
    """
    if layout == "four":
        return {name: piece.stems[name] for name in STEMS}
    if layout == "six":
        if piece.recipe.kind == "upload":
            return separate_audio(piece.mix, piece.sample_rate, layout="six")
        fine = render(piece.recipe, fine=True)
        return {name: fine.stems[name] for name in FINE_STEMS}
    raise SynthError("layout must be four or six.")


def separate_audio(audio: np.ndarray, sample_rate: int, layout: str = "four"
                   ) -> dict[str, np.ndarray]:
    """Stems for audio the sandbox did not make, by simple filters; they sum to the input.

    bass: below ~150 Hz. drums: above ~6 kHz, plus the mid band during sharp onsets.
    vocals: the steady 300 Hz to 3.4 kHz band. other: the rest (for "six", the steady
    150-300 Hz band becomes guitar and the steady 3.4-6 kHz band becomes piano).
    """
    x = dsp.to_stereo(audio)
    n = x.shape[0]
    if n == 0:
        names = STEMS if layout == "four" else FINE_STEMS
        return {name: x.copy() for name in names}
    low, high = dsp.fft_filters(
        x,
        [lambda f: dsp.band_mask(f, 0, 150, 0.5), lambda f: dsp.band_mask(f, 6000, f[-1] * 2, 0.5)],
        sample_rate,
    )
    mid = x - low - high
    gate = _transient_gate(x, sample_rate)[:, None]
    hits = mid * gate
    steady = mid - hits
    if layout not in ("four", "six"):
        raise SynthError("layout must be four or six.")
    masks = [lambda f: dsp.band_mask(f, 300, 3400, 0.5)]
    if layout == "six":
        # The steady 150-300 Hz and 3.4-6 kHz bands, carved out of what the voice band
        # leaves (the masks multiply, so the bands do not overlap).
        voice = masks[0]
        masks.append(lambda f: dsp.band_mask(f, 150, 300, 0.3) * (1 - voice(f)))
        masks.append(lambda f: dsp.band_mask(f, 3400, 6000, 0.3) * (1 - voice(f)))
    bands = dsp.fft_filters(steady, masks, sample_rate)
    voice_band = bands[0]
    stems = {"vocals": voice_band, "drums": high + hits, "bass": low}
    rest = steady - voice_band
    if layout == "six":
        stems["guitar"], stems["piano"] = bands[1], bands[2]
        rest = rest - bands[1] - bands[2]
    elif layout != "four":
        raise SynthError("layout must be four or six.")
    stems["other"] = rest
    # Whatever rounding left over goes to "other", so the stems sum to the input exactly.
    total = sum(stems.values())
    stems["other"] = (stems["other"] + (x - total)).astype(F32)
    names = STEMS if layout == "four" else FINE_STEMS
    return {name: stems[name].astype(F32, copy=False) for name in names}


def _transient_gate(x: np.ndarray, sr: int) -> np.ndarray:
    """Per-frame weight in [0, 1]: near 1 just after sharp onsets, 0 in steady passages."""
    env, rate = dsp.onset_envelope(x, sr)
    if not np.any(env > 0):
        return np.zeros(x.shape[0], dtype=F32)
    level = env / F32(np.percentile(env[env > 0], 95) + 1e-9)
    gate = np.clip(level - 0.3, 0.0, 1.0)
    times = np.arange(len(gate)) / rate
    # Hold each onset for ~60 ms so the whole attack of a hit goes to the drums.
    span = max(1, int(0.06 * rate))
    kernel = np.ones(span, dtype=F32)
    held = np.convolve(gate, kernel, mode="full")[: len(gate)]
    held = np.clip(held, 0.0, 1.0)
    return np.interp(np.arange(x.shape[0]) / sr, times, held).astype(F32)


# --- Uploads -----------------------------------------------------------------------------


def analyse(audio: np.ndarray, sample_rate: int) -> dict:
    """Tempo, key, mode and length of any audio (used for uploads)."""
    tempo = estimate_tempo(audio, sample_rate) or 120.0
    root, mode = estimate_key(audio, sample_rate)
    return {"tempo": tempo, "key": NOTE_NAMES[root], "mode": mode,
            "seconds": dsp.to_stereo(audio).shape[0] / sample_rate}


def process_audio(audio: np.ndarray, sample_rate: int, *, kind: str, **params) -> np.ndarray:
    """Cut, loop, extend or remix audio the sandbox did not make, by simple means.

    kind="cut": target_seconds → trimmed to whole beats at the estimated tempo, faded out.
    kind="loop": bars | beats | start+end | ranges=[(start, end), …], count → whole beats
    joined and crossfaded so the loop point has no seam, repeated count times.
    kind="extend": at_seconds, extra_seconds[, side] → the last bars before the extend
    point repeated (crossfaded) to fill the extra time, ending with a fade.
    kind="remix": prompt[, seed] → the audio filtered and a new drum and bass groove in its
    estimated tempo and key laid under it.
    """
    x = dsp.to_stereo(audio)
    if x.shape[0] == 0:
        raise SynthError("The audio is empty.")
    tempo = float(params.pop("tempo", 0) or estimate_tempo(x, sample_rate) or 120.0)
    beat_f = sample_rate * 60.0 / tempo
    phase = _beat_phase(x, sample_rate, beat_f)
    if kind == "cut":
        return _cut_upload(x, sample_rate, beat_f, phase, float(params["target_seconds"]))
    if kind == "loop":
        return _loop_upload(x, sample_rate, beat_f, phase, **params)
    if kind == "extend":
        return _extend_upload(x, sample_rate, beat_f, phase, **params)
    if kind == "remix":
        return _remix_upload(x, sample_rate, tempo, phase, **params)
    raise SynthError(f"Unknown processing kind {kind!r}; use cut, loop, extend or remix.")


def _beat_phase(x: np.ndarray, sr: int, beat_f: float) -> int:
    """Frame offset of the beat grid: where onsets line up best with beats."""
    env, rate = dsp.onset_envelope(x, sr)
    if env.size < 4:
        return 0
    period = beat_f / sr * rate
    best, best_score = 0.0, -1.0
    for offset in np.linspace(0, period, 24, endpoint=False):
        idx = np.arange(offset, env.size - 1, period).astype(int)
        score = float(env[idx].sum())
        if score > best_score:
            best, best_score = offset, score
    return int(round(best / rate * sr))


def _cut_upload(x, sr, beat_f, phase, target):
    if not math.isfinite(target) or target <= 0:
        raise SynthError("The target length must be a positive number of seconds.")
    if target * sr >= x.shape[0]:
        return x.copy()
    beats = max(1, round((target * sr - phase) / beat_f))
    end = int(round(phase + beats * beat_f))
    end = min(end, x.shape[0])
    out = x[:end].copy()
    fade = int(min(beat_f, 2 * sr, end // 2))
    out[end - fade :] *= _ramp(fade, down=True)
    return out


def _loop_upload(x, sr, beat_f, phase, bars=None, beats=None, start=None, end=None,
                 ranges=None, count=1):
    if count < 1:
        raise LoopError("The loop count must be at least 1.")
    total = x.shape[0]
    grid = lambda t: phase + round((t * sr - phase) / beat_f) * beat_f  # noqa: E731
    segments: list[tuple[int, int]] = []
    if ranges is not None:
        if not ranges:
            raise LoopError("No valid segments found.")
        for i, (lo, hi) in enumerate(ranges):
            if lo >= hi:
                raise LoopError(f"Invalid range: start >= end at index {i}.")
            if lo < 0 or hi * sr > total + 1:
                raise LoopError(f"Time range {i} is out of bounds.")
            a, b = int(round(grid(lo))), int(round(grid(hi)))
            a, b = max(0, a), min(total, b)
            if b - a >= beat_f * 0.99:
                segments.append((a, b))
        if not segments:
            raise LoopError("No valid segments found.")
    elif start is not None or end is not None:
        ranges = [(start or 0.0, end if end is not None else total / sr)]
        return _loop_upload(x, sr, beat_f, phase, ranges=ranges, count=count)
    else:
        length_beats = int(bars) * 4 if bars else int(beats) if beats else 8
        available = int((total - phase) // beat_f)
        if length_beats < 1 or length_beats > available:
            raise LoopError("Not enough beats to create loop.")
        a = int(round(phase))
        segments.append((a, int(round(phase + length_beats * beat_f))))
    if len(segments) == 1:
        single = _crossfade_loop(x, *segments[0])
    else:
        pieces = [_crossfade_loop(x, a, b) for a, b in segments]
        single = np.concatenate(pieces)
    seconds = single.shape[0] * count / sr
    if seconds > MAX_SECONDS:
        raise LoopError(LOOP_CAP_MESSAGE)
    return np.tile(single, (count, 1)) if count > 1 else single


def _extend_upload(x, sr, beat_f, phase, at_seconds=None, extra_seconds=30.0, side="right",
                   **_ignored):
    extra = int(round(float(extra_seconds) * sr))
    if extra <= 0:
        raise SynthError("The extension must be a positive number of seconds.")
    total = x.shape[0]
    if side == "left":
        bar_len = int(round(4 * beat_f))
        first = int(round(phase))
        seed_loop = _crossfade_loop(x, first, min(total, first + bar_len * 2))
        reps = -(-extra // max(1, len(seed_loop)))
        intro = np.tile(seed_loop, (reps, 1))[-extra:].copy()
        intro[: int(0.5 * sr)] *= _ramp(min(len(intro), int(0.5 * sr)), down=False)
        return _join(intro, x, int(0.05 * sr))
    at = total if at_seconds is None else int(round(float(at_seconds) * sr))
    if not 0 < at <= total:
        raise SynthError("The extend point must be inside the audio.")
    bar_len = 4 * beat_f
    last_line = phase + math.floor((at - phase) / bar_len) * bar_len
    lo = int(round(max(0, last_line - 2 * bar_len)))
    hi = int(round(last_line)) if last_line - lo >= beat_f else at
    if hi - lo < int(beat_f) // 2:
        lo, hi = max(0, at - int(beat_f)), at
    piece = _crossfade_loop(x, lo, hi)
    reps = -(-extra // max(1, len(piece))) + 1
    body = np.tile(piece, (reps, 1))
    head = x[:hi]
    out = np.concatenate([head, body])[: at + extra].copy()
    if hi < at:
        out[:at] = x[:at]
    fade = int(min(len(out) // 3, 3 * sr))
    out[len(out) - fade :] *= _ramp(fade, down=True)
    return out


def _join(a: np.ndarray, b: np.ndarray, fade: int) -> np.ndarray:
    fade = min(fade, len(a), len(b))
    out = np.concatenate([a, b[fade:]]).copy()
    if fade:
        up = _ramp(fade, down=False)
        out[len(a) - fade : len(a)] = a[len(a) - fade :] * (1 - up) + b[:fade] * up
    return out


def _remix_upload(x, sr, tempo, phase, prompt="", seed=None, **_ignored):
    root, mode = estimate_key(x, sr)
    seconds = x.shape[0] / sr
    recipe = plan("instrumental", prompt or "remix", seconds=seconds, seed=seed,
                  vocals=False, tempo=tempo, key=NOTE_NAMES[root], mode=mode)
    groove_recipe = Recipe("sample", f"drums bass {prompt}", seconds, recipe.seed, tempo,
                           recipe.key, mode, False, False, {"style": recipe.extra["style"]})
    groove, _ = _render_music(groove_recipe, fine=False, frames=x.shape[0] + int(phase))
    bed = sum(groove.values())[int(phase) : int(phase) + x.shape[0]]
    style = STYLES[recipe.extra["style"]]
    cutoff = 2500.0 if style.brightness < 0.9 else 9000.0
    filtered = dsp.fft_filter(x, lambda f: dsp.band_mask(f, 120, cutoff, 0.6), sr)
    out = filtered * F32(0.7) + bed[: x.shape[0]] * F32(0.6)
    peak = float(np.max(np.abs(out))) or 1.0
    if peak > CEILING:
        out *= F32(CEILING / peak)
    return out.astype(F32)


# --- Files -------------------------------------------------------------------------------

_FORMATS = {
    "flac": ("FLAC", "PCM_16"),
    "wav": ("WAV", "PCM_16"),
    "mp3": ("MP3", "MPEG_LAYER_III"),
}
# fmt: on
TAG_PREFIX = "soundsite-sandbox-recipe:"


def encode(audio: np.ndarray, sample_rate: int, fmt: str, *, recipe: Recipe | None = None) -> bytes:
    """Audio as file bytes: "flac" (16-bit), "wav" (16-bit PCM) or "mp3" (LAME via libsndfile).

    With a recipe, FLAC and MP3 files carry it in their comment tag, so the sandbox can
    recognise its own audio when it comes back as an input (WAV files cannot carry it).
    Samples beyond ±1 are clipped, never wrapped.
    """
    return _encode_sum([dsp.to_stereo(audio)], sample_rate, fmt, recipe)


def _encode_sum(
    sources: list[np.ndarray], sample_rate: int, fmt: str, recipe: Recipe | None
) -> bytes:
    try:
        container, subtype = _FORMATS[fmt.lower()]
    except KeyError:
        raise SynthError(f"Unknown format {fmt!r}; use flac, wav or mp3.") from None
    frames = sources[0].shape[0]
    buffer = io.BytesIO()
    options = {"compression_level": 0.0} if container == "FLAC" else {}
    with (
        _plain_pages(),
        sf.SoundFile(
            buffer, "w", sample_rate, 2, subtype=subtype, format=container, **options
        ) as handle,
    ):
        if recipe is not None and container != "WAV":
            handle.comment = TAG_PREFIX + json.dumps(recipe.to_json(), separators=(",", ":"))
        for start in range(0, frames, CHUNK):
            stop = min(frames, start + CHUNK)
            chunk = sources[0][start:stop].astype(F32, copy=True)
            for extra in sources[1:]:
                chunk += extra[start:stop]
            np.clip(chunk, -1.0, 1.0, out=chunk)
            if subtype == "PCM_16":
                # Converting here is cheaper than libsndfile's float path, and rounds.
                chunk *= F32(32767.0)
                handle.write(np.rint(chunk, out=chunk).astype(np.int16))
            else:
                handle.write(chunk)
    return buffer.getvalue()


def decode(data: bytes) -> tuple[np.ndarray, int]:
    """File bytes (FLAC, WAV, MP3, OGG …) as float32 (frames, channels) and the sample rate."""
    try:
        audio, rate = sf.read(io.BytesIO(data), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, TypeError) as error:
        raise SynthError("The audio file could not be read.") from error
    return audio, int(rate)


def recipe_from_audio(data: bytes) -> Recipe | None:
    """The recipe a sandbox-made FLAC or MP3 carries, or None."""
    try:
        with sf.SoundFile(io.BytesIO(data)) as handle:
            comment = handle.comment or ""
    except (sf.LibsndfileError, RuntimeError, TypeError):
        return None
    if not comment.startswith(TAG_PREFIX):
        return None
    try:
        return Recipe.from_json(json.loads(comment[len(TAG_PREFIX) :]))
    except (ValueError, KeyError, TypeError):
        return None
