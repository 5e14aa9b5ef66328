"""Types shared by every provider client: the operation catalog, results and errors.

Nothing here imports Django. The studio builds its forms from ``Operation`` and ``Field``; the
pipeline stores ``Result`` values and maps ``ProviderError`` subclasses to plain messages.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable


class Provider(enum.StrEnum):
    SOUNDPIECE = "soundpiece"
    SOUNDVERSE = "soundverse"

    @property
    def label(self) -> str:
        return {"soundpiece": "Soundpiece", "soundverse": "Soundverse"}[self.value]


class Task(enum.StrEnum):
    """What a person wants to do, in the studio's words; several operations serve one task."""

    SONG = "song"
    INSTRUMENTAL = "instrumental"
    SAMPLE = "sample"
    SOUND_EFFECT = "sound_effect"
    REMIX = "remix"
    EXTEND = "extend"
    STEMS = "stems"
    CUT = "cut"
    LOOP = "loop"
    LYRICS = "lyrics"
    SINGING = "singing"
    ASSISTANT = "assistant"
    IDENTIFY = "identify"


class FieldType(enum.StrEnum):
    TEXT = "text"  # one line
    LONG_TEXT = "long_text"  # prompts, lyrics
    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"
    CHOICE = "choice"
    AUDIO = "audio"  # a URL the provider fetches: from a library track, an upload or a link


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class Field:
    """One input of an operation, with its limits as the provider documents them.

    ``name`` is the wire name sent to the provider. ``expert`` fields are folded away under
    "More options". ``min_value``/``max_value`` bound numbers; ``min_length``/``max_length``
    bound text. ``max_bytes`` bounds audio inputs when the provider documents a size cap.
    """

    name: str
    label: str
    type: FieldType
    required: bool = False
    help: str = ""
    default: Any = None
    choices: tuple[Choice, ...] = ()
    min_value: float | None = None
    max_value: float | None = None
    min_length: int | None = None
    max_length: int | None = None
    max_bytes: int | None = None
    expert: bool = False
    unit: str = ""

    @property
    def takes_audio(self) -> bool:
        return self.type is FieldType.AUDIO


@dataclass(frozen=True)
class Operation:
    """One thing a provider can do, at one version.

    ``key`` is unique within a provider (e.g. ``create.new_song`` or ``song_v5``); ``version`` is
    shown to people ("version 5 (newest: better vocals)"). ``results`` is how many outputs one
    request gives. ``rank`` orders the versions of a task: the highest is the default.
    ``requires_one_of`` lists groups of field names of which at least one must be given.
    """

    provider: Provider
    key: str
    task: Task
    label: str
    description: str
    fields: tuple[Field, ...]
    version: str = ""
    version_label: str = ""
    results: int = 1
    streams: bool = False
    output_kind: str = "audio"  # "audio", "stems", "text" or "reply"
    deprecated: bool = False
    rank: int = 0
    requires_one_of: tuple[tuple[str, ...], ...] = ()

    @property
    def audio_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.takes_audio)

    def field(self, name: str) -> Field:
        for candidate in self.fields:
            if candidate.name == name:
                return candidate
        raise KeyError(name)


class Status(enum.StrEnum):
    SUBMITTED = "submitted"
    RUNNING = "running"
    READY = "ready"
    FAILED = "failed"


@dataclass
class Output:
    """One file a finished operation produced."""

    url: str
    kind: str = "mix"  # "mix", or a stem: "vocals", "drums", "bass", "other", "instruments"
    duration: float | None = None
    format: str = ""  # "flac", "mp3", "wav"
    expires_at: datetime | None = None
    index: int = 0  # the "version" number for providers that return several variations
    title: str = ""
    album_art_url: str = ""
    license: str = ""
    lyrics: str = ""
    preview_url: str = ""
    # The audio itself, for the rare answer that carries bytes instead of a link (Soundverse's
    # voice assistant); archive it from here when ``url`` is empty.
    data: bytes | None = field(default=None, repr=False)


@dataclass
class Result:
    """What a provider says about one operation right now."""

    remote_id: str
    status: Status
    progress: float | None = None  # 0–100, or None when the provider reports none
    stage: str = ""  # plain words: "Writing the melody"
    outputs: list[Output] = field(default_factory=list)
    text: str = ""  # lyrics or an assistant's reply, for text operations
    error: ProviderError | None = None
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def finished(self) -> bool:
        return self.status in (Status.READY, Status.FAILED)


