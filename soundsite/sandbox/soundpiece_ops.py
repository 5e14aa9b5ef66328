"""Operations of the Soundpiece stand-in: their lifecycle, their audio and their DTOs.

An operation is ``processing`` until its ``ready_at``; the first read after that (a GET, or the
webhook dispatcher for operations that owe a callback) claims it, renders its audio with the
synthesiser and stores it as ``ready`` (or ``failed``). Claiming is a conditional UPDATE with a
lease, so two readers never render the same operation and a crashed render is retried.

Account options (``SandboxAccount.options``) cover what the reference leaves open:

``processing_seconds``  time from PUT to ready (default 8)
``song_seconds``        length of songs and instrumentals (default 90)
``variations``          versions per song / instrumental (default 2; UNKNOWN upstream)
``url_ttl``             signed link lifetime in seconds (default 900, INFER ~15 min)
``wait_cap``            longest ``wait=true`` hold in seconds (default 20, DOCUMENTED)
``replay``              repeat PUT answers "original" (processing snapshot) or "current"
``idempotency_conflict`` same key, other body: "original" (default), "409" or "422"
``unknown_id_status``   status for an unknown operation id (default 422; not 404, DOCUMENTED)
``stems_wrapper`` / ``wrappers``  wrapper keys for the actions the reference could not confirm
``credit_costs``        {action: credits} debited when a PUT is accepted (default 1 each)
``rate_limit``          {"requests": n, "seconds": s} per account (off by default; UNKNOWN)
``webhook_retry_schedule``  seconds between delivery attempts (Standard Webhooks' schedule)
``both_prompt_and_reference``  "accept" (default) or "reject" for new_song / new_instrumental
``duration_min/max``, ``target_duration_min/max``  sandbox limits for lengths (UNKNOWN upstream)
"""

from __future__ import annotations

import io
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import numpy as np
import soundfile
from django.core import signing
from django.core.files.storage import default_storage
from django.db.models import Q
from django.utils import timezone

from soundsite.sandbox import files
from soundsite.sandbox.models import SandboxAccount, SandboxOperation, SandboxWebhook

logger = logging.getLogger(__name__)

PROVIDER = "soundpiece"
SAMPLE_RATE = 44100  # DOCUMENTED: FLAC at 44.1 kHz
ACTIONS = (
    "create.new_song",
    "create.new_instrumental",
    "create.new_sample",
    "create.new_fx",
    "create.remix_song",
    "create.remix_instrumental",
    "adapt.separate_stems",
    "adapt.auto_cut_down",
)
WRAPPERS = {
    "create.new_song": "song",
    "create.new_instrumental": "instrumental",
    "create.new_sample": "sample",
    "create.new_fx": "fx",
    "create.remix_song": "remix_song",
    "create.remix_instrumental": "remix_instrumental",
    "adapt.separate_stems": "stems",
    "adapt.auto_cut_down": "auto_cut",
}
SINGLE_OUTPUT = {"create.new_sample", "create.new_fx", "adapt.auto_cut_down"}
# The request fields each DTO echoes; ones the caller left out come back as null.
ECHO_FIELDS = {
    "create.new_song": ("lyrics", "prompt", "reference"),
    "create.new_instrumental": ("prompt", "reference"),
    "create.new_sample": ("prompt", "duration", "loopable"),
    "create.new_fx": ("prompt", "duration"),
    "create.remix_song": ("source", "lyrics", "prompt", "n_variations"),
    "create.remix_instrumental": ("source", "n_variations"),
    "adapt.separate_stems": ("source",),
    "adapt.auto_cut_down": ("source", "target_duration"),
}
STEM_KINDS = ("vocals", "drums", "bass", "other")
TERMINAL = ("ready", "failed")
RENDER_LEASE_SECONDS = 120
# Standard Webhooks' recommended retry schedule after a failed attempt (Soundpiece's is UNKNOWN).
DEFAULT_RETRY_SCHEDULE = (5, 300, 1800, 7200, 18000, 36000, 36000)
DEFAULTS = {
    "processing_seconds": 8,
    "song_seconds": 90,
    "variations": 2,
    "url_ttl": 900,
    "wait_cap": 20,
    "replay": "original",
    "idempotency_conflict": "original",
    "unknown_id_status": 422,
}
# Content failures are operation-level with this code (INFER: the real code list is UNKNOWN).
CONTENT_CODE = "content_policy_violation"
CONTENT_MESSAGES = {
    "nsfw": "The prompt or lyrics contain explicit content.",
    "artist_name": "The prompt or lyrics name a real artist.",
}
FETCH_LIMIT_BYTES = 60 * 1024 * 1024
FETCH_TIMEOUT = 10.0

# Tests may replace the network used to fetch input audio that the sandbox did not make.
input_transport: httpx.BaseTransport | None = None

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case


def ulid() -> str:
    """26 characters of ``[0-9a-z]``: a lowercase ULID (time-ordered, then random)."""
    value = (int(time.time() * 1000) << 80) | secrets.randbits(80)
    chars = []
    for _ in range(26):
        value, digit = divmod(value, 32)
        chars.append(_ALPHABET[digit])
    return "".join(reversed(chars))


