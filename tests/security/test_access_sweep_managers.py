"""The access sweep for admin and owner (tests/security/sweep.py, docs/security.md)."""

import pytest

from tests.security.sweep import (
    run_sweep,
)


@pytest.mark.parametrize("persona", ["admin", "owner"])
def test_access_sweep(world, persona):
    run_sweep(world, persona)
