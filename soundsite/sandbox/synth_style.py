"""From prompt words to a musical style: tempo range, mode, drums, instruments, harmony.

A prompt is matched against genre words (every style of Soundverse's v1 list has a home
here), then adjusted by mood words (sad → minor, happy → major), tempo words (slow, fast,
"128 bpm"), an explicit key ("in F# minor", "Am"), voice words (female, male, choir),
instrument words (piano, strings, 808 …) and negations ("no drums").
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace

NOTE_NAMES = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]
_ALIASES = {"DB": "C#", "EB": "D#", "GB": "F#", "AB": "G#", "BB": "A#", "CB": "B", "FB": "E"}
_ALIASES.update({"E#": "F", "B#": "C"})


@dataclass(frozen=True)
class Style:
    """Everything the arranger needs to know about a genre."""

    name: str
    tempo: tuple[int, int]
    minor: float  # chance of a minor key when the prompt names no mood or key
    drums: str  # drum pattern family (see synth_score.DRUM_PATTERNS); "none" for none
    kit: str  # drum sounds: electronic, acoustic, lofi, boom, 808, brush, orchestral, chip
    bass: str  # bass rhythm family
    bass_sound: str  # sub, synth, 808, electric, upright, wobble, reese, square, cello
    keys: str | None  # chord instrument on the piano stem: piano, epiano, organ, stab, bell
    keys_rhythm: str  # sustain, quarters, offbeat, comp, lazy, arp8, arp16, skank, stabs
    guitar: str | None  # strum, power, nylon, funk, pluck, None
    pad: str | None  # pad, strings, choir, None
    lead: str  # saw, square, bell, flute, brass, guitar, pluck, piano
    sevenths: bool
    harmony: str  # progression family (see synth_score.PROGRESSIONS)
    swing: float = 0.0  # 0 straight, 1 full triplet swing
    swing_unit: int = 8  # swing the 8th notes or the 16th notes
    echo: float = 0.2
    brightness: float = 1.0
    crackle: bool = False
    riser: bool = False  # noise riser into choruses (electronic styles)
    melody: str = "medium"  # sparse, medium, dense
    voice: str = ""  # default voice when the prompt names none


# fmt: off
STYLES: dict[str, Style] = {
    s.name: s
    for s in [
        Style("pop", (96, 118), 0.3, "pop", "electronic", "pop", "synth", "piano", "quarters",
              None, "pad", "pluck", False, "pop", melody="medium"),
        Style("dance", (120, 128), 0.5, "four_floor", "electronic", "offbeat", "synth", "stab",
              "offbeat", None, "pad", "saw", False, "dance", riser=True, brightness=1.2),
        Style("house", (120, 126), 0.5, "house", "electronic", "house", "synth", "epiano",
              "stabs", None, "pad", "pluck", True, "dance", riser=True),
        Style("techno", (124, 132), 0.9, "techno", "electronic", "rolling", "synth", None,
              "sustain", None, "pad", "pluck", False, "modal", riser=True, melody="sparse"),
        Style("disco", (112, 124), 0.35, "disco", "acoustic", "octave", "electric", "epiano",
              "comp", "funk", "strings", "brass", True, "pop", melody="medium"),
        Style("funk", (96, 112), 0.5, "funk", "acoustic", "funk", "electric", "epiano", "comp",
              "funk", None, "brass", True, "funk", swing=0.15, swing_unit=16),
        Style("lofi", (72, 88), 0.65, "boom_bap", "lofi", "lofi", "sub", "epiano", "lazy",
              None, None, "bell", True, "lofi", swing=0.55, swing_unit=16, echo=0.3,
              brightness=0.6, crackle=True, melody="sparse"),
        Style("hiphop", (84, 96), 0.7, "boom_bap", "boom", "hiphop", "808", "piano", "sparse",
              None, "pad", "bell", False, "minor_loop", swing=0.3, swing_unit=16,
              melody="dense"),
        Style("trap", (132, 150), 0.85, "trap", "808", "trap", "808", "bell", "arp8", None,
              "pad", "bell", False, "minor_loop", melody="dense"),
        Style("rock", (110, 140), 0.4, "rock", "acoustic", "eighths", "electric", None,
              "sustain", "power", None, "guitar", False, "rock"),
        Style("metal", (150, 176), 0.95, "metal", "acoustic", "sixteenths", "electric", None,
              "sustain", "power", None, "guitar", False, "metal", brightness=1.2),
        Style("jazz", (104, 140), 0.35, "jazz", "brush", "walking", "upright", "piano", "comp",
              None, None, "brass", True, "jazz", swing=0.7, swing_unit=8, echo=0.15),
        Style("blues", (80, 100), 0.2, "shuffle", "acoustic", "boogie", "electric", "organ",
              "comp", "pluck", None, "guitar", True, "blues", swing=1.0, swing_unit=8),
        Style("soul", (72, 96), 0.5, "rnb", "acoustic", "syncopated", "electric", "epiano",
              "quarters", None, "pad", "pluck", True, "soul", swing=0.25, swing_unit=16,
              voice="choir"),
        Style("cinematic", (76, 100), 0.7, "cinematic", "orchestral", "sustain", "cello", None,
              "sustain", None, "strings", "brass", False, "epic", echo=0.35, melody="sparse"),
        Style("classical", (72, 100), 0.45, "none", "orchestral", "piano_left", "piano",
              "piano", "arp8", None, "strings", "piano", False, "classical", echo=0.25,
              melody="medium"),
        Style("ambient", (62, 76), 0.5, "ambient", "lofi", "sustain", "sub", "bell", "arp4",
              None, "pad", "flute", True, "ambient", echo=0.45, brightness=0.7,
              melody="sparse"),
        Style("synthwave", (96, 118), 0.6, "synthwave", "electronic", "eighths", "synth",
              "bell", "arp16", None, "pad", "saw", False, "synthwave", echo=0.3),
        Style("dnb", (170, 176), 0.7, "dnb", "electronic", "dnb", "reese", "epiano", "lazy",
              None, "pad", "pluck", True, "minor_loop", melody="sparse"),
        Style("dubstep", (140, 150), 0.85, "halftime", "electronic", "wobble", "wobble", None,
              "sustain", None, "pad", "saw", False, "minor_loop", riser=True, melody="sparse"),
        Style("latin", (90, 100), 0.6, "dembow", "electronic", "dembow", "808", "bell",
              "quarters", "pluck", "pad", "pluck", False, "latin"),
        Style("afro", (100, 116), 0.4, "afro", "acoustic", "syncopated", "electric", "epiano",
              "stabs", "pluck", "pad", "bell", True, "pop", swing=0.2, swing_unit=16),
        Style("bossa", (120, 140), 0.4, "bossa", "brush", "bossa", "upright", None, "sustain",
              "nylon", None, "flute", True, "jazz", echo=0.15),
        Style("country", (90, 118), 0.25, "country", "acoustic", "boom_chick", "electric",
              None, "sustain", "strum", None, "pluck", False, "rock"),
        Style("reggae", (72, 84), 0.4, "reggae", "acoustic", "dub", "sub", "organ", "skank",
              None, None, "pluck", False, "reggae", echo=0.25),
        Style("chiptune", (132, 150), 0.5, "chip", "chip", "eighths", "square", "bell",
              "arp16", None, None, "square", False, "pop", echo=0.1),
        Style("world", (92, 110), 0.7, "afro", "acoustic", "syncopated", "sub", None,
              "sustain", "pluck", "strings", "flute", False, "latin"),
    ]
}
# fmt: on

# Genre words → style. Longer phrases are matched first; the earliest best match wins.
# fmt: off
GENRE_WORDS: dict[str, str] = {
    "pop": "pop", "melodic": "pop", "k pop": "dance", "kpop": "dance", "synthpop": "synthwave",
    "dance": "dance", "edm": "dance", "club": "dance", "electronic": "dance", "trance": "dance",
    "future rave": "dance", "rave": "dance", "house": "house", "deep house": "house",
    "tech house": "house", "garage": "house", "techno": "techno", "industrial": "techno",
    "disco": "disco", "nu disco": "disco", "funk": "funk", "funky": "funk",
    "lofi": "lofi", "lo fi": "lofi", "chillhop": "lofi", "chillout": "lofi", "chill": "lofi",
    "downtempo": "lofi", "study": "lofi", "hip hop": "hiphop", "hiphop": "hiphop",
    "rap": "hiphop", "boom bap": "hiphop", "spoken word": "hiphop", "trap": "trap",
    "cloud rap": "trap", "pop trap": "trap", "drill": "trap", "rock": "rock",
    "alt rock": "rock", "indie": "rock", "punk": "rock", "grunge": "rock", "shoegaze": "rock",
    "metal": "metal", "nu metal": "metal", "alt metal": "metal", "progressive metal": "metal",
    "heavy": "metal", "jazz": "jazz", "swing": "jazz", "bebop": "jazz", "jazzy": "jazz",
    "blues": "blues", "country blues": "blues", "soul": "soul", "rnb": "soul",
    "r&b": "soul", "gospel": "soul", "neo soul": "soul", "motown": "soul",
    "cinematic": "cinematic", "epic": "cinematic", "orchestral": "cinematic",
    "trailer": "cinematic", "film score": "cinematic", "soundtrack": "cinematic",
    "opera": "cinematic", "heroic": "cinematic", "classical": "classical",
    "western classical": "classical", "piano": "classical", "solo piano": "classical",
    "ambient": "ambient", "meditative": "ambient", "meditation": "ambient",
    "new age": "ambient", "sleep": "ambient", "spa": "ambient", "drone": "ambient",
    "synthwave": "synthwave", "retrowave": "synthwave", "outrun": "synthwave",
    "80s": "synthwave", "vaporwave": "synthwave", "drum and bass": "dnb", "dnb": "dnb",
    "drum n bass": "dnb", "jungle": "dnb", "liquid": "dnb", "dubstep": "dubstep",
    "electrostep": "dubstep", "riddim": "dubstep", "future bass": "dubstep",
    "reggaeton": "latin", "latin": "latin", "dancehall": "latin", "moombahton": "latin",
    "salsa": "latin", "bachata": "latin", "afrobeat": "afro", "afrobeats": "afro",
    "afropop": "afro", "african": "afro", "amapiano": "afro", "highlife": "afro",
    "bossa nova": "bossa", "bossa": "bossa", "brazilian": "bossa", "samba": "bossa",
    "country": "country", "folk": "country", "acoustic": "country",
    "singer songwriter": "country", "bluegrass": "country", "americana": "country",
    "reggae": "reggae", "dub": "reggae", "ska": "reggae", "chiptune": "chiptune",
    "8 bit": "chiptune", "8bit": "chiptune", "bit beat": "chiptune", "video game": "chiptune",
    "arcade": "chiptune", "retro game": "chiptune", "bollywood": "world",
    "indian": "world", "indian electronic": "world", "world": "world", "celtic": "world",
}
# fmt: on

# fmt: off
MINOR_WORDS = {
    "sad", "melancholic", "melancholy", "dark", "moody", "emotional", "tense", "haunting",
    "eerie", "mysterious", "somber", "sombre", "gloomy", "minor", "brooding", "ominous",
    "nostalgic", "lonely", "heartbreak", "suspense", "suspenseful", "sinister", "angry",
}
# fmt: on
# fmt: off
MAJOR_WORDS = {
    "happy", "bright", "uplifting", "joyful", "cheerful", "sunny", "playful", "feel good",
    "hopeful", "major", "triumphant", "fun", "summer", "romantic", "warm", "optimistic",
    "celebration", "festive", "carefree",
}
# fmt: on
# fmt: off
SLOW_WORDS = {
    "slow", "slower", "laid back", "mellow", "relaxed", "relaxing", "calm", "gentle",
    "chill", "soft", "peaceful", "lazy", "ballad", "dreamy", "sleepy",
}
# fmt: on
# fmt: off
FAST_WORDS = {
    "fast", "faster", "uptempo", "up tempo", "energetic", "driving", "high energy", "intense",
    "hype", "upbeat", "aggressive", "frantic", "powerful", "workout", "racing",
}
# fmt: on
MID_WORDS = {"mid tempo", "midtempo", "moderate", "medium tempo", "groovy"}


@dataclass(frozen=True)
class Reading:
    """What a prompt says, before any random choice is made."""

    style: Style
    tempo: float | None
    root: int | None
    mode: str | None
    pace: str  # slow, fast, mid or ""
    voice: str  # female, male, choir or ""
    drums: bool


def normalise(prompt: str) -> str:
    text = prompt.lower().replace("-", " ").replace("_", " ").replace("/", " ")
    text = text.replace("r & b", "r&b").replace("n'", "n")
    text = re.sub(r"[^a-z0-9#&♯♭ ]+", " ", text)
    return " " + " ".join(text.split()) + " "


def _has(text: str, phrase: str) -> int:
    """Position of phrase as whole words in text, or -1."""
    match = re.search(r"(?<![a-z0-9])" + re.escape(phrase) + r"(?![a-z0-9])", text)
    return match.start() if match else -1


def _genre(text: str) -> str | None:
    hits: dict[str, tuple[int, int]] = {}
    for phrase, style in GENRE_WORDS.items():
        pos = _has(text, phrase)
        if pos >= 0:
            words = phrase.count(" ") + 1
            count, first = hits.get(style, (0, pos))
            hits[style] = (count + words, min(first, pos))
    if not hits:
        return None
    # Most matched words first, then whichever the prompt names earliest.
    return min(hits, key=lambda s: (-hits[s][0], hits[s][1]))


_ACCIDENTAL = r"(#|♯|♭|b|\s+sharp|\s+flat)?"
_KEY_PATTERNS = [
    # "key of Bb", "key of f# minor": the words make any letter case safe.
    re.compile(r"\bkey\s+of\s+([a-g])" + _ACCIDENTAL + r"(?:\s*(major|minor|maj|min)\b)?", re.I),
    # "F# minor", "in a minor": a lower-case letter needs "in" before it ("a minor issue").
    re.compile(r"(\bin\s+)?\b([a-g])" + _ACCIDENTAL + r"\s*(major|minor|maj|min)\b", re.I),
    # "in D", "in Eb": an upper-case note name after "in".
    re.compile(r"\bin\s+([A-G])(#|b)?(?![\w#])"),
    # "Am", "F#m": chord-symbol style, upper-case only.
    re.compile(r"\b([A-G])(#|b)?m\b"),
]


def _note(letter: str, accidental: str | None) -> int | None:
    acc = (accidental or "").strip().lower()
    suffix = {"#": "#", "♯": "#", "sharp": "#", "b": "B", "♭": "B", "flat": "B"}.get(acc, "")
    name = letter.upper() + suffix
    name = _ALIASES.get(name, name)
    return NOTE_NAMES.index(name) if name in NOTE_NAMES else None


def _mode_word(word: str | None) -> str | None:
    if not word:
        return None
    return "minor" if word.lower().startswith("min") else "major"


def parse_key(prompt: str) -> tuple[int | None, str | None]:
    """An explicit key in the prompt: "in F# minor", "key of Bb", "A major", "Am"."""
    match = _KEY_PATTERNS[0].search(prompt)
    if match:
        return _note(match.group(1), match.group(2)), _mode_word(match.group(3))
    for match in _KEY_PATTERNS[1].finditer(prompt):
        if match.group(2).isupper() or match.group(1):
            return _note(match.group(2), match.group(3)), _mode_word(match.group(4))
    match = _KEY_PATTERNS[2].search(prompt)
    if match:
        return _note(match.group(1), match.group(2)), None
    match = _KEY_PATTERNS[3].search(prompt)
    if match:
        return _note(match.group(1), match.group(2)), "minor"
    return None, None


def parse_tempo(text: str) -> float | None:
    match = re.search(r"(\d{2,3}(?:\.\d+)?)\s*(?:bpm|beats per minute)", text)
    if not match:
        return None
    return float(min(220.0, max(50.0, float(match.group(1)))))


def read_prompt(prompt: str, style_name: str | None = None) -> Reading:
    text = normalise(prompt)
    name = style_name if style_name in STYLES else (_genre(text) or "pop")
    style = STYLES[name]
    style = _instrument_words(style, text)
    root, mode = parse_key(prompt)
    if mode is None:
        minor = any(_has(text, w) >= 0 for w in MINOR_WORDS)
        major = any(_has(text, w) >= 0 for w in MAJOR_WORDS)
        if minor != major:
            mode = "minor" if minor else "major"
    pace = ""
    if any(_has(text, w) >= 0 for w in FAST_WORDS):
        pace = "fast"
    elif any(_has(text, w) >= 0 for w in SLOW_WORDS) and style.name != "lofi":
        pace = "slow"
    elif any(_has(text, w) >= 0 for w in MID_WORDS):
        pace = "mid"
    voice = style.voice
    if any(
        _has(text, w) >= 0
        for w in ("female", "woman", "women", "girl", "soprano", "alto", "her", "she", "diva")
    ):
        voice = "female"
    elif any(
        _has(text, w) >= 0
        for w in ("male", "man", "men", "boy", "baritone", "tenor", "his", "he", "crooner")
    ):
        voice = "male"
    if any(_has(text, w) >= 0 for w in ("choir", "choral", "chorus of", "gospel", "chant")):
        voice = "choir"
    drums = style.drums != "none"
    if any(_has(text, w) >= 0 for w in ("no drums", "without drums", "drumless", "beatless")):
        drums = False
    return Reading(style, parse_tempo(text), root, mode, pace, voice, drums)


def _instrument_words(style: Style, text: str) -> Style:
    """Instruments named in the prompt replace the style's defaults."""
    changes: dict[str, object] = {}
    if _has(text, "piano") >= 0 and style.name != "classical":
        changes["keys"] = "piano"
    for word in ("rhodes", "electric piano", "keys", "wurlitzer"):
        if _has(text, word) >= 0:
            changes["keys"] = "epiano"
    if _has(text, "organ") >= 0:
        changes["keys"] = "organ"
    if _has(text, "guitar") >= 0 or _has(text, "guitars") >= 0:
        electric = any(_has(text, w) >= 0 for w in ("electric", "distorted", "heavy", "riff"))
        changes["guitar"] = style.guitar or ("power" if electric else "strum")
    for word in ("strings", "violin", "violins", "cello", "orchestra", "orchestral"):
        if _has(text, word) >= 0:
            changes["pad"] = "strings"
    if _has(text, "synth") >= 0 or _has(text, "synthesizer") >= 0:
        changes["lead"] = "saw"
    if _has(text, "flute") >= 0:
        changes["lead"] = "flute"
    for word in ("bell", "bells", "chimes", "glockenspiel", "music box", "celesta"):
        if _has(text, word) >= 0:
            changes["lead"] = "bell"
    for word in ("brass", "horns", "trumpet", "sax", "saxophone", "trombone"):
        if _has(text, word) >= 0:
            changes["lead"] = "brass"
    if _has(text, "808") >= 0:
        changes["bass_sound"] = "808"
    for word in ("arp", "arps", "arpeggio", "arpeggiated"):
        if _has(text, word) >= 0:
            changes["keys_rhythm"] = "arp16"
            changes["keys"] = style.keys or "bell"
    if any(_has(text, w) >= 0 for w in ("dark", "muffled", "warm", "dusty")):
        changes["brightness"] = style.brightness * 0.75
    if any(_has(text, w) >= 0 for w in ("bright", "crisp", "shiny", "sparkling")):
        changes["brightness"] = style.brightness * 1.25
    if any(_has(text, w) >= 0 for w in ("vinyl", "crackle", "tape")):
        changes["crackle"] = True
    return replace(style, **changes) if changes else style


