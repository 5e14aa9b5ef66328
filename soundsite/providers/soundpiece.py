"""Soundpiece v1: the operation catalog and an async client (plus a blocking twin).

Soundpiece is an RPC-style API (reference: ``shared/providers/soundpiece.md``). ``PUT
/v1/<action>`` submits work with the caller's ``idempotency_key`` and answers at once with an
``op_…`` id; ``GET /v1/<action>?id=…&wait=true`` long-polls (the server holds it up to 20 s)
until the operation is ``ready`` or ``failed``. Results are FLAC files at signed links that
expire; polling again returns fresh links, which is how ``refresh_outputs`` works.

Facts the reference marks INFER or UNKNOWN are constructor options or module constants named
as such, never silent certainties: the wrapper keys of three actions, the operation error
codes, how an unknown operation id is answered, the number of song variations.
"""

from __future__ import annotations

import asyncio
import email.utils
import inspect
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, BinaryIO

import httpx

from soundsite.providers import downloads
from soundsite.providers.base import (
    ContentRejected,
    Field,
    FieldType,
    InputRejected,
    KeyRejected,
    Operation,
    OperationFailed,
    OutOfCredits,
    Output,
    Provider,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
    Result,
    Status,
    Task,
)

DEFAULT_BASE_URL = "https://api.soundpiece.co"
API_PREFIX = "/v1"
OUTPUT_FORMAT = "flac"  # DOCUMENTED: FLAC, 44.1 kHz.
SERVER_WAIT_SECONDS = 20  # DOCUMENTED: ``wait=true`` holds a GET for up to 20 s.

# --- Catalog -------------------------------------------------------------------------------
_VERSION = {"version": "v1", "version_label": "version 1"}


def _prompt(example: str, *, required: bool = True, alternative: str = "") -> Field:
    help_text = (
        f"Genre, mood, instruments and scene, separated by commas — for example “{example}”. "
        "Up to 1024 characters."
    )
    if alternative:
        help_text += f" Leave it empty if you choose {alternative} instead."
    return Field(
        name="prompt",
        label="Describe the sound",
        type=FieldType.LONG_TEXT,
        required=required,
        help=help_text,
        min_length=1,
        max_length=1024,
    )


def _lyrics(label: str = "Lyrics") -> Field:
    return Field(
        name="lyrics",
        label=label,
        type=FieldType.LONG_TEXT,
        required=True,
        help=(
            "The words to sing, up to 3000 characters. You may put a section name on its own "
            "line — [Verse], [Chorus], [Bridge], [Intro], [Outro] or [Instrumental]; each line "
            "after it is sung as its own vocal line."
        ),
        min_length=1,
        max_length=3000,
    )


def _reference(what: str) -> Field:
    return Field(
        name="reference",
        label="Reference track",
        type=FieldType.AUDIO,
        help=(
            f"A track whose style the new {what} should follow, instead of a description. "
            "Soundpiece downloads it while it works, so its link must stay valid until the "
            "result is ready."
        ),
    )


def _source(label: str, help_text: str) -> Field:
    return Field(
        name="source",
        label=label,
        type=FieldType.AUDIO,
        required=True,
        help=help_text
        + " Soundpiece downloads it while it works, so its link must stay valid until the "
        "result is ready.",
    )


def _duration(help_text: str) -> Field:
    # The v1 limits are UNKNOWN (reference 7.3/7.4), so no min/max is declared here; the
    # help text says what is known instead.
    return Field(
        name="duration",
        label="Length",
        type=FieldType.NUMBER,
        required=True,
        unit="s",
        help=help_text,
    )


def _variations(what: str) -> Field:
    return Field(
        name="n_variations",
        label="Number of versions",
        type=FieldType.INTEGER,
        default=1,
        min_value=1,
        max_value=3,
        help=f"How many different {what} to make, from 1 to 3. Each is its own track.",
    )


