"""The rules of the Soundverse stand-in (synchronous code; the async views call into it).

Admission checks a request in the order a FastAPI service would (key, faults, JSON schema,
documented semantic checks, content, rate limits, balance), then creates the job. A job's
state is a timeline computed from its creation time, so streams, ``/v5/status`` and the
``/sync`` answers agree without a worker: each reads "what has happened by now".
"""

from __future__ import annotations

import dataclasses
import json
import re
import secrets
import struct
import time
import uuid
import zlib
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from soundsite.sandbox import faults, files
from soundsite.sandbox import soundverse_audio as audio
from soundsite.sandbox import soundverse_spec as spec
from soundsite.sandbox import soundverse_text as text
from soundsite.sandbox.accounts import account_for_header
from soundsite.sandbox.models import SandboxAccount, SandboxFile, SandboxOperation, SandboxRequest
from soundsite.sandbox.soundverse_audio import AudioJob, Made, Source
from soundsite.sandbox.soundverse_spec import ENDPOINTS, Endpoint, In

PROVIDER = "soundverse"

# Knobs (SandboxAccount.options) and their defaults. Everything the reference leaves open.
DEFAULTS = {
    "processing_seconds": 15.0,  # time from request to the final chunk
    "output_seconds": None,  # fixed length for generated audio (tests use a few seconds)
    "url_ttl": 7 * 24 * 3600,  # Soundverse links look permanent; expiry is not documented
    "rate_limit_status": 429,
    "rate_limit_retry_after": False,  # send Retry-After on plan limits (undocumented)
    "balance_status": 402,
    "content_status": 400,
    "semantic_status": 400,
    "unknown_status": 404,  # /v5/status for an id it does not know (undocumented)
    "legacy_sync_bodies": False,  # older camelCase / wrapped sync bodies for v5
    "final_chunk_audio_url": False,  # v5/v6: put audio_url on every version's last chunk
    "v56_final_is_complete": False,  # v5/v6: set isComplete on the last chunk
    "foreign_seconds": 60.0,  # assumed length of audio the sandbox did not make
    "license": None,  # defaults to the plan's license (§4)
    "contract": None,  # "contracted" or "payg"; pay-as-you-go plans default to "payg"
    "nsfw_words": ["fuck", "shit", "porn", "nsfw"],
    "artist_names": [
        "taylor swift",
        "drake",
        "beyonce",
        "adele",
        "ed sheeran",
        "eminem",
        "billie eilish",
        "the beatles",
        "rihanna",
        "kanye west",
    ],
}

STEM_SETS = {
    "stems_vocals": ("vocals",),
    "stems_instruments": ("Guitar", "Other", "Drums", "Bass", "Piano"),
    "stems_all": ("vocals", "Guitar", "Other", "Drums", "Bass", "Piano"),
}


def option(account: SandboxAccount, name: str):
    return account.options.get(name, DEFAULTS[name])


@dataclass
class Refusal:
    status: int
    body: Any
    headers: dict = field(default_factory=dict)
    fault: str = ""


@dataclass
class Admission:
    """The outcome of admitting one request: a refusal, or an accepted job."""

    account: SandboxAccount | None
    record: SandboxRequest | None = None
    refusal: Refusal | None = None
    operation: SandboxOperation | None = None
    slow: float = 0.0
    body: dict = field(default_factory=dict)


# --- The gate every request passes ----------------------------------------------------------
def gate(request) -> tuple[SandboxAccount | None, Refusal | None, float]:
    """Key check and the faults that act before anything else: (account, refusal, slow)."""
    account = account_for_header(PROVIDER, request.headers.get("Authorization"))
    if account is None:
        return None, Refusal(401, {"detail": spec.AUTH_DETAIL}), 0.0
    if faults.take(account, "reject_key") is not None:
        return account, Refusal(401, {"detail": spec.AUTH_DETAIL}, fault="reject_key"), 0.0
    error = faults.take(account, "server_error")
    if error is not None:
        body = {
            "success": False,
            "message": spec.UNAVAILABLE_MESSAGE,
            "error": spec.UNAVAILABLE_ERROR,
        }
        return account, Refusal(int(error.get("status", 503)), body, fault="server_error"), 0.0
    limited = faults.take(account, "rate_limit")
    if limited is not None:
        headers = {"Retry-After": str(limited.get("retry_after", 2))}
        body = {"success": False, "message": spec.RATE_LIMIT_MESSAGE}
        return account, Refusal(429, body, headers, fault="rate_limit"), 0.0
    slow = faults.take(account, "slow")
    return account, None, float(slow.get("seconds", 30)) if slow is not None else 0.0


def record(request, account, *, status: int, remote_id: str = "", fault: str = ""):
    # Soundverse documents no idempotency; a client may still send the newer host's
    # ``Idempotency-Key`` header, and counting by it lets tests prove one POST per job.
    key = request.headers.get("Idempotency-Key", "")[:80]
    return faults.record(
        PROVIDER,
        account,
        request,
        idempotency_key=key,
        remote_id=remote_id,
        status_code=status,
        fault=fault,
    )


def set_recorded_status(entry: SandboxRequest | None, status: int) -> None:
    if entry is not None and entry.status_code != status:
        SandboxRequest.objects.filter(pk=entry.pk).update(status_code=status)


# --- FastAPI-style validation ---------------------------------------------------------------
def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _error(kind: str, loc: list, msg: str, value: Any, ctx: dict | None = None) -> dict:
    item = {"type": kind, "loc": ["body", *loc], "msg": msg, "input": value}
    if ctx:
        item["ctx"] = ctx
    return item


def _unprocessable(items: list[dict]) -> Refusal:
    return Refusal(422, {"detail": items})


def parse_json(raw: bytes) -> dict | Refusal:
    """The request body as a dict, or FastAPI's 422 for a missing or broken body."""
    if not raw.strip():
        return _unprocessable(
            [{"type": "missing", "loc": ["body"], "msg": "Field required", "input": None}]
        )
    try:
        value = json.loads(raw)
    except ValueError as exc:
        position = getattr(exc, "pos", 0)
        return _unprocessable(
            [
                {
                    "type": "json_invalid",
                    "loc": ["body", position],
                    "msg": "JSON decode error",
                    "input": {},
                    "ctx": {"error": getattr(exc, "msg", "Invalid JSON")},
                }
            ]
        )
    if not isinstance(value, dict):
        return _unprocessable(
            [
                {
                    "type": "model_attributes_type",
                    "loc": ["body"],
                    "msg": "Input should be a valid dictionary or object to extract fields from",
                    "input": value,
                }
            ]
        )
    return value


