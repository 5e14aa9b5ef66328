"""Composition: arrangement, chord progressions, melody, drum and accompaniment patterns.

The score is split in two, so a remix can keep one and replace the other:
- the *harmony* (sections, chords per bar, the melody and its syllables) comes from the
  harmony style and seed;
- the *groove* (drum kit and pattern, bass line, keys, guitar, pad, lead sound) comes from
  the groove style and seed.
Times are in beats (4/4); the renderer turns them into frames.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace

import numpy as np

from .synth_dsp import stable_rng
from .synth_style import Style

MAJOR = (0, 2, 4, 5, 7, 9, 11)
MINOR = (0, 2, 3, 5, 7, 8, 10)
PARTS_FINE = ("vocals", "drums", "bass", "piano", "guitar", "other")


@dataclass(frozen=True)
class Note:
    """One sound event: what, where (beats), how long (beats), how loud, where in stereo."""

    part: str
    kind: str
    params: tuple
    beat: float
    length: float
    gain: float
    pan: float = 0.0
    shift: float = 0.0  # seconds of human timing offset


@dataclass(frozen=True)
class Chord:
    root: int  # pitch class
    tones: tuple[int, ...]  # pitch classes, root first
    triad: tuple[int, ...]
    scale: tuple[int, ...]  # the key's scale bent to fit the chord


@dataclass(frozen=True)
class Section:
    name: str
    start_bar: int
    bars: int


@dataclass
class Score:
    notes: list[Note]
    sections: list[Section]
    total_beats: float
    beats_per_bar: int = 4
    melody: list[tuple[float, float, int]] = field(default_factory=list)


# --- Harmony -----------------------------------------------------------------------------

# fmt: off
PROGRESSIONS: dict[str, dict[str, list[list[str]]]] = {
    "pop": {
        "major": [["I", "V", "vi", "IV"], ["I", "vi", "IV", "V"], ["vi", "IV", "I", "V"],
                  ["IV", "I", "V", "vi"]],
        "minor": [["i", "bVI", "bIII", "bVII"], ["i", "iv", "bVI", "V"],
                  ["i", "bVII", "bVI", "bVII"]],
    },
    "dance": {
        "major": [["vi", "IV", "I", "V"], ["I", "V", "vi", "IV"], ["IV", "V", "vi", "vi"]],
        "minor": [["i", "bVI", "bIII", "bVII"], ["i", "bVI", "bVII", "i"],
                  ["i", "iv", "bVI", "bVII"]],
    },
    "modal": {
        "major": [["I", "I", "bVII", "bVII"], ["I", "I", "IV", "IV"]],
        "minor": [["i", "i", "bVII", "bVII"], ["i", "i", "bVI", "bVI"], ["i", "i", "iv", "iv"]],
    },
    "funk": {
        "major": [["I7", "I7", "IV7", "IV7"], ["I7", "IV7", "I7", "V7"]],
        "minor": [["i7", "i7", "iv7", "i7"], ["i7", "iv7", "i7", "bVII7"]],
    },
    "lofi": {
        "major": [["ii7", "V7", "Imaj7", "vi7"], ["IVmaj7", "iii7", "ii7", "Imaj7"],
                  ["Imaj7", "vi7", "ii7", "V7"]],
        "minor": [["i7", "iv7", "bVIImaj7", "bIIImaj7"], ["i7", "bVImaj7", "iv7", "V7"],
                  ["iv7", "V7", "i7", "i7"]],
    },
    "minor_loop": {
        "major": [["vi", "IV", "I", "V"], ["I", "V", "vi", "IV"]],
        "minor": [["i", "bVI", "bIII", "bVII"], ["i", "bVI", "iv", "V"], ["i", "i", "bVI", "V"],
                  ["i", "iv", "i", "bVI"]],
    },
    "rock": {
        "major": [["I", "IV", "V", "IV"], ["I", "V", "vi", "IV"], ["I", "bVII", "IV", "I"]],
        "minor": [["i", "bVI", "bVII", "i"], ["i", "bVII", "bVI", "bVII"], ["i", "iv", "bVI", "v"]],
    },
    "metal": {
        "major": [["I", "bVII", "IV", "I"], ["I", "bVI", "bVII", "I"]],
        "minor": [["i", "bVI", "bVII", "i"], ["i", "bII", "i", "bVII"], ["i", "i", "bVI", "bVII"]],
    },
    "jazz": {
        "major": [["ii7", "V7", "Imaj7", "vi7"], ["Imaj7", "vi7", "ii7", "V7"],
                  ["iii7", "vi7", "ii7", "V7"]],
        "minor": [["i7", "iv7", "bVII7", "bIIImaj7"], ["i7", "bVImaj7", "iiø", "V7"]],
    },
    "blues": {
        "major": [["I7", "I7", "I7", "I7", "IV7", "IV7", "I7", "I7", "V7", "IV7", "I7", "V7"]],
        "minor": [["i7", "i7", "i7", "i7", "iv7", "iv7", "i7", "i7", "bVI7", "V7", "i7", "V7"]],
    },
    "soul": {
        "major": [["Imaj7", "iii7", "vi7", "IVmaj7"], ["IVmaj7", "iii7", "ii7", "Imaj7"]],
        "minor": [["i7", "iv7", "i7", "bVII7"], ["i7", "bVImaj7", "iv7", "V7"]],
    },
    "epic": {
        "major": [["I", "vi", "IV", "V"], ["I", "V", "vi", "iii"], ["vi", "IV", "I", "V"]],
        "minor": [["i", "bVI", "bIII", "bVII"], ["i", "bVI", "iv", "V"], ["i", "bVII", "bVI", "V"]],
    },
    "classical": {
        "major": [["I", "IV", "V", "I"], ["I", "vi", "ii", "V"], ["I", "iii", "IV", "V"]],
        "minor": [["i", "iv", "V", "i"], ["i", "bVI", "iv", "V"], ["i", "iv", "bVII", "bIII"]],
    },
    "ambient": {
        "major": [["Imaj7", "IVmaj7", "Imaj7", "vi7"], ["Imaj7", "iii7", "IVmaj7", "IVmaj7"]],
        "minor": [["i7", "bVImaj7", "bIIImaj7", "bVII"], ["i7", "i7", "iv7", "iv7"]],
    },
    "synthwave": {
        "major": [["I", "V", "vi", "IV"], ["vi", "IV", "I", "V"]],
        "minor": [["i", "bVI", "bIII", "bVII"], ["i", "bVII", "bVI", "bVII"]],
    },
    "latin": {
        "major": [["vi", "IV", "I", "V"], ["I", "IV", "V", "IV"]],
        "minor": [["i", "bVI", "bIII", "bVII"], ["i", "iv", "bVII", "bIII"]],
    },
    "reggae": {
        "major": [["I", "IV", "I", "V"], ["I", "vi", "IV", "V"]],
        "minor": [["i", "iv", "i", "bVII"], ["i", "bVII", "bVI", "bVII"]],
    },
}
# fmt: on

_ROMAN = {"I": 0, "II": 2, "III": 4, "IV": 5, "V": 7, "VI": 9, "VII": 11}
_NUMERAL = re.compile(r"^(b|#)?(VII|VI|V|IV|III|II|I|vii|vi|v|iv|iii|ii|i)(maj7|7|ø|°|dim)?$")


def chord_from_numeral(text: str, tonic: int, mode: str, sevenths: bool) -> Chord:
    match = _NUMERAL.match(text)
    if not match:
        raise ValueError(f"Not a chord numeral: {text!r}")
    acc, numeral, suffix = match.groups()
    offset = _ROMAN[numeral.upper()] + {"b": -1, "#": 1}.get(acc or "", 0)
    root = (tonic + offset) % 12
    if suffix in ("ø", "°", "dim"):
        triad = (0, 3, 6)
    elif numeral.islower():
        triad = (0, 3, 7)
    else:
        triad = (0, 4, 7)
    seventh = None
    if suffix == "maj7":
        seventh = 11
    elif suffix in ("7", "ø"):
        seventh = 10
    elif sevenths:
        seventh = 11 if triad == (0, 4, 7) and offset % 12 not in (7, 10) else 10
    intervals = triad + ((seventh,) if seventh is not None else ())
    tones = tuple((root + i) % 12 for i in intervals)
    triad_pcs = tuple((root + i) % 12 for i in triad)
    base = [(tonic + s) % 12 for s in (MINOR if mode == "minor" else MAJOR)]
    bent = []
    for pc in base:
        if pc in tones:
            bent.append(pc)
        elif (pc + 1) % 12 in tones:
            bent.append((pc + 1) % 12)
        elif (pc - 1) % 12 in tones:
            bent.append((pc - 1) % 12)
        else:
            bent.append(pc)
    return Chord(root, tones, triad_pcs, tuple(dict.fromkeys(bent)))


def arrange(total_bars: int, kind: str, start_bar: int = 0, ending: bool = True) -> list[Section]:
    """Sections covering bars [start_bar, total_bars): intro, verses, choruses, bridge, outro.

    ending=False (a new opening placed before existing music) gives an intro and choruses
    with no outro or final bar.
    """
    bars = total_bars - start_bar
    if bars <= 0:
        return []
    if kind in ("sample", "loop"):
        return [Section("loop", start_bar, bars)]
    if not ending:
        intro = min(bars, 2 if bars < 12 else 4)
        sections = [Section("intro", start_bar, intro)]
        if bars > intro:
            sections.append(Section("chorus", start_bar + intro, bars - intro))
        return sections
    continuation = start_bar > 0
    if bars <= 2:
        return [Section("chorus" if continuation else "main", start_bar, bars)]
    if bars < 10:
        return [
            Section("chorus" if continuation else "main", start_bar, bars - 1),
            Section("end", total_bars - 1, 1),
        ]
    body = bars - 1
    intro = 0 if continuation else (2 if body < 24 else 4)
    outro = 2 if body < 32 else 4
    middle = body - intro - outro
    sizes = []
    remaining = middle
    while remaining > 0:
        take = min(8, remaining)
        if 0 < remaining - take < 4:
            take = remaining
        sizes.append(take)
        remaining -= take
    sections: list[Section] = []
    bar = start_bar
    if intro:
        sections.append(Section("intro", bar, intro))
        bar += intro
    for name, size in zip(_middle_names(len(sizes), continuation), sizes, strict=True):
        sections.append(Section(name, bar, size))
        bar += size
    sections.append(Section("outro", bar, outro))
    sections.append(Section("end", bar + outro, 1))
    return sections


def _middle_names(count: int, continuation: bool) -> list[str]:
    """Verse and chorus in turn, always ending on a chorus, with a bridge before the last
    chorus when there is room (a continuation starts straight on a chorus)."""
    if count == 0:
        return []
    if count == 1:
        return ["chorus"]
    first, second = ("chorus", "verse") if continuation else ("verse", "chorus")
    names = [first if i % 2 == 0 else second for i in range(count)]
    if names[-1] != "chorus":
        names[-1] = "chorus"
        if count >= 5:
            names[-2] = "bridge"
    elif count >= 6:
        names[-2] = "bridge"
    return names


@dataclass
class Harmony:
    sections: list[Section]
    chords: list[Chord]  # one per bar, for every bar of the piece
    melody: list[tuple[float, float, int, str, str, float]]  # beat, len, midi, vowel, cons, gain
    register: tuple[int, int]


def _progressions(style: Style, mode: str, rng) -> dict[str, list[str]]:
    family = PROGRESSIONS.get(style.harmony, PROGRESSIONS["pop"])
    options = family.get(mode) or family["major"]
    order = rng.permutation(len(options))
    pick = [options[int(i)] for i in order]
    verse = pick[0]
    chorus = pick[1 % len(pick)]
    bridge = pick[2 % len(pick)]
    if bridge == verse and len(verse) == 4:
        bridge = verse[2:] + verse[:2]
    return {"verse": verse, "chorus": chorus, "bridge": bridge}


VOWELS = {"a": "a", "e": "e", "i": "i", "y": "i", "o": "o", "u": "u"}
VOCALISE = [("o", "h"), ("a", ""), ("a", ""), ("o", ""), ("u", ""), ("e", "")]


def syllables(lyrics: str) -> list[tuple[str, str]]:
    """(vowel, consonant class) per syllable: the sound the voice makes for each note."""
    text = re.sub(r"\[[^\]]*\]", " ", lyrics.lower())
    out: list[tuple[str, str]] = []
    for word in re.findall(r"[a-z']+", text):
        for onset, vowel in re.findall(r"([^aeiouy]*)([aeiouy]+)", word):
            cons = ""
            head = onset.strip("'")[:1]
            if head in "szcxfj":
                cons = "s"
            elif head in "tdkgpbq":
                cons = "t"
            elif head in "hw":
                cons = "h"
            out.append((VOWELS[vowel[0]], cons))
    return out


# fmt: off
RHYTHM_CELLS = {
    "sparse": [[(0, 2)], [(0, 1.5), (1.5, 0.5)], [(0, 1), (1, 1)], [(0.5, 1.5)], [(0, 2)]],
    "medium": [
        [(0, 1), (1, 1)], [(0, 0.5), (0.5, 0.5), (1, 1)], [(0, 1), (1, 0.5), (1.5, 0.5)],
        [(0.5, 0.5), (1, 1)], [(0, 1.5), (1.5, 0.5)], [(0, 0.75), (0.75, 0.75), (1.5, 0.5)],
    ],
    "dense": [
        [(0, 0.5), (0.5, 0.5), (1, 0.5), (1.5, 0.5)], [(0, 0.25), (0.25, 0.25), (0.5, 0.5), (1, 1)],
        [(0, 0.5), (0.5, 1), (1.5, 0.5)], [(0, 0.75), (0.75, 0.25), (1, 0.5), (1.5, 0.5)],
        [(0, 1), (1, 0.5), (1.5, 0.5)],
    ],
}
# fmt: on
# fmt: off
CADENCE_CELLS = [[(0, 1), (1, 2)], [(0, 0.5), (0.5, 0.5), (1, 2)], [(0, 3)], [(0, 1.5), (1.5, 1.5)]]
# fmt: on


def _scale_notes(chord: Chord, lo: int, hi: int) -> list[int]:
    return [m for m in range(lo, hi + 1) if m % 12 in chord.scale]


def _chord_notes(chord: Chord, lo: int, hi: int) -> list[int]:
    return [m for m in range(lo, hi + 1) if m % 12 in chord.triad]


def _melody_for(
    chords: list[Chord], tonic: int, register: tuple[int, int], density: str, rng, lift: int
) -> list[tuple[float, float, int]]:
    """A melody over the given bars: a two-bar motif, repeated and answered, then a cadence."""
    bars = len(chords)
    lo, hi = register
    centre = (lo + hi) // 2 + lift
    cells = RHYTHM_CELLS[density]
    motif = [cells[int(rng.integers(len(cells)))] for _ in range(4)]
    phrase = 4 if bars >= 4 else bars
    notes: list[tuple[float, float, int]] = []
    prev = centre
    remembered: dict[tuple[int, float], int] = {}
    for start in range(0, bars, phrase):
        plen = min(phrase, bars - start)
        last_phrase = start + plen >= bars
        for b in range(plen):
            bar = start + b
            chord = chords[bar]
            cadence = b == plen - 1 and plen >= 2
            bar_cells = (
                [CADENCE_CELLS[int(rng.integers(len(CADENCE_CELLS)))]]
                if cadence
                else motif[(b % 2) * 2 : (b % 2) * 2 + 2]
            )
            rhythm = []
            for half, cell in enumerate(bar_cells):
                rhythm += [(half * 2 + on, length) for on, length in cell]
            scale = _scale_notes(chord, lo, hi)
            tones = _chord_notes(chord, lo, hi) or scale
            progress = (b + 0.5) / plen
            target = centre + 4 * math.sin(math.pi * progress) - (3 if cadence else 0)
            for i, (on, length) in enumerate(rhythm):
                key = (b, on)
                final = cadence and i == len(rhythm) - 1
                if key in remembered and start > 0 and not cadence and chords[b] == chord:
                    pitch = remembered[key]
                elif final:
                    goal = tonic if last_phrase and tonic in chord.tones else chord.root
                    pitch = min(
                        (m for m in range(lo, hi + 1) if m % 12 == goal),
                        key=lambda m: abs(m - prev),
                        default=prev,
                    )
                elif on % 2 == 0 or length >= 1:
                    aim = prev + np.sign(target - prev) * int(rng.choice([0, 2, 3, 4]))
                    pitch = min(tones, key=lambda m: (abs(m - aim), m))
                else:
                    idx = min(range(len(scale)), key=lambda j: abs(scale[j] - prev))
                    step = 1 if target >= prev else -1
                    if rng.random() < 0.3:
                        step = -step
                    if rng.random() < 0.15:
                        step *= 2
                    pitch = scale[int(np.clip(idx + step, 0, len(scale) - 1))]
                if start == 0:
                    remembered[key] = pitch
                notes.append((bar * 4 + on, length, int(pitch)))
                prev = pitch
    return notes


def build_harmony(
    style: Style,
    seed: int,
    tonic: int,
    mode: str,
    total_bars: int,
    kind: str,
    voice: str,
    lyrics: str,
    start_bar: int = 0,
    ending: bool = True,
) -> Harmony:
    rng = stable_rng("harmony", seed, style.harmony, mode)
    progs = _progressions(style, mode, rng)
    sections = arrange(total_bars, kind, start_bar, ending)
    tonic_chord = chord_from_numeral("i" if mode == "minor" else "I", tonic, mode, style.sevenths)
    chords: list[Chord] = [tonic_chord] * total_bars
    prog_of = {
        "intro": "verse",
        "verse": "verse",
        "chorus": "chorus",
        "bridge": "bridge",
        "outro": "chorus",
        "main": "chorus",
        "loop": "chorus",
    }
    for section in sections:
        if section.name == "end":
            chords[section.start_bar] = tonic_chord
            continue
        numerals = progs[prog_of[section.name]]
        for b in range(section.bars):
            numeral = numerals[b % len(numerals)]
            chords[section.start_bar + b] = chord_from_numeral(numeral, tonic, mode, style.sevenths)
    if voice == "male":
        register = (47, 64)
    elif voice in ("female", "choir"):
        register = (58, 76)
    else:
        register = (55, 72)
    melody: list[tuple[float, float, int, str, str, float]] = []
    words = syllables(lyrics) or VOCALISE
    syllable = 0
    made: dict[tuple[str, int], list[tuple[float, float, int]]] = {}
    for section in sections:
        if section.name not in ("verse", "chorus", "bridge", "main", "loop"):
            continue
        key = (section.name, section.bars)
        if key not in made:
            mrng = stable_rng("melody", seed, section.name, section.bars)
            lift = {"chorus": 3, "bridge": 1}.get(section.name, 0)
            density = style.melody
            made[key] = _melody_for(
                chords[section.start_bar : section.start_bar + section.bars],
                tonic,
                register,
                density,
                mrng,
                lift,
            )
        for beat, length, pitch in made[key]:
            vowel, cons = words[syllable % len(words)]
            syllable += 1
            gain = 1.0 if section.name == "chorus" else 0.9
            melody.append((section.start_bar * 4 + beat, length, pitch, vowel, cons, gain))
    return Harmony(sections, chords, melody, register)


# --- Groove ------------------------------------------------------------------------------

# Beats carry the accents ("x") and off-beats stay soft ("-"), so the beat is the strongest
# pulse an onset detector can find; the off-beat "o" is kept for a few characteristic hits.
# fmt: off
DRUM_PATTERNS: dict[str, dict[str, str]] = {
    "pop": {"kick": "x.......x.......", "snare": "....x.......x...", "hat": "x.-.x.-.x.-.x.-.",
            "clap": "....-.......-..."},
    "four_floor": {"kick": "x...x...x...x...", "clap": "....x.......x...",
                   "hat": "x-.-x-.-x-.-x-.-", "ohat": "..-...-...-...-."},
    "house": {"kick": "x...x...x...x...", "clap": "....x.......x...",
              "hat": "x-.-x-.-x-.-x-.-", "ohat": "..-...-...-...-.", "rim": "......-.......-."},
    "techno": {"kick": "x...x...x...x...", "clap": "....o.......o...",
               "hat": "x-.-x-.-x-.-x-.-", "rim": "...........-..-."},
    "disco": {"kick": "x...x...x...x...", "snare": "....x.......x...",
              "hat": "x-.-x-.-x-.-x-.-", "ohat": "..-...-...-...-."},
    "funk": {"kick": "x.....-...x.....", "snare": "....x..-.-..x..-", "hat": "x-.-x-.-x-.-x-.-"},
    "boom_bap": {"kick": "x.......x.-.....", "snare": "....x.......x...",
                 "hat": "x.-.x.-.x.-.x.-."},
    "trap": {"kick": "x.....-...x.....", "snare": "....x.......x...", "hat": "x-.-x-.-x-.-x-.-"},
    "rock": {"kick": "x.......x.-.....", "snare": "....x.......x...", "hat": "x.-.x.-.x.-.x.-."},
    "metal": {"kick": "x.-.x.-.x.-.x.-.", "snare": "....x.......x...", "ride": "x.-.x.-.x.-.x.-."},
    "jazz": {"ride": "x...x.o.x...x.o.", "hat": "....o.......o...", "kick": "-...-...-...-...",
             "snare": "......-.......-."},
    "shuffle": {"kick": "x.......x.......", "snare": "....x.......x...",
                "hat": "x.-.x.-.x.-.x.-."},
    "rnb": {"kick": "x.......x.-.....", "snare": "....x.......x...", "hat": "x-.-x-.-x-.-x-.-"},
    "cinematic": {"taiko": "x.......x.......", "tom_mid": "....x.......x...",
                  "hat": "x...x...x...x..."},
    "ambient": {"kick": "o.......-.......", "shaker": "x...x...x...x...",
                "rim": "....-.......-..."},
    "synthwave": {"kick": "x.......x.......", "snare": "....x.......x...",
                  "hat": "x-.-x-.-x-.-x-.-"},
    "dnb": {"kick": "x.........x.....", "snare": "....x.......x...", "hat": "x.-.x.-.x.-.x.-."},
    "halftime": {"kick": "x.........x.....", "snare": "........x.......",
                 "hat": "x.-.x.-.x.-.x.-.", "clap": "....o.......o...", "rim": "x...x...x...x..."},
    "dembow": {"kick": "x...x...x...x...", "snare": "...-..-....-..-.",
               "hat": "x.-.x.-.x.-.x.-."},
    "afro": {"kick": "x.......x.......", "snare": "....x.......x...", "conga": "..-..-.-..-..-.-",
             "shaker": "x-.-x-.-x-.-x-.-"},
    "bossa": {"kick": "x..-x..-x..-x..-", "rim": "x..-..x...x..-..", "hat": "x.-.x.-.x.-.x.-."},
    "country": {"kick": "x.......x.......", "snare": "....x.......x...",
                "hat": "x.-.x.-.x.-.x.-."},
    "reggae": {"kick": "x...x...x...x...", "rim": "....x.......x...", "hat": "x.-.x.-.x.-.x.-."},
    "chip": {"kick": "x.......x.......", "snare": "....x.......x...", "hat": "x.-.x.-.x.-.x.-."},
}
# fmt: on
# fmt: off
DRUM_GAIN = {"kick": 0.95, "snare": 0.6, "clap": 0.5, "hat": 0.2, "ohat": 0.18, "ride": 0.22,
             "crash": 0.3, "tom_lo": 0.5, "tom_mid": 0.5, "tom_hi": 0.45, "taiko": 0.85,
             "shaker": 0.16, "rim": 0.3, "conga": 0.35}
DRUM_PAN = {"hat": 0.3, "ohat": 0.35, "ride": -0.3, "shaker": -0.4, "rim": 0.2, "conga": -0.35,
            "crash": -0.25, "tom_lo": -0.3, "tom_mid": 0.0, "tom_hi": 0.3}
LEVEL = {"x": 1.0, "o": 0.65, "-": 0.3}

BASS_PATTERNS: dict[str, list[tuple[int, int, str]]] = {
    "pop": [(0, 3, "R"), (4, 2, "R"), (8, 3, "R"), (12, 2, "R"), (14, 2, "O")],
    "offbeat": [(2, 2, "R"), (6, 2, "R"), (10, 2, "R"), (14, 2, "R")],
    "house": [(2, 2, "R"), (6, 1, "R"), (7, 1, "O"), (10, 2, "R"), (14, 2, "F")],
    "rolling": [(s, 1, "R") for s in range(16) if s % 4 != 0],
    "octave": [(s, 2, "R" if s % 4 == 0 else "O") for s in range(0, 16, 2)],
    "funk": [(0, 2, "R"), (3, 1, "R"), (6, 1, "O"), (7, 1, "R"), (10, 2, "F"), (13, 1, "R"),
             (14, 2, "O")],
    "lofi": [(0, 7, "R"), (8, 7, "F")],
    "hiphop": [(0, 6, "R"), (7, 2, "R"), (10, 4, "R")],
    "trap": [(0, 6, "R"), (6, 4, "R"), (10, 6, "F")],
    "eighths": [(s, 2, "R") for s in range(0, 16, 2)],
    "sixteenths": [(s, 1, "R") for s in range(16)],
    "syncopated": [(0, 3, "R"), (4, 2, "F"), (8, 3, "R"), (12, 2, "O"), (14, 2, "F")],
    "sustain": [(0, 16, "R")],
    "piano_left": [(0, 4, "R"), (4, 4, "F"), (8, 4, "R"), (12, 4, "F")],
    "dnb": [(0, 6, "R"), (10, 6, "R")],
    "wobble": [(0, 4, "R"), (4, 4, "R"), (8, 4, "R"), (12, 4, "O")],
    "dembow": [(0, 3, "R"), (4, 3, "R"), (8, 3, "R"), (12, 3, "R")],
    "bossa": [(0, 6, "R"), (6, 2, "F"), (8, 6, "F"), (14, 2, "R")],
    "boom_chick": [(0, 4, "R"), (8, 4, "F")],
    "dub": [(0, 3, "R"), (4, 2, "R"), (8, 3, "O"), (12, 2, "F")],
}
# fmt: on
# fmt: off
KEYS_RHYTHMS: dict[str, list[tuple[int, int]]] = {
    "sustain": [(0, 16)],
    "quarters": [(0, 4), (4, 4), (8, 4), (12, 4)],
    "offbeat": [(2, 2), (6, 2), (10, 2), (14, 2)],
    "stabs": [(0, 2), (3, 2), (6, 3), (10, 2), (13, 2)],
    "comp": [(0, 3), (6, 2), (10, 3)],
    "lazy": [(0, 7), (7, 9)],
    "sparse": [(0, 4), (6, 2), (10, 6)],
    "skank": [(2, 1), (6, 1), (10, 1), (14, 1)],
}
# fmt: on
# fmt: off
GUITAR_RHYTHMS: dict[str, list[tuple[int, int, int]]] = {
    "strum": [(0, 4, 1), (4, 2, 1), (6, 4, -1), (10, 2, -1), (12, 2, 1), (14, 2, -1)],
    "nylon": [(0, 3, 1), (3, 3, 1), (6, 4, 1), (10, 3, 1), (13, 3, 1)],
    "funk": [(s, 1, 1 if s % 2 == 0 else -1) for s in (0, 2, 3, 6, 8, 10, 11, 14)],
    "power": [(s, 2, 1) for s in range(0, 16, 2)],
}
# fmt: on
# fmt: off
SECTION_LAYERS = {
    #          drums     bass   keys   guitar pad    melody
    "intro": ("intro", False, True, False, True, False),
    "verse": ("verse", True, True, True, False, True),
    "chorus": ("full", True, True, True, True, True),
    "bridge": ("light", True, False, False, True, True),
    "outro": ("verse", True, True, True, True, False),
    "main": ("full", True, True, True, True, True),
    "loop": ("full", True, True, True, True, True),
    "end": ("end", True, True, True, True, False),
}
# fmt: on


def swing_beat(beat: float, amount: float, unit: int) -> float:
    if amount <= 0:
        return beat
    frac = beat - math.floor(beat)
    if unit == 8 and abs(frac - 0.5) < 1e-6:
        return beat + amount / 6.0
    if unit == 16 and (abs(frac - 0.25) < 1e-6 or abs(frac - 0.75) < 1e-6):
        return beat + amount / 12.0
    return beat


def _voicing(chord: Chord, centre: int, prev: tuple[int, ...] | None, sevenths: bool):
    tones = chord.tones if sevenths else chord.triad
    candidates = []
    for inversion in range(len(tones)):
        order = tones[inversion:] + tones[:inversion]
        base = centre - 7
        notes = []
        for pc in order:
            m = base + ((pc - base) % 12)
            while notes and m <= notes[-1]:
                m += 12
            notes.append(m)
            base = m
        candidates.append(tuple(notes))
    if prev is None:
        return min(candidates, key=lambda c: abs(sum(c) / len(c) - centre))
    return min(
        candidates,
        key=lambda c: (
            sum(abs(a - b) for a, b in zip(c, prev, strict=False)) + abs(sum(c) / len(c) - centre)
        ),
    )


def _bass_pitch(chord: Chord, which: str, low: int = 33) -> int:
    root = low + ((chord.root - low) % 12)
    if which == "O":
        return root + 12
    if which == "F":
        fifth = (chord.root + 7) % 12 if len(chord.triad) < 3 else chord.triad[2]
        return low + ((fifth - low) % 12) if (fifth - low) % 12 >= 5 else root + 7
    return root


def build_groove(
    style: Style,
    seed: int,
    harmony: Harmony,
    total_beats: float,
    *,
    drums_on: bool,
    vocals: bool,
    voice: str,
    layers: set[str] | None,
    one_shot: str | None = None,
    bar_range: tuple[int, int] | None = None,
    tempo: float | None = None,
) -> list[Note]:
    """All notes of the piece (drums, bass, keys, guitar, pad, melody, effects).

    A style played well below its usual tempo (a dance remix of a slow song) drops its
    soft off-beat cymbal hits, off-beat bass and stabs, which would otherwise make the
    groove feel twice as fast; one played well above it splits its long bass notes.
    """
    rng = stable_rng("groove", seed, style.name)
    thin = tempo is not None and tempo < 0.8 * style.tempo[0]
    notes: list[Note] = []
    kit = style.kit
    human = {"lofi": 0.008, "brush": 0.006, "acoustic": 0.004, "boom": 0.005}.get(kit, 0.001)
    bright = style.brightness
    total_bars = len(harmony.chords)

    def want(layer: str) -> bool:
        return layers is None or layer in layers

    # Human timing offsets repeat every two bars (per instrument and step), so repeated bars
    # are identical and the renderer can reuse them.
    offsets: dict[str, np.ndarray] = {}

    def jitter(tag: str, bar: int, step: float) -> float:
        table = offsets.get(tag)
        if table is None:
            table = rng.uniform(-human, human, size=32)
            offsets[tag] = table
        return float(table[(bar % 2) * 16 + int(step) % 16])

    def at(bar: int, step: float) -> float:
        return swing_beat(bar * 4 + step / 4.0, style.swing, style.swing_unit)

    if one_shot:
        return _one_shot(one_shot, style, harmony, total_beats, bright)

    prev_voicing = None
    pattern = DRUM_PATTERNS.get(style.drums, DRUM_PATTERNS["pop"])
    bass_pattern = BASS_PATTERNS.get(style.bass, BASS_PATTERNS["pop"])
    if thin:
        # Off-beat bass and chord stabs against a kick on every beat also double the feel.
        if style.bass in ("offbeat", "house", "rolling"):
            bass_pattern = BASS_PATTERNS["pop"]
        if style.keys_rhythm in ("offbeat", "stabs", "skank"):
            style = replace(style, keys_rhythm="quarters")
    if tempo is not None and tempo > 1.25 * style.tempo[1]:
        # Played much faster than usual, long bass notes would pulse at half the tempo:
        # they are split into beats that bounce to the octave (a repeated pitch barely
        # registers as a new note).
        bass_pattern = [
            (step + k, min(4, length - k), which if k == 0 else "O" if which != "O" else "R")
            for step, length, which in bass_pattern
            for k in range(0, length, 4)
        ]
    for section in harmony.sections:
        drums_mode, bass_on, keys_on, guitar_on, pad_on, melody_on = SECTION_LAYERS[section.name]
        for b in range(section.bars):
            bar = section.start_bar + b
            if bar_range and not (bar_range[0] <= bar < bar_range[1]):
                continue
            if bar * 4 >= total_beats:
                break
            chord = harmony.chords[bar]
            last_bar = b == section.bars - 1
            # Drums.
            if drums_on and want("drums") and style.drums != "none":
                notes += _drum_bar(
                    pattern, kit, drums_mode, bar, b, section, last_bar, style, at, jitter, thin
                )
            # Bass.
            if bass_on and want("bass"):
                if section.name == "end":
                    steps = [(0, 16, "R")]
                elif section.name == "bridge":
                    steps = [(0, 8, "R"), (8, 8, "R")] if style.bass != "sustain" else bass_pattern
                elif style.bass == "walking":
                    steps = _walking(chord, harmony.chords[min(bar + 1, total_bars - 1)], rng)
                elif style.bass == "boogie":
                    steps = [(i * 2, 2, f"B{i}") for i in range(8)]
                else:
                    steps = bass_pattern
                lfo = 1.0 if style.bass_sound == "wobble" else 4.0
                for step, length, which in steps:
                    pitch = _bass_line_pitch(chord, which)
                    notes.append(
                        Note(
                            "bass",
                            "bass",
                            (style.bass_sound, pitch, bright, lfo),
                            at(bar, step),
                            length / 4.0 * 0.92,
                            0.38,
                            0.0,
                            jitter("bass", bar, step),
                        )
                    )
            # Keys.
            if keys_on and style.keys and want("keys"):
                voicing = _voicing(chord, 62, prev_voicing, style.sevenths)
                prev_voicing = voicing
                notes += _keys_bar(style, chord, voicing, bar, section, at, jitter, bright)
            # Guitar.
            if guitar_on and style.guitar and want("guitar"):
                notes += _guitar_bar(style, chord, bar, section, at, jitter)
            # Pad.
            if pad_on and style.pad and want("pad"):
                pv = _voicing(chord, 57, None, style.sevenths)
                spread = (pv[0] - 12,) + pv if style.pad == "strings" else pv
                length = 4.0 if section.name != "end" else 3.0
                gain = 0.32 if section.name != "intro" else 0.26
                notes.append(
                    Note("other", "pad", (style.pad, spread, bright), bar * 4.0, length, gain)
                )
            # Effects: risers into choruses, vinyl crackle.
            if style.riser and want("pad") and section.name != "chorus":
                nxt = _next_section(harmony.sections, section)
                if nxt is not None and nxt.name == "chorus" and b == section.bars - 2:
                    notes.append(Note("other", "fx", ("riser",), bar * 4.0, 8.0, 0.22))
            if style.crackle and want("pad") and b % 2 == 0:
                notes.append(Note("other", "fx", ("crackle", bar % 4), bar * 4.0, 8.0, 0.07))
        if section.name == "end" and drums_on and want("drums") and style.drums != "none":
            pass
    if want("melody") or want("vocal"):
        notes += _melody_notes(style, harmony, vocals, voice, total_beats, bar_range, want)
    return [n for n in notes if n.beat < total_beats]


def _next_section(sections: list[Section], section: Section) -> Section | None:
    for i, s in enumerate(sections):
        if s is section and i + 1 < len(sections):
            return sections[i + 1]
    return None


def _bass_line_pitch(chord: Chord, which: str) -> int:
    if which.startswith("B"):
        # Boogie-woogie walk: root, third, fifth, sixth, flat seventh, sixth, fifth, third.
        steps = (0, 4, 7, 9, 10, 9, 7, 4)
        third = 3 if (chord.root + 3) % 12 in chord.triad else 4
        interval = steps[int(which[1:]) % 8]
        if interval == 4:
            interval = third
        return _bass_pitch(chord, "R") + interval
    if which.startswith("N"):
        return int(which[1:])
    return _bass_pitch(chord, which)


def _walking(chord: Chord, nxt: Chord, rng) -> list[tuple[int, int, str]]:
    root = _bass_pitch(chord, "R")
    third = root + ((chord.triad[1] - chord.root) % 12)
    fifth = root + ((chord.triad[2] - chord.root) % 12)
    target = _bass_pitch(nxt, "R")
    approach = target + (1 if rng.random() < 0.5 else -1)
    line = [
        root,
        third if rng.random() < 0.5 else fifth,
        fifth if rng.random() < 0.5 else third,
        approach,
    ]
    return [(i * 4, 4, f"N{p}") for i, p in enumerate(line)]


def _drum_bar(
    pattern, kit, mode, bar, b, section, last_bar, style, at, jitter, thin=False
) -> list[Note]:
    out: list[Note] = []

    def hit(name: str, step: float, level: float, variant: int = 0):
        gain = DRUM_GAIN.get(name, 0.4) * level
        out.append(
            Note(
                "drums",
                "drum",
                (name, kit, variant),
                at(bar, step),
                0.0,
                gain,
                DRUM_PAN.get(name, 0.0),
                jitter(name, bar, step),
            )
        )

    if mode == "end":
        hit("kick", 0, 1.0)
        hit("crash", 0, 1.0)
        return out
    for name, steps in pattern.items():
        if mode == "intro" and name not in ("hat", "shaker", "ride", "kick"):
            continue
        if mode == "light" and name in ("kick", "ohat"):
            continue
        if mode == "verse" and name == "ohat":
            continue
        level_scale = {"intro": 0.6, "verse": 0.9, "light": 0.75}.get(mode, 1.0)
        if mode == "intro" and name == "kick":
            hit("kick", 0, 0.7)
            continue
        for step, ch in enumerate(steps):
            if ch == "." or (thin and ch == "-" and step % 4 and name not in ("kick", "snare")):
                continue
            if last_bar and section.bars >= 4 and step >= 12 and name in ("snare", "kick"):
                continue
            variant = step % 3 if name in ("hat", "shaker") else 0
            hit(name, step, LEVEL[ch] * level_scale, variant)
    # Crash on the downbeat of loud sections; a fill in their last bar.
    if mode == "full" and b % 8 == 0 and section.name in ("chorus", "main"):
        hit("crash", 0, 0.9)
    if last_bar and section.bars >= 4 and mode != "intro":
        tom_kits = ("acoustic", "orchestral", "brush", "boom")
        for i, step in enumerate((12, 13, 14, 15)):
            if kit in tom_kits:
                name = ("tom_hi", "tom_hi", "tom_mid", "tom_lo")[i]
                if kit == "orchestral":
                    name = "taiko" if i % 2 else "tom_lo"
            else:
                name = "snare"
            hit(name, step, 0.55 + 0.12 * i)
    return out


def _keys_bar(style, chord, voicing, bar, section, at, jitter, bright) -> list[Note]:
    out: list[Note] = []
    sound = style.keys
    rhythm = style.keys_rhythm
    if section.name in ("end",):
        return [Note("piano", "keys", (sound, voicing, bright), bar * 4.0, 3.0, 0.4)]
    if section.name in ("intro", "bridge") and not rhythm.startswith("arp"):
        rhythm = "sustain" if rhythm in ("quarters", "offbeat", "skank", "stabs") else rhythm
    gain = 0.34 if sound != "bell" else 0.3
    if rhythm in ("arp4", "arp8", "arp16"):
        step = {"arp4": 4, "arp8": 2, "arp16": 1}[rhythm]
        order = list(voicing) + [voicing[0] + 12] + list(reversed(voicing[1:]))
        count = 16 // step
        for i in range(count):
            pitch = order[i % len(order)]
            accent = 1.0 if (i * step) % 4 == 0 else 0.5
            out.append(
                Note(
                    "piano",
                    "keys",
                    (sound, (pitch,), bright),
                    at(bar, i * step),
                    step / 4.0 * 1.5,
                    gain * accent * 0.8,
                    0.15 * ((i % 3) - 1),
                    jitter("keys", bar, i * step),
                )
            )
        return out
    for step, length in KEYS_RHYTHMS.get(rhythm, KEYS_RHYTHMS["sustain"]):
        accent = 1.0 if step % 4 == 0 else 0.6
        out.append(
            Note(
                "piano",
                "keys",
                (sound, voicing, bright),
                at(bar, step),
                length / 4.0 * 0.9,
                gain * accent,
                -0.1,
                jitter("keys", bar, step),
            )
        )
    return out


def _guitar_bar(style, chord, bar, section, at, jitter) -> list[Note]:
    out: list[Note] = []
    sound = style.guitar
    root = 40 + ((chord.root - 40) % 12)
    if sound == "power":
        shape = (root, root + 7, root + 12)
    else:
        third = (chord.triad[1] - chord.root) % 12
        shape = (root, root + 7, root + 12, root + 12 + third, root + 19, root + 24)
    if sound == "pluck":
        tones = [root + 12 + ((pc - chord.root) % 12) for pc in chord.triad] + [root + 24]
        for i in range(8):
            out.append(
                Note(
                    "guitar",
                    "guitar",
                    ("pluck", (tones[i % len(tones)],), 1),
                    at(bar, i * 2),
                    0.45,
                    0.3,
                    0.3,
                    jitter("guitar", bar, i * 2),
                )
            )
        return out
    if section.name == "end":
        return [Note("guitar", "guitar", (sound, shape, 1), bar * 4.0, 3.0, 0.35, 0.25)]
    rhythm = GUITAR_RHYTHMS.get(sound, GUITAR_RHYTHMS["strum"])
    if sound == "power" and section.name in ("chorus", "main"):
        rhythm = [(0, 8, 1), (8, 8, 1)]
    for step, length, direction in rhythm:
        gain = (0.3 if direction > 0 else 0.22) * (1.0 if sound != "power" else 1.2)
        out.append(
            Note(
                "guitar",
                "guitar",
                (sound, shape, direction),
                at(bar, step),
                length / 4.0 * 0.95,
                gain,
                0.3,
                jitter("guitar", bar, step),
            )
        )
    return out


def _melody_notes(style, harmony, vocals, voice, total_beats, bar_range, want) -> list[Note]:
    out: list[Note] = []
    sung = vocals and want("vocal")
    lead_shift = 0 if sung else (12 if style.lead in ("bell", "flute", "pluck", "piano") else 0)
    if not sung and not want("melody"):
        return out
    first_chorus = next((s for s in harmony.sections if s.name == "chorus"), None)
    intro = next((s for s in harmony.sections if s.name == "intro"), None)
    for beat, length, pitch, vowel, cons, gain in harmony.melody:
        bar = int(beat // 4)
        if bar_range and not (bar_range[0] <= bar < bar_range[1]):
            continue
        if sung:
            frames_len = length * 0.92
            out.append(
                Note(
                    "vocals",
                    "vocal",
                    (pitch, vowel, voice or "female"),
                    beat,
                    frames_len,
                    0.42 * gain,
                    0.0,
                )
            )
            if cons:
                out.append(Note("vocals", "consonant", (cons,), beat, 0.0, 0.42 * gain, 0.0))
            section = _section_at(harmony.sections, bar)
            if section is not None and section.name == "chorus":
                lower = _harmony_note(harmony.chords[bar], pitch)
                out.append(
                    Note(
                        "vocals",
                        "vocal",
                        (lower, vowel, voice or "female"),
                        beat,
                        frames_len,
                        0.2 * gain,
                        -0.35 if voice != "choir" else 0.4,
                    )
                )
                if voice == "choir":
                    out.append(
                        Note(
                            "vocals",
                            "vocal",
                            (pitch - 12, vowel, "male"),
                            beat,
                            frames_len,
                            0.2 * gain,
                            -0.4,
                        )
                    )
        else:
            out.append(
                Note(
                    "other",
                    "lead",
                    (style.lead, pitch + lead_shift, style.brightness),
                    beat,
                    length * 0.95,
                    0.3 * gain,
                    0.05,
                )
            )
    # A hook in the intro: the lead plays the opening of the chorus melody.
    if intro is not None and first_chorus is not None and want("melody"):
        offset = (first_chorus.start_bar - intro.start_bar) * 4
        for beat, length, pitch, *_ in harmony.melody:
            rel = beat - first_chorus.start_bar * 4
            if 0 <= rel < intro.bars * 4:
                shift = 12 if style.lead in ("bell", "flute", "pluck", "piano") else 0
                out.append(
                    Note(
                        "other",
                        "lead",
                        (style.lead, pitch + shift, style.brightness),
                        beat - offset,
                        length * 0.95,
                        0.22,
                        0.1,
                    )
                )
    return [n for n in out if n.beat < total_beats]


def _section_at(sections: list[Section], bar: int) -> Section | None:
    for s in sections:
        if s.start_bar <= bar < s.start_bar + s.bars:
            return s
    return None


def _harmony_note(chord: Chord, pitch: int) -> int:
    """The chord tone a third or so below the melody note."""
    for down in range(3, 10):
        if (pitch - down) % 12 in chord.triad:
            return pitch - down
    return pitch - 5


def _one_shot(what: str, style: Style, harmony: Harmony, total_beats: float, bright: float):
    chord = harmony.chords[0]
    length = max(0.25, total_beats)
    if what in DRUM_GAIN:
        return [Note("drums", "drum", (what, style.kit, 0), 0.0, 0.0, 1.0)]
    if what == "bass":
        return [
            Note(
                "bass",
                "bass",
                (style.bass_sound, _bass_pitch(chord, "R"), bright, 4.0),
                0.0,
                length * 0.8,
                0.9,
            )
        ]
    if what == "keys":
        voicing = _voicing(chord, 62, None, style.sevenths)
        return [
            Note("piano", "keys", (style.keys or "piano", voicing, bright), 0.0, length * 0.7, 0.7)
        ]
    if what == "guitar":
        root = 40 + ((chord.root - 40) % 12)
        shape = (root, root + 7, root + 12)
        return [
            Note("guitar", "guitar", (style.guitar or "strum", shape, 1), 0.0, length * 0.7, 0.7)
        ]
    if what == "pad":
        return [
            Note(
                "other",
                "pad",
                (style.pad or "pad", _voicing(chord, 57, None, True), bright),
                0.0,
                length * 0.8,
                0.7,
            )
        ]
    if what == "vocal":
        pitch = harmony.register[0] + ((chord.root - harmony.register[0]) % 12) + 5
        return [Note("vocals", "vocal", (pitch, "a", "female"), 0.0, length * 0.8, 0.8)]
    pitch = 72 + ((chord.root - 72) % 12)
    return [Note("other", "lead", (style.lead, pitch, bright), 0.0, length * 0.7, 0.7)]