OPERATIONS: tuple[Operation, ...] = (
    Operation(
        provider=Provider.SOUNDPIECE,
        key="create.new_song",
        task=Task.SONG,
        label="Make a song",
        description=(
            "A complete song with vocals, sung from your lyrics. Describe the sound in words or "
            "choose a reference track to follow. Gives several versions to choose from."
        ),
        fields=(
            _prompt(
                "rock song, energetic, male vocal", required=False, alternative="a reference track"
            ),
            _reference("song"),
            _lyrics(),
        ),
        # DOCUMENTED: "several variations", one per entry of ``outputs``; the count is UNKNOWN.
        # Two is the least that "several" can mean; ``expected_results`` answers None.
        results=2,
        requires_one_of=(("prompt", "reference"),),
        **_VERSION,
    ),
    Operation(
        provider=Provider.SOUNDPIECE,
        key="create.new_instrumental",
        task=Task.INSTRUMENTAL,
        label="Make an instrumental",
        description=(
            "Music without vocals, from a description or a reference track to follow. Gives "
            "several versions to choose from."
        ),
        fields=(
            # The 1–1024 limit is INFER for this action (same as every documented prompt).
            _prompt(
                "synthwave, melancholic, mid-tempo", required=False, alternative="a reference track"
            ),
            _reference("instrumental"),
        ),
        results=2,
        requires_one_of=(("prompt", "reference"),),
        **_VERSION,
    ),
    Operation(
        provider=Provider.SOUNDPIECE,
        key="create.new_sample",
        task=Task.SAMPLE,
        label="Make a sample",
        description=(
            "A short piece of music at exactly the length you ask for, ready to drop into an "
            "edit. It can be made to loop without a seam."
        ),
        fields=(
            _prompt("rock, guitar, energetic, no drums"),
            _duration(
                "How long the sample should be, in seconds. Soundpiece makes it exactly this "
                "long; it does not publish a shortest or longest length."
            ),
            Field(
                name="loopable",
                label="Make it loop",
                type=FieldType.BOOLEAN,
                default=False,
                help="Shape the sample so its end runs straight back into its start.",
            ),
        ),
        results=1,
        **_VERSION,
    ),
    Operation(
        provider=Provider.SOUNDPIECE,
        key="create.new_fx",
        task=Task.SOUND_EFFECT,
        label="Make a sound effect",
        description=(
            "A one-shot effect — a riser, an impact, a transition or an everyday sound — at the "
            "length you ask for."
        ),
        fields=(
            _prompt("someone typing on a keyboard"),
            _duration(
                "How long the effect should be, in seconds. Soundpiece does not publish a "
                "shortest or longest length; its older API took 0.5 to 30 seconds."
            ),
        ),
        results=1,
        **_VERSION,
    ),
    Operation(
        provider=Provider.SOUNDPIECE,
        key="create.remix_song",
        task=Task.REMIX,
        label="Remix a song",
        description=(
            "New versions of a song with vocals, sung to new lyrics in the style you describe. "
            "For music without vocals, use “Remix an instrumental”."
        ),
        fields=(
            _source(
                "Song to remix",
                "A song with vocals. For music without vocals use “Remix an instrumental”.",
            ),
            _prompt("rock song, energetic, male vocal"),
            _lyrics("New lyrics"),
            _variations("remixes"),
        ),
        results=1,  # ``n_variations`` (default 1, at most 3): see ``expected_results``.
        rank=1,
        **_VERSION,
    ),
    Operation(
        provider=Provider.SOUNDPIECE,
        key="create.remix_instrumental",
        task=Task.REMIX,
        label="Remix an instrumental",
        description=(
            "New versions of a track without vocals. The track alone guides the result, so "
            "there is nothing to describe."
        ),
        fields=(
            _source(
                "Instrumental to remix",
                "A track without vocals. For a song with vocals use “Remix a song”.",
            ),
            _variations("remixes"),
        ),
        results=1,
        **_VERSION,
    ),
    Operation(
        provider=Provider.SOUNDPIECE,
        key="adapt.separate_stems",
        task=Task.STEMS,
        label="Split into stems",
        description=(
            "Splits a mixed track into four parts — vocals, drums, bass and everything else — "
            "each as its own file."
        ),
        fields=(_source("Track to split", "The mixed track to take apart."),),
        results=4,
        output_kind="stems",
        **_VERSION,
    ),
    Operation(
        provider=Provider.SOUNDPIECE,
        key="adapt.auto_cut_down",
        task=Task.CUT,
        label="Cut to length",
        description=(
            "Shortens a track to about the length you need, cutting where the music allows so "
            "that it still sounds finished."
        ),
        fields=(
            _source("Track to cut", "The track to shorten."),
            Field(
                name="target_duration",
                label="Target length",
                type=FieldType.NUMBER,
                required=True,
                unit="s",
                help=(
                    "The length you need, in seconds. The result may end a little shorter or "
                    "longer so the cut falls on a natural point in the music."
                ),
            ),
        ),
        results=1,
        **_VERSION,
    ),
)

OPERATIONS_BY_KEY: dict[str, Operation] = {op.key: op for op in OPERATIONS}