_TRUE = {"true", "1", "yes", "on", "y", "t"}
_FALSE = {"false", "0", "no", "off", "n", "f"}


def _coerce(name: str, rule: In, value: Any) -> tuple[Any, dict | None]:
    """Pydantic's lax coercion for one value: (value, error item or None)."""
    loc = [name]
    if rule.type == "str":
        if not isinstance(value, str):
            return value, _error("string_type", loc, "Input should be a valid string", value)
        return value, None
    if rule.type == "int":
        if isinstance(value, bool | int):
            return int(value), None
        if isinstance(value, float):
            if value.is_integer():
                return int(value), None
            return value, _error(
                "int_from_float",
                loc,
                "Input should be a valid integer, got a number with a fractional part",
                value,
            )
        if isinstance(value, str):
            try:
                return int(value.strip()), None
            except ValueError:
                return value, _error(
                    "int_parsing",
                    loc,
                    "Input should be a valid integer, unable to parse string as an integer",
                    value,
                )
        return value, _error("int_type", loc, "Input should be a valid integer", value)
    if rule.type == "float":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value), None
        if isinstance(value, str):
            try:
                return float(value.strip()), None
            except ValueError:
                return value, _error(
                    "float_parsing",
                    loc,
                    "Input should be a valid number, unable to parse string as a number",
                    value,
                )
        return value, _error("float_type", loc, "Input should be a valid number", value)
    if rule.type == "bool":
        if isinstance(value, bool):
            return value, None
        if isinstance(value, int) and value in (0, 1):
            return bool(value), None
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE, None
        return value, _error(
            "bool_parsing", loc, "Input should be a valid boolean, unable to interpret input", value
        )
    if rule.type == "list":
        if not isinstance(value, list):
            return value, _error("list_type", loc, "Input should be a valid list", value)
        return value, None
    if rule.type == "dict":
        if not isinstance(value, dict):
            return value, _error("dict_type", loc, "Input should be a valid dictionary", value)
        return value, None
    return value, None


def _constraints(name: str, rule: In, value: Any) -> dict | None:
    loc = [name]
    if rule.enum and value not in rule.enum:
        options = [repr(v) if isinstance(v, str) else str(v) for v in rule.enum]
        expected = (
            ", ".join(options[:-1]) + f" or {options[-1]}" if len(options) > 1 else options[0]
        )
        return _error(
            "literal_error", loc, f"Input should be {expected}", value, {"expected": expected}
        )
    if rule.ge is not None and isinstance(value, int | float) and value < rule.ge:
        return _error(
            "greater_than_equal",
            loc,
            f"Input should be greater than or equal to {_num(rule.ge)}",
            value,
            {"ge": rule.ge},
        )
    if rule.le is not None and isinstance(value, int | float) and value > rule.le:
        return _error(
            "less_than_equal",
            loc,
            f"Input should be less than or equal to {_num(rule.le)}",
            value,
            {"le": rule.le},
        )
    if rule.max_length is not None and isinstance(value, str) and len(value) > rule.max_length:
        return _error(
            "string_too_long",
            loc,
            f"String should have at most {rule.max_length} characters",
            value,
            {"max_length": rule.max_length},
        )
    return None


def _time_range_errors(value: list) -> list[dict]:
    errors = []
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            errors.append(
                _error(
                    "model_attributes_type",
                    ["timeRanges", index],
                    "Input should be a valid dictionary or object to extract fields from",
                    item,
                )
            )
            continue
        for key in ("start", "end"):
            if key not in item:
                errors.append(_error("missing", ["timeRanges", index, key], "Field required", item))
                continue
            _, problem = _coerce(key, In("float"), item[key])
            if problem:
                problem["loc"] = ["body", "timeRanges", index, key]
                errors.append(problem)
    return errors


def validate(endpoint: Endpoint, body: dict) -> tuple[dict, list[dict]]:
    """The body with values coerced, and FastAPI-style error items (empty when valid)."""
    clean = dict(body)
    errors: list[dict] = []
    for name, rule in endpoint.fields.items():
        if name not in body:
            if rule.required:
                errors.append(_error("missing", [name], "Field required", body))
            continue
        if body[name] is None and not rule.required:
            continue
        value, problem = _coerce(name, rule, body[name])
        problem = problem or _constraints(name, rule, value)
        if problem:
            errors.append(problem)
            continue
        if name == "timeRanges":
            errors.extend(_time_range_errors(value))
        clean[name] = value
    return clean, errors


# --- Semantic checks with the documented texts ----------------------------------------------
def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def source_info(url: str, account: SandboxAccount) -> tuple[SandboxFile | None, Source]:
    """What the sandbox knows of an input recording, without reading its bytes yet."""
    record_ = files.find_by_url(url) if url else None
    if record_ is not None:
        recipe = record_.recipe or {}
        bpm = recipe.get("bpm") or recipe.get("tempo") or 120.0
        return record_, Source(duration=record_.duration, bpm=float(bpm), recipe=record_.recipe)
    # A link the sandbox cannot fetch stands for an instrumental imagined from the URL, so
    # the checks here and the audio rendered later agree on its length and tempo.
    recipe = audio.imagined(url or "empty", float(option(account, "foreign_seconds")))
    return None, Source(duration=recipe["seconds"], bpm=recipe["tempo"], recipe=recipe)


def _business(status: int, message: str) -> Refusal:
    return Refusal(status, {"success": False, "message": message})


