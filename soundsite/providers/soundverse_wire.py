"""Soundverse's bodies and streams, read into Soundsite's types (no network here).

The reference shows the same data in camelCase and snake_case, bare or inside
``{"success": true, "data": …}``, with ``audio_data`` as a list or a dict keyed by version,
and ``licenses`` as a string, an object or null. ``normalise`` folds all of that into one
snake_case shape; the functions below turn it into ``Result`` values and errors.
"""

from __future__ import annotations

import email.utils
import functools
import json
import math
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from httpx_sse._decoders import SSEDecoder, SSELineDecoder

from soundsite.providers.base import (
    ContentRejected,
    InputRejected,
    KeyRejected,
    OperationFailed,
    OutOfCredits,
    Output,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
    Result,
    Status,
)

# An answer of the wrong shape (a number where a list belongs, ``true`` for a URL) must end as
# a plain ProviderError the pipeline knows how to handle, never as a crash of the worker.
_SHAPE_ERRORS = (AttributeError, TypeError, KeyError, IndexError, ValueError)
UNREADABLE = "Soundverse sent an answer Soundsite could not read. Soundsite will ask again."


def _readable(parse):
    @functools.wraps(parse)
    def wrapper(*args, **kwargs):
        try:
            return parse(*args, **kwargs)
        except ProviderError:
            raise
        except _SHAPE_ERRORS as error:
            raise ProviderUnavailable(UNREADABLE, detail=type(error).__name__) from None

    return wrapper


# --- Normalising ----------------------------------------------------------------------------
_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")


def snake(name: str) -> str:
    """``messageId`` → ``message_id``; snake_case and ``Detail`` pass through lower-cased."""
    return _CAMEL.sub(r"_\1", name).lower()