# Each response wraps the operation in one key named for the action (reference 5.2).
WRAPPER_KEYS: dict[str, str] = {
    "create.new_song": "song",  # DOCUMENTED
    "create.new_instrumental": "instrumental",  # INFER
    "create.new_sample": "sample",  # DOCUMENTED
    "create.new_fx": "fx",  # INFER
    "create.remix_song": "remix_song",  # DOCUMENTED
    "create.remix_instrumental": "remix_instrumental",  # DOCUMENTED
    "adapt.separate_stems": "stems",  # UNKNOWN: parsing falls back to the single top-level key
    "adapt.auto_cut_down": "auto_cut",  # DOCUMENTED
}
STEM_KINDS = ("vocals", "drums", "bass", "other")  # DOCUMENTED; others are accepted as given.

# ``error.code`` values the client passes through as they are. ``internal_error`` is the only
# DOCUMENTED code; the others are INFER (the reference's likely candidates, and what the
# sandbox uses). Every other code becomes ``internal_error`` (DOCUMENTED advice), with the
# provider's own code kept on the error as ``provider_code``. Pass ``known_error_codes`` to the
# client to change the set once the real list is known.
KNOWN_ERROR_CODES = frozenset(
    {
        "internal_error",
        "source_unreachable",
        "source_undecodable",
        "input_out_of_range",
        "content_policy_violation",
    }
)
# Words in a failure code or message that mean the words or audio broke a content policy.
CONTENT_WORDS = ("content", "policy", "nsfw", "explicit", "moderation", "artist", "copyright")


def expected_results(operation: str, params: Mapping[str, Any] | None = None) -> int | None:
    """How many outputs one request will give, or None where Soundpiece does not say."""
    params = params or {}
    if operation in ("create.new_song", "create.new_instrumental"):
        return None  # "several variations"; the count is UNKNOWN
    if operation in ("create.remix_song", "create.remix_instrumental"):
        value = params.get("n_variations")
        return int(value) if isinstance(value, int) and 1 <= value <= 3 else 1
    if operation == "adapt.separate_stems":
        return len(STEM_KINDS)
    return 1


def get_operation(key: str) -> Operation:
    try:
        return OPERATIONS_BY_KEY[key]
    except KeyError:
        raise ValueError(f"Soundpiece has no action called {key!r}.") from None


# --- Requests ------------------------------------------------------------------------------
def build_body(
    operation: str,
    params: Mapping[str, Any],
    *,
    idempotency_key: str,
    callback_url: str | None = None,
) -> dict[str, Any]:
    """The JSON body of a PUT: the caller's fields, audio as ``{"url": …}``, and the key.

    Fields left empty (None) are left out. Unknown fields pass through, because v1 may add new
    optional fields (reference 12).
    """
    op = get_operation(operation)
    audio = {f.name for f in op.audio_fields}
    body: dict[str, Any] = {"idempotency_key": str(idempotency_key)}
    for name, value in params.items():
        if value is None or name in ("idempotency_key", "callback_url"):
            continue
        if name in audio and isinstance(value, str):
            value = {"url": value}
        body[name] = value
    if callback_url:
        body["callback_url"] = callback_url
    return body


# --- Responses -----------------------------------------------------------------------------
def unwrap(body: Any, operation: str | None = None) -> dict[str, Any]:
    """The operation DTO inside a response body.

    The documented wrapper key is tried first; then the single top-level key (the tolerant
    fallback for the wrappers the reference could not confirm); then a body that already is a
    DTO (the ``data`` of a webhook).
    """
    if not isinstance(body, Mapping):
        raise ProviderUnavailable(
            "Soundpiece sent an answer Soundsite could not read. It will try again."
        )
    expected = WRAPPER_KEYS.get(operation or "")
    if expected and isinstance(body.get(expected), Mapping):
        return dict(body[expected])
    wrapped = [value for value in body.values() if isinstance(value, Mapping)]
    if len(body) == 1 and len(wrapped) == 1:
        return dict(wrapped[0])
    if "id" in body and ("status" in body or "error" in body or "created_at" in body):
        return dict(body)
    with_id = [value for value in wrapped if "id" in value]
    if len(with_id) == 1:
        return dict(with_id[0])
    raise ProviderUnavailable(
        "Soundpiece sent an answer Soundsite could not read. It will try again."
    )


