"""The access sweep for viewer and member (tests/security/sweep.py, docs/security.md)."""

import pytest

from tests.security.sweep import (
    run_sweep,
)


@pytest.mark.parametrize("persona", ["viewer", "member"])
def test_access_sweep(world, persona):
    run_sweep(world, persona)
