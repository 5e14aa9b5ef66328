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

import json
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import numpy as np
from django.core import signing
from django.core.files.storage import default_storage
from django.db.models import Q
from django.utils import timezone

from soundsite.sandbox import files, stock, synth
from soundsite.sandbox.models import SandboxAccount, SandboxOperation, SandboxWebhook
from soundsite.sandbox.synth_dsp import to_stereo

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


@dataclass
class Job:
    """What rendering needs, read from the database first so rendering itself needs none."""

    remote_id: str
    action: str
    request: dict
    options: dict
    planned_error: dict | None
    inputs: dict  # field name → Source, or the URL still to fetch


@dataclass
class Outcome:
    made: list | None = None
    error: dict | None = None


def start(op: SandboxOperation) -> tuple[SandboxOperation, Job | None]:
    """Claim ``op`` if it is due and nobody else is finishing it (database work only).

    Returns the fresh operation and, when this caller won the claim, the job to render.
    """
    if op.status in TERMINAL or op.ready_at > timezone.now():
        return op, None
    won = _claim(op)
    op.refresh_from_db()
    if not won:
        return op, None
    inputs: dict = {}
    planned = op.extra.get("planned_error")
    if not planned:
        try:
            for name in ("reference", "source"):
                if op.request.get(name):
                    inputs[name] = locate_source(op.request[name]["url"])
        except InputProblem as problem:
            planned = {"code": problem.code, "message": problem.message}
    job = Job(op.remote_id, op.action, op.request, dict(op.account.options), planned, inputs)
    return op, job


def produce(job: Job) -> Outcome:
    """Fetch what must be fetched and render the audio; touches no database."""
    if job.planned_error:
        return Outcome(error=job.planned_error)
    try:
        if job.options.get("stock_audio") and not job.inputs:
            return Outcome(made=stock.once(_stock_key(job), lambda: render(job, {})))
        sources = {
            name: _from_bytes(_fetch(found)) if isinstance(found, str) else found
            for name, found in job.inputs.items()
        }
        return Outcome(made=render(job, sources))
    except InputProblem as problem:
        return Outcome(error={"code": problem.code, "message": problem.message})
    except Exception:
        logger.exception("Sandbox Soundpiece operation %s could not be rendered", job.remote_id)
        return Outcome(
            error={"code": "internal_error", "message": "The audio could not be generated."}
        )


def _stock_key(job: Job) -> tuple:
    """What shapes a made-from-nothing operation's files: all but its words (``stock``)."""
    shape = {name: value for name, value in job.request.items() if not isinstance(value, str)}
    options = (job.options.get("song_seconds"), job.options.get("variations"))
    return PROVIDER, job.action, json.dumps(shape, sort_keys=True, default=str), options


def complete(op: SandboxOperation, outcome: Outcome) -> SandboxOperation:
    """Store the files and the terminal state, and owe the webhook (database work only)."""
    if outcome.made is not None:
        stored = [
            files.store(op, item.name, item.data, duration=item.seconds, recipe=item.recipe)
            for item in outcome.made
        ]
        op.status, op.result, op.error = "ready", {"outputs": [f.pk for f in stored]}, None
    else:
        op.status, op.result, op.error = "failed", {}, outcome.error
    op.save(update_fields=["status", "result", "error"])
    queue_webhook(op)
    return op


def advance(op: SandboxOperation) -> SandboxOperation:
    """Finish ``op`` if it is due and nobody else is finishing it; return its fresh state.

    All in the calling thread: for the webhook dispatcher and other synchronous callers.
    The async views run the three phases on their own threads instead.
    """
    op, job = start(op)
    return complete(op, produce(job)) if job is not None else op


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
    """Input audio: the synth recipe when the sandbox made it, else samples at 44.1 kHz."""

    recipe: synth.Recipe | None
    audio: np.ndarray | None
    seconds: float


def _to_sample_rate(audio: np.ndarray, rate: int) -> np.ndarray:
    """Linear resampling to 44.1 kHz: plain, but linear, so stems still sum to the input."""
    if rate == SAMPLE_RATE or len(audio) == 0:
        return audio
    frames = max(1, round(len(audio) * SAMPLE_RATE / rate))
    old = np.arange(len(audio)) / rate
    new = np.arange(frames) / SAMPLE_RATE
    columns = [np.interp(new, old, audio[:, c]) for c in range(audio.shape[1])]
    return np.stack(columns, axis=1).astype(np.float32)


def _from_bytes(data: bytes) -> Source:
    # Sandbox FLACs carry their recipe in a comment tag, so a copy that travelled (archived in
    # the library and served from its own signed link) is still recognised as sandbox-made.
    recipe = synth.recipe_from_audio(data)
    if recipe is not None:
        return Source(recipe, None, recipe.seconds)
    try:
        audio, rate = synth.decode(data)
    except synth.SynthError as exc:
        raise InputProblem("source_undecodable", "The source audio could not be decoded.") from exc
    if len(audio) == 0:
        raise InputProblem("source_undecodable", "The source audio is empty.")
    audio = _to_sample_rate(to_stereo(audio), rate)
    return Source(None, audio, len(audio) / SAMPLE_RATE)


