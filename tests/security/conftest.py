"""The access sweep's fixtures (tests/security/sweep.py)."""

from tests.security.sweep import fake_provider, world  # noqa: F401
