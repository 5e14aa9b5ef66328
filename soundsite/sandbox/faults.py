"""Fault injection and request counting for the sandbox APIs.

Tests (and the demo) arm faults on a sandbox account; the sandbox views ask ``take()`` at the
point where each fault applies. A fault fires a number of ``times`` (``None`` means for ever),
or with a ``probability`` per request, so that soak tests can mix faults at given rates. A
probabilistic fault armed with a ``seed`` draws from its own random sequence (one per fault and
server process), so a soak run's draws can be replayed.

Fault kinds, and the parameters each understands:

``server_error``     answer with ``status`` (default 503) before doing anything
``rate_limit``       answer 429 with ``Retry-After: retry_after`` (default 2)
``slow``             sleep ``seconds`` before answering (past a client's timeout)
``fail``             the operation ends ``failed`` with ``code`` / ``message``
``truncate``         a download stops after ``fraction`` (default 0.5) of the file
``expire``           download links are already expired when handed out
``break_stream``     an event stream stops after ``after_chunks`` chunks (default 3)
``nsfw``             content check fails: explicit words
``artist_name``      content check fails: an artist's name
``out_of_credits``   the account has no credits / balance left
``reject_key``       the key is refused (401) as if revoked
"""

import random
import threading

from django.db import transaction

from soundsite.sandbox.models import SandboxAccount, SandboxRequest

KINDS = (
    "server_error",
    "rate_limit",
    "slow",
    "fail",
    "truncate",
    "expire",
    "break_stream",
    "nsfw",
    "artist_name",
    "out_of_credits",
    "reject_key",
)


# Seeded random sequences, one per armed fault: (account, kind, seed) → Random.
_SEQUENCES: dict[tuple[int, str, object], random.Random] = {}
_SEQUENCES_LOCK = threading.Lock()


def _draw(account_pk: int, fault: dict) -> float:
    seed = fault.get("seed")
    if seed is None:
        return random.random()
    with _SEQUENCES_LOCK:
        sequence = _SEQUENCES.setdefault(
            (account_pk, fault["kind"], seed), random.Random(f"{account_pk}:{fault['kind']}:{seed}")
        )
        return sequence.random()


def inject(
    account: SandboxAccount,
    kind: str,
    *,
    times: int | None = 1,
    probability: float | None = None,
    **params,
) -> None:
    """Arm a fault on ``account``: it fires ``times`` times, or with ``probability``.

    A ``seed`` among ``params`` makes a probabilistic fault draw from its own sequence.
    """
    if kind not in KINDS:
        raise ValueError(f"Unknown sandbox fault {kind!r}; choose one of {', '.join(KINDS)}.")
    if probability is not None and not 0 <= probability <= 1:
        raise ValueError("A fault's probability must be between 0 and 1.")
    with transaction.atomic():
        account = SandboxAccount.objects.select_for_update().get(pk=account.pk)
        fault = {"kind": kind, "times": times, "probability": probability, **params}
        account.faults = [*account.faults, fault]
        account.save(update_fields=["faults"])


def clear(account: SandboxAccount) -> None:
    SandboxAccount.objects.filter(pk=account.pk).update(faults=[])


def take(account: SandboxAccount | None, kind: str) -> dict | None:
    """Return the parameters of an armed fault of ``kind`` if it fires now, using it up."""
    if account is None or not any(f["kind"] == kind for f in account.faults):
        return None
    # A probabilistic fault is never used up: draw from the faults as loaded, without taking
    # the account's row lock (a soak run asks several times per request).
    for fault in account.faults:
        probability = fault.get("probability") if fault["kind"] == kind else None
        if probability is not None and _draw(account.pk, fault) < probability:
            return _params(fault)
    if not any(f["kind"] == kind and f.get("probability") is None for f in account.faults):
        return None
    with transaction.atomic():
        fresh = SandboxAccount.objects.select_for_update().get(pk=account.pk)
        for index, fault in enumerate(fresh.faults):
            if fault["kind"] != kind:
                continue
            if fault.get("probability") is not None:
                continue  # drawn above
            if fault.get("times") is not None:
                remaining = fault["times"] - 1
                faults = list(fresh.faults)
                if remaining <= 0:
                    del faults[index]
                else:
                    faults[index] = {**fault, "times": remaining}
                fresh.faults = faults
                fresh.save(update_fields=["faults"])
            account.faults = fresh.faults
            return _params(fault)
    return None


def _params(fault: dict) -> dict:
    hidden = ("kind", "times", "probability", "seed")
    return {k: v for k, v in fault.items() if k not in hidden}


def record(
    provider: str,
    account: SandboxAccount | None,
    request,
    *,
    idempotency_key: str = "",
    remote_id: str = "",
    status_code: int | None = None,
    fault: str = "",
) -> SandboxRequest:
    """Count one request the sandbox received."""
    return SandboxRequest.objects.create(
        provider=provider,
        account=account,
        method=request.method,
        path=request.path,
        idempotency_key=idempotency_key,
        remote_id=remote_id,
        status_code=status_code,
        fault=fault,
    )


def count(
    account: SandboxAccount,
    *,
    method: str | None = None,
    path_contains: str = "",
    idempotency_key: str | None = None,
) -> int:
    """How many requests ``account`` sent, optionally narrowed by method, path and key."""
    requests = SandboxRequest.objects.filter(account=account)
    if method:
        requests = requests.filter(method=method)
    if path_contains:
        requests = requests.filter(path__contains=path_contains)
    if idempotency_key is not None:
        requests = requests.filter(idempotency_key=idempotency_key)
    return requests.count()
