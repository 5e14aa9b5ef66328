"""The studio's words for tasks and providers, as people say them."""

TASKS = {
    "song": ("Make a song", "A full song with vocals, from a description and optional lyrics."),
    "instrumental": ("Make an instrumental", "Music without vocals, from a description."),
    "sample": ("Make a sample or loop", "A short sound or a seamless loop of a set length."),
    "sound_effect": ("Make a sound effect", "Risers, impacts, whooshes and other effects."),
    "remix": ("Remix", "A new take on a track in another style."),
    "extend": ("Extend", "Make a track longer, continuing from a chosen point."),
    "stems": ("Split into stems", "Separate vocals, drums, bass and the rest."),
    "cut": ("Cut to length", "A shorter version that ends cleanly, e.g. 30 or 15 seconds."),
    "loop": ("Loop & trim", "Turn part of a track into a seamless loop, or trim it."),
    "lyrics": ("Write lyrics", "Song lyrics from a short description."),
    "singing": ("Singing voice", "A sung vocal from your lyrics, in a chosen style."),
    "assistant": ("Ask the assistant", "Ask for ideas, prompts or lyrics in plain words."),
    "identify": ("Identify a song", "Find out what song a recording is."),
}

PROVIDERS = {"soundpiece": "Soundpiece", "soundverse": "Soundverse"}


def task_label(task: str) -> str:
    return TASKS.get(task, (task.replace("_", " ").capitalize(), ""))[0]