def prompt_seed(prompt: str) -> int:
    """A stable 31-bit seed from the prompt words (case and spacing do not matter)."""
    digest = hashlib.sha256(normalise(prompt).strip().encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


def choose_tempo(reading: Reading, rng) -> float:
    if reading.tempo is not None:
        return reading.tempo
    lo, hi = reading.style.tempo
    span = hi - lo
    if reading.pace == "slow":
        lo, hi = lo, lo + span // 3
    elif reading.pace == "fast":
        lo, hi = hi - span // 3, hi
    elif reading.pace == "mid":
        lo, hi = lo + span // 3, hi - span // 3
    return float(rng.integers(lo, hi + 1))


def choose_key(reading: Reading, rng) -> tuple[str, str]:
    root = reading.root if reading.root is not None else int(rng.integers(12))
    mode = reading.mode
    draw = rng.random()
    if mode is None:
        mode = "minor" if draw < reading.style.minor else "major"
    return NOTE_NAMES[root], mode


def key_root(key: str) -> int:
    name = key.strip().upper().replace("♯", "#").replace("♭", "B")
    if len(name) > 1 and name.endswith("B") and name[0] in "ABCDEFG":
        name = _ALIASES.get(name, name)
    name = _ALIASES.get(name, name)
    if name not in NOTE_NAMES:
        raise ValueError(f"Unknown key {key!r}; use a note name such as A, C# or Eb.")
    return NOTE_NAMES.index(name)
