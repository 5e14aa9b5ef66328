"""Every Soundverse endpoint as a catalog entry, with the wire details the client needs.

The studio builds its forms from ``OPERATIONS``; the client finds the path, the response mode
and the response shape of each entry in ``WIRE``. Limits and choices follow the reference
(``shared/providers/soundverse.md``); where a limit is only inferred, the constant says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from soundsite.providers.base import Choice, Field, FieldType, Operation, Provider, Task

# --- Documented limits ----------------------------------------------------------------------
PROMPT_MAX_V7 = 1024  # DOCUMENTED for song v7 ("Prompt exceeds maximum length of 1024 …").
# INFERRED: third-party code trims lyrics at 3000 characters; the reference marks it unverified.
LYRICS_MAX = 3000
AUDIO_MAX_BYTES_V7 = 10 * 1024 * 1024  # DOCUMENTED: 10 MB (10485760 bytes) for v7 and remix.
EXTEND_AT_MIN_MS = 8000  # DOCUMENTED: extend_at in [8000, 420000] ms.
EXTEND_AT_MAX_MS = 420000
LOOP_MAX_SECONDS = 960  # DOCUMENTED: "Maximum audio duration of 960 seconds reached."
REMIX_MIN_SECONDS = 10  # DOCUMENTED: the remix source must be 10–350 s long.
REMIX_MAX_SECONDS = 350

# DOCUMENTED: the 64 styles of song/music v1, exact spelling.
V1_STYLES = (
    "Pop",
    "Hip Hop",
    "Rap",
    "Rock",
    "EDM",
    "Latin",
    "Reggaeton",
    "K-Pop",
    "RnB",
    "Country",
    "Dance",
    "House",
    "Bollywood",
    "Afrobeat",
    "Afropop",
    "Dancehall",
    "Deep House",
    "Electronic",
    "Future Bass",
    "Trap",
    "Pop-Trap",
    "Dubstep",
    "Synthpop",
    "Synthwave",
    "Techno",
    "Progressive-Metal",
    "Alt-Rock",
    "Alt-Metal",
    "Nu-Metal",
    "Metal",
    "Jazz",
    "Blues",
    "Soul",
    "Funk",
    "Singer-Songwriter",
    "Folk",
    "Cloud-Rap",
    "Lofi",
    "Chillout",
    "Downtempo",
    "Meditative",
    "New-Age",
    "Western-Classical",
    "Classical",
    "Opera",
    "Piano",
    "Spoken-Word",
    "Gospel",
    "Brazilian-Music",
    "Bossa-Nova",
    "Salsa",
    "Bachata",
    "Country-Blues",
    "Future-Rave",
    "Electrostep",
    "Dub",
    "Disco",
    "Shoegaze",
    "Bit-Beat",
    "Indian Electronic",
    "African",
    "80s",
    "Acoustic",
    "Melodic",
)

# DOCUMENTED: the 24 voice styles of AI Singing v2, exact spelling.
SINGING_STYLES = (
    "Pop(Female)",
    "Pop(Male)",
    "Rap",
    "Hiphop",
    "Vocal Chops",
    "Hyperpop (Female)",
    "Meow Meow Cat",
    "Rock",
    "Kawaii",
    "Hard Rock",
    "Metal",
    "Vocoder",
    "ASMR Singing",
    "Choir",
    "Orchestral Choir",
    "Gregorian Chant",
    "Ancient Chant",
    "Spoken Word",
    "Voicemail (Male)",
    "Voicemail (Female)",
    "Cute Kkey",
    "Ghost Whispering",
    "Group People Whispering",
    "Mongolian Throat Singing",
)

# DOCUMENTED: the chat assistant's ``action`` values.
CHAT_ACTIONS = (
    ("generate_music", "Make new music"),
    ("extend_music", "Make a piece longer"),
    ("auto_complete_music", "Finish a piece"),
    ("loop_audio", "Make a loop"),
    ("separate_stems", "Split into stems"),
    ("edit_music", "Edit music"),
    ("lyric_writing", "Write lyrics"),
    ("other", "Something else"),
)

DEPRECATION_NOTE = "Soundverse is removing this version (announced for after 30 Dec 2025)."
OLD_NOTE = "Soundverse has deprecated this version and will remove it soon."


@dataclass(frozen=True)
class Wire:
    """How one catalog entry travels: path, method, response mode and response shape.

    ``mode`` is ``stream`` (SSE), ``sync`` (one JSON answer), ``binary`` (audio bytes) or
    ``query`` (a GET). ``family`` names the chunk shapes of a stream (``v56``, ``v7``,
    ``remix``). ``shape`` names the body of a sync answer.
    """

    path: str
    mode: str
    shape: str = "generation"
    family: str = ""
    method: str = "POST"


# --- Field builders: one place for each kind of input, so labels and limits stay consistent --
def _choices(values) -> tuple[Choice, ...]:
    return tuple(Choice(v, v) for v in values)


def _prompt(
    *, required=True, max_length=None, label="What it should sound like", help_text=""
) -> Field:
    return Field(
        "prompt",
        label,
        FieldType.LONG_TEXT,
        required=required,
        min_length=1,
        max_length=max_length,
        help=help_text
        or "Describe the music in plain words: genre, mood, instruments, tempo, occasion.",
    )


def _lyrics(*, required=False, help_text="") -> Field:
    return Field(
        "lyrics",
        "Lyrics",
        FieldType.LONG_TEXT,
        required=required,
        min_length=1,
        max_length=LYRICS_MAX,
        help=help_text
        or (
            "The words to sing. Leave empty and Soundverse writes lyrics for you."
            if not required
            else "The words to sing."
        ),
    )


def _audio(name, label, *, required=False, help_text="", max_bytes=None, expert=False) -> Field:
    return Field(
        name,
        label,
        FieldType.AUDIO,
        required=required,
        help=help_text,
        max_bytes=max_bytes,
        expert=expert,
    )


def _v7_audio_fields() -> tuple[Field, ...]:
    limit = "At most 10 MB."
    return (
        _audio(
            "reference_url",
            "Reference track",
            help_text=f"A recording whose style the song should follow. {limit}",
            max_bytes=AUDIO_MAX_BYTES_V7,
        ),
        _audio(
            "instrumental_url",
            "Instrumental to sing over",
            help_text=f"Backing music that becomes part of the song. {limit}",
            max_bytes=AUDIO_MAX_BYTES_V7,
            expert=True,
        ),
        _audio(
            "vocal_url",
            "Vocal to build on",
            help_text=f"A vocal recording that becomes part of the song. {limit}",
            max_bytes=AUDIO_MAX_BYTES_V7,
            expert=True,
        ),
        _audio(
            "melody_url",
            "Melody to follow",
            help_text=f"A recording of the tune the vocal should follow. {limit}",
            max_bytes=AUDIO_MAX_BYTES_V7,
            expert=True,
        ),
    )


def _v56_audio_fields() -> tuple[Field, ...]:
    # Listed from the newest v5 and the v6 pages; no size limit is documented for them.
    return (
        _audio(
            "reference_url",
            "Reference track",
            help_text="A recording whose style the song should follow.",
        ),
        _audio(
            "instrumental_url",
            "Instrumental to sing over",
            help_text="Backing music that becomes part of the song.",
            expert=True,
        ),
        _audio(
            "vocal_url",
            "Vocal to build on",
            help_text="A vocal recording that becomes part of the song.",
            expert=True,
        ),
        _audio(
            "melody_url",
            "Melody to follow",
            help_text="A recording of the tune the vocal should follow.",
            expert=True,
        ),
    )


def _older_duration(default_note: str) -> Field:
    return Field(
        "duration",
        "Length",
        FieldType.INTEGER,
        min_value=1,
        unit="s",
        expert=True,
        help=default_note,
    )


def _free_style(name="style", *, required=False, help_text="") -> Field:
    return Field(
        name,
        "Style",
        FieldType.TEXT,
        required=required,
        help=help_text or "A genre or style in a few words, such as jazz, classical or rock.",
    )


def _v1_style(*, required) -> Field:
    return Field(
        "styleOfMusic",
        "Style",
        FieldType.CHOICE,
        required=required,
        choices=_choices(V1_STYLES),
        help="One of the 64 styles this version knows.",
    )


def _v1_audio(help_text="A public recording to take the style from.") -> Field:
    return _audio("audioUrl", "Reference track", help_text=help_text)


def _sansaar_duration() -> Field:
    return Field(
        "duration",
        "Length",
        FieldType.CHOICE,
        choices=(
            Choice("15", "15 seconds"),
            Choice("30", "30 seconds"),
            Choice("60", "1 minute"),
            Choice("180", "3 minutes"),
        ),
        unit="s",
        help="How long the music should be. Soundverse does not say what it picks when empty.",
    )


def _sansaar_model() -> Field:
    return Field(
        "model",
        "Quality",
        FieldType.CHOICE,
        choices=(
            Choice("sansaar_1", "HD (higher fidelity)"),
            Choice("sansaar_1_lite", "Fast"),
        ),
        help="HD sounds better; Fast is quicker and cheaper.",
    )


def _loop_flag() -> Field:
    return Field(
        "loop",
        "Make it loop seamlessly",
        FieldType.BOOLEAN,
        help="Ask for music whose end joins its start without a gap.",
    )


def _loop_count(name: str) -> Field:
    return Field(
        name,
        "Repeats",
        FieldType.INTEGER,
        required=True,
        min_value=1,
        help=(
            "How many times to repeat the loop. The result can be at most "
            f"{LOOP_MAX_SECONDS} seconds (16 minutes) long."
        ),
    )


def _time_ranges() -> Field:
    return Field(
        "timeRanges",
        "Parts to keep",
        FieldType.TEXT,
        required=True,
        help=(
            "Start and end of each part in seconds, separated by commas, like "
            "“0-8, 16-24”. The parts are joined in this order."
        ),
    )


def _extend_at() -> Field:
    return Field(
        "extend_at",
        "Continue from",
        FieldType.INTEGER,
        required=True,
        min_value=EXTEND_AT_MIN_MS,
        max_value=EXTEND_AT_MAX_MS,
        unit="ms",
        help=(
            "The point in the song, in milliseconds, where the new part starts: between "
            "8000 (8 s) and 420000 (7 min)."
        ),
    )


def _side() -> Field:
    return Field(
        "side",
        "Where to add",
        FieldType.CHOICE,
        choices=(Choice("right", "After the end"), Choice("left", "Before the start")),
        default="right",
        help="Add the new music after the end (usual) or before the start.",
    )


# --- The catalog ----------------------------------------------------------------------------
_P = Provider.SOUNDVERSE
_SYNC_NOTE = "Waits for the finished songs in one long request: no live progress or previews."


def _song_v7(key: str, *, streams: bool, rank: int) -> Operation:
    return Operation(
        provider=_P,
        key=key,
        task=Task.SONG,
        label="Make a song",
        description=(
            "A song with vocals from a description, your lyrics or Soundverse's, optionally "
            "guided by a reference, an instrumental, a vocal or a melody recording. Two "
            "versions." + ("" if streams else " " + _SYNC_NOTE)
        ),
        fields=(
            _prompt(
                required=False,
                max_length=PROMPT_MAX_V7,
                help_text=(
                    "Describe the song: genre, mood, instruments, voice. Up to 1024 characters. "
                    "Needed unless you give a recording below."
                ),
            ),
            _lyrics(),
            *_v7_audio_fields(),
        ),
        version="7",
        version_label=(
            "version 7 (newest: can follow a reference, instrumental, vocal or melody recording)"
            if streams
            else "version 7, one wait (no live progress or previews)"
        ),
        results=2,
        streams=streams,
        rank=rank,
        requires_one_of=(
            ("prompt", "reference_url", "instrumental_url", "vocal_url", "melody_url"),
        ),
    )


def _song_v56(key: str, version: str, *, streams: bool, rank: int) -> Operation:
    older = (
        _older_duration(
            "Only older version-5 documentation lists this (30 s when empty); newer "
            "Soundverse versions may ignore it."
        ),
    )
    return Operation(
        provider=_P,
        key=key,
        task=Task.SONG,
        label="Make a song",
        description=(
            "A song with vocals from a description and your lyrics (or Soundverse's), "
            "optionally guided by recordings. Two versions." + ("" if streams else " " + _SYNC_NOTE)
        ),
        fields=(_prompt(), _lyrics(), *_v56_audio_fields(), *(older if version == "5" else ())),
        version=version,
        version_label={
            ("6", True): "version 6 (lyrics and reference recordings, live previews)",
            ("6", False): "version 6, one wait (no live progress or previews)",
            ("5", True): "version 5 (costs less than version 6, live previews)",
            ("5", False): "version 5, one wait (no live progress or previews)",
        }[(version, streams)],
        results=2,
        streams=streams,
        rank=rank,
    )


def _music_v56(key: str, version: str, *, streams: bool, rank: int) -> Operation:
    duration_note = (
        "Listed by older documentation (30 s when empty); the newest may ignore it."
        if version == "5"
        else "Only in a commented code sample of this version (30 s when empty); it may be ignored."
    )
    return Operation(
        provider=_P,
        key=key,
        task=Task.INSTRUMENTAL,
        label="Make an instrumental",
        description=(
            "Music without vocals from a description and an optional style. Two versions."
            + ("" if streams else " " + _SYNC_NOTE)
        ),
        fields=(_prompt(), _free_style(), _older_duration(duration_note)),
        version=version,
        version_label={
            ("6", True): "version 6 (newest: two versions, live previews)",
            ("6", False): "version 6, one wait (no live progress or previews)",
            ("5", True): "version 5 (two versions, live previews)",
            ("5", False): "version 5, one wait (no live progress or previews)",
        }[(version, streams)],
        results=2,
        streams=streams,
        rank=rank,
    )


def _extend_song(key: str, version: str, *, streams: bool, rank: int) -> Operation:
    return Operation(
        provider=_P,
        key=key,
        task=Task.EXTEND,
        label="Extend a song",
        description=(
            "Continues a song from a chosen point with new lyrics. Two versions."
            + ("" if streams else " " + _SYNC_NOTE)
        ),
        fields=(
            _audio("audio_url", "Song to extend", required=True, help_text="The song to continue."),
            _lyrics(required=True, help_text="The words for the new part."),
            _prompt(
                required=False,
                label="Style of the new part",
                help_text="Optional: the mood or style the new part should have.",
            ),
            _extend_at(),
        ),
        version=version,
        version_label={
            ("6", True): "version 6 (newest: continues with new lyrics, two versions)",
            ("6", False): "version 6, one wait (no live progress or previews)",
            ("5", True): "version 5 (continues with new lyrics, two versions)",
            ("5", False): "version 5, one wait (no live progress or previews)",
        }[(version, streams)],
        results=2,
        streams=streams,
        rank=rank,
    )


def _extend_music(key: str, version: str, *, rank: int) -> Operation:
    return Operation(
        provider=_P,
        key=key,
        task=Task.EXTEND,
        label="Extend an instrumental",
        description="Adds music before or after a piece, in its style. One version.",
        fields=(
            _audio("audio_url", "Music to extend", required=True, help_text="The piece to extend."),
            _prompt(
                required=False,
                label="Style of the new part",
                help_text="Optional: the mood or style the new part should have.",
            ),
            Field(
                "duration",
                "Seconds to add",
                FieldType.INTEGER,
                min_value=1,
                unit="s",
                help="How much music to add (30 seconds when empty).",
            ),
            _side(),
            _free_style("styleOfMusic", help_text="Optional genre or style in a few words."),
            Field(
                "inferStep",
                "Generation steps",
                FieldType.INTEGER,
                min_value=1,
                expert=True,
                help="More steps can sound better but take longer.",
            ),
            Field(
                "guidanceScale",
                "Follow the prompt",
                FieldType.NUMBER,
                min_value=1.0,
                max_value=15.0,
                expert=True,
                help="From 1.0 (loose) to 15.0 (strict). Soundverse's example uses 7.5.",
            ),
            Field(
                "omegaScale",
                "Omega scale",
                FieldType.NUMBER,
                expert=True,
                help="A model setting Soundverse passes through; no range is documented.",
            ),
            Field(
                "retakeVariance",
                "Variation",
                FieldType.NUMBER,
                expert=True,
                help="How different a retake may be; no range is documented.",
            ),
            Field(
                "refAudioStrength",
                "Stay close to the original",
                FieldType.NUMBER,
                min_value=0.0,
                max_value=1.0,
                expert=True,
                help="From 0.0 (free) to 1.0 (as close as possible to the original).",
            ),
            Field(
                "manualSeeds",
                "Seeds",
                FieldType.TEXT,
                expert=True,
                help="Whole numbers separated by commas, to repeat a result exactly.",
            ),
        ),
        version=version,
        version_label={
            "6": "version 6 (newest: adds music before or after, one version)",
            "5": "version 5 (adds music before or after, one version)",
        }[version],
        results=1,
        streams=False,
        rank=rank,
    )


def _stems(key: str, which: str, *, label: str, description: str, results: int, rank: int):
    return Operation(
        provider=_P,
        key=key,
        task=Task.STEMS,
        label=label,
        description=description,
        fields=(
            _audio(
                "audioUrl", "Track to split", required=True, help_text="The recording to split."
            ),
        ),
        version="1",
        version_label=f"version 1 ({which})",
        results=results,
        output_kind="stems",
        rank=rank,
    )


def _loop(
    key: str,
    *,
    label: str,
    description: str,
    extra: tuple,
    rank: int,
    task=Task.LOOP,
    verb: str = "loop",
):
    return Operation(
        provider=_P,
        key=key,
        task=task,
        label=label,
        description=description,
        fields=(
            _audio(
                "audioUrl", f"Track to {verb}", required=True, help_text=f"The recording to {verb}."
            ),
            *extra,
        ),
        version="1",
        version_label="version 1",
        results=1,
        rank=rank,
    )


OPERATIONS: tuple[Operation, ...] = (
    # Songs ----------------------------------------------------------------------------------
    _song_v7("song_v7", streams=True, rank=70),
    _song_v7("song_v7_sync", streams=False, rank=69),
    _song_v56("song_v6", "6", streams=True, rank=60),
    _song_v56("song_v6_sync", "6", streams=False, rank=59),
    _song_v56("song_v5", "5", streams=True, rank=50),
    _song_v56("song_v5_sync", "5", streams=False, rank=49),
    Operation(
        provider=_P,
        key="song_v4",
        task=Task.SONG,
        label="Make a song",
        description="A song from your lyrics in a style you describe, or like a reference "
        "track. Two versions. " + OLD_NOTE,
        fields=(
            _lyrics(required=True),
            _free_style("styleOfMusic", help_text="The style in a few words, such as soft pop."),
            _v1_audio(),
        ),
        version="4",
        version_label="version 4 (old, being removed: lyrics plus a style or a reference track)",
        results=2,
        deprecated=True,
        rank=40,
        requires_one_of=(("styleOfMusic", "audioUrl"),),
    ),
    Operation(
        provider=_P,
        key="song_v1",
        task=Task.SONG,
        label="Make a song",
        description="A song from your lyrics in one of 64 styles, or like a reference track. "
        "One version. " + DEPRECATION_NOTE,
        fields=(_lyrics(required=True), _v1_style(required=False), _v1_audio()),
        version="1",
        version_label="version 1 (oldest, being removed: lyrics in one of 64 styles)",
        results=1,
        deprecated=True,
        rank=10,
        requires_one_of=(("styleOfMusic", "audioUrl"),),
    ),
    # Instrumentals ----------------------------------------------------------------------------
    _music_v56("music_v6", "6", streams=True, rank=60),
    _music_v56("music_v6_sync", "6", streams=False, rank=59),
    _music_v56("music_v5", "5", streams=True, rank=50),
    _music_v56("music_v5_sync", "5", streams=False, rank=49),
    Operation(
        provider=_P,
        key="music_v4",
        task=Task.INSTRUMENTAL,
        label="Make an instrumental",
        description="Music without vocals from a description, optionally like a reference "
        "track. Two versions. " + OLD_NOTE,
        fields=(
            _prompt(),
            _free_style("styleOfMusic"),
            _v1_audio("A public reference recording, at least 30 seconds long."),
        ),
        version="4",
        version_label="version 4 (old, being removed: can follow a reference of 30 s or more)",
        results=2,
        deprecated=True,
        rank=40,
    ),
    Operation(
        provider=_P,
        key="text_to_music",
        task=Task.INSTRUMENTAL,
        label="Make an instrumental",
        description="Music from a description at a chosen length, HD or fast, optionally "
        "seamlessly looping. One version. " + DEPRECATION_NOTE,
        fields=(_prompt(), _sansaar_duration(), _sansaar_model(), _loop_flag()),
        version="1",
        version_label="text to music (being removed: pick the length, HD or fast)",
        results=1,
        deprecated=True,
        rank=20,
    ),
    Operation(
        provider=_P,
        key="music_v1",
        task=Task.INSTRUMENTAL,
        label="Make an instrumental",
        description="Music from a description in one of 64 styles. One version. "
        + DEPRECATION_NOTE,
        fields=(_prompt(), _v1_style(required=True), _v1_audio()),
        version="1",
        version_label="version 1 (oldest, being removed: one of 64 styles)",
        results=1,
        deprecated=True,
        rank=10,
    ),
    # Extend -----------------------------------------------------------------------------------
    _extend_song("extend_song_v6", "6", streams=True, rank=60),
    _extend_song("extend_song_v6_sync", "6", streams=False, rank=59),
    _extend_song("extend_song_v5", "5", streams=True, rank=50),
    _extend_song("extend_song_v5_sync", "5", streams=False, rank=49),
    _extend_music("extend_music_v6", "6", rank=38),
    _extend_music("extend_music_v5", "5", rank=36),
    Operation(
        provider=_P,
        key="extend_music_v1",
        task=Task.EXTEND,
        label="Extend an instrumental",
        description="Makes a piece longer in its own style. One version. " + DEPRECATION_NOTE,
        fields=(
            _audio(
                "audioUrl",
                "Music to extend",
                required=True,
                help_text="A public recording to make longer.",
            ),
        ),
        version="1",
        version_label="version 1 (oldest, being removed)",
        results=1,
        deprecated=True,
        rank=10,
    ),
    # Remix ------------------------------------------------------------------------------------
    Operation(
        provider=_P,
        key="remix_v7",
        task=Task.REMIX,
        label="Remix a song",
        description=(
            "A new take on a song in another style or with new lyrics. The song must be "
            "10–350 seconds long and at most 10 MB. Near the end it can stay at 90% for "
            "several minutes while Soundverse finishes the file."
        ),
        fields=(
            _audio(
                "song_reference_url",
                "Song to remix",
                required=True,
                max_bytes=AUDIO_MAX_BYTES_V7,
                help_text="A song 10 to 350 seconds long, at most 10 MB.",
            ),
            _prompt(
                required=False,
                label="New style",
                help_text="Describe the new style. Needed unless you give lyrics.",
            ),
            _lyrics(
                help_text="New words to sing. When empty, Soundverse works from the description."
            ),
        ),
        version="7",
        version_label="version 7 (newest: new style or lyrics, live progress)",
        results=1,
        streams=True,
        rank=70,
        requires_one_of=(("prompt", "lyrics"),),
    ),
    # Lyrics and singing -------------------------------------------------------------------------
    Operation(
        provider=_P,
        key="lyrics_v1",
        task=Task.LYRICS,
        label="Write lyrics",
        description="Song lyrics from a description, in a mood, genre and section you choose.",
        fields=(
            _prompt(
                label="What the song is about", help_text="The story, theme or message in a line."
            ),
            Field("mood", "Mood", FieldType.TEXT, help="For example happy, sad or energetic."),
            Field(
                "section", "Section", FieldType.TEXT, help="For example verse, chorus or bridge."
            ),
            Field("genre", "Genre", FieldType.TEXT, help="For example pop, rock or hip-hop."),
        ),
        version="1",
        version_label="version 1",
        results=1,
        output_kind="text",
        rank=10,
    ),
    Operation(
        provider=_P,
        key="singing_v2",
        task=Task.SINGING,
        label="Sing my lyrics",
        description=(
            "A sung vocal of your lyrics in one of 24 voice styles, or in the voice of a sung "
            "recording you give (then the style is ignored)."
        ),
        fields=(
            _lyrics(required=True),
            Field(
                "styleOfMusic",
                "Voice style",
                FieldType.CHOICE,
                choices=_choices(SINGING_STYLES),
                help="How the voice should sound.",
            ),
            _audio(
                "audioUrl",
                "Sung vocal to follow",
                help_text="Only a sung vocal with no backing music. When given, the voice "
                "style is ignored.",
            ),
        ),
        version="2",
        version_label="version 2 (24 voice styles, or follow a sung vocal)",
        results=1,
        rank=20,
    ),
    # Stems ------------------------------------------------------------------------------------
    _stems(
        "stems_all",
        "vocals, guitar, piano, drums, bass and the rest",
        label="Split into stems",
        description="Six stems: vocals, guitar, piano, drums, bass and everything else.",
        results=6,
        rank=30,
    ),
    _stems(
        "stems_instruments",
        "five instrument stems",
        label="Split the instruments",
        description="Five instrument stems: guitar, piano, drums, bass and everything else.",
        results=5,
        rank=20,
    ),
    _stems(
        "stems_vocals",
        "the vocal only",
        label="Take out the vocals",
        description="The vocal on its own.",
        results=1,
        rank=10,
    ),
    # Loop and trim of an existing recording ----------------------------------------------------
    _loop(
        "loop_auto",
        label="Make a loop",
        description="Finds a part that repeats seamlessly and repeats it.",
        extra=(_loop_count("count"),),
        rank=30,
    ),
    _loop(
        "loop_beat_count",
        label="Loop a number of beats",
        description="Loops a chosen number of beats and repeats them.",
        extra=(
            Field(
                "beatsToInclude",
                "Beats in the loop",
                FieldType.INTEGER,
                required=True,
                min_value=1,
                help="How many beats the loop holds (4 beats make one bar in most music).",
            ),
            _loop_count("count"),
        ),
        rank=20,
    ),
    _loop(
        "loop_time_range",
        label="Loop chosen parts",
        description="Joins the parts you choose and repeats them.",
        extra=(_time_ranges(), _loop_count("count")),
        rank=10,
    ),
    # The same time-range endpoint with one range and one repeat is a plain trim, which is what
    # the studio's "Cut" task means for a Soundverse key (Soundverse has no musical cut-down).
    _loop(
        "cut_time_range",
        label="Trim to a time range",
        description="Keeps the part between two times and drops the rest.",
        extra=(
            Field(
                "start",
                "From",
                FieldType.NUMBER,
                required=True,
                min_value=0,
                unit="s",
                help="Where the kept part starts, in seconds.",
            ),
            Field(
                "end",
                "To",
                FieldType.NUMBER,
                required=True,
                min_value=0,
                unit="s",
                help="Where the kept part ends, in seconds; after the start.",
            ),
        ),
        rank=10,
        task=Task.CUT,
        verb="trim",
    ),
    # Generate and loop ---------------------------------------------------------------------
    Operation(
        provider=_P,
        key="gen_loop_music",
        task=Task.SAMPLE,
        label="Make a loop from a description",
        description="Generates music from a description and loops it. Gives the music and "
        "the loop.",
        fields=(
            _prompt(),
            _sansaar_duration(),
            _sansaar_model(),
            _loop_flag(),
            _loop_count("loopCount"),
        ),
        version="1",
        version_label="version 1 (music)",
        results=2,
        rank=30,
    ),
    Operation(
        provider=_P,
        key="gen_loop_song_prompt",
        task=Task.SAMPLE,
        label="Make a song loop from a description",
        description="Generates a song from a description and a style and loops it. Gives the "
        "song and the loop.",
        fields=(
            _prompt(),
            _free_style("styleOfMusic", required=True, help_text="For example Ambient or Pop."),
            _v1_audio(),
            _loop_count("loopCount"),
        ),
        version="1",
        version_label="version 1 (song from a description)",
        results=2,
        rank=20,
    ),
    Operation(
        provider=_P,
        key="gen_loop_song_lyrics",
        task=Task.SAMPLE,
        label="Make a song loop from lyrics",
        description="Generates a song from your lyrics and loops it. Gives the song and the loop.",
        fields=(
            _lyrics(required=True),
            _free_style("styleOfMusic", help_text="For example Ambient or Pop."),
            _v1_audio(),
            _loop_count("loopCount"),
        ),
        version="1",
        version_label="version 1 (song from lyrics)",
        results=2,
        rank=10,
        requires_one_of=(("styleOfMusic", "audioUrl"),),
    ),
    # Assistants and recognition ----------------------------------------------------------------
    Operation(
        provider=_P,
        key="chat",
        task=Task.ASSISTANT,
        label="Ask the assistant",
        description="Soundverse's music assistant answers in writing (beta).",
        fields=(
            _prompt(label="Your question", help_text="Ask in plain words."),
            Field(
                "action",
                "What it is about",
                FieldType.CHOICE,
                required=True,
                choices=tuple(Choice(v, label) for v, label in CHAT_ACTIONS),
                default="other",
                help="The kind of help you want.",
            ),
        ),
        version="beta",
        version_label="beta (written answer)",
        results=1,
        output_kind="reply",
        rank=20,
    ),
    Operation(
        provider=_P,
        key="voice",
        task=Task.ASSISTANT,
        label="Talk to the assistant",
        description="Send a spoken question; Soundverse's assistant answers with speech (beta).",
        fields=(
            _audio(
                "speech_url",
                "Your spoken question",
                required=True,
                help_text="A recording of your question.",
            ),
        ),
        version="beta",
        version_label="beta (spoken answer)",
        results=1,
        output_kind="audio",  # MP3 bytes in Output.data, not a link
        rank=10,
    ),
    Operation(
        provider=_P,
        key="recognize_v5",
        task=Task.IDENTIFY,
        label="Identify a song",
        description="Finds the title, artist, album and label of a recording.",
        fields=(
            _audio(
                "audio_url",
                "Recording",
                required=True,
                help_text="The recording to identify (Soundverse reads up to 25 MB).",
            ),
        ),
        version="5",
        version_label="version 5",
        results=1,
        output_kind="text",
        rank=10,
    ),
)

OPERATIONS_BY_KEY: dict[str, Operation] = {op.key: op for op in OPERATIONS}


# --- Wire details ---------------------------------------------------------------------------
def _gen(path: str, family: str) -> Wire:
    return Wire(path, "stream", shape="generation", family=family)


def _sync(path: str, shape: str = "generation") -> Wire:
    return Wire(path, "sync", shape=shape)


WIRE: dict[str, Wire] = {
    "song_v7": _gen("/v7/generate/song", "v7"),
    "song_v7_sync": _sync("/v7/generate/song/sync"),
    "song_v6": _gen("/v6/generate/song", "v56"),
    "song_v6_sync": _sync("/v6/generate/song/sync"),
    # The newest v5 page streams at the bare path; older pages used ``/streaming``.
    "song_v5": _gen("/v5/generate/song", "v56"),
    "song_v5_sync": _sync("/v5/generate/song/sync"),
    "song_v4": _sync("/v4/generate/song-from-lyrics"),
    "song_v1": _sync("/v1/generate/song-from-lyrics"),
    "music_v6": _gen("/v6/generate/music", "v56"),
    "music_v6_sync": _sync("/v6/generate/music/sync"),
    "music_v5": _gen("/v5/generate/music", "v56"),
    "music_v5_sync": _sync("/v5/generate/music/sync"),
    "music_v4": _sync("/v4/generate/song-from-prompt"),
    "music_v1": _sync("/v1/generate/song-from-prompt"),
    "text_to_music": _sync("/v1/generate/text-to-music"),
    "extend_song_v6": _gen("/v6/extend/song", "v56"),
    "extend_song_v6_sync": _sync("/v6/extend/song/sync"),
    "extend_song_v5": _gen("/v5/extend/song", "v56"),
    "extend_song_v5_sync": _sync("/v5/extend/song/sync"),
    # Every code sample posts to ``/sync`` although the newest pages list the bare path.
    "extend_music_v6": _sync("/v6/extend/music/sync"),
    "extend_music_v5": _sync("/v5/extend/music/sync"),
    "extend_music_v1": _sync("/v1/generate/extend"),
    "remix_v7": _gen("/v7/generate/remix", "remix"),
    "lyrics_v1": _sync("/v1/generate/lyrics", "lyrics"),
    "singing_v2": _sync("/v2/generate/ai-singing-gen"),
    "stems_all": _sync("/v1/generate/stem-separation/all-stems", "stems"),
    "stems_instruments": _sync("/v1/generate/stem-separation/instruments", "stems"),
    "stems_vocals": _sync("/v1/generate/stem-separation/vocals", "stems"),
    "loop_auto": _sync("/v1/generate/trim-and-loop/auto", "loop"),
    "loop_beat_count": _sync("/v1/generate/trim-and-loop/beat-count", "loop"),
    "loop_time_range": _sync("/v1/generate/trim-and-loop/time-range", "loop"),
    "cut_time_range": _sync("/v1/generate/trim-and-loop/time-range", "loop"),
    # DOCUMENTED with a trailing slash for this one path only.
    "gen_loop_music": _sync("/v1/trim-and-loop/gen-and-loop/music/auto/", "gen_loop"),
    "gen_loop_song_prompt": _sync("/v1/trim-and-loop/gen-and-loop/song/prompt/auto", "gen_loop"),
    "gen_loop_song_lyrics": _sync("/v1/trim-and-loop/gen-and-loop/song/lyrics/auto", "gen_loop"),
    # INFERRED canonical path; ``/v1/assistant/chat`` and ``/api/assistant/chat`` also appear.
    "chat": _sync("/assistant/chat", "chat"),
    "voice": Wire("/v1/assistant/voice", "binary", shape="voice"),
    "recognize_v5": Wire("/v5/recognize", "query", shape="recognize", method="GET"),
}

STATUS_PATH = "/v5/status"
# Referenced by the v7 page but not documented: off unless a key is configured to use it.
V7_STATUS_PATH = "/v7/status"