def semantic_refusal(endpoint: Endpoint, body: dict, account: SandboxAccount) -> Refusal | None:
    status = int(option(account, "semantic_status"))
    detail = lambda text_: Refusal(status, {"detail": text_})  # noqa: E731
    checks = endpoint.checks
    if "prompt_not_empty" in checks and _blank(body.get("prompt")):
        return detail(spec.EMPTY_PROMPT)
    if "v7_input" in checks:
        urls = ("reference_url", "instrumental_url", "vocal_url", "melody_url")
        if _blank(body.get("prompt")) and all(_blank(body.get(u)) for u in urls):
            return detail(spec.V7_NEED_INPUT)
    if "v7_prompt_length" in checks and len(body.get("prompt") or "") > 1024:
        return detail(spec.V7_PROMPT_TOO_LONG)
    if "v7_audio_size" in checks:
        for name in ("reference_url", "instrumental_url", "vocal_url", "melody_url"):
            found, _ = source_info(body.get(name) or "", account)
            if found is not None and found.bytes > spec.MAX_AUDIO_BYTES:
                return _business(status, spec.V7_FILE_TOO_LARGE)
    if "remix_input" in checks and _blank(body.get("prompt")) and _blank(body.get("lyrics")):
        return detail(spec.REMIX_NEED_INPUT)
    if "remix_audio" in checks:
        found, source = source_info(body["song_reference_url"], account)
        if found is not None and found.bytes > spec.MAX_AUDIO_BYTES:
            return _business(status, spec.REMIX_FILE_TOO_LARGE.format(n=found.bytes))
        if not 10 <= source.duration <= 350:
            return _business(status, spec.REMIX_DURATION)
    if (
        "style_or_audio" in checks
        and _blank(body.get("styleOfMusic"))
        and _blank(body.get("audioUrl"))
    ):
        return detail(spec.V1_NEED_STYLE_OR_AUDIO)
    if "v1_audio" in checks and _blank(body.get("audioUrl")) and _blank(body.get("audio_url")):
        return _unprocessable([_error("missing", ["audioUrl"], "Field required", body)])
    if endpoint.kind in ("loop", "gen_loop"):
        outcome = loop_plan(endpoint, body, account)
        if isinstance(outcome, str):
            return _business(status, outcome)
    return None


def loop_plan(endpoint: Endpoint, body: dict, account: SandboxAccount) -> dict | str:
    """The segments and repeat count of a loop, or the documented error text."""
    if endpoint.kind == "gen_loop":
        generated = audio.generated_recipe(gen_loop_job(endpoint, body, account))
        seconds, bpm, count = generated.seconds, generated.tempo, body["loopCount"]
    else:
        _, source = source_info(body["audioUrl"], account)
        seconds, bpm, count = source.duration, source.bpm, body["count"]
    beat = 60.0 / bpm
    if endpoint.action == "loop_time_range":
        ranges = body["timeRanges"]
        if not ranges:
            return spec.LOOP_NO_SEGMENTS
        segments = []
        for index, item in enumerate(ranges):
            start, end = float(item["start"]), float(item["end"])
            if start >= end:
                return spec.LOOP_START_AFTER_END.format(i=index)
            if start < 0 or end > seconds + 0.01:
                return spec.LOOP_OUT_OF_BOUNDS.format(i=index)
            segments.append({"start": start, "end": end})
    elif endpoint.action == "loop_beat_count":
        length = body["beatsToInclude"] * beat
        if length > seconds + 0.01:
            return spec.LOOP_NOT_ENOUGH_BEATS
        segments = [{"start": 0.0, "end": length}]
    else:
        # The seamless part: the most whole bars (up to four) the audio holds.
        bar, bars = 4 * beat, 4
        while bars and bars * bar > seconds + 0.01:
            bars //= 2
        if not bars:
            return spec.LOOP_NOT_ENOUGH_BEATS
        segments = [{"start": 0.0, "end": bars * bar}]
    total = sum(s["end"] - s["start"] for s in segments) * count
    if total > spec.LOOP_MAX_SECONDS:
        return spec.LOOP_TOO_LONG
    return {"segments": segments, "count": count, "seconds": total, "source_seconds": seconds}


def _contains(haystack: str, needle: str) -> bool:
    return re.search(r"\b" + re.escape(needle.lower()) + r"\b", haystack) is not None


def content_refusal(endpoint: Endpoint, body: dict, account: SandboxAccount) -> Refusal | None:
    """The documented NSFW / artist-name answers, from the word lists or the faults."""
    if endpoint.kind in ("chat", "voice"):
        return None
    status = int(option(account, "content_status"))
    typed = " ".join(str(body.get(name) or "") for name in spec.TEXT_FIELDS).lower()
    nsfw_fault = faults.take(account, "nsfw") is not None
    if nsfw_fault or any(_contains(typed, w) for w in option(account, "nsfw_words")):
        message = spec.NSFW_LYRICS if endpoint.words == "lyrics" else spec.NSFW_PROMPT
        return Refusal(
            status, {"success": False, "message": message}, fault="nsfw" if nsfw_fault else ""
        )
    artist_fault = faults.take(account, "artist_name") is not None
    if artist_fault or any(_contains(typed, a) for a in option(account, "artist_names")):
        message = spec.ARTIST_LYRICS if endpoint.action == "singing_v2" else spec.ARTIST_PROMPT
        return Refusal(
            status,
            {"success": False, "message": message},
            fault="artist_name" if artist_fault else "",
        )
    return None


# --- Quotas and balance ---------------------------------------------------------------------
def rate_refusal(endpoint: Endpoint, account: SandboxAccount, now) -> Refusal | None:
    """The §5 hourly / daily limit of the account's plan for the endpoint's column."""
    if not endpoint.bucket:
        return None
    table = account.options.get("rate_limits") or spec.RATE_LIMITS.get(spec.plan_key(account.plan))
    if not table or endpoint.bucket not in table:
        return None
    per_hour, per_day = table[endpoint.bucket]
    actions = [a for a, e in ENDPOINTS.items() if e.bucket == endpoint.bucket]
    jobs = SandboxOperation.objects.filter(account=account, action__in=actions)
    for window, limit in ((timedelta(hours=1), per_hour), (timedelta(days=1), per_day)):
        recent = jobs.filter(created_at__gte=now - window)
        if recent.count() >= limit:
            headers = {}
            if option(account, "rate_limit_retry_after"):
                oldest = recent.order_by("created_at").first()
                wait = (oldest.created_at + window - now).total_seconds()
                headers["Retry-After"] = str(max(1, int(wait) + 1))
            status = int(option(account, "rate_limit_status"))
            return Refusal(status, {"success": False, "message": spec.RATE_LIMIT_MESSAGE}, headers)
    return None


def license_of(account: SandboxAccount) -> str:
    return option(account, "license") or spec.default_license(account.plan)


def contract_of(account: SandboxAccount) -> str:
    chosen = option(account, "contract")
    if chosen:
        return chosen
    return "payg" if spec.plan_key(account.plan) in ("payg", "pay_as_you_go") else "contracted"


