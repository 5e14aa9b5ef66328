"""Words the Soundverse stand-in writes: song titles, lyrics and assistant replies.

Everything is derived from the request with a seeded generator, so the same request always
gets the same words, and the words visibly come from what was asked.
"""

from __future__ import annotations

import hashlib
import random
import re

_STOP = {
    "a",
    "an",
    "the",
    "and",
    "or",
    "with",
    "for",
    "of",
    "in",
    "on",
    "to",
    "at",
    "by",
    "from",
    "about",
    "into",
    "that",
    "this",
    "is",
    "it",
    "its",
    "song",
    "music",
    "track",
    "some",
    "very",
    "like",
    "make",
    "me",
    "my",
    "our",
    "your",
    "please",
    "bpm",
    "feel",
    "vibe",
}
_IMAGES = (
    "neon",
    "river",
    "midnight",
    "summer",
    "city lights",
    "ocean",
    "highway",
    "fire",
    "morning",
    "stars",
    "rain",
    "golden hour",
    "heartbeat",
    "skyline",
    "echo",
    "horizon",
)
_MOOD_LINES = {
    "happy": ("we're dancing in the light", "every road is open wide", "hands up, feel alive"),
    "sad": ("the quiet fills the room", "I keep your letters close", "the night is wearing thin"),
    "energetic": ("turn it up, don't stop", "we run until the dawn", "louder than the storm"),
    "calm": ("slow waves on the shore", "breathe in, let it go", "soft light through the door"),
}
_DEFAULT_LINES = (
    "we keep on moving on",
    "I hear it in the sound",
    "the world is spinning round",
    "this is where we belong",
)


def seed_of(*parts: object) -> int:
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big")


def keywords(text: str, limit: int = 4) -> list[str]:
    words = [w for w in re.findall(r"[a-zA-Z']+", text.lower()) if w not in _STOP and len(w) > 2]
    seen: list[str] = []
    for word in words:
        if word not in seen:
            seen.append(word)
    return seen[:limit]


def song_name(prompt: str, seed: int) -> str:
    """A short title drawn from the prompt's own words."""
    rng = random.Random(seed)
    words = keywords(prompt, 3)
    if not words:
        words = [rng.choice(_IMAGES)]
    picked = words[: rng.choice((1, 2))] if len(words) > 1 else words
    title = " ".join(picked + [rng.choice(("Nights", "Dreams", "Lights", "Road", "Waves", "Sky"))])
    return title.title()


def lyrics(prompt: str, *, mood: str = "", section: str = "", genre: str = "", seed: int) -> str:
    """Lyrics with labelled sections, built around the prompt's words."""
    rng = random.Random(seed)
    theme = keywords(prompt, 4) or [rng.choice(_IMAGES)]
    lines = list(_MOOD_LINES.get(mood.strip().lower(), _DEFAULT_LINES))

    def verse() -> list[str]:
        picked = rng.sample(lines, k=min(2, len(lines)))
        image = rng.choice(_IMAGES)
        return [
            f"{theme[0].capitalize()} in the {image},",
            f"{picked[0].capitalize()},",
            f"{' and '.join(theme[:2])} is all I know,",
            f"{picked[-1].capitalize()}.",
        ]

    def chorus() -> list[str]:
        hook = theme[-1]
        return [
            f"Oh, {hook}, {hook},",
            f"{rng.choice(lines).capitalize()},",
            f"Oh, {hook}, {hook},",
        ]

    def bridge() -> list[str]:
        return [f"And when the {rng.choice(_IMAGES)} fades,", f"I'll still be singing {theme[0]}."]

    makers = {"verse": verse, "chorus": chorus, "bridge": bridge}
    wanted = section.strip().lower()
    if wanted in makers:
        parts = [(wanted.capitalize(), makers[wanted]())]
    else:
        parts = [("Verse 1", verse()), ("Chorus", chorus()), ("Verse 2", verse())]
        parts += [("Bridge", bridge()), ("Chorus", chorus())]
    if genre:
        parts[0][1][0] = parts[0][1][0].rstrip(",") + f" ({genre.strip().lower()} style),"
    return "\n\n".join(f"[{label}]\n" + "\n".join(body) for label, body in parts)


def lyrics_sections(text: str, seconds: float) -> list[dict]:
    """``lyrics_sections`` for a stream chunk: each section with its start and end in seconds.

    The element schema is not documented; this one carries a label, times and the text.
    """
    blocks = [b for b in text.split("\n\n") if b.strip()]
    if not blocks:
        return []
    span = seconds / len(blocks)
    sections = []
    for index, block in enumerate(blocks):
        label, _, body = block.partition("\n")
        sections.append(
            {
                "section": label.strip("[]") or f"Part {index + 1}",
                "start": round(index * span, 2),
                "end": round((index + 1) * span, 2),
                "text": body.strip(),
            }
        )
    return sections


_ACTION_REPLIES = {
    "generate_music": "For “{topic}”, start with Make a song or Make an instrumental and "
    "describe the mood, the instruments and the tempo, for example: “{topic}, warm synths, "
    "steady drums, 100 BPM”.",
    "extend_music": "To make “{topic}” longer, use Extend and choose where the new part starts; "
    "a bar line near the end gives the smoothest join.",
    "auto_complete_music": "To finish “{topic}”, extend it from its last full phrase and ask "
    "for an ending that resolves to the home key.",
    "loop_audio": "For a loop of “{topic}”, pick a part of four or eight bars and repeat it; "
    "Make a loop finds a seamless part for you.",
    "separate_stems": "Split into stems gives you the vocals, drums, bass and the rest of "
    "“{topic}” as separate files.",
    "edit_music": "To edit “{topic}”, trim it to the part you need, then extend or loop it "
    "until it fits your cut.",
    "lyric_writing": "Here is an idea for “{topic}”: open with an image, keep the chorus to "
    "one short line you can repeat, and save the twist for the bridge.",
    "other": "Happy to help with “{topic}”. Tell me whether you want a song, an instrumental, "
    "lyrics or an edit of something you already have.",
}


def chat_reply(prompt: str, action: str) -> str:
    topic = " ".join(keywords(prompt, 5)) or prompt.strip()[:60] or "your idea"
    return _ACTION_REPLIES.get(action, _ACTION_REPLIES["other"]).format(topic=topic)


def ai_reply(kind: str, prompt: str) -> str:
    topic = " ".join(keywords(prompt, 4)) or "your idea"
    return {
        "song": f"Here is your song about {topic}. I hope it hits the right note!",
        "instrumental": f"Here is your {topic} track. Enjoy the music!",
        "singing": "Here is your vocal. The lyrics are sung just as you wrote them.",
        "loop": "Your loop is ready.",
        "gen_loop": f"Here is your {topic} music and its loop.",
        "extend_music": "Your music has been extended successfully.",
        "extend_song": "Your song has been extended successfully.",
    }.get(kind, "Here you go!")