def parse_datetime(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def parse_output(entry: Mapping[str, Any], index: int = 0) -> Output | None:
    """One ``Output``; None for an entry without a link (nothing to download)."""
    if not isinstance(entry, Mapping):
        return None
    url = entry.get("url")
    if not isinstance(url, str) or not url:
        return None
    kind = entry.get("kind")
    path = url.split("?", 1)[0].lower()
    fmt = OUTPUT_FORMAT
    for candidate in ("flac", "wav", "mp3"):
        if path.endswith("." + candidate):
            fmt = candidate
    return Output(
        url=url,
        kind=kind if isinstance(kind, str) and kind else "mix",
        duration=_number(entry.get("duration")),
        format=fmt,
        expires_at=parse_datetime(entry.get("expires_at")),
        index=index,
    )


def parse_outputs(dto: Mapping[str, Any]) -> list[Output]:
    """``outputs`` (a list, on multi-result actions) or ``output`` (one object)."""
    raw = dto.get("outputs")
    if raw is None:
        raw = dto.get("output")
    if raw is None:
        return []
    entries = raw if isinstance(raw, list) else [raw]
    outputs = []
    for entry in entries:
        parsed = parse_output(entry, len(outputs))
        if parsed is not None:
            outputs.append(parsed)
    return outputs


def operation_error(
    error: Any, *, known_codes: Iterable[str] = KNOWN_ERROR_CODES
) -> OperationFailed | ContentRejected:
    """The error of a failed operation, from its ``error`` object (``code`` may be absent)."""
    error = error if isinstance(error, Mapping) else {}
    raw_code = error.get("code") if isinstance(error.get("code"), str) else ""
    message = error.get("message") if isinstance(error.get("message"), str) else ""
    said = f" Soundpiece said: “{message.strip()}”" if message.strip() else ""
    text = f"{raw_code} {message}".lower()
    if any(word in text for word in CONTENT_WORDS):
        reason = ""
        if "artist" in text:
            reason = "artist_name"
        elif any(word in text for word in ("nsfw", "explicit", "sexual", "profan")):
            reason = "nsfw"
        problem = {
            "artist_name": "names a real artist",
            "nsfw": "contains explicit words",
        }.get(reason, "breaks its content rules")
        failure = ContentRejected(
            f"Soundpiece refused the job because the description, lyrics or audio {problem}. "
            f"Change them, then try again.{said}",
            reason=reason,
            detail=dict(error),
        )
        failure.code = raw_code or "internal_error"
        return failure
    code = raw_code if raw_code in set(known_codes) else "internal_error"
    failure = OperationFailed(
        f"Soundpiece could not finish this job.{said} Try again, or change the input.",
        code=code,
        detail=dict(error),
    )
    failure.provider_code = raw_code
    return failure


STAGES = {
    Status.RUNNING: "Soundpiece is working on it",
    Status.READY: "Ready",
    Status.FAILED: "Failed",
}


def parse_result(
    dto: Mapping[str, Any], *, known_codes: Iterable[str] = KNOWN_ERROR_CODES
) -> Result:
    """A ``Result`` from one operation DTO; unknown fields and status values are tolerated.

    A status Soundsite does not know yet (v1 may add enum values) is read from what the DTO
    carries: an error means failed, outputs mean ready, otherwise it is still running. The
    same rule covers DTOs without ``status`` (the API-reference examples leave it out).
    """
    remote_id = dto.get("id") if isinstance(dto.get("id"), str) else ""
    outputs = parse_outputs(dto)
    error_obj = dto.get("error")
    raw_status = dto.get("status")
    if raw_status == "ready":
        status = Status.READY
    elif raw_status == "failed":
        status = Status.FAILED
    elif raw_status == "processing":
        status = Status.RUNNING
    elif error_obj:
        status = Status.FAILED
    elif outputs:
        status = Status.READY
    else:
        status = Status.RUNNING
    error = None
    if status is Status.FAILED:
        error = operation_error(error_obj, known_codes=known_codes)
    return Result(
        remote_id=remote_id,
        status=status,
        progress=100.0 if status is Status.READY else None,
        stage=STAGES[status],
        outputs=outputs if status is Status.READY else [],
        error=error,
        raw=dict(dto),
    )


def parse_response(
    body: Any, operation: str | None = None, *, known_codes: Iterable[str] = KNOWN_ERROR_CODES
) -> Result:
    """Unwrap and parse a PUT or GET answer."""
    return parse_result(unwrap(body, operation), known_codes=known_codes)


# --- HTTP errors ---------------------------------------------------------------------------
def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (seconds or an HTTP date); None when absent or 0."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
    return seconds if seconds > 0 else None


_REQUEST_FIELDS = ("idempotency_key", "callback_url", "id", "wait")
_WHERE = ("body", "query", "path", "header", "cookie")


def validation_field(loc: Any, operation: Operation | None) -> str:
    """The field name a Pydantic ``loc`` points at ("" for the whole request).

    ``["body", "reference", "url"]`` is the ``reference`` field; union bodies may put the
    model's class name in between (``["body", "CreateNewSongPromptRequest", "prompt"]``).
    """
    if not isinstance(loc, list | tuple):
        return ""
    parts = [part for part in loc if isinstance(part, str)]
    if parts and parts[0] in _WHERE:
        parts = parts[1:]
    known = set(_REQUEST_FIELDS)
    if operation is not None:
        known.update(f.name for f in operation.fields)
    for part in parts:
        if part in known:
            return part
    # A field this catalog does not list yet: the first part that is not a model's name.
    for part in parts:
        if not part[:1].isupper():
            return part
    return ""


def _plural(n: Any, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def plain_validation_message(entry: Mapping[str, Any], field: Field | None) -> str:
    """A message a producer can act on, for one Pydantic error entry."""
    kind = entry.get("type") if isinstance(entry.get("type"), str) else ""
    ctx = entry.get("ctx") if isinstance(entry.get("ctx"), Mapping) else {}
    msg = entry.get("msg") if isinstance(entry.get("msg"), str) else ""
    audio = field is not None and field.takes_audio
    if kind == "missing":
        return "Choose a track here." if audio else "This is required."
    if kind == "string_too_short":
        least = ctx.get("min_length") or (field.min_length if field else None) or 1
        return "This can't be empty." if least == 1 else f"Write at least {least} characters."
    if kind == "string_too_long":
        most = ctx.get("max_length") or (field.max_length if field else None)
        return f"Keep this to {_plural(most, 'character')} or fewer." if most else "Too long."
    if kind == "greater_than_equal":
        return f"Use {ctx.get('ge')} or more."
    if kind == "greater_than":
        return f"Use a number above {ctx.get('gt')}."
    if kind == "less_than_equal":
        return f"Use {ctx.get('le')} or less."
    if kind == "less_than":
        return f"Use a number below {ctx.get('lt')}."
    if kind in ("int_parsing", "int_from_float", "int_type"):
        return "Use a whole number."
    if kind in ("float_parsing", "float_type", "finite_number", "decimal_parsing"):
        return "Use a number."
    if kind in ("bool_parsing", "bool_type"):
        return "Choose yes or no."
    if kind.startswith("url_") or kind == "url_parsing":
        if kind == "url_too_long":
            return "This link is too long for Soundpiece."
        return "Soundpiece could not use this link. Use a full web address starting https://."
    if kind.startswith("uuid"):
        return "The request's idempotency key is not a UUID. This is a Soundsite problem."
    if kind == "string_pattern_mismatch":
        return "This is not in the format Soundpiece expects."
    if kind in ("string_type", "str_type"):
        return "Use text here."
    if kind in ("model_attributes_type", "model_type", "dict_type"):
        return "Choose a track here." if audio else "Soundpiece could not read this value."
    if kind in ("literal_error", "enum"):
        return "Choose one of the offered options."
    return f"Soundpiece says: {msg}" if msg else "Soundpiece refused this value."


def validation_fields(detail: Any, operation: Operation | None) -> dict[str, str]:
    """Field name → plain message from a 422 ``detail`` (a Pydantic list, or a string)."""
    if isinstance(detail, str):
        return {"": f"Soundpiece says: {detail}"}
    fields: dict[str, str] = {}
    for entry in detail if isinstance(detail, list) else []:
        if not isinstance(entry, Mapping):
            continue
        name = validation_field(entry.get("loc"), operation)
        field = None
        if operation is not None and name:
            try:
                field = operation.field(name)
            except KeyError:
                field = None
        message = plain_validation_message(entry, field)
        if name in fields and message not in fields[name]:
            fields[name] = f"{fields[name]} {message}"
        else:
            fields.setdefault(name, message)
    return fields or {"": "Soundpiece refused the request."}


class OperationNotFound(OperationFailed):
    """Soundpiece does not know the operation id (expired, or never made with this key)."""

    default_message = (
        "Soundpiece no longer knows this job. It may have been removed; start it again."
    )


NOT_FOUND_WORDS = ("not found", "no operation", "unknown operation", "does not exist")


def _detail_text(detail: Any) -> str:
    if isinstance(detail, str):
        return detail
    if isinstance(detail, list):
        return " ".join(str(entry.get("msg", "")) for entry in detail if isinstance(entry, Mapping))
    return ""


def error_from_response(
    response: httpx.Response,
    *,
    operation: Operation | None = None,
    polling: bool = False,
    not_found_statuses: Iterable[int] = (410,),
) -> ProviderError:
    """Map an HTTP error answer into the shared error hierarchy."""
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = None
    detail = body.get("detail") if isinstance(body, Mapping) else None
    text = _detail_text(detail)
    said = f" Soundpiece said: “{text}”" if text and isinstance(detail, str) else ""
    common = {"status_code": status, "detail": detail}
    if status >= 500:
        return ProviderUnavailable(
            f"Soundpiece had a problem on its side (error {status}). Soundsite will try again "
            "with the same request, so nothing is made twice.",
            **common,
        )
    if status == 401:
        return KeyRejected(
            "Soundpiece did not accept this API key: it may be mistyped or revoked, or your "
            "plan only allows certain addresses. Check it under Settings → API keys.",
            **common,
        )
    if status == 402:
        return OutOfCredits(
            "Your Soundpiece account does not have enough credits for this. Top it up with "
            f"Soundpiece, then run the job again — it will not be charged twice.{said}",
            **common,
        )
    if status == 429:
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        wait = f" in {round(retry_after)} seconds" if retry_after else " shortly"
        return RateLimited(
            "Soundpiece is limiting how fast this account can send work. Soundsite will try "
            f"again{wait}, by itself.",
            retry_after=retry_after,
            **common,
        )
    lowered = text.lower().strip()
    # FastAPI's routing 404 says just "Not Found"; that means a wrong path, not a lost job.
    routing_404 = status == 404 and lowered in ("", "not found")
    if polling and (
        status in set(not_found_statuses)
        or (not routing_404 and any(word in lowered for word in NOT_FOUND_WORDS))
    ):
        return OperationNotFound(code="operation_not_found", **common)
    if status == 404:
        return ProviderError(
            "Soundpiece does not recognise the address Soundsite called. Check the base URL of "
            "this key under Settings → API keys.",
            **common,
        )
    if status == 405:
        return ProviderError(
            "Soundpiece refused the kind of request Soundsite sent. Check the base URL of this "
            "key under Settings → API keys.",
            **common,
        )
    if status == 400:
        return InputRejected(
            "Soundpiece could not read the request Soundsite sent. This is a problem in "
            "Soundsite, not in your settings; please report it.",
            fields={"": "Soundpiece could not read the request."},
            **common,
        )
    if status == 409:
        return InputRejected(
            "Soundpiece says this job's request was already used for different settings. Start "
            "it again as a new job.",
            fields={"": "This request was already sent with different settings."},
            **common,
        )
    if status == 422:
        fields = validation_fields(detail, operation)
        named = "; ".join(
            f"{_label(operation, name)}: {message}" for name, message in fields.items()
        )
        return InputRejected(
            f"Soundpiece refused some of the settings — {named}", fields=fields, **common
        )
    if status in (413, 415):
        return InputRejected(
            "Soundpiece refused the audio or the request size. Try a shorter or smaller file.",
            fields={"": "Soundpiece refused the audio or the request size."},
            **common,
        )
    return ProviderError(
        f"Soundpiece refused the request (error {status}).{said}",
        **common,
    )


def _label(operation: Operation | None, name: str) -> str:
    if not name:
        return "Request"
    if operation is not None:
        try:
            return operation.field(name).label
        except KeyError:
            pass
    return name.replace("_", " ").capitalize()


# --- Clients -------------------------------------------------------------------------------
class _Secret:
    """Holds the API key so that no repr, log line or error message can show it."""

    __slots__ = ("_value",)

    def __init__(self, value: str):
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "<secret>"

    __str__ = __repr__


class _Bearer(httpx.Auth):
    """Adds ``Authorization: Bearer …`` to API requests only (never to download links)."""

    def __init__(self, secret: _Secret):
        self._secret = secret

    def auth_flow(self, request: httpx.Request):
        request.headers["Authorization"] = f"Bearer {self._secret.reveal()}"
        yield request

    def __repr__(self) -> str:
        return "<Bearer secret>"


def _timeouts(timeout: float, connect_timeout: float) -> httpx.Timeout:
    return httpx.Timeout(timeout, connect=connect_timeout)


# An id that is well-formed but cannot exist: ``check_key`` asks for it (see there).
PROBE_OPERATION_ID = "op_" + "0" * 26
DEFAULT_HEADERS = {"Accept": "application/json", "User-Agent": "Soundsite/0.1 (+soundpiece v1)"}


class _Common:
    """Settings and parsing shared by the async client and its blocking twin."""

    provider = Provider.SOUNDPIECE

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str | None = None,
        timeout: float = 15.0,
        connect_timeout: float = 5.0,
        long_poll_timeout: float = 30.0,
        download_timeout: float = 120.0,
        known_error_codes: Iterable[str] = KNOWN_ERROR_CODES,
        not_found_statuses: Iterable[int] = (410,),
        probe_operation: str = "create.new_song",
        probe_id: str = PROBE_OPERATION_ID,
    ):
        if not api_key:
            raise ValueError("A Soundpiece API key is required.")
        if long_poll_timeout <= SERVER_WAIT_SECONDS:
            raise ValueError(
                f"long_poll_timeout must be above {SERVER_WAIT_SECONDS} s, the time Soundpiece "
                "may hold a long-poll."
            )
        self._secret = _Secret(api_key)
        self._auth = _Bearer(self._secret)
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        self.timeout = _timeouts(timeout, connect_timeout)
        self.long_poll_timeout = _timeouts(long_poll_timeout, connect_timeout)
        self.download_timeout = _timeouts(download_timeout, connect_timeout)
        # httpx's own timeouts bound each network step; this bounds a whole request, which
        # also covers a server that drips bytes slowly (and in-process transports, which
        # enforce no timeouts at all).
        self._deadline = timeout + connect_timeout
        self._long_poll_deadline = long_poll_timeout + connect_timeout
        self.known_error_codes = frozenset(known_error_codes)
        self.not_found_statuses = tuple(not_found_statuses)
        self.probe_operation = probe_operation
        self.probe_id = probe_id

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.base_url}>"

    def url(self, operation: str) -> str:
        get_operation(operation)
        return f"{self.base_url}{API_PREFIX}/{operation}"

    def _result(self, response: httpx.Response, operation: str, *, polling: bool) -> Result:
        op = OPERATIONS_BY_KEY.get(operation)
        if not 200 <= response.status_code < 300:
            raise error_from_response(
                response,
                operation=op,
                polling=polling,
                not_found_statuses=self.not_found_statuses,
            )
        try:
            body = response.json()
        except ValueError:
            raise ProviderUnavailable(
                "Soundpiece sent an answer Soundsite could not read. It will try again.",
                status_code=response.status_code,
            ) from None
        return parse_response(body, operation, known_codes=self.known_error_codes)

    def _check_key_answer(self, response: httpx.Response) -> None:
        # What a well-formed but unknown id returns is UNKNOWN (reference 6), except that it
        # is not 404: Soundpiece answers 404 only for paths that do not exist. So 401 says
        # "rejected", 5xx "could not tell", 404/405 "wrong base URL", and every other answer
        # (422, 400, 410, 200, 429 …) came from a server that accepted the key.
        if response.status_code in (401, 404, 405) or response.status_code >= 500:
            raise error_from_response(response)

    @staticmethod
    def _network_error(exc: BaseException) -> ProviderUnavailable:
        if isinstance(exc, httpx.TimeoutException | TimeoutError | asyncio.TimeoutError):
            return ProviderUnavailable(
                "Soundpiece took too long to answer. Soundsite will try again with the same "
                "request, so nothing is made twice."
            )
        return ProviderUnavailable(
            "Soundsite could not reach Soundpiece. It will try again with the same request, "
            "so nothing is made twice."
        )