def cost_of(endpoint: Endpoint, body: dict, account: SandboxAccount) -> Decimal:
    if endpoint.kind == "loop":
        _, source = source_info(body.get("audioUrl") or "", account)
        seconds = source.duration
    else:
        seconds = float(body.get("duration") or 30)
    return spec.price(
        endpoint,
        license=license_of(account),
        contract=contract_of(account),
        seconds=seconds,
        model=str(body.get("model") or "sansaar_1"),
    )


def charge(
    endpoint: Endpoint, body: dict, account: SandboxAccount
) -> tuple[Decimal, Refusal | None]:
    """Debit the job's price (the "validated" stage bills); refuse when the balance is short."""
    cost = cost_of(endpoint, body, account)
    status = int(option(account, "balance_status"))
    refusal = _business(status, spec.BALANCE_MESSAGE)
    if faults.take(account, "out_of_credits") is not None:
        refusal.fault = "out_of_credits"
        return cost, refusal
    if account.balance is None or cost == 0:
        return cost, None
    updated = SandboxAccount.objects.filter(pk=account.pk, balance__gte=cost).update(
        balance=F("balance") - cost
    )
    return cost, None if updated else refusal


# --- Admission ------------------------------------------------------------------------------
def seed_for(endpoint: Endpoint, body: dict) -> int:
    keys = (
        "prompt",
        "lyrics",
        "style",
        "styleOfMusic",
        "audioUrl",
        "audio_url",
        "reference_url",
        "song_reference_url",
    )
    return text.seed_of(endpoint.kind, *(body.get(k) or "" for k in keys)) % (2**31)


def gen_loop_job(endpoint: Endpoint, body: dict, account: SandboxAccount, **more) -> AudioJob:
    """The music a generate-and-loop request makes (the same at admission and rendering)."""
    return AudioJob(
        "gen_loop",
        str(body.get("prompt") or body.get("styleOfMusic") or body.get("lyrics") or ""),
        generated_seconds(endpoint, body, account),
        seed_for(endpoint, body),
        endpoint.fmt,
        lyrics=str(body.get("lyrics") or ""),
        vocals=endpoint.action != "gen_loop_music",
        loopable=bool(body.get("loop")),
        **more,
    )


def generated_seconds(endpoint: Endpoint, body: dict, account: SandboxAccount) -> float:
    """How long the generated audio is: the request's own length first, then the knobs."""
    fixed = option(account, "output_seconds")
    requested = body.get("duration")
    if endpoint.kind in ("song", "instrumental", "gen_loop") and requested:
        return float(requested)
    if endpoint.kind == "gen_loop":
        # Long enough to hold a loop of whole bars, whatever the fixed length knob says.
        return 30.0
    if fixed:
        return float(fixed)
    if endpoint.kind == "extend_song":
        return body["extend_at"] / 1000.0 + 30.0
    if endpoint.kind in ("extend_music", "remix"):
        _, source = source_info(
            body.get("audio_url") or body.get("audioUrl") or body.get("song_reference_url") or "",
            account,
        )
        extra = float(body.get("duration") or 30) if endpoint.kind == "extend_music" else 0.0
        return source.duration + extra
    return {
        "song": 90.0,
        "instrumental": 60.0,
        "singing": 30.0,
        "gen_loop": 30.0,
        "voice": 4.0,
    }.get(endpoint.kind, 30.0)


def admit(request, endpoint: Endpoint, *, stream: bool) -> Admission:
    """Check one POST and, if it passes, create its job (one database transaction)."""
    account, refusal, slow = gate(request)
    if refusal is not None:
        entry = record(request, account, status=refusal.status, fault=refusal.fault)
        return Admission(account, entry, refusal)
    body = parse_json(request.body)
    if isinstance(body, Refusal):
        refusal = body
    else:
        body, problems = validate(endpoint, body)
        if problems:
            refusal = _unprocessable(problems)
    if refusal is None:
        refusal = semantic_refusal(endpoint, body, account) or content_refusal(
            endpoint, body, account
        )
    if refusal is not None and endpoint.kind == "voice" and refusal.status == 422:
        refusal = _business(400, spec.VOICE_BAD_BODY)
    if refusal is not None:
        entry = record(request, account, status=refusal.status, fault=refusal.fault)
        return Admission(account, entry, refusal)
    with transaction.atomic():
        now = timezone.now()
        refusal = rate_refusal(endpoint, account, now)
        cost = Decimal(0)
        if refusal is None:
            cost, refusal = charge(endpoint, body, account)
        if refusal is not None:
            entry = record(request, account, status=refusal.status, fault=refusal.fault)
            return Admission(account, entry, refusal)
        operation = create_operation(endpoint, body, account, now, cost, stream=stream)
    fault = "break_stream" if "break" in operation.extra else ("slow" if slow else "")
    entry = record(request, account, status=200, remote_id=operation.remote_id, fault=fault)
    return Admission(account, entry, operation=operation, slow=slow, body=body)


def create_operation(endpoint, body, account, now, cost, *, stream: bool) -> SandboxOperation:
    processing = float(option(account, "processing_seconds"))
    seed = seed_for(endpoint, body)
    message_id = secrets.token_hex(12)  # 24 lowercase hex characters, like a MongoDB ObjectId
    failure = faults.take(account, "fail")
    broken = faults.take(account, "break_stream") if stream else None
    name = text.song_name(str(body.get("prompt") or body.get("lyrics") or ""), seed)
    extra = {
        "seed": seed,
        "song_name": name,
        "processing": processing,
        "versions": endpoint.versions,
        "seconds": generated_seconds(endpoint, body, account),
        "cost": str(cost),
        "license": license_of(account),
        "slug": re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or "track",
    }
    if endpoint.family == "v7":
        extra["job_id"] = str(uuid.uuid4())
        extra["task_ids"] = [str(uuid.uuid4()) for _ in range(endpoint.versions)]
    if failure is not None:
        extra["fail"] = {
            "at": float(failure.get("at", 0.5)),
            "code": str(failure.get("code", "")),
            "message": str(failure.get("message") or _default_failure(endpoint)),
        }
    if broken is not None:
        extra["break"] = {
            "after_chunks": int(broken.get("after_chunks", 3)),
            "partial": bool(broken.get("partial", False)),
        }
    if endpoint.kind in ("loop", "gen_loop"):
        extra["loop"] = loop_plan(endpoint, body, account)
    if endpoint.kind == "lyrics":
        extra["lyrics"] = text.lyrics(
            body["prompt"],
            mood=body.get("mood") or "",
            section=body.get("section") or "",
            genre=body.get("genre") or "",
            seed=seed,
        )
    return SandboxOperation.objects.create(
        account=account,
        remote_id=message_id,
        action=endpoint.action,
        request=body,
        status="processing",
        created_at=now,
        ready_at=now + timedelta(seconds=processing),
        extra=extra,
    )