# --- Errors ---------------------------------------------------------------------------------
class ProviderError(Exception):
    """Base of every error a provider client raises.

    ``message`` is written for a producer, not a developer, and says what to do next.
    ``retryable`` tells the pipeline whether trying again later can help.
    """

    kind = "provider_error"
    retryable = False
    default_message = "The music service could not do this."

    def __init__(self, message: str = "", *, status_code: int | None = None, detail: Any = None):
        self.message = message or self.default_message
        self.status_code = status_code
        self.detail = detail
        super().__init__(self.message)


class KeyRejected(ProviderError):
    kind = "key_rejected"
    default_message = (
        "The music service did not accept this API key. Check it under Settings → API keys."
    )


class OutOfCredits(ProviderError):
    kind = "out_of_credits"
    default_message = (
        "This key has run out of credits or balance. Top it up with the provider, then run the "
        "job again."
    )


class RateLimited(ProviderError):
    kind = "rate_limited"
    retryable = True
    default_message = "The music service is limiting how fast this key can work. Waiting a moment."

    def __init__(self, message: str = "", *, retry_after: float | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class InputRejected(ProviderError):
    """The request's fields were refused; ``fields`` maps a field name ("" for the whole
    request) to a plain message."""

    kind = "input_rejected"
    default_message = "The music service refused some of the settings. Check the marked fields."

    def __init__(self, message: str = "", *, fields: dict[str, str] | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.fields = fields or {}


class ContentRejected(ProviderError):
    """NSFW words or an artist's name in a prompt or lyrics."""

    kind = "content_rejected"
    default_message = (
        "The music service refused the words used. Remove explicit words or artists' names, "
        "then try again."
    )

    def __init__(self, message: str = "", *, reason: str = "", **kwargs):
        super().__init__(message, **kwargs)
        self.reason = reason  # "nsfw" or "artist_name"


class OperationFailed(ProviderError):
    """The provider accepted the job but could not finish it."""

    kind = "operation_failed"
    default_message = "The music service could not finish this job. Try again, or change the input."

    def __init__(self, message: str = "", *, code: str = "internal_error", **kwargs):
        super().__init__(message, **kwargs)
        self.code = code or "internal_error"


class ProviderUnavailable(ProviderError):
    """5xx answers, timeouts and connection errors: worth trying again later."""

    kind = "provider_unavailable"
    retryable = True
    default_message = "The music service is not answering right now. Soundsite will keep trying."


ERROR_KINDS: dict[str, type[ProviderError]] = {
    cls.kind: cls
    for cls in (
        ProviderError,
        KeyRejected,
        OutOfCredits,
        RateLimited,
        InputRejected,
        ContentRejected,
        OperationFailed,
        ProviderUnavailable,
    )
}


# --- Client interface -----------------------------------------------------------------------
ProgressCallback = Callable[[Result], Awaitable[None] | None]
RemoteIdCallback = Callable[[str], Awaitable[None] | None]


@runtime_checkable
class Client(Protocol):
    """What the pipeline needs from a provider client (both are async, on httpx.AsyncClient).

    ``submit`` sends the request once. For request/response APIs it returns the first state
    (usually RUNNING with a remote id). For streaming APIs it consumes the stream: it calls
    ``on_remote_id`` the moment the provider names the job and ``on_progress`` as chunks
    arrive, and returns the final state; if the stream breaks after the remote id is known it
    raises ``StreamInterrupted`` so the caller continues with ``poll``. ``poll`` asks for the
    current state (``wait`` lets the provider hold the request, where it supports that), and
    ``refresh_outputs`` returns fresh download links where the provider can re-sign them.
    """

    provider: Provider

    async def check_key(self) -> None: ...

    async def submit(
        self,
        operation: str,
        params: dict[str, Any],
        *,
        idempotency_key: str,
        callback_url: str | None = None,
        on_remote_id: RemoteIdCallback | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> Result: ...

    async def poll(self, operation: str, remote_id: str, *, wait: bool = False) -> Result: ...

    async def aclose(self) -> None: ...


class StreamInterrupted(ProviderUnavailable):
    """A stream stopped before the end; ``remote_id`` says where to continue by polling."""

    kind = "provider_unavailable"

    def __init__(self, message: str = "", *, remote_id: str = "", **kwargs):
        super().__init__(message, **kwargs)
        self.remote_id = remote_id
