"""Every Soundpiece action meets every error kind and every injected fault of the sandbox.

The other client tests prove each behaviour in depth on one action; this matrix proves that no
action is left out: for each of the eight, the refusals before any work (key, 5xx, 429, credits,
invalid input), then success, then failures after acceptance (a chosen code, NSFW,
an artist's name), then broken downloads (cut short, expired). The sandbox's own counters show
that every PUT that reached it under one idempotency key made at most one operation.

The "slow" fault (a client giving up mid-request) is tested once in test_soundpiece_client.py;
see test_soundverse_every_fault.py for why it is not repeated for every action.
"""

import uuid

import pytest

from soundsite.providers.base import (
    ContentRejected,
    InputRejected,
    KeyRejected,
    OperationFailed,
    OutOfCredits,
    ProviderUnavailable,
    RateLimited,
    Status,
)
from soundsite.providers.downloads import DownloadIncomplete, LinkExpired
from soundsite.providers.soundpiece import OPERATIONS_BY_KEY, expected_results
from soundsite.sandbox import faults
from soundsite.sandbox.models import SandboxOperation
from tests.providers.soundpiece_support import make_harness

LYRICS = "[Verse]\nNeon on the water"


def inputs(action: str, source: str) -> tuple[dict, dict, str]:
    """(good params, params the server refuses, the field it names) for ``action``."""
    table = {
        "create.new_song": (
            {"prompt": "synthwave, melancholic", "lyrics": LYRICS},
            {"prompt": "synthwave", "lyrics": ""},
            "lyrics",
        ),
        "create.new_instrumental": (
            {"prompt": "lofi, rain"},
            {"prompt": "x" * 1025},
            "prompt",
        ),
        "create.new_sample": (
            {"prompt": "rock, guitar", "duration": 1.5, "loopable": True},
            {"prompt": "rock, guitar"},
            "duration",
        ),
        "create.new_fx": (
            {"prompt": "an impact", "duration": 1},
            {"prompt": "", "duration": 1},
            "prompt",
        ),
        "create.remix_song": (
            {"source": source, "lyrics": "new words", "prompt": "acoustic", "n_variations": 2},
            {"source": source, "lyrics": "new words", "prompt": "acoustic", "n_variations": 4},
            "n_variations",
        ),
        "create.remix_instrumental": (
            {"source": source},
            {"source": source, "n_variations": 0},
            "n_variations",
        ),
        "adapt.separate_stems": (
            {"source": source},
            {"source": "not a link"},
            "source",
        ),
        "adapt.auto_cut_down": (
            {"source": source, "target_duration": 2},
            {"source": source},
            "target_duration",
        ),
    }
    assert set(table) == set(OPERATIONS_BY_KEY), "every action needs inputs here"
    return table[action]


def made_source(harness) -> str:
    _, result = harness.finish(
        "create.new_sample", {"prompt": "funk, bass, drums, vocals", "duration": 3}
    )
    return result.outputs[0].url


@pytest.mark.parametrize("action", sorted(OPERATIONS_BY_KEY))
def test_every_fault_and_error_kind(action, transactional_db):
    harness = make_harness()
    try:
        source = made_source(harness)
        good, bad, field = inputs(action, source)
        made_before = SandboxOperation.objects.filter(account=harness.account).count()
        key = str(uuid.uuid4())

        # Refused before any work: each is a different error kind, all under one key.
        refusals = [
            ("reject_key", {}, KeyRejected),
            ("server_error", {"status": 502}, ProviderUnavailable),
            ("rate_limit", {"retry_after": 4}, RateLimited),
            ("out_of_credits", {}, OutOfCredits),
        ]
        for kind, params, error in refusals:
            faults.inject(harness.account, kind, times=1, **params)
            with pytest.raises(error) as caught:
                harness.submit(action, good, key=key)
            assert type(caught.value) is error, kind
            assert caught.value.message and harness.account.api_key not in caught.value.message
            if kind == "rate_limit":
                assert caught.value.retry_after == 4
            if kind == "server_error":
                assert caught.value.status_code == 502 and caught.value.retryable
        with pytest.raises(InputRejected) as caught:
            harness.submit(action, bad, key=str(uuid.uuid4()))
        assert caught.value.status_code == 422 and field in caught.value.fields, caught.value.fields

        # Success, with the same key as every refused attempt: one operation, not five.
        submitted, ready = harness.finish(action, good, key=key)
        assert ready.status is Status.READY and ready.remote_id == submitted.remote_id
        expected = expected_results(action, good) or 2  # the sandbox's default variations
        assert len(ready.outputs) == expected
        assert faults.count(harness.account, method="PUT", idempotency_key=key) == 5
        made = SandboxOperation.objects.filter(account=harness.account).count() - made_before
        assert made == 1

        # Accepted, then failed: a chosen code, and both content rejections.
        faults.inject(harness.account, "fail", times=1, code="source_undecodable")
        _, failed = harness.finish(action, good)
        assert failed.status is Status.FAILED and failed.outputs == []
        assert isinstance(failed.error, OperationFailed)
        assert failed.error.code == "source_undecodable"
        for kind in ("nsfw", "artist_name"):
            faults.inject(harness.account, kind, times=1)
            _, rejected = harness.finish(action, good)
            assert rejected.status is Status.FAILED
            assert isinstance(rejected.error, ContentRejected) and rejected.error.reason == kind

        # Downloads: cut short, then expired, then a fresh link that works.
        url = ready.outputs[0].url
        faults.inject(harness.account, "truncate", times=1, fraction=0.4)
        with pytest.raises(DownloadIncomplete):
            harness.download(url)
        assert harness.download(url)[:4] == b"fLaC"
        faults.inject(harness.account, "expire", times=1)
        stale = harness.poll(action, ready.remote_id).outputs[0]
        with pytest.raises(LinkExpired):
            harness.download(stale.url)
        fresh = harness.run(harness.client.refresh_outputs(action, ready.remote_id))
        assert harness.download(fresh[0].url)[:4] == b"fLaC"
        harness.account.refresh_from_db()
        assert harness.account.faults == [], "every armed fault fired"
    finally:
        harness.close()