def _default_failure(endpoint: Endpoint) -> str:
    if endpoint.kind == "singing":
        return spec.SINGING_500
    return "Generation failed. Please try again."


# --- The timeline ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Link:
    """A value filled in when the chunk is sent: ``stream``/``audio`` URL, ``bpm``,
    ``duration`` or ``audio_id`` of one output."""

    kind: str
    key: str


@dataclass
class Planned:
    at: float  # seconds after creation
    chunk: dict

    @property
    def needs_files(self) -> bool:
        return any(isinstance(v, Link) for v in self.chunk.values())


def album_art_url(base_url: str, operation: SandboxOperation) -> str:
    return base_url + reverse("sandbox_soundverse_album_art", args=[operation.remote_id])


def timeline(operation: SandboxOperation, base_url: str) -> list[Planned]:
    """Every chunk the job's stream sends, with its time; the same for every reader."""
    endpoint = ENDPOINTS[operation.action]
    extra = operation.extra
    length = extra["processing"]
    art = album_art_url(base_url, operation)
    builders = {"v56": _v56_chunks, "v7": _v7_chunks, "remix": _remix_chunks}
    if endpoint.family not in builders:
        return []
    plan = builders[endpoint.family](operation, endpoint, length, art)
    failure = extra.get("fail")
    if failure:
        # The job fails part-way; the first chunks (which name the job) are always sent.
        cut = failure["at"] * length
        kept = [p for p in plan if p.at < cut]
        if len(kept) < 2:
            kept = plan[:2]
        kept.append(Planned(max(cut, kept[-1].at), _failure_chunk(operation, endpoint, failure)))
        plan = kept
    for index, planned in enumerate(plan):
        planned.chunk["chunkIndex"] = index
    return plan


def _failure_chunk(operation, endpoint, failure) -> dict:
    chunk: dict[str, Any] = {"message_id": operation.remote_id, "status": "failed"}
    if endpoint.family == "v7":
        chunk.update({"isComplete": True, "error": True, "detail": failure["message"]})
    else:
        chunk.update({"isComplete": endpoint.family == "remix", "error": failure["message"]})
    if failure.get("code"):
        chunk["code"] = failure["code"]
    return chunk


def _lyrics_for(operation: SandboxOperation) -> str:
    request = operation.request
    return request.get("lyrics") or text.lyrics(
        str(request.get("prompt") or ""), seed=operation.extra["seed"]
    )


def _v56_chunks(operation, endpoint, length, art) -> list[Planned]:
    extra, mid = operation.extra, operation.remote_id
    versions = extra["versions"]
    extend = endpoint.kind == "extend_song"

    def base(status: str) -> dict:
        chunk = {
            "message_id": mid,
            "isComplete": False,
            "status": status,
            "album_art": art,
            "song_name": extra["song_name"],
        }
        if extend:
            chunk["operation"] = "extend_song"
        return chunk

    plan = [
        Planned(0.0, {"isComplete": False, "status": "initializing"}),
        Planned(0.0, base("validated")),
        Planned(0.05 * length, base("streaming")),
        Planned(0.08 * length, {**base("processing"), "progress": 1}),
    ]
    for step, progress in enumerate((2, 12, 27, 45, 63, 80, 92)):
        plan.append(
            Planned((0.12 + 0.08 * step) * length, {**base("running"), "progress": progress})
        )
    for v in range(1, versions + 1):
        plan.append(
            Planned(
                (0.72 + 0.02 * v) * length,
                {
                    **base("streaming"),
                    "stream_url": Link("stream", str(v)),
                    "version": v,
                    "streaming_ready": True,
                },
            )
        )
    plan.append(
        Planned(
            0.84 * length, {**base("completed"), "progress": 100, "audio_url": Link("audio", "1")}
        )
    )
    sections = None
    if endpoint.kind == "song":
        sections = text.lyrics_sections(_lyrics_for(operation), extra["seconds"])
    for v in range(1, versions + 1):
        plan.append(Planned((0.86 + 0.07 * (v - 1)) * length, {**base("uploading"), "version": v}))
        final = {**base("completed"), "version": v, "progress": 100}
        if sections is not None:
            final["lyrics_sections"] = sections
        if option(operation.account, "final_chunk_audio_url"):
            final["audio_url"] = Link("audio", str(v))
        plan.append(Planned(length if v == versions else (0.9 + 0.07 * (v - 1)) * length, final))
    if option(operation.account, "v56_final_is_complete"):
        plan[-1].chunk["isComplete"] = True
    return plan


def _v7_chunks(operation, endpoint, length, art) -> list[Planned]:
    extra, mid = operation.extra, operation.remote_id
    versions = extra["versions"]
    urls = ("reference_url", "instrumental_url", "vocal_url", "melody_url")
    uses_audio = any(not _blank(operation.request.get(u)) for u in urls)
    kind = "song_with_reference" if uses_audio else "song_generate"
    sections = text.lyrics_sections(_lyrics_for(operation), extra["seconds"])
    tokens = 40 + len(_lyrics_for(operation).split())
    plan = [
        Planned(
            0.0,
            {
                "type": "job_created",
                "job_id": extra["job_id"],
                "message_id": mid,
                "status": "processing",
                "isComplete": False,
            },
        ),
        Planned(
            0.0,
            {
                "message_id": mid,
                "status": "validated",
                "isComplete": False,
                "album_art": art,
                "song_name": extra["song_name"],
                "operation": kind,
                "content": "Request validated",
            },
        ),
    ]
    for v in range(1, versions + 1):
        plan.append(
            Planned(
                (0.55 + 0.05 * v) * length,
                {
                    "message_id": mid,
                    "status": "streaming",
                    "isComplete": False,
                    "version": v,
                    "task_id": extra["task_ids"][v - 1],
                    "stream_url": Link("stream", str(v)),
                    "streaming_ready": True,
                    "content": f"Version {v} preview is streaming",
                },
            )
        )
    for v in range(1, versions + 1):
        start = (0.8 + 0.09 * (v - 1)) * length
        plan.append(
            Planned(
                start,
                {
                    "message_id": mid,
                    "status": "uploading",
                    "isComplete": False,
                    "version": v,
                    "content": f"Uploading version {v}",
                },
            )
        )
        plan.append(
            Planned(
                start + 0.04 * length,
                {
                    "message_id": mid,
                    "status": "completed",
                    "isComplete": False,
                    "version": v,
                    "audio_url": Link("audio", str(v)),
                    "audio_id": Link("audio_id", str(v)),
                    "audio_ready": True,
                    "duration": Link("duration", str(v)),
                    "bpm": Link("bpm", str(v)),
                    "lyrics_sections": sections,
                    "tokens": tokens,
                    "totalTokens": tokens * versions,
                    "content": f"Version {v} is ready",
                },
            )
        )
    plan.append(
        Planned(
            length,
            {
                "message_id": mid,
                "status": "completed",
                "isComplete": True,
                "operation": kind,
                "total_versions": versions,
                "album_art": art,
                "song_name": extra["song_name"],
                "content": "Generation complete",
            },
        )
    )
    return plan