def new_operation_id() -> str:
    return "op_" + ulid()


def option(account: SandboxAccount, name: str):
    return account.option(name, DEFAULTS.get(name))


def wrapper_for(account: SandboxAccount, action: str) -> str:
    custom = account.option("wrappers", {}) or {}
    if action in custom:
        return custom[action]
    if action == "adapt.separate_stems":
        return account.option("stems_wrapper", WRAPPERS[action])
    return WRAPPERS[action]


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def public_status(op: SandboxOperation) -> str:
    return op.status if op.status in TERMINAL else "processing"


# --- Creating ------------------------------------------------------------------------------
def create(
    account: SandboxAccount,
    action: str,
    request_data: dict,
    *,
    base_url: str,
    callback_url: str | None,
    planned_error: dict | None,
) -> SandboxOperation:
    now = timezone.now()
    extra = {"base_url": base_url}
    if callback_url:
        extra["callback_url"] = callback_url
    if planned_error:
        extra["planned_error"] = planned_error
    return SandboxOperation.objects.create(
        account=account,
        remote_id=new_operation_id(),
        action=action,
        idempotency_key=request_data["idempotency_key"],
        request=request_data,
        status="processing",
        created_at=now,
        ready_at=now + timedelta(seconds=float(option(account, "processing_seconds"))),
        extra=extra,
    )


# --- Advancing -----------------------------------------------------------------------------
class InputProblem(Exception):
    """Input audio that cannot be used: the operation fails with ``code``."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def _claim(op: SandboxOperation) -> bool:
    now = time.time()
    lease = {"lease_until": now + RENDER_LEASE_SECONDS}
    stale_render = Q(status="rendering", result__lease_until__lt=now)
    claimed = (
        SandboxOperation.objects.filter(pk=op.pk)
        .filter(Q(status="processing") | stale_render)
        .update(status="rendering", result=lease)
    )
    return claimed == 1


def advance(op: SandboxOperation) -> SandboxOperation:
    """Finish ``op`` if it is due and nobody else is finishing it; return its fresh state."""
    if op.status in TERMINAL or op.ready_at > timezone.now():
        return op
    if not _claim(op):
        op.refresh_from_db()
        return op
    op.refresh_from_db()
    planned = op.extra.get("planned_error")
    try:
        if planned:
            status, result, error = "failed", {}, planned
        else:
            outputs = render_outputs(op)
            result = {"outputs": [stored.pk for stored in outputs]}
            status, error = "ready", None
    except InputProblem as problem:
        status, result, error = "failed", {}, {"code": problem.code, "message": problem.message}
    except Exception:
        logger.exception("Sandbox Soundpiece operation %s could not be rendered", op.remote_id)
        status, result = "failed", {}
        error = {"code": "internal_error", "message": "The audio could not be generated."}
    op.status, op.result, op.error = status, result, error
    op.save(update_fields=["status", "result", "error"])
    queue_webhook(op)
    return op


# --- DTOs ----------------------------------------------------------------------------------
def output_entries(op: SandboxOperation, base_url: str) -> list[dict]:
    """The outputs with links signed now: every GET hands out fresh ones."""
    ttl = float(option(op.account, "url_ttl"))
    records = {record.pk: record for record in op.files.all()}
    entries = []
    for pk in op.result.get("outputs", []):
        record = records.get(pk)
        if record is None:
            continue
        url, expires = files.signed_url(base_url, record, ttl=ttl)
        entry = {
            "url": url,
            "expires_at": iso(datetime.fromtimestamp(expires, tz=UTC)),
            "duration": round(record.duration, 3),
        }
        if op.action == "adapt.separate_stems":
            entry = {"kind": record.name.rsplit(".", 1)[0], **entry}
        entries.append(entry)
    return entries


def dto(op: SandboxOperation, base_url: str, *, snapshot: bool = False) -> dict:
    """The operation as Soundpiece shows it; ``snapshot`` gives the state at acceptance."""
    status = "processing" if snapshot else public_status(op)
    body = {
        "id": op.remote_id,
        "status": status,
        "created_at": iso(op.created_at),
        "idempotency_key": op.idempotency_key,
    }
    for name in ECHO_FIELDS[op.action]:
        body[name] = op.request.get(name)
    outputs = output_entries(op, base_url) if status == "ready" else None
    if op.action in SINGLE_OUTPUT:
        body["output"] = outputs[0] if outputs else None
    else:
        body["outputs"] = outputs
    body["error"] = op.error if status == "failed" else None
    return body


def wrapped(op: SandboxOperation, base_url: str, *, snapshot: bool = False) -> dict:
    return {wrapper_for(op.account, op.action): dto(op, base_url, snapshot=snapshot)}


# --- Webhooks ------------------------------------------------------------------------------
def queue_webhook(op: SandboxOperation) -> SandboxWebhook | None:
    """Owe one delivery of the terminal state, if a callback was asked for and can be signed.

    Soundpiece sends callbacks only when the account has an active signing secret (one
    version of its webhooks page), so an account without secrets gets none.
    """
    url = op.extra.get("callback_url")
    if not url or op.status not in TERMINAL or not op.account.webhook_secrets:
        return None
    if op.webhooks.exists():
        return None
    payload = {
        "type": f"{op.action}.{op.status}",
        "data": dto(op, op.extra.get("base_url", "")),
    }
    return SandboxWebhook.objects.create(
        operation=op,
        url=url,
        webhook_id="msg_" + ulid(),
        timestamp=0,  # set at the first attempt, then kept for every retry (DOCUMENTED)
        payload=payload,
        next_attempt_at=timezone.now(),
    )


# --- Input audio ---------------------------------------------------------------------------
@dataclass
class Source:
    """Input audio: the synth recipe when the sandbox made it, else decoded samples."""

    recipe: dict | None
    audio: np.ndarray | None
    sample_rate: int
    seconds: float


def _decode(data: bytes) -> tuple[np.ndarray, int]:
    try:
        audio, rate = soundfile.read(io.BytesIO(data), dtype="float32", always_2d=True)
    except Exception as exc:  # soundfile raises several kinds for undecodable input
        raise InputProblem("source_undecodable", "The source audio could not be decoded.") from exc
    return audio, rate


def load_source(url: str) -> Source:
    """Fetch input audio like the real service would, or reuse a sandbox file's recipe."""
    record = files.find_by_url(url)
    if record is not None:
        signature = url.split("/sandbox/files/", 1)[1].split("/", 1)[0]
        try:
            _, expires = files.parse_signature(signature)
        except signing.BadSignature:
            expires = 0
        if expires < time.time():
            raise InputProblem(
                "source_unreachable", "The source URL could not be downloaded (HTTP 403)."
            )
        if record.recipe:
            return Source(record.recipe, None, SAMPLE_RATE, record.duration)
        with default_storage.open(record.path, "rb") as handle:
            audio, rate = _decode(handle.read())
        return Source(None, audio, rate, len(audio) / rate)
    data = _fetch(url)
    audio, rate = _decode(data)
    return Source(None, audio, rate, len(audio) / rate)


