"""The Soundpiece v1 stand-in: ``PUT /v1/<action>`` submits, ``GET /v1/<action>`` polls.

It answers like the real service as the reference documents it (``shared/providers/
soundpiece.md``, section 15 for the gaps): FastAPI's 404 / 405 / 422 shapes, the documented
401 body, 400 for JSON that does not parse, idempotency by (account, ``idempotency_key``)
where only accepted requests are kept, long-polls held up to ``wait_cap`` seconds, signed
links re-signed on every GET, credits (402) and per-account rate limits (429 with
``Retry-After``). Every request is counted with ``faults.record``, rejected ones included, and
the armed faults of the key fire where they apply.

The views are async so that a long-poll holds no thread while it waits. Their database work
runs on one dedicated thread per process (``db``): SQLite takes one writer at a time anyway,
and hundreds of waiting long-polls then cost one thread, not one each. Rendering audio, the
slow part, runs on worker threads between two short database steps.
"""

from __future__ import annotations

import asyncio
import http
import json
import math
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from asgiref.sync import sync_to_async
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from soundsite.sandbox import accounts, faults
from soundsite.sandbox import soundpiece_ops as ops
from soundsite.sandbox import soundpiece_schemas as schemas
from soundsite.sandbox import soundpiece_webhooks as webhooks
from soundsite.sandbox.models import SandboxAccount, SandboxOperation, SandboxRequest
from soundsite.sandbox.threads import database_thread

PROVIDER = ops.PROVIDER
AUTH_DETAIL = "Missing or invalid Authorization header"  # DOCUMENTED example text
FAIL_MESSAGE = "Something went wrong while generating the audio."

# ``function`` as a coroutine run on the stand-in's database thread (``sandbox.threads``).
db = database_thread("sandbox-soundpiece-db")


async def advance(op: SandboxOperation) -> SandboxOperation:
    """``ops.advance`` in three steps: claim (database), render (worker), store (database)."""

    async def claim_and_finish():
        claimed, job = await db(ops.start)(op)
        if job is None:
            return claimed
        outcome = await sync_to_async(ops.produce, thread_sensitive=False)(job)
        return await db(ops.complete)(claimed, outcome)

    # A poller that gives up (or hangs up) must not leave the operation half-finished: the claim
    # is committed in the database thread, so a caller cancelled while waiting for its answer
    # would otherwise leave the operation claimed until the render lease runs out.
    return await asyncio.shield(asyncio.ensure_future(claim_and_finish()))


@dataclass
class Exchange:
    """One received request, counted at arrival and completed with what became of it."""

    row_pk: int
    account: SandboxAccount | None
    idempotency_key: str = ""
    remote_id: str = ""
    fault: str = ""


def detail(text: str, status: int) -> JsonResponse:
    return JsonResponse({"detail": text}, status=status)


def _claimed_key(request) -> str:
    """The idempotency key a PUT carries, read leniently so refused requests count too."""
    if request.method != "PUT":
        return ""
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return ""
    key = body.get("idempotency_key") if isinstance(body, dict) else None
    return key[:80] if isinstance(key, str) else ""


def _begin(request) -> Exchange:
    account = accounts.account_for_header(PROVIDER, request.headers.get("Authorization"))
    key = _claimed_key(request)
    row = faults.record(PROVIDER, account, request, idempotency_key=key)
    return Exchange(row.pk, account, idempotency_key=key)


def _end(exchange: Exchange, response: HttpResponse) -> None:
    SandboxRequest.objects.filter(pk=exchange.row_pk).update(
        status_code=response.status_code,
        idempotency_key=exchange.idempotency_key[:80],
        remote_id=exchange.remote_id[:64],
        fault=exchange.fault,
    )


def _too_many(seconds: int) -> JsonResponse:
    # DOCUMENTED: 429, ``Retry-After`` in seconds and this detail text; no X-RateLimit-*.
    response = detail(f"Rate limit exceeded; retry in {seconds} seconds", 429)
    response["Retry-After"] = str(seconds)
    return response


def _rate_limited(account: SandboxAccount, exchange: Exchange) -> int:
    """Seconds to wait when the account's request budget is spent, else 0."""
    limit = account.option("rate_limit", None)
    if not limit:
        return 0
    window, allowed = float(limit["seconds"]), int(limit["requests"])
    now = timezone.now()
    recent = list(
        SandboxRequest.objects.filter(
            account=account, created_at__gte=now - timedelta(seconds=window)
        )
        .exclude(pk=exchange.row_pk)
        .exclude(status_code=429)
        .order_by("created_at")
        .values_list("created_at", flat=True)
    )
    if len(recent) < allowed:
        return 0
    frees_at = recent[len(recent) - allowed] + timedelta(seconds=window)
    return max(1, math.ceil((frees_at - now).total_seconds()))


