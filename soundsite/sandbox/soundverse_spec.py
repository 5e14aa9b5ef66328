"""What the Soundverse stand-in accepts and answers, endpoint by endpoint (reference §3, §5, §6).

This is written from the reference independently of the client's catalog, so that tests of
the client against the sandbox compare two readings of the same document.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

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
CHAT_ACTIONS = (
    "generate_music",
    "extend_music",
    "auto_complete_music",
    "loop_audio",
    "separate_stems",
    "edit_music",
    "lyric_writing",
    "other",
)
SANSAAR_MODELS = ("sansaar_1", "sansaar_1_lite")
SANSAAR_DURATIONS = (15, 30, 60, 180)

# --- Documented literal texts (§1.5) --------------------------------------------------------
AUTH_DETAIL = "Invalid API key format. Use Bearer <your_api_key>"
RATE_LIMIT_MESSAGE = "Rate limits have been passed for the user."
BALANCE_MESSAGE = "Insufficient balance for this operation."
EMPTY_PROMPT = "Invalid or empty prompt provided"
NSFW_LYRICS = "NSFW words detected. Please try again with different lyrics."
NSFW_PROMPT = "NSFW words detected. Please try again with a different prompt."
ARTIST_PROMPT = "Artist name detected. Please try again with a different prompt."
ARTIST_LYRICS = "Artist name detected. Please try again with different lyrics."
UNAVAILABLE_MESSAGE = "Service temporarily unavailable. Please try again in a moment."
UNAVAILABLE_ERROR = "Database connection pool exhausted"
V7_NEED_INPUT = (
    "Either prompt or at least one of reference_url, instrumental_url, vocal_url, or "
    "melody_url must be provided"
)
V7_PROMPT_TOO_LONG = "Prompt exceeds maximum length of 1024 characters"
V7_FILE_TOO_LARGE = "Reference audio file error: File too large"
REMIX_NEED_INPUT = "Either prompt or lyrics must be provided"
REMIX_FILE_TOO_LARGE = "Reference audio error: File too large: {n} bytes (max: 10485760)"
LOOP_NOT_ENOUGH_BEATS = "Not enough beats to create loop."
LOOP_TOO_LONG = "Maximum audio duration of 960 seconds reached."
LOOP_OUT_OF_BOUNDS = "Time range {i} is out of bounds."
LOOP_START_AFTER_END = "Invalid range: start >= end at index {i}."
LOOP_NO_SEGMENTS = "No valid segments found."
SINGING_500 = "Invalid response from generation service"
SINGING_504 = "Generation failed or timed out after polling."
RECOGNIZE_NO_INPUT = "Provide audio_url, file, or raw body bytes"
VOICE_BAD_BODY = "Invalid request body"
# Not documented: the sandbox's own wording, in the documented style.
V1_NEED_STYLE_OR_AUDIO = "Either styleOfMusic or audioUrl must be provided"
REMIX_DURATION = "Reference audio error: Duration must be between 10 and 350 seconds"

MAX_AUDIO_BYTES = 10485760
EXTEND_AT_MIN, EXTEND_AT_MAX = 8000, 420000
LOOP_MAX_SECONDS = 960.0


@dataclass(frozen=True)
class In:
    """One body field: type (``str``, ``int``, ``float``, ``bool``, ``list``, ``dict``),
    whether Pydantic would require it, and its constraints."""

    type: str = "str"
    required: bool = False
    ge: float | None = None
    le: float | None = None
    max_length: int | None = None
    enum: tuple = ()


S, INT, F, B, L, D = "str", "int", "float", "bool", "list", "dict"


@dataclass(frozen=True)
class Endpoint:
    """One Soundverse endpoint as the sandbox serves it.

    ``family`` is the chunk timeline (``v56``, ``v7``, ``remix``, or ``""`` for endpoints
    that only answer once). ``stream`` says whether this path answers with SSE. ``shape`` is
    the sync body. ``versions`` how many outputs; ``fmt`` their format. ``bucket`` the §5
    rate-limit column; ``price`` the §6 row; ``words`` which wording the content errors use.
    """

    action: str
    kind: str
    fields: dict[str, In]
    family: str = ""
    stream: bool = False
    shape: str = ""
    versions: int = 1
    fmt: str = "mp3"
    bucket: str = ""
    price: str = ""
    words: str = "prompt"
    checks: tuple[str, ...] = field(default=())


def _lyr(required=False) -> In:
    return In(S, required, max_length=3000)


SONG_V7 = {
    "prompt": In(S),
    "lyrics": _lyr(),
    "reference_url": In(S),
    "instrumental_url": In(S),
    "vocal_url": In(S),
    "melody_url": In(S),
    "parameters": In(D),
}
SONG_V56 = {**SONG_V7, "duration": In(INT)}
MUSIC_V56 = {"prompt": In(S), "style": In(S), "duration": In(INT), "parameters": In(D)}
EXTEND_SONG = {
    "audio_url": In(S, True),
    "lyrics": _lyr(True),
    "prompt": In(S),
    "extend_at": In(INT, True, ge=EXTEND_AT_MIN, le=EXTEND_AT_MAX),
    "parameters": In(D),
}
EXTEND_MUSIC = {
    "audio_url": In(S, True),
    "prompt": In(S),
    "duration": In(INT, ge=1),
    "side": In(S, enum=("left", "right")),
    "styleOfMusic": In(S),
    "inferStep": In(INT, ge=1),
    "guidanceScale": In(F, ge=1.0, le=15.0),
    "omegaScale": In(F),
    "retakeVariance": In(F),
    "refAudioStrength": In(F, ge=0.0, le=1.0),
    "manualSeeds": In(L),
}
SANSAAR = {
    "duration": In(INT, enum=SANSAAR_DURATIONS),
    "model": In(S, enum=SANSAAR_MODELS),
    "loop": In(B),
}

_V5PLUS = "lyrics"  # v5+ and singing word their NSFW error "with different lyrics"


def _stream_pair(action, kind, fields, family, *, versions, bucket, price, checks=(), fmt="mp3"):
    """The stream endpoint and its ``/sync`` twin (same fields, timeline and checks)."""
    common = dict(
        kind=kind,
        fields=fields,
        family=family,
        versions=versions,
        bucket=bucket,
        price=price,
        words=_V5PLUS,
        checks=checks,
        fmt=fmt,
    )
    shape = {"v7": "v7", "v56": "v56", "remix": "v56"}[family]
    if kind == "extend_song":
        shape = "extend_song"
    return (
        Endpoint(action, stream=True, shape=shape, **common),
        Endpoint(action + "_sync", stream=False, shape=shape, **common),
    )


ENDPOINTS: dict[str, Endpoint] = {}


def _add(*endpoints: Endpoint) -> None:
    for endpoint in endpoints:
        ENDPOINTS[endpoint.action] = endpoint


_add(
    *_stream_pair(
        "song_v7",
        "song",
        SONG_V7,
        "v7",
        versions=2,
        bucket="song",
        price="song_v7",
        checks=("v7_input", "v7_prompt_length", "v7_audio_size"),
    ),
    *_stream_pair(
        "song_v6",
        "song",
        SONG_V56,
        "v56",
        versions=2,
        bucket="song",
        price="song_v6",
        checks=("prompt_not_empty",),
    ),
    *_stream_pair(
        "song_v5",
        "song",
        SONG_V56,
        "v56",
        versions=2,
        bucket="song",
        price="song_v5",
        checks=("prompt_not_empty",),
    ),
    *_stream_pair(
        "music_v6",
        "instrumental",
        MUSIC_V56,
        "v56",
        versions=2,
        bucket="music",
        price="song_v6",
        checks=("prompt_not_empty",),
    ),
    *_stream_pair(
        "music_v5",
        "instrumental",
        MUSIC_V56,
        "v56",
        versions=2,
        bucket="music",
        price="song_v5",
        checks=("prompt_not_empty",),
    ),
    *_stream_pair(
        "extend_song_v6",
        "extend_song",
        EXTEND_SONG,
        "v56",
        versions=2,
        bucket="extend_song",
        price="extend",
    ),
    *_stream_pair(
        "extend_song_v5",
        "extend_song",
        EXTEND_SONG,
        "v56",
        versions=2,
        bucket="extend_song",
        price="extend",
    ),
    Endpoint(
        "remix_v7",
        "remix",
        {"song_reference_url": In(S, True), "prompt": In(S), "lyrics": _lyr(), "parameters": In(D)},
        family="remix",
        stream=True,
        shape="v56",
        bucket="song",
        price="song_v7",
        words=_V5PLUS,
        checks=("remix_input", "remix_audio"),
    ),
    Endpoint(
        "extend_music_v6",
        "extend_music",
        EXTEND_MUSIC,
        shape="extend_music",
        bucket="extend_music",
        price="extend",
        words=_V5PLUS,
    ),
    Endpoint(
        "extend_music_v5",
        "extend_music",
        EXTEND_MUSIC,
        shape="extend_music",
        bucket="extend_music",
        price="extend",
        words=_V5PLUS,
    ),
    Endpoint(
        "song_v4",
        "song",
        {"lyrics": _lyr(True), "styleOfMusic": In(S), "audioUrl": In(S)},
        shape="v4",
        versions=2,
        bucket="song",
        price="song_v4",
        checks=("style_or_audio",),
    ),
    Endpoint(
        "song_v1",
        "song",
        {"styleOfMusic": In(S, enum=V1_STYLES), "lyrics": _lyr(True), "audioUrl": In(S)},
        shape="v1",
        fmt="wav",
        bucket="song",
        price="song_v1",
        checks=("style_or_audio",),
    ),
    Endpoint(
        "music_v4",
        "instrumental",
        {"prompt": In(S, True), "styleOfMusic": In(S), "audioUrl": In(S)},
        shape="v4",
        versions=2,
        bucket="music",
        price="song_v4",
    ),
    Endpoint(
        "music_v1",
        "instrumental",
        {"prompt": In(S, True), "styleOfMusic": In(S, True, enum=V1_STYLES), "audioUrl": In(S)},
        shape="v1",
        fmt="wav",
        bucket="music",
        price="song_v1",
    ),
    Endpoint(
        "text_to_music",
        "instrumental",
        {"prompt": In(S, True), **SANSAAR},
        shape="v1",
        fmt="wav",
        bucket="music",
        price="sansaar",
    ),
    Endpoint(
        "extend_music_v1",
        "extend_music",
        {"audioUrl": In(S), "audio_url": In(S)},
        shape="v1",
        fmt="wav",
        bucket="extend_music",
        price="extend",
        checks=("v1_audio",),
    ),
    Endpoint(
        "lyrics_v1",
        "lyrics",
        {"prompt": In(S, True), "mood": In(S), "section": In(S), "genre": In(S)},
        shape="lyrics",
        price="lyrics",
    ),
    Endpoint(
        "singing_v2",
        "singing",
        {"lyrics": _lyr(True), "styleOfMusic": In(S), "audioUrl": In(S)},
        shape="singing",
        bucket="singing",
        price="singing",
        words=_V5PLUS,
    ),
    Endpoint(
        "stems_vocals",
        "stems",
        {"audioUrl": In(S, True)},
        shape="stems",
        fmt="wav",
        bucket="stems",
        price="stems",
    ),
    Endpoint(
        "stems_instruments",
        "stems",
        {"audioUrl": In(S, True)},
        shape="stems",
        fmt="wav",
        bucket="stems",
        price="stems",
    ),
    Endpoint(
        "stems_all",
        "stems",
        {"audioUrl": In(S, True)},
        shape="stems",
        fmt="wav",
        bucket="stems",
        price="stems",
    ),
    Endpoint(
        "loop_auto",
        "loop",
        {"audioUrl": In(S, True), "count": In(INT, True, ge=1)},
        shape="loop",
        fmt="wav",
        price="loop_upload",
    ),
    Endpoint(
        "loop_beat_count",
        "loop",
        {
            "audioUrl": In(S, True),
            "count": In(INT, True, ge=1),
            "beatsToInclude": In(INT, True, ge=1),
        },
        shape="loop",
        fmt="wav",
        price="loop_upload",
    ),
    Endpoint(
        "loop_time_range",
        "loop",
        {"audioUrl": In(S, True), "count": In(INT, True, ge=1), "timeRanges": In(L, True)},
        shape="loop",
        fmt="wav",
        price="loop_upload",
    ),
    Endpoint(
        "gen_loop_music",
        "gen_loop",
        {"prompt": In(S, True), **SANSAAR, "loopCount": In(INT, True, ge=1)},
        shape="gen_loop",
        fmt="wav",
        bucket="music",
        price="loop_generate",
    ),
    Endpoint(
        "gen_loop_song_prompt",
        "gen_loop",
        {
            "prompt": In(S, True),
            "styleOfMusic": In(S, True),
            "audioUrl": In(S),
            "loopCount": In(INT, True, ge=1),
        },
        shape="gen_loop",
        fmt="wav",
        bucket="song",
        price="loop_generate",
    ),
    Endpoint(
        "gen_loop_song_lyrics",
        "gen_loop",
        {
            "lyrics": _lyr(True),
            "styleOfMusic": In(S),
            "audioUrl": In(S),
            "loopCount": In(INT, True, ge=1),
        },
        shape="gen_loop",
        fmt="wav",
        bucket="song",
        price="loop_generate",
        checks=("style_or_audio",),
    ),
    Endpoint(
        "chat",
        "chat",
        {"prompt": In(S, True), "action": In(S, True, enum=CHAT_ACTIONS)},
        shape="chat",
    ),
    Endpoint("voice", "voice", {"speech_url": In(S, True)}, shape="voice"),
)

# Where content checks look (the text a person typed).
TEXT_FIELDS = ("prompt", "lyrics", "style", "styleOfMusic", "mood", "genre", "section")


# --- §5 rate limits: requests per hour / per 24 hours ---------------------------------------
def _row(main: tuple[int, int], stems: tuple[int, int]) -> dict[str, tuple[int, int]]:
    buckets = ("song", "music", "singing", "extend_music", "extend_song")
    return {**{b: main for b in buckets}, "stems": stems}


RATE_LIMITS: dict[str, dict[str, tuple[int, int]]] = {
    "starter": _row((15, 150), (15, 150)),
    "starter_x5": _row((75, 750), (20, 50)),
    "growth": _row((25, 60), (50, 125)),
    "growth_x5": _row((40, 100), (80, 200)),
    "scale_1": _row((80, 200), (160, 400)),
    "scale_2": _row((120, 300), (240, 600)),
    "scale_3": _row((160, 400), (320, 800)),
    "scale_4": _row((200, 500), (400, 1000)),
    "scale_5": _row((400, 1000), (800, 2000)),
}


def plan_key(plan: str) -> str:
    """``"Scale 2"`` → ``scale_2``, ``"Starter x5"`` → ``starter_x5``; ``"Scale"`` → ``scale_1``."""
    key = "_".join(plan.strip().lower().replace("-", " ").split())
    return {"scale": "scale_1"}.get(key, key)


# --- §4 default licenses and §6 prices ------------------------------------------------------
LICENSES = ("Royalty-Free", "Sample", "Distribution", "Sync", "Full Ownership")
PLAN_LICENSES = {"starter": "Royalty-Free", "growth": "Sample", "scale": "Distribution"}


def default_license(plan: str) -> str:
    family = plan_key(plan).split("_")[0]
    return PLAN_LICENSES.get(family, "Royalty-Free")


def _d(*values: str) -> tuple[Decimal, ...]:
    return tuple(Decimal(v) for v in values)


# Price per output, by license (order of ``LICENSES``): contracted, pay as you go.
PRICES: dict[str, tuple[tuple[Decimal, ...], tuple[Decimal, ...]]] = {
    "song_v6": (
        _d("0.105", "0.158", "0.21", "0.42", "1.05"),
        _d("0.158", "0.2363", "0.315", "0.63", "1.575"),
    ),
    "song_v5": (
        _d("0.07", "0.105", "0.14", "0.28", "0.70"),
        _d("0.105", "0.1575", "0.21", "0.42", "1.05"),
    ),
    "song_v4": (
        _d("0.065", "0.195", "0.26", "0.52", "1.30"),
        _d("0.14", "0.21", "0.28", "0.56", "1.40"),
    ),
    "song_v1": (
        _d("0.05", "0.075", "0.10", "0.20", "0.50"),
        _d("0.06", "0.09", "0.12", "0.24", "0.60"),
    ),
    "singing": (
        _d("0.06", "0.09", "0.12", "0.24", "0.60"),
        _d("0.09", "0.135", "0.18", "0.36", "0.90"),
    ),
    "extend": (_d("0.04", "0.06", "0.08", "0.16", "0.40"),) * 2,
    "lyrics": (_d("0.02", "0.03", "0.04", "0.08", "0.20"),) * 2,
}
# Not priced by the reference: v7 and remix are charged like v6 (the newest priced version).
PRICES["song_v7"] = PRICES["song_v6"]
STEMS_PRICE = Decimal("0.05")
# Sansaar 1 Lite, Royalty-Free, by duration; Sansaar 1 doubles; licenses multiply.
SANSAAR_LITE = (
    (15, Decimal("0.005")),
    (30, Decimal("0.01")),
    (60, Decimal("0.02")),
    (180, Decimal("0.06")),
    (300, Decimal("0.10")),
)
SANSAAR_MULTIPLIERS = (Decimal(1), Decimal("1.5"), Decimal(2), Decimal(4), Decimal(10))
LOOP_UPLOAD = (
    (15, Decimal("0.06")),
    (60, Decimal("0.12")),
    (180, Decimal("0.24")),
    (300, Decimal("0.45")),
)
LOOP_GENERATE = (
    (5, Decimal("0.04")),
    (15, Decimal("0.06")),
    (60, Decimal("0.12")),
    (180, Decimal("0.24")),
    (300, Decimal("0.45")),
)


def _by_seconds(table, seconds: float) -> Decimal:
    for limit, price in table:
        if seconds <= limit:
            return price
    return table[-1][1]


def price(
    endpoint: Endpoint, *, license: str, contract: str, seconds: float, model: str
) -> Decimal:
    """What one request of ``endpoint`` costs (every output counted), in USD."""
    column = LICENSES.index(license) if license in LICENSES else 0
    payg = 1 if contract == "payg" else 0
    if endpoint.price in PRICES:
        return PRICES[endpoint.price][payg][column] * endpoint.versions
    if endpoint.price == "sansaar":
        base = _by_seconds(SANSAAR_LITE, seconds) * (2 if model == "sansaar_1" else 1)
        return base * SANSAAR_MULTIPLIERS[column]
    if endpoint.price == "stems":
        return STEMS_PRICE
    if endpoint.price == "loop_upload":
        return _by_seconds(LOOP_UPLOAD, seconds)
    if endpoint.price == "loop_generate":
        return _by_seconds(LOOP_GENERATE, seconds)
    return Decimal(0)