def _remix_chunks(operation, endpoint, length, art) -> list[Planned]:
    extra, mid = operation.extra, operation.remote_id
    named = {"message_id": mid, "isComplete": False, "operation": "remix_song"}
    plan = [
        Planned(0.0, {"isComplete": False, "status": "validating"}),
        Planned(
            0.02 * length,
            {**named, "status": "queued", "album_art": art, "song_name": extra["song_name"]},
        ),
        Planned(0.05 * length, {**named, "status": "starting"}),
        Planned(0.08 * length, {**named, "status": "initializing"}),
        Planned(0.1 * length, {**named, "status": "uploading"}),
    ]
    for step, progress in enumerate(range(0, 100, 10)):
        plan.append(
            Planned(
                (0.15 + 0.05 * step) * length,
                {**named, "status": "streaming", "progress": progress},
            )
        )
    # DOCUMENTED: progress may hold at 90 for minutes while the file is finalised.
    plan.append(
        Planned(
            0.95 * length,
            {
                **named,
                "status": "streaming",
                "progress": 100,
                "stream_url": Link("stream", "1"),
                "streaming_ready": True,
                "version": 1,
            },
        )
    )
    plan.append(
        Planned(
            length,
            {
                **named,
                "isComplete": True,
                "status": "completed",
                "audio_url": Link("audio", "1"),
                "album_art": art,
                "song_name": extra["song_name"],
                "progress": 100,
            },
        )
    )
    return plan


def fill(chunk: dict, links: dict[str, dict]) -> dict:
    """The chunk with its ``Link`` placeholders replaced by this reader's values."""
    filled = {}
    for key, value in chunk.items():
        if isinstance(value, Link):
            entry = links.get(value.key, {})
            value = {
                "stream": entry.get("preview_url"),
                "audio": entry.get("url"),
                "bpm": entry.get("bpm"),
                "duration": entry.get("duration"),
                "audio_id": entry.get("audio_id"),
            }[value.kind]
        filled[key] = value
    return filled


# --- Status ---------------------------------------------------------------------------------
def _elapsed(operation: SandboxOperation, now: float | None = None) -> float:
    return (now if now is not None else time.time()) - operation.created_at.timestamp()


def failed_by_now(operation: SandboxOperation, now: float | None = None) -> dict | None:
    failure = operation.extra.get("fail")
    if failure and _elapsed(operation, now) >= failure["at"] * operation.extra["processing"]:
        return failure
    return None


def ready_by_now(operation: SandboxOperation, now: float | None = None) -> bool:
    return _elapsed(operation, now) >= operation.extra["processing"] and not failed_by_now(
        operation, now
    )


def status_needs_files(operation: SandboxOperation, base_url: str) -> bool:
    if failed_by_now(operation):
        return False
    if ready_by_now(operation):
        return True
    return bool(_completed_versions(operation, base_url))


def _completed_versions(operation: SandboxOperation, base_url: str) -> list[str]:
    """Versions whose own ``completed`` chunk (with a version) has been sent by now."""
    elapsed = _elapsed(operation)
    done = []
    for planned in timeline(operation, base_url):
        chunk = planned.chunk
        if planned.at <= elapsed and chunk.get("status") == "completed" and chunk.get("version"):
            done.append(str(chunk["version"]))
    return done


def status_body(operation: SandboxOperation, base_url: str, links: dict[str, dict]) -> dict:
    """``GET /v5/status``: the job as its timeline stands now (shape of reference §2.1).

    The reference does not enumerate the values; this stand-in reports the stream's stage,
    except that ``completed`` is reserved for the whole job (an earlier per-version
    ``completed`` shows as ``uploading``), and ``audio_data`` is keyed by version.
    """
    extra = operation.extra
    body = {
        "status": "processing",
        "message_id": operation.remote_id,
        "audio_data": {},
        "album_art": album_art_url(base_url, operation),
        "song_name": extra["song_name"],
        "progress": 0,
    }
    failure = failed_by_now(operation)
    elapsed = _elapsed(operation)
    plan = timeline(operation, base_url)
    due = [p.chunk for p in plan if p.at <= elapsed]
    progress = [c["progress"] for c in due if isinstance(c.get("progress"), int | float)]
    if plan:
        body["progress"] = progress[-1] if progress else 0
    else:
        body["progress"] = min(99, int(100 * elapsed / max(extra["processing"], 0.001)))
    if failure:
        body.update({"status": "failed", "error": failure["message"]})
        return body
    if ready_by_now(operation):
        keys = [k for k in links if not k.startswith("looped")]
        body.update({"status": "completed", "progress": 100})
    else:
        status = next((c["status"] for c in reversed(due) if c.get("status")), "processing")
        body["status"] = "uploading" if status == "completed" else status
        keys = _completed_versions(operation, base_url)
    for key in sorted(keys, key=lambda k: (not k.isdigit(), int(k) if k.isdigit() else 0, k)):
        entry = links.get(key)
        if entry:
            body["audio_data"][key] = {
                "audio_url": entry["url"],
                "song_name": extra["song_name"],
                "duration": entry["duration"],
                "bpm": entry["bpm"],
            }
    return body


