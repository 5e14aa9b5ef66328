"""Helpers shared by the account tests."""

import pytest
from django.test import Client

HTMX = {"HX-Request": "true"}


@pytest.fixture
def as_user(client):
    """Sign a persona in and return the test client: ``as_user(owner).get(...)``."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def csrf_client():
    """A client that, like a browser, is refused when a POST carries no CSRF token."""
    return Client(enforce_csrf_checks=True)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The real hasher is slow on purpose; tests sign in hundreds of times.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