def snake_keys(value: Any) -> Any:
    """The same data with every dict key in snake_case, recursively."""
    if isinstance(value, dict):
        return {snake(str(k)): snake_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [snake_keys(v) for v in value]
    return value


def normalise(body: Any) -> Any:
    """One snake_case shape for any documented success body, unwrapped from ``data``.

    ``{"success": true, "data": {...}}`` becomes the inner object; the song recognition body
    ``{"recognized": …, "data": …}`` keeps its ``data`` because there it is the answer itself.
    """
    body = snake_keys(body)
    if isinstance(body, dict) and "success" in body and isinstance(body.get("data"), dict):
        inner = dict(body["data"])
        for key, value in body.items():
            if key not in ("success", "data"):
                inner.setdefault(key, value)
        return inner
    return body


def _text(value: Any) -> str:
    """A stream field that should be a string (a link, a name), or ``""`` when it is not."""
    return value if isinstance(value, str) else ""


def license_value(value: Any) -> str:
    """``"Sample"``, ``{"licenses": "Royalty Free"}`` and ``None`` → a plain license name."""
    if isinstance(value, dict):
        value = value.get("licenses") or value.get("license") or value.get("name")
        return license_value(value)
    if isinstance(value, str):
        return value.strip()
    return ""


def _version_number(key: Any, fallback: int) -> int:
    try:
        return int(key)
    except (TypeError, ValueError):
        return fallback


def audio_items(data: dict) -> list[dict]:
    """The audio entries of a normalised body, each a dict with at least ``audio_url``.

    Accepts ``audio_data`` as a list, as a dict keyed by version (values a URL or a dict), or as
    one entry; and the older ``audio_urls: {"1": url, "2": url}``. Each entry gets ``version``.
    """
    raw = data.get("audio_data")
    if raw is None and isinstance(data.get("audio_urls"), dict | list):
        raw = data["audio_urls"]
    items: list[dict] = []
    if isinstance(raw, list):
        for position, entry in enumerate(raw, start=1):
            entry = {"audio_url": entry} if isinstance(entry, str) else dict(entry or {})
            entry.setdefault("version", position)
            items.append(entry)
    elif isinstance(raw, dict):
        if "audio_url" in raw or "url" in raw:
            items.append({"version": 1, **raw})
        else:
            for position, (key, entry) in enumerate(raw.items(), start=1):
                entry = {"audio_url": entry} if isinstance(entry, str) else dict(entry or {})
                entry.setdefault("version", _version_number(key, position))
                items.append(entry)
    usable = []
    for entry in items:
        entry["audio_url"] = entry.get("audio_url") or entry.get("url") or ""
        entry["version"] = _version_number(entry.get("version"), len(usable) + 1)
        if entry["audio_url"]:
            usable.append(entry)
    return usable


def audio_format(url: str) -> str:
    """The format a URL's file name says (``mp3``, ``wav``…), or ``""``."""
    name = urlsplit(url).path.rsplit("/", 1)[-1]
    if "." not in name:
        return ""
    extension = name.rsplit(".", 1)[-1].lower()
    return {"mpeg": "mp3", "wave": "wav"}.get(extension, extension)


def lyrics_text(value: Any) -> str:
    """Plain lyrics from a string or from ``lyrics_sections`` (element schema undocumented)."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        lines = []
        for section in value:
            if isinstance(section, str):
                lines.append(section)
            elif isinstance(section, dict):
                label = section.get("section") or section.get("label") or section.get("name")
                text = section.get("text") or section.get("lyrics") or section.get("content")
                if label and text:
                    lines.append(f"[{label}]\n{text}")
                elif text:
                    lines.append(str(text))
        return "\n\n".join(lines)
    return ""


def _number(value: Any) -> float | None:
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def output_from(entry: dict, data: dict, *, kind: str = "mix", index: int | None = None) -> Output:
    """One ``Output`` from a normalised audio entry and the body around it."""
    url = entry.get("audio_url", "")
    return Output(
        url=url,
        kind=kind,
        duration=_number(entry.get("duration")),
        format=audio_format(url),
        index=index if index is not None else int(entry.get("version") or 1),
        title=entry.get("song_name") or data.get("song_name") or "",
        album_art_url=entry.get("album_art") or data.get("album_art") or "",
        license=license_value(entry.get("licenses", data.get("licenses"))),
        lyrics=lyrics_text(entry.get("lyrics_sections") or entry.get("lyrics") or "")
        or (data.get("lyrics") if isinstance(data.get("lyrics"), str) else ""),
        preview_url=entry.get("stream_url") or "",
    )


# --- Stages in plain words ------------------------------------------------------------------
STAGES = {
    "validating": "Checking the request",
    "queued": "Waiting for a free slot",
    "starting": "Starting",
    "initializing": "Starting",
    "validated": "Request accepted",
    "processing": "Preparing",
    "running": "Composing",
    "streaming": "Composing (a preview may be playable)",
    "uploading": "Saving the files",
    "completed": "Finished",
    "failed": "Failed",
}


def stage_text(status: str, *, preview: bool = False) -> str:
    if status == "streaming" and preview:
        return "Preview ready; finishing the song"
    return STAGES.get(status, "Working")


READY_STATUSES = {"completed", "complete", "success", "successful", "succeeded", "done"}
FAILED_STATUSES = {"failed", "failure", "error", "errored", "cancelled", "canceled"}


# --- Results from answers -------------------------------------------------------------------
@_readable
def result_from_status(body: Any) -> Result:
    """A ``Result`` from a ``GET /v5/status`` answer.

    The status values are not enumerated by the reference: ``completed`` (any case) is done,
    ``failed`` is failed, everything else is still running. A completed answer that lists no
    audio yet is reported as running ("Saving the files"), so the caller keeps checking.
    """
    data = normalise(body) if isinstance(body, dict) else {}
    status = str(data.get("status") or "").lower()
    remote_id = str(data.get("message_id") or data.get("job_id") or "")
    outputs = sorted((output_from(e, data) for e in audio_items(data)), key=lambda o: o.index)
    progress = _number(data.get("progress"))
    if status in FAILED_STATUSES:
        text = data.get("error") or data.get("detail") or data.get("message") or ""
        error = OperationFailed(
            _failed_message(text if isinstance(text, str) else ""),
            code=str(data.get("code") or "internal_error"),
            detail=text,
        )
        return Result(remote_id, Status.FAILED, progress, STAGES["failed"], error=error, raw=data)
    if status in READY_STATUSES:
        if outputs:
            return Result(remote_id, Status.READY, 100.0, STAGES["completed"], outputs, raw=data)
        return Result(remote_id, Status.RUNNING, progress, STAGES["uploading"], raw=data)
    return Result(remote_id, Status.RUNNING, progress, stage_text(status), outputs, raw=data)


@_readable
def result_from_sync(shape: str, body: Any) -> Result:
    """A finished ``Result`` from the one JSON answer of a synchronous endpoint."""
    if shape == "stems":
        entries = body if isinstance(body, list) else normalise(body).get("stems", [])
        entries = snake_keys(entries)
        outputs = [
            Output(
                url=entry.get("audio_url", ""),
                kind=_stem_kind(entry.get("audio_name", "")),
                format=audio_format(entry.get("audio_url", "")),
                index=position,
                title=str(entry.get("audio_name") or ""),
            )
            for position, entry in enumerate(entries, start=1)
            if isinstance(entry, dict) and entry.get("audio_url")
        ]
        return Result("", Status.READY, 100.0, STAGES["completed"], outputs, raw={"stems": entries})
    data = normalise(body)
    if not isinstance(data, dict):
        raise OperationFailed(
            "Soundverse answered in a way Soundsite does not understand.",
            code="bad_response",
            detail=str(body)[:200],
        )
    remote_id = str(data.get("message_id") or data.get("job_id") or "")
    if shape == "lyrics":
        text = lyrics_text(data.get("lyrics"))
        return Result(remote_id, Status.READY, 100.0, STAGES["completed"], text=text, raw=data)
    if shape == "chat":
        text = str(data.get("ai_reply") or data.get("reply") or "")
        return Result(remote_id, Status.READY, 100.0, STAGES["completed"], text=text, raw=data)
    if shape == "recognize":
        return Result(
            remote_id,
            Status.READY,
            100.0,
            STAGES["completed"],
            text=recognition_text(data),
            raw=data,
        )
    if shape == "gen_loop":
        outputs = []
        for group, kind in (("generated_audio", "mix"), ("looped_audio", "loop")):
            for entry in audio_items({"audio_data": data.get(group) or []}):
                outputs.append(output_from(entry, data, kind=kind, index=len(outputs) + 1))
        return Result(remote_id, Status.READY, 100.0, STAGES["completed"], outputs, raw=data)
    kind = "loop" if shape == "loop" else "mix"
    outputs = [output_from(entry, data, kind=kind) for entry in audio_items(data)]
    status = str(data.get("status") or "completed").lower()
    if status in FAILED_STATUSES or not outputs:
        raise OperationFailed(
            "Soundverse finished without returning any audio. Try again, or change the input.",
            code="no_output",
            detail=data.get("detail") or data.get("message") or "",
        )
    return Result(remote_id, Status.READY, 100.0, STAGES["completed"], outputs, raw=data)


def recognition_text(data: dict) -> str:
    """``"Title — Artist (Album, Label, 2019)"`` or a plain sentence when nothing matched."""
    match = data.get("data")
    if not data.get("recognized") or not isinstance(match, dict):
        return "Soundverse did not recognise this recording."
    title = match.get("title") or "Unknown title"
    artist = match.get("artist") or "unknown artist"
    details = [match.get(k) for k in ("album_name", "label", "released") if match.get(k)]
    suffix = f" ({', '.join(str(d) for d in details)})" if details else ""
    return f"{title} — {artist}{suffix}"


STEM_KINDS = {"vocals": "vocals", "vocal": "vocals", "drums": "drums", "bass": "bass"}


def _stem_kind(name: str) -> str:
    lowered = str(name).strip().lower()
    return STEM_KINDS.get(lowered, lowered or "other")


# --- Errors ---------------------------------------------------------------------------------
class SubmissionUncertain(ProviderUnavailable):
    """A request that creates paid work got no answer: it may have started a job.

    Soundverse has no idempotency key, so sending it again could bill twice; the pipeline must
    not resend it on its own (``retryable`` is false) and should tell the person to check.
    """

    retryable = False
    default_message = (
        "Soundverse did not confirm whether it started this job. Soundsite did not send it "
        "again, because that could charge you twice. Check your Soundverse dashboard before "
        "trying again."
    )


def retry_after_seconds(value: str | None) -> float | None:
    """``Retry-After`` as seconds (delta or HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _texts(body: Any) -> tuple[str, list[dict]]:
    """The human text of an error body and, for FastAPI validation lists, its items."""
    if isinstance(body, list):
        return "", [item for item in body if isinstance(item, dict)]
    if not isinstance(body, dict):
        return (body.strip() if isinstance(body, str) else ""), []
    lowered = {str(k).lower(): v for k, v in body.items()}
    detail = lowered.get("detail")
    if isinstance(detail, list):
        return str(lowered.get("message") or ""), [d for d in detail if isinstance(d, dict)]
    parts = [lowered.get("message"), detail, lowered.get("error")]
    text = " — ".join(str(p) for p in parts if isinstance(p, str) and p)
    return text, []


_PYDANTIC_PLAIN = (
    (re.compile(r"^Field required$", re.I), "This is required."),
    (re.compile(r"greater than or equal to ([\d.]+)", re.I), "Use {0} or more."),
    (re.compile(r"greater than ([\d.]+)", re.I), "Use more than {0}."),
    (re.compile(r"less than or equal to ([\d.]+)", re.I), "Use {0} or less."),
    (re.compile(r"less than ([\d.]+)", re.I), "Use less than {0}."),
    (re.compile(r"at most ([\d]+) characters?", re.I), "Use at most {0} characters."),
    (re.compile(r"at least ([\d]+) characters?", re.I), "Use at least {0} characters."),
    (re.compile(r"valid integer", re.I), "Enter a whole number."),
    (re.compile(r"valid number", re.I), "Enter a number."),
    (re.compile(r"valid boolean", re.I), "Choose yes or no."),
    (re.compile(r"^Input should be (.+)$", re.I), "Choose one of the listed options."),
)


def _plain_validation(message: str) -> str:
    for pattern, plain in _PYDANTIC_PLAIN:
        match = pattern.search(message)
        if match:
            return plain.format(*match.groups())
    return message


def _validation_fields(items: list[dict], aliases: dict[str, str]) -> dict[str, str]:
    fields: dict[str, str] = {}
    for item in items:
        location = [str(part) for part in item.get("loc") or []]
        names = [p for p in location if p not in ("body", "query", "path", "header") and p]
        name = names[0] if names else ""
        name = aliases.get(name, name)
        fields.setdefault(name, _plain_validation(str(item.get("msg") or "Not accepted.")))
    return fields


_INDEX = re.compile(r"(?:range|index)\s+(\d+)", re.I)


def _part(text: str) -> str:
    match = _INDEX.search(text)
    return f"Part {int(match.group(1)) + 1}" if match else "A part"


def _documented_field_error(
    text: str, operation_key: str, audio_field: str
) -> tuple[str, str] | None:
    """Map one of the reference's literal error texts to (field, plain message)."""
    lowered = text.lower()
    cut = operation_key == "cut_time_range"
    count_field = "loopCount" if operation_key.startswith("gen_loop") else "count"
    if "invalid or empty prompt" in lowered:
        return "prompt", "Write a description; it cannot be empty."
    if "prompt exceeds maximum length" in lowered:
        limit = re.search(r"(\d+)", text)
        return "prompt", f"Use at most {limit.group(1) if limit else 1024} characters."
    if "either prompt or at least one of" in lowered:
        return "prompt", "Write a description, or give at least one recording."
    if "either prompt or lyrics" in lowered:
        return "prompt", "Write a new style or new lyrics (at least one)."
    if "file too large" in lowered:
        return audio_field, "This recording is larger than 10 MB."
    if "duration" in lowered and "reference audio" in lowered:
        return audio_field, "This recording must be 10 to 350 seconds long."
    if "not enough beats" in lowered:
        if operation_key == "loop_beat_count":
            return "beatsToInclude", "The recording has fewer beats than this."
        return audio_field, "This recording is too short to loop."
    if "maximum audio duration of 960" in lowered:
        return count_field, "Too many repeats: the result would be longer than 960 seconds."
    if "out of bounds" in lowered:
        if cut:
            return "end", "This is past the end of the recording."
        return "timeRanges", f"{_part(text)} goes past the end of the recording."
    if "start >= end" in lowered:
        if cut:
            return "end", "Must be after the start."
        return "timeRanges", f"{_part(text)} ends before it starts."
    if "no valid segments" in lowered:
        if cut:
            return "end", "Choose a part to keep."
        return "timeRanges", "Give at least one part to keep."
    if "provide audio_url, file" in lowered:
        return audio_field or "audio_url", "Give a recording to identify."
    return None


def error_from_text(
    text: str,
    *,
    status_code: int | None = None,
    items: list[dict] | None = None,
    retry_after: float | None = None,
    operation_key: str = "",
    audio_field: str = "",
    aliases: dict[str, str] | None = None,
    code: str = "",
    detail: Any = None,
    posted: bool = False,
) -> ProviderError:
    """The typed error for a Soundverse error text and HTTP status.

    Status codes for business errors are not documented, so the text decides first (rate
    limit, balance, NSFW, artist name, …) and the status only where the text says nothing.
    ``posted`` marks the answer to a POST that creates paid work: a 5xx there (other than
    the documented "temporarily unavailable" refusal) means the server took the job and
    failed on it, or a gateway lost it, so it must not be resent automatically.
    """
    lowered = text.lower()
    said = f" Soundverse said: “{text}”" if text else ""
    kwargs = {"status_code": status_code, "detail": detail if detail is not None else text}
    if status_code in (401, 403) or "api key" in lowered:
        return KeyRejected(
            "Soundverse did not accept this API key. Check it under Settings → API keys.", **kwargs
        )
    if "rate limit" in lowered or status_code == 429:
        return RateLimited(
            "Soundverse says this key has used up its hourly or daily allowance for this kind of "
            "job. Soundsite will try again when the limit allows.",
            retry_after=retry_after,
            **kwargs,
        )
    if "insufficient balance" in lowered or "balance" in lowered or status_code == 402:
        return OutOfCredits(
            "Soundverse says the balance on this key is too low for this job. Top it up in your "
            "Soundverse dashboard, then run the job again.",
            **kwargs,
        )
    if "nsfw" in lowered:
        return ContentRejected(
            "Soundverse refused explicit words in the description or lyrics. Change those "
            "words, then try again.",
            reason="nsfw",
            **kwargs,
        )
    if "artist name" in lowered:
        return ContentRejected(
            "Soundverse refused an artist's name in the description or lyrics. Describe the "
            "style instead of naming the artist.",
            reason="artist_name",
            **kwargs,
        )
    if "temporarily unavailable" in lowered or status_code == 499:
        return ProviderUnavailable(
            "Soundverse is busy or down for a moment. Soundsite will try again.", **kwargs
        )
    if "timed out after polling" in lowered:
        return OperationFailed(
            "Soundverse gave up on this job because it took too long. Try again, perhaps with "
            "shorter lyrics.",
            code="timed_out",
            **kwargs,
        )
    if "invalid response from generation service" in lowered:
        return OperationFailed(
            "Soundverse's generator failed on this job. Try again in a moment.",
            code=code or "internal_error",
            **kwargs,
        )
    if items:
        return InputRejected(
            "Soundverse refused some of the settings. Check the marked fields.",
            fields=_validation_fields(items, aliases or {}),
            **kwargs,
        )
    documented = _documented_field_error(text, operation_key, audio_field)
    if documented:
        name, message = documented
        return InputRejected(f"{message}{said}", fields={name: message}, **kwargs)
    if status_code is not None and status_code >= 500 and posted:
        if status_code in (502, 504):
            return SubmissionUncertain(**kwargs)
        return OperationFailed(_failed_message(text), code=code or "internal_error", **kwargs)
    if status_code is not None and status_code >= 500:
        return ProviderUnavailable(
            "Soundverse had a problem on its side. Soundsite will try again.", **kwargs
        )
    if status_code in (400, 413, 422) or "invalid request" in lowered:
        return InputRejected(
            f"Soundverse refused the request.{said}", fields={"": text or "Not accepted."}, **kwargs
        )
    if status_code == 404:
        return OperationFailed(
            "Soundverse does not know this job any more.", code="not_found", **kwargs
        )
    if status_code is None:
        # An error inside a stream: the job itself failed.
        return OperationFailed(_failed_message(text), code=code or "internal_error", **kwargs)
    return ProviderError(f"Soundverse could not do this.{said}", **kwargs)


def _failed_message(text: str) -> str:
    base = "Soundverse could not finish this job. Try again, or change the input."
    return f"{base} Soundverse said: “{text}”" if text else base


def error_from_response(
    status_code: int,
    body: Any,
    headers: dict[str, str] | None = None,
    *,
    operation_key: str = "",
    audio_field: str = "",
    aliases: dict[str, str] | None = None,
    method: str = "GET",
) -> ProviderError:
    """The typed error for an HTTP error answer (``success: false``, ``detail`` or plain)."""
    text, items = _texts(body)
    retry_after = retry_after_seconds((headers or {}).get("retry-after"))
    code = body.get("code") if isinstance(body, dict) else ""
    return error_from_text(
        text,
        status_code=status_code,
        items=items,
        retry_after=retry_after,
        operation_key=operation_key,
        audio_field=audio_field,
        aliases=aliases,
        code=str(code or ""),
        detail=body,
        posted=method.upper() == "POST",
    )


def is_error_body(body: Any) -> bool:
    """Whether a 200 answer is in fact a business error (``{"success": false, …}``)."""
    return isinstance(body, dict) and body.get("success") is False


# --- Streams --------------------------------------------------------------------------------
class EventReader:
    """Chunks from Soundverse's event stream, fed text piece by piece.

    The documented clients read line by line and JSON-decode each ``data: `` line, with no
    rule about blank lines, so a ``data:`` line holding a whole JSON object is delivered at
    once. Anything else goes through httpx-sse's decoder (multi-line data, ``event:``/``id:``
    fields, comments), and a last event without its closing blank line is still delivered.
    """

    def __init__(self):
        self._lines = SSELineDecoder()
        self._events = SSEDecoder()
        self._pending = False

    def feed(self, text: str) -> list[dict]:
        return self._read(self._lines.decode(text))

    def close(self) -> list[dict]:
        return self._read([*self._lines.flush(), ""])

    def _read(self, lines: Iterable[str]) -> list[dict]:
        found: list[dict] = []
        for line in lines:
            line = line.rstrip("\n")
            if line.startswith("data:") and not self._pending:
                value = _one_object(line[5:].removeprefix(" "))
                if value is not None:
                    found.append(value)
                    continue
            if line.startswith("data:"):
                self._pending = True
            event = self._events.decode(line)
            if event is not None:
                self._pending = False
                found.extend(_json_objects(event.data))
        return found


def decode_events(chunks: Iterable[str]) -> Iterator[dict]:
    """Every chunk (a JSON object) in an event stream given as text pieces."""
    reader = EventReader()
    for piece in chunks:
        yield from reader.feed(piece)
    yield from reader.close()


def _one_object(text: str) -> dict | None:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _json_objects(data: str) -> Iterator[dict]:
    if not data.strip():
        return
    whole = _one_object(data)
    if whole is not None:
        yield whole
        return
    for line in data.splitlines():
        value = _one_object(line)
        if value is not None:
            yield value


@dataclass
class VersionState:
    number: int
    stream_url: str = ""
    audio_url: str = ""
    completed: bool = False
    duration: float | None = None
    bpm: float | None = None
    song_name: str = ""
    audio_id: str = ""
    lyrics: str = ""


@dataclass
class StreamTracker:
    """What one Soundverse stream has said so far, version by version.

    ``apply`` takes each chunk in order and returns an error if the chunk reports one. The
    stream is done when a chunk says ``isComplete: true``, or when it closes after a
    ``completed`` chunk for every expected version (v5/v6 examples never set ``isComplete``).
    """

    family: str
    expected_versions: int
    remote_id_field: str = "message_id"
    message_id: str = ""
    job_id: str = ""
    status: str = ""
    progress: float | None = None
    album_art: str = ""
    song_name: str = ""
    complete: bool = False
    total_versions: int | None = None
    chunks: int = 0
    last_index: int | None = None
    versions: dict[int, VersionState] = field(default_factory=dict)

    @property
    def remote_id(self) -> str:
        if self.remote_id_field == "job_id":
            return self.job_id or ""
        return self.message_id

    def _version(self, number: int) -> VersionState:
        if number not in self.versions:
            self.versions[number] = VersionState(number)
        return self.versions[number]

    def apply(self, raw_chunk: dict) -> ProviderError | None:
        """Take one chunk; a chunk of the wrong shape is skipped like a line that is not JSON
        (the stream's end, or its absence, still decides how the job ends)."""
        try:
            return self._apply(raw_chunk)
        except _SHAPE_ERRORS:
            return None

    def _apply(self, raw_chunk: dict) -> ProviderError | None:
        chunk = snake_keys(raw_chunk)
        self.chunks += 1
        self.message_id = self.message_id or str(chunk.get("message_id") or "")
        self.job_id = self.job_id or str(chunk.get("job_id") or "")
        if isinstance(chunk.get("chunk_index"), int):
            self.last_index = chunk["chunk_index"]
        status = str(chunk.get("status") or "").lower()
        error = chunk.get("error")
        if chunk.get("success") is False or error or status in FAILED_STATUSES:
            text = error if isinstance(error, str) else ""
            text = text or chunk.get("detail") or chunk.get("message") or chunk.get("content") or ""
            self.status = "failed"
            return error_from_text(
                str(text), code=str(chunk.get("code") or ""), detail=raw_chunk, status_code=None
            )
        if status:
            self.status = status
        progress = _number(chunk.get("progress"))
        if progress is not None:
            self.progress = progress
        self.album_art = _text(chunk.get("album_art")) or self.album_art
        self.song_name = _text(chunk.get("song_name")) or self.song_name
        total = _number(chunk.get("total_versions"))
        if total and math.isfinite(total):
            self.total_versions = int(total)
        number = _version_number(chunk.get("version"), 0)
        if number:
            state = self._version(number)
            state.stream_url = _text(chunk.get("stream_url")) or state.stream_url
            self._take_audio(state, chunk)
            if status == "completed":
                state.completed = True
        elif _text(chunk.get("audio_url")):
            # The v5/v6 "generation done" chunk names no version: its audio belongs to the first
            # version that has none yet.
            waiting = [v for v in sorted(self.versions) if not self.versions[v].audio_url]
            self._take_audio(self._version(waiting[0] if waiting else 1), chunk)
        if chunk.get("is_complete") is True:
            self.complete = True
            if self.family == "remix" or self.expected == 1:
                self._version(1).completed = True
        if status == "completed" and self.family == "remix":
            self._version(1).completed = True
        return None

    @staticmethod
    def _take_audio(state: VersionState, chunk: dict) -> None:
        state.audio_url = _text(chunk.get("audio_url")) or state.audio_url
        state.duration = _number(chunk.get("duration")) or state.duration
        state.bpm = _number(chunk.get("bpm")) or state.bpm
        state.song_name = _text(chunk.get("song_name")) or state.song_name
        state.audio_id = str(chunk.get("audio_id") or state.audio_id)
        lyrics = lyrics_text(chunk.get("lyrics_sections") or "")
        state.lyrics = lyrics or state.lyrics

    @property
    def expected(self) -> int:
        return self.total_versions or self.expected_versions

    def all_versions_completed(self) -> bool:
        done = [n for n, v in self.versions.items() if v.completed]
        return len(done) >= self.expected

    def finished(self) -> bool:
        """Whether the stream may end here: explicitly complete or every version completed."""
        return self.complete or self.all_versions_completed()

    def outputs(self) -> list[Output]:
        found = []
        for number in sorted(self.versions):
            state = self.versions[number]
            if not (state.audio_url or state.stream_url):
                continue
            found.append(
                Output(
                    url=state.audio_url,
                    kind="mix",
                    duration=state.duration,
                    format=audio_format(state.audio_url or state.stream_url),
                    index=number,
                    title=state.song_name or self.song_name,
                    album_art_url=self.album_art,
                    lyrics=state.lyrics,
                    preview_url=state.stream_url,
                )
            )
        return found

    def snapshot(self) -> Result:
        """The job as the stream describes it now (running, with any previews)."""
        previews = any(v.stream_url for v in self.versions.values())
        return Result(
            self.remote_id,
            Status.RUNNING,
            self.progress,
            stage_text(self.status, preview=previews),
            self.outputs(),
            raw=self.summary(),
        )

    def summary(self) -> dict:
        return {
            "message_id": self.message_id,
            "job_id": self.job_id,
            "status": self.status,
            "album_art": self.album_art,
            "song_name": self.song_name,
            "chunks": self.chunks,
            "last_chunk_index": self.last_index,
            "versions": {
                str(n): {"audio_url": v.audio_url, "stream_url": v.stream_url, "bpm": v.bpm}
                for n, v in sorted(self.versions.items())
            },
        }