# --- Rendering ------------------------------------------------------------------------------
def _read(record_: SandboxFile) -> bytes:
    with default_storage.open(record_.path, "rb") as handle:
        return handle.read()


def _source(url: str, account: SandboxAccount) -> Source:
    found, source = source_info(url, account)
    if found is not None and not found.recipe:
        source.data = _read(found)  # no recipe: the synthesiser works on the audio itself
    return source


def _file_name(endpoint: Endpoint, operation: SandboxOperation, key: str) -> str:
    extra, fmt = operation.extra, endpoint.fmt
    if endpoint.kind == "stems":
        return f"{key}.{fmt}"
    if key.startswith("looped") or endpoint.kind == "loop":
        return f"{uuid.uuid4()}.{fmt}"
    if endpoint.action.endswith(("v6", "v7", "v6_sync", "v7_sync")):
        return f"{extra['slug']}_v{key}.{fmt}"
    if fmt == "mp3":
        return "tmp" + secrets.token_hex(4) + f".{fmt}"
    return f"{extra['slug']}_{key}.{fmt}"


def render_jobs(operation: SandboxOperation) -> list[tuple[str, AudioJob]]:
    """What to render for ``operation``: (key, job) pairs; keys are versions or names."""
    endpoint = ENDPOINTS[operation.action]
    request, extra = operation.request, operation.extra
    prompt = str(request.get("prompt") or request.get("style") or request.get("styleOfMusic") or "")
    seed, seconds = extra["seed"], extra["seconds"]
    account = operation.account
    if endpoint.kind in ("lyrics", "chat"):
        return []
    if endpoint.kind == "stems":
        job = AudioJob(
            "stems",
            prompt,
            0.0,
            seed,
            endpoint.fmt,
            source=_source(request["audioUrl"], account),
            stems=STEM_SETS[endpoint.action],
        )
        return [("stems", job)]
    if endpoint.kind == "loop":
        plan = extra["loop"]
        mode = {"loop_auto": "bars", "loop_beat_count": "beats"}.get(endpoint.action, "ranges")
        job = AudioJob(
            "loop",
            prompt,
            plan["seconds"],
            seed,
            endpoint.fmt,
            source=_source(request["audioUrl"], account),
            segments=plan["segments"],
            count=plan["count"],
            loop_mode=mode,
        )
        return [("1", job)]
    if endpoint.kind == "gen_loop":
        plan = extra["loop"]
        job = gen_loop_job(
            endpoint,
            request,
            account,
            segments=plan["segments"],
            count=plan["count"],
            loop_mode="bars",
        )
        return [("gen_loop", job)]
    kind = {"extend_song": "extend", "extend_music": "extend"}.get(endpoint.kind, endpoint.kind)
    source_url = (
        request.get("audio_url")
        or request.get("audioUrl")
        or request.get("song_reference_url")
        or request.get("reference_url")
        or ""
    )
    source = _source(source_url, account) if source_url and kind in ("extend", "remix") else None
    extend = None
    if kind == "extend":
        at = request["extend_at"] / 1000.0 if "extend_at" in request else None
        extend = {
            "at": at,
            "extra": float(request.get("duration") or 30),
            "side": request.get("side") or "right",
        }
    jobs = []
    for v in range(1, extra["versions"] + 1):
        jobs.append(
            (
                str(v),
                AudioJob(
                    kind,
                    prompt,
                    seconds,
                    seed + v - 1,
                    endpoint.fmt,
                    lyrics=_lyrics_for(operation) if kind in ("song", "singing", "remix") else "",
                    vocals=endpoint.kind not in ("instrumental", "extend_music"),
                    loopable=bool(request.get("loop")),
                    source=source,
                    extend=extend,
                ),
            )
        )
    return jobs


def claim_render(operation_id: int) -> tuple[str, list[tuple[str, AudioJob]]]:
    """``("done", [])`` if files exist, ``("wait", [])`` if another request renders, or
    ``("mine", jobs)`` after claiming the render for this caller."""
    operation = SandboxOperation.objects.select_related("account").get(pk=operation_id)
    if operation.status == "ready":
        return "done", []
    claimed = SandboxOperation.objects.filter(pk=operation_id, status="processing").update(
        status="rendering"
    )
    if not claimed:
        return "wait", []
    try:
        jobs = render_jobs(operation)
        if operation.account.options.get("stock_audio"):
            jobs = [(key, dataclasses.replace(job, stock=True)) for key, job in jobs]
        return "mine", jobs
    except Exception:
        release_render(operation_id)
        raise


def release_render(operation_id: int) -> None:
    SandboxOperation.objects.filter(pk=operation_id, status="rendering").update(status="processing")


def store_render(operation_id: int, made: list[tuple[str, Made]]) -> None:
    operation = SandboxOperation.objects.get(pk=operation_id)
    endpoint = ENDPOINTS[operation.action]
    stored = []
    for key, item in made:
        name = _file_name(endpoint, operation, key)
        kept = files.store(operation, name, item.data, duration=item.duration, recipe=item.recipe)
        stored.append(
            {
                "key": key,
                "token": kept.token,
                "duration": round(item.duration, 3),
                "bpm": item.bpm,
                "audio_id": secrets.token_hex(12),
            }
        )
    operation.result = {**operation.result, "files": stored}
    operation.status = "ready"
    operation.save(update_fields=["result", "status"])


def links(operation: SandboxOperation, base_url: str) -> dict[str, dict]:
    """Signed download links for the job's files (fresh each call), keyed by version/name."""
    ttl = float(option(operation.account, "url_ttl"))
    tokens = {entry["token"]: entry for entry in operation.result.get("files", [])}
    found = {}
    for record_ in SandboxFile.objects.filter(token__in=tokens):
        entry = tokens[record_.token]
        url, expires = files.signed_url(base_url, record_, ttl=ttl)
        preview = base_url + reverse(
            "sandbox_soundverse_preview", args=[operation.remote_id, entry["key"]]
        )
        found[entry["key"]] = {
            "url": url,
            "expires": expires,
            "preview_url": preview,
            "duration": entry["duration"],
            "bpm": entry["bpm"],
            "audio_id": entry["audio_id"],
            "name": record_.name,
        }
    return found