def _gate(request, exchange: Exchange) -> tuple[HttpResponse | None, float]:
    """Faults and checks that apply to every request, in the order a server meets them."""
    account = exchange.account
    fault = faults.take(account, "server_error")
    if fault is not None:
        exchange.fault = "server_error"
        status = int(fault.get("status", 503))
        try:
            phrase = http.HTTPStatus(status).phrase
        except ValueError:
            phrase = "Server Error"
        # Upstream proxies answer 5xx in plain text, so clients must not expect JSON here.
        return HttpResponse(phrase, status=status, content_type="text/plain"), 0
    if account is None:
        return detail(AUTH_DETAIL, 401), 0
    if faults.take(account, "reject_key") is not None:
        exchange.fault = "reject_key"
        return detail(AUTH_DETAIL, 401), 0
    fault = faults.take(account, "rate_limit")
    if fault is not None:
        exchange.fault = "rate_limit"
        return _too_many(int(fault.get("retry_after", 2))), 0
    wait = _rate_limited(account, exchange)
    if wait:
        return _too_many(wait), 0
    fault = faults.take(account, "slow")
    if fault is not None:
        exchange.fault = "slow"
        return None, float(fault.get("seconds", 35))
    return None, 0


def _base_url(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


# --- PUT -----------------------------------------------------------------------------------
def _planned_error(account: SandboxAccount, exchange: Exchange) -> dict | None:
    for kind in ("nsfw", "artist_name"):
        if faults.take(account, kind) is not None:
            exchange.fault = kind
            return {"code": ops.CONTENT_CODE, "message": ops.CONTENT_MESSAGES[kind]}
    fault = faults.take(account, "fail")
    if fault is not None:
        exchange.fault = "fail"
        return {
            "code": fault.get("code", "internal_error"),
            "message": fault.get("message", FAIL_MESSAGE),
        }
    return None


def _replay(
    existing: SandboxOperation, action: str, data: dict, base_url: str, exchange: Exchange
) -> JsonResponse:
    exchange.remote_id = existing.remote_id
    if existing.action != action or existing.request != data:
        # UNKNOWN upstream (reference 4.2): by default the original answer, as worded.
        mode = str(ops.option(existing.account, "idempotency_conflict"))
        if mode == "409":
            return detail("This idempotency_key was already used with a different request", 409)
        if mode == "422":
            entry = {
                "type": "value_error",
                "loc": ["body", "idempotency_key"],
                "msg": "Value error, idempotency_key was already used with a different request",
                "input": data["idempotency_key"],
            }
            return JsonResponse({"detail": [entry]}, status=422)
    current = ops.option(existing.account, "replay") == "current"
    if current:
        existing = ops.advance(existing)
    return JsonResponse(ops.wrapped(existing, base_url, snapshot=not current))


def _insufficient(needed: Decimal, balance: Decimal | None) -> JsonResponse:
    # The real 402 body is UNKNOWN beyond being an error; a ``detail`` string like the others.
    have = "no" if not balance else f"{balance.normalize():f}"
    return detail(
        f"Insufficient credits: this request needs {needed.normalize():f} and the account has "
        f"{have} left",
        402,
    )


class _NoCredit(Exception):
    pass


def _submit(request, action: str, exchange: Exchange) -> HttpResponse:
    account = exchange.account
    raw = request.body
    if not raw.strip():
        body = schemas.MISSING_BODY
    else:
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            return detail("There was an error parsing the body", 400)
    data, errors = schemas.validate_put(action, body, account.options)
    if errors:
        return JsonResponse({"detail": errors}, status=422)
    callback_url = data.pop("callback_url", None)
    https_only = account.option("callback_https_only", False)
    if callback_url and https_only and not callback_url.startswith("https://"):
        entry = {
            "type": "url_scheme",
            "loc": ["body", "callback_url"],
            "msg": "URL scheme should be 'https'",
            "input": callback_url,
        }
        return JsonResponse({"detail": [entry]}, status=422)
    key = data["idempotency_key"]
    exchange.idempotency_key = key
    base_url = _base_url(request)
    existing = (
        SandboxOperation.objects.filter(account=account, idempotency_key=key)
        .select_related("account")
        .first()
    )
    if existing is not None:
        return _replay(existing, action, data, base_url, exchange)
    if faults.take(account, "out_of_credits") is not None:
        exchange.fault = "out_of_credits"
        return _insufficient(Decimal(1), Decimal(0))
    cost = Decimal(str((account.option("credit_costs", {}) or {}).get(action, 1)))
    account.refresh_from_db(fields=["balance"])
    if account.balance is not None and account.balance < cost:
        return _insufficient(cost, account.balance)
    planned = _planned_error(account, exchange)
    try:
        with transaction.atomic():
            if account.balance is not None:
                debited = SandboxAccount.objects.filter(pk=account.pk, balance__gte=cost).update(
                    balance=F("balance") - cost
                )
                if not debited:
                    raise _NoCredit
            op = ops.create(
                account,
                action,
                data,
                base_url=base_url,
                callback_url=callback_url,
                planned_error=planned,
            )
    except _NoCredit:
        return _insufficient(cost, account.balance)
    except IntegrityError:
        # The same key arrived twice at once: the other request created the operation.
        existing = SandboxOperation.objects.select_related("account").get(
            account=account, idempotency_key=key
        )
        return _replay(existing, action, data, base_url, exchange)
    exchange.remote_id = op.remote_id
    if callback_url:
        webhooks.kick()
    return JsonResponse(ops.wrapped(op, base_url, snapshot=True))


# --- GET -----------------------------------------------------------------------------------
def _find(account: SandboxAccount, action: str, remote_id: str) -> SandboxOperation | None:
    return (
        SandboxOperation.objects.filter(account=account, action=action, remote_id=remote_id)
        .select_related("account")
        .first()
    )


def _unknown_id(account: SandboxAccount, remote_id: str) -> JsonResponse:
    # UNKNOWN upstream, except that it is not 404 (reference 6).
    status = int(ops.option(account, "unknown_id_status"))
    if status == 422:
        entry = {
            "type": "value_error",
            "loc": ["query", "id"],
            "msg": "Value error, operation not found",
            "input": remote_id,
        }
        return JsonResponse({"detail": [entry]}, status=422)
    return detail("Operation not found", status)


async def _poll(request, action: str, exchange: Exchange) -> HttpResponse:
    query, errors = schemas.validate_query(request.GET.dict())
    if errors:
        return JsonResponse({"detail": errors}, status=422)
    exchange.remote_id = query["id"]
    account = exchange.account
    op = await db(_find)(account, action, query["id"])
    if op is None:
        return _unknown_id(account, query["id"])
    loop = asyncio.get_running_loop()
    cap = float(ops.option(account, "wait_cap")) if query["wait"] else 0.0
    deadline = loop.time() + cap
    while True:
        op = await advance(op)
        remaining = deadline - loop.time()
        if op.status in ops.TERMINAL or remaining <= 0:
            break
        if op.status == "rendering":
            pause = 0.1  # another request is rendering it: look again soon
        else:
            pause = max(0.02, (op.ready_at - timezone.now()).total_seconds())
        await asyncio.sleep(min(remaining, pause))
    body = await db(ops.wrapped)(op, _base_url(request))
    return JsonResponse(body)


# --- Views ---------------------------------------------------------------------------------
async def _handle(request, action: str, exchange: Exchange) -> HttpResponse:
    if request.method not in ("GET", "PUT"):
        response = detail("Method Not Allowed", 405)
        response["Allow"] = "GET, PUT"
        return response
    refused, slow = await db(_gate)(request, exchange)
    if refused is not None:
        return refused
    if slow:
        await asyncio.sleep(slow)
    if request.method == "PUT":
        return await db(_submit)(request, action, exchange)
    return await _poll(request, action, exchange)


@csrf_exempt
async def action_view(request, action):
    """``/v1/<action>``: PUT submits, GET reads; any other action is FastAPI's 404."""
    exchange = await db(_begin)(request)
    if action not in ops.ACTIONS:
        response = detail("Not Found", 404)
    else:
        response = await _handle(request, action, exchange)
    await db(_end)(exchange, response)
    return response


@csrf_exempt
async def not_found(request, rest=""):
    """Every other path under the stand-in: 404 with FastAPI's default body."""
    exchange = await db(_begin)(request)
    response = detail("Not Found", 404)
    await db(_end)(exchange, response)
    return response