def _consume(task: asyncio.Future) -> None:
    """Retrieve an abandoned request's outcome so asyncio does not report it as lost."""
    if not task.cancelled():
        task.exception()


async def _maybe_await(value: Any) -> None:
    if inspect.isawaitable(value):
        await value


class SoundpieceClient(_Common):
    """Async client for Soundpiece v1 (implements ``providers.base.Client``).

    ``transport`` replaces the network (tests pass ``httpx.ASGITransport`` to talk to the
    sandbox in-process); ``http_client`` shares one connection pool between many clients.
    ``long_poll_timeout`` must exceed the 20 s a ``wait=true`` GET may be held.
    """

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        http_client: httpx.AsyncClient | None = None,
        max_connections: int = 100,
        **options: Any,
    ):
        super().__init__(api_key, base_url=base_url, **options)
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(
            transport=transport,
            headers=DEFAULT_HEADERS,
            timeout=self.timeout,
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            ),
            follow_redirects=False,
        )

    async def __aenter__(self) -> SoundpieceClient:
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def _send(
        self,
        method: str,
        operation: str,
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        long_poll: bool = False,
    ) -> httpx.Response:
        timeout = self.long_poll_timeout if long_poll else self.timeout
        deadline = self._long_poll_deadline if long_poll else self._deadline
        request = asyncio.ensure_future(
            self._http.request(
                method,
                self.url(operation),
                json=json,
                params=params,
                auth=self._auth,
                timeout=timeout,
            )
        )
        request.add_done_callback(_consume)
        try:
            done, _ = await asyncio.wait({request}, timeout=deadline)
        except asyncio.CancelledError:
            request.cancel()
            raise
        if not done:
            # Cancel without waiting for the request to unwind: the caller gets control back
            # at the deadline even when the other side is slow to let go.
            request.cancel()
            raise self._network_error(TimeoutError())
        try:
            return request.result()
        except httpx.TransportError as exc:
            raise self._network_error(exc) from exc

    async def check_key(self) -> None:
        """Raise ``KeyRejected`` if Soundpiece refuses the key; create no work.

        It asks for a well-formed id that cannot exist (``GET …?id=op_000…&wait=false``).
        """
        response = await self._send(
            "GET", self.probe_operation, params={"id": self.probe_id, "wait": "false"}
        )
        self._check_key_answer(response)

    async def submit(
        self,
        operation: str,
        params: dict[str, Any],
        *,
        idempotency_key: str,
        callback_url: str | None = None,
        on_remote_id=None,
        on_progress=None,
    ) -> Result:
        """PUT the job once. Resending with the same ``idempotency_key`` is always safe."""
        body = build_body(
            operation, params, idempotency_key=idempotency_key, callback_url=callback_url
        )
        response = await self._send("PUT", operation, json=body)
        result = self._result(response, operation, polling=False)
        if on_remote_id is not None and result.remote_id:
            await _maybe_await(on_remote_id(result.remote_id))
        if on_progress is not None:
            await _maybe_await(on_progress(result))
        return result

    async def poll(self, operation: str, remote_id: str, *, wait: bool = False) -> Result:
        """The operation's state now; with ``wait`` Soundpiece holds the request up to 20 s.

        Every answer carries freshly signed download links, so polling again is also how an
        expired link is renewed.
        """
        response = await self._send(
            "GET",
            operation,
            params={"id": remote_id, "wait": "true" if wait else "false"},
            long_poll=wait,
        )
        return self._result(response, operation, polling=True)

    async def refresh_outputs(self, operation: str, remote_id: str) -> list[Output]:
        """Fresh download links for a finished operation (Soundpiece re-signs on every GET)."""
        result = await self.poll(operation, remote_id)
        if result.error is not None:
            raise result.error
        return result.outputs

    async def wait(self, operation: str, remote_id: str, *, timeout: float | None = None) -> Result:
        """Long-poll until the operation is finished (or ``timeout`` seconds have passed)."""
        started = time.monotonic()
        while True:
            result = await self.poll(operation, remote_id, wait=True)
            if result.finished:
                return result
            if timeout is not None and time.monotonic() - started >= timeout:
                return result

    async def download(self, url: str, sink: BinaryIO | None = None) -> bytes | int:
        """Fetch an output file (no API key is sent); see ``providers.downloads``."""
        return await downloads.download(self._http, url, sink, timeout=self.download_timeout)