# --- Sync bodies ----------------------------------------------------------------------------
def sync_body(operation: SandboxOperation, base_url: str, entries: dict[str, dict]) -> Any:
    """The one JSON answer of a synchronous endpoint, in the newest documented shape."""
    endpoint = ENDPOINTS[operation.action]
    request, extra = operation.request, operation.extra
    name, art = extra["song_name"], album_art_url(base_url, operation)
    license_ = extra["license"]
    prompt = str(request.get("prompt") or "")
    versions = [entries[str(v)] for v in range(1, extra["versions"] + 1) if str(v) in entries]
    reply = text.ai_reply(endpoint.kind, prompt or request.get("lyrics", ""))
    shape = endpoint.shape
    legacy = option(operation.account, "legacy_sync_bodies")
    if shape == "v56" and legacy and operation.action.startswith("music_v5"):
        urls = {str(i): e["url"] for i, e in enumerate(versions, start=1)}
        return {
            "success": True,
            "data": {
                "message_id": operation.remote_id,
                "album_art": art,
                "song_name": name,
                "audio_urls": urls,
            },
        }
    if shape == "v56" and legacy and operation.action.startswith("song_v5"):
        return {
            "messageId": operation.remote_id,
            "prompt": prompt,
            "albumArt": art,
            "aiReply": reply,
            "lyrics": _lyrics_for(operation),
            "audioData": [
                {"audioUrl": e["url"], "songName": name, "licenses": {"licenses": license_}}
                for e in versions
            ],
        }
    if shape == "v7":
        return {
            "job_id": extra["job_id"],
            "message_id": operation.remote_id,
            "album_art": art,
            "audio_data": [{"audio_url": e["url"], "song_name": name} for e in versions],
        }
    if shape == "v56":
        return {
            "message_id": operation.remote_id,
            "album_art": art,
            "song_name": name,
            "audio_data": [{"audio_url": e["url"], "song_name": name} for e in versions],
        }
    if shape in ("extend_song", "extend_music"):
        return {
            "message_id": operation.remote_id,
            "album_art": art,
            "audio_data": [
                {"audio_url": e["url"], "song_name": name, "licenses": {"licenses": license_}}
                for e in versions
            ],
            "ai_reply": text.ai_reply(shape, ""),
        }
    if shape == "v4":
        return {
            "messageId": operation.remote_id,
            "prompt": prompt or request.get("lyrics", ""),
            "albumArt": art,
            "aiReply": reply,
            "audioData": [
                {"audioUrl": e["url"], "songName": name, "licenses": license_} for e in versions
            ],
        }
    if shape == "v1":
        return {
            "prompt": prompt or request.get("lyrics", ""),
            "albumArt": art,
            "aiReply": reply,
            "audioData": [
                {"audioUrl": e["url"], "songName": name, "licenses": license_} for e in versions
            ],
        }
    if shape == "singing":
        return {
            "messageId": operation.remote_id,
            "prompt": request["lyrics"],
            "albumArt": art,
            "aiReply": reply,
            "audioData": [
                {"audioUrl": e["url"], "songName": name, "licenses": {"licenses": license_}}
                for e in versions
            ],
        }
    if shape == "lyrics":
        return {"prompt": prompt, "lyrics": extra["lyrics"]}
    if shape == "stems":
        return [
            {"audioName": key, "audioUrl": entries[key]["url"]}
            for key in STEM_SETS[operation.action]
            if key in entries
        ]
    if shape == "loop":
        return {
            "albumArt": art,
            "aiReply": reply,
            "audioData": [{"audioUrl": entries["1"]["url"], "songName": name}],
        }
    if shape == "gen_loop":
        return {
            "prompt": prompt or request.get("lyrics", ""),
            "albumArt": art,
            "aiReply": reply,
            "generatedAudio": [
                {"audioUrl": entries["generated"]["url"], "songName": name, "licenses": None}
            ],
            "loopedAudio": [
                {"audioUrl": entries["looped"]["url"], "songName": name, "licenses": None}
            ],
        }
    if shape == "chat":
        return {"aiReply": text.chat_reply(prompt, request.get("action", "other"))}
    raise ValueError(f"no body for {shape}")


def failure_response(operation: SandboxOperation) -> tuple[int, dict]:
    """How a synchronous endpoint answers a failed job."""
    failure = operation.extra["fail"]
    body: dict[str, Any] = {"detail": failure["message"]}
    if failure.get("code"):
        body["code"] = failure["code"]
    return (504 if failure["message"] == spec.SINGING_504 else 500), body


# --- Other endpoints ------------------------------------------------------------------------
def find_operation(account: SandboxAccount, remote_id: str, *, by: str = "message_id"):
    if by == "job_id":
        return (
            SandboxOperation.objects.select_related("account")
            .filter(account=account, extra__job_id=remote_id)
            .first()
        )
    return (
        SandboxOperation.objects.select_related("account")
        .filter(account=account, remote_id=remote_id)
        .first()
    )


def recognise(account: SandboxAccount, url: str = "", data: bytes | None = None) -> dict:
    """Song recognition: the sandbox knows only its own music."""
    found = files.find_by_url(url) if url else None
    if found is None and data:
        for candidate in SandboxFile.objects.filter(bytes=len(data)).select_related("operation"):
            if _read(candidate) == data:
                found = candidate
                break
    if found is None or found.operation is None:
        return {"recognized": False, "data": None}
    operation = found.operation
    name = (operation.extra or {}).get("song_name") or found.name
    year = operation.created_at.year
    return {
        "recognized": True,
        "data": {
            "artist": "Soundsite Sandbox",
            "title": name,
            "album_art": None,
            "album_name": f"{name} (Sandbox Sessions)",
            "label": "Sandbox Records",
            "released": str(year),
            "albumadamid": str(operation.pk),
            "isrc": f"ZZSBX{year % 100:02d}{operation.pk:05d}"[:12],
        },
    }


def album_art_png(seed: int, size: int = 64) -> bytes:
    """A small gradient PNG in colours drawn from ``seed`` (no imaging library needed)."""
    top = ((seed >> 16) & 255, (seed >> 8) & 255, seed & 255)
    bottom = (255 - top[1], top[2], 255 - top[0])
    rows = []
    for y in range(size):
        mix = y / (size - 1)
        pixel = bytes(int(a + (b - a) * mix) for a, b in zip(top, bottom, strict=True))
        rows.append(b"\x00" + pixel * size)
    raw = zlib.compress(b"".join(rows), 9)

    def block(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + block(b"IHDR", header) + block(b"IDAT", raw) + block(b"IEND", b"")
