"""Fault injection: counted faults, probabilistic faults and their seeded sequences."""

import pytest

from soundsite.sandbox import faults
from soundsite.sandbox.accounts import create_account


@pytest.fixture
def account(db):
    return create_account("soundpiece", plan="growth")


def fire_pattern(account, kind, draws):
    # take() looks at the account's armed faults first, as the sandbox views load it.
    account.refresh_from_db()
    return [faults.take(account, kind) is not None for _ in range(draws)]


def test_a_counted_fault_fires_its_number_of_times(account):
    faults.inject(account, "server_error", times=2, status=502)
    account.refresh_from_db()
    assert faults.take(account, "server_error") == {"status": 502}
    assert faults.take(account, "server_error") == {"status": 502}
    assert faults.take(account, "server_error") is None


def test_a_probabilistic_fault_fires_at_about_its_rate_and_stays_armed(account):
    faults.inject(account, "rate_limit", probability=0.2, seed=7, retry_after=1)
    fired = fire_pattern(account, "rate_limit", 500)
    assert 60 <= sum(fired) <= 140
    account.refresh_from_db()
    assert [f["kind"] for f in account.faults] == ["rate_limit"]
    assert faults.take(account, "rate_limit") in (None, {"retry_after": 1})


def test_a_seeded_fault_replays_the_same_draws(account, monkeypatch):
    faults.inject(account, "truncate", probability=0.3, seed="soak-1", fraction=0.4)
    first = fire_pattern(account, "truncate", 60)
    monkeypatch.setattr(faults, "_SEQUENCES", {})
    assert fire_pattern(account, "truncate", 60) == first
    monkeypatch.setattr(faults, "_SEQUENCES", {})
    faults.clear(account)
    faults.inject(account, "truncate", probability=0.3, seed="soak-2", fraction=0.4)
    assert fire_pattern(account, "truncate", 60) != first


def test_seeded_faults_of_different_kinds_draw_independently(account):
    faults.inject(account, "server_error", probability=0.5, seed=1)
    faults.inject(account, "slow", probability=0.5, seed=1, seconds=1)
    errors = fire_pattern(account, "server_error", 40)
    slows = fire_pattern(account, "slow", 40)
    assert errors != slows


def test_a_probability_outside_zero_to_one_is_refused(account):
    with pytest.raises(ValueError, match="between 0 and 1"):
        faults.inject(account, "server_error", probability=1.5)
    with pytest.raises(ValueError, match="Unknown sandbox fault"):
        faults.inject(account, "gremlins")