class SoundpieceSyncClient(_Common):
    """The same client for synchronous code (management commands, key checks in views)."""

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str | None = None,
        transport: httpx.BaseTransport | None = None,
        **options: Any,
    ):
        super().__init__(api_key, base_url=base_url, **options)
        self._http = httpx.Client(
            transport=transport, headers=DEFAULT_HEADERS, timeout=self.timeout
        )

    def __enter__(self) -> SoundpieceSyncClient:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _send(self, method, operation, *, json=None, params=None, long_poll=False):
        try:
            return self._http.request(
                method,
                self.url(operation),
                json=json,
                params=params,
                auth=self._auth,
                timeout=self.long_poll_timeout if long_poll else self.timeout,
            )
        except httpx.TransportError as exc:
            raise self._network_error(exc) from exc

    def check_key(self) -> None:
        response = self._send(
            "GET", self.probe_operation, params={"id": self.probe_id, "wait": "false"}
        )
        self._check_key_answer(response)

    def submit(
        self,
        operation: str,
        params: dict[str, Any],
        *,
        idempotency_key: str,
        callback_url: str | None = None,
    ) -> Result:
        body = build_body(
            operation, params, idempotency_key=idempotency_key, callback_url=callback_url
        )
        return self._result(self._send("PUT", operation, json=body), operation, polling=False)

    def poll(self, operation: str, remote_id: str, *, wait: bool = False) -> Result:
        response = self._send(
            "GET",
            operation,
            params={"id": remote_id, "wait": "true" if wait else "false"},
            long_poll=wait,
        )
        return self._result(response, operation, polling=True)

    def download(self, url: str, sink: BinaryIO | None = None) -> bytes | int:
        return downloads.download_sync(self._http, url, sink, timeout=self.download_timeout)