def _fetch(url: str) -> bytes:
    try:
        with (
            httpx.Client(
                transport=input_transport, timeout=FETCH_TIMEOUT, follow_redirects=True
            ) as client,
            client.stream("GET", url) as response,
        ):
            if response.status_code != 200:
                raise InputProblem(
                    "source_unreachable",
                    f"The source URL could not be downloaded (HTTP {response.status_code}).",
                )
            data = bytearray()
            for chunk in response.iter_bytes():
                data.extend(chunk)
                if len(data) > FETCH_LIMIT_BYTES:
                    raise InputProblem("source_unreachable", "The source audio is too large.")
            return bytes(data)
    except httpx.HTTPError as exc:
        raise InputProblem("source_unreachable", "The source URL could not be downloaded.") from exc


# --- Audio ---------------------------------------------------------------------------------
def _seed(op: SandboxOperation, index: int) -> int:
    return int.from_bytes(op.remote_id[-8:].encode(), "big") % (2**31) + index


def render_outputs(op: SandboxOperation) -> list:
    """Make and store the output files of ``op``; the one place that turns requests into audio.

    Placeholder until the synthesiser lands: a short tone of the right length per output.
    """
    request = op.request
    account = op.account
    if op.action in ("create.new_song", "create.new_instrumental"):
        count, seconds = int(option(account, "variations")), float(option(account, "song_seconds"))
        plan = [(f"{op.action.split('_', 1)[1]}-{i + 1}.flac", seconds) for i in range(count)]
    elif op.action in ("create.new_sample", "create.new_fx"):
        plan = [(op.action.split("_", 1)[1] + ".flac", float(request["duration"]))]
    elif op.action in ("create.remix_song", "create.remix_instrumental"):
        source = load_source(request["source"]["url"])
        plan = [(f"remix-{i + 1}.flac", source.seconds) for i in range(request["n_variations"])]
    elif op.action == "adapt.separate_stems":
        source = load_source(request["source"]["url"])
        plan = [(f"{kind}.flac", source.seconds) for kind in STEM_KINDS]
    else:
        source = load_source(request["source"]["url"])
        plan = [("cut.flac", min(source.seconds, float(request["target_duration"])))]
    stored = []
    for index, (name, seconds) in enumerate(plan):
        frames = max(1, int(round(seconds * SAMPLE_RATE)))
        t = np.arange(frames) / SAMPLE_RATE
        tone = 0.2 * np.sin(2 * np.pi * (220 + 55 * index) * t).astype("float32")
        buffer = io.BytesIO()
        soundfile.write(buffer, np.stack([tone, tone], axis=1), SAMPLE_RATE, format="FLAC")
        stored.append(
            files.store(op, name, buffer.getvalue(), duration=frames / SAMPLE_RATE, recipe=None)
        )
    return stored