def locate_source(url: str) -> Source | str:
    """A sandbox file's recipe or audio (read here), or the URL to fetch like a real service."""
    record = files.find_by_url(url)
    if record is None:
        return url
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
        return Source(synth.Recipe.from_json(record.recipe), None, record.duration)
    with default_storage.open(record.path, "rb") as handle:
        return _from_bytes(handle.read())


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
@dataclass
class Made:
    """One output file before it is stored."""

    name: str
    data: bytes
    seconds: float
    recipe: dict | None = None


def _seed(job: Job, index: int) -> int:
    return int.from_bytes(job.remote_id[-8:].encode(), "big") % (2**31) + index


def _mix(name: str, piece: synth.Piece) -> Made:
    return Made(name, piece.encode("flac"), piece.seconds, piece.recipe.to_json())


def _plain(name: str, audio: np.ndarray) -> Made:
    return Made(name, synth.encode(audio, SAMPLE_RATE, "flac"), len(audio) / SAMPLE_RATE)


def _traits(source: Source | None) -> dict:
    """Tempo, key, mode (and style) of a reference track, for a new piece to follow."""
    if source is None:
        return {}
    if source.recipe is not None:
        recipe = source.recipe
        return {
            "tempo": recipe.tempo,
            "key": recipe.key,
            "mode": recipe.mode,
            "style": recipe.extra.get("style"),
        }
    found = synth.analyse(source.audio, SAMPLE_RATE)
    return {"tempo": found["tempo"], "key": found["key"], "mode": found["mode"]}


def _create(job: Job, sources: dict) -> list[Made]:
    request = job.request
    if job.action in ("create.new_sample", "create.new_fx"):
        make = synth.sample if job.action == "create.new_sample" else synth.effect
        options = {"loopable": bool(request.get("loopable"))} if make is synth.sample else {}
        name = "sample.flac" if make is synth.sample else "fx.flac"
        piece = make(
            request["prompt"], seconds=float(request["duration"]), seed=_seed(job, 0), **options
        )
        return [_mix(name, piece)]
    singing = job.action == "create.new_song"
    kind = "song" if singing else "instrumental"
    reference = sources.get("reference")
    prompt = request.get("prompt") or (
        reference.recipe.prompt if reference and reference.recipe else ""
    )
    extra = {"lyrics": request["lyrics"]} if singing else {}
    seconds = float(job.options.get("song_seconds", DEFAULTS["song_seconds"]))
    made = []
    for index in range(int(job.options.get("variations", DEFAULTS["variations"]))):
        recipe = synth.plan(
            kind,
            prompt,
            seconds=seconds,
            seed=_seed(job, index),
            vocals=singing,
            **extra,
            **_traits(reference),
        )
        made.append(_mix(f"{kind}-{index + 1}.flac", synth.render(recipe)))
    return made


def _adapt(job: Job, sources: dict) -> list[Made]:
    request = job.request
    source = sources["source"]
    if job.action == "adapt.separate_stems":
        if source.recipe is not None:
            piece = synth.render(source.recipe)
            return [
                Made(f"{kind}.flac", piece.encode("flac", stem=kind, tag=False), piece.seconds)
                for kind in synth.separate(piece)
            ]
        stems = synth.separate_audio(source.audio, SAMPLE_RATE)
        return [_plain(f"{kind}.flac", audio) for kind, audio in stems.items()]
    if job.action == "adapt.auto_cut_down":
        target = float(request["target_duration"])
        if source.recipe is not None:
            return [_mix("cut.flac", synth.cut_down(source.recipe, target))]
        cut = synth.process_audio(source.audio, SAMPLE_RATE, kind="cut", target_seconds=target)
        return [_plain("cut.flac", cut)]
    singing = job.action == "create.remix_song"
    made = []
    for index in range(int(request.get("n_variations") or 1)):
        seed = _seed(job, index)
        name = f"remix-{index + 1}.flac"
        if source.recipe is None:
            prompt = request.get("prompt", "")
            audio = synth.process_audio(
                source.audio, SAMPLE_RATE, kind="remix", prompt=prompt, seed=seed
            )
            made.append(_plain(name, audio))
            continue
        # A remixed song is sung to the new lyrics in the described style; an instrumental
        # remix has only its source to go by.
        prompt = request["prompt"] if singing else source.recipe.prompt
        recipe = synth.remix_recipe(source.recipe, prompt, seed=seed, vocals=singing)
        if singing:
            recipe.extra["lyrics"] = request["lyrics"]
        made.append(_mix(name, synth.render(recipe)))
    return made


def render(job: Job, sources: dict) -> list[Made]:
    """The output files of a job, made with the synthesiser (FLAC, 44.1 kHz)."""
    try:
        return (
            _create(job, sources) if job.action.startswith("create.new_") else _adapt(job, sources)
        )
    except synth.SynthError as exc:
        raise InputProblem("input_out_of_range", str(exc)) from exc
