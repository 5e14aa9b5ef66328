"""Shared fixtures: the three personas and a few small factories."""

import uuid

import pytest
from django.core.cache import caches

from tests.factories import make_member, make_user, make_workspace

# A local S3 server and buckets on it, for the tests that run on S3-compatible storage.
pytest_plugins = ["tests.s3_support"]


@pytest.fixture(autouse=True)
def _plain_static_and_clean_cache(settings, tmp_path):
    # Tests need no collected manifest, and each test starts with an empty cache and media dir.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    if settings.STORAGES["default"]["BACKEND"].endswith("FileSystemStorage"):
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": tmp_path / "media"},
            },
        }
        settings.MEDIA_ROOT = tmp_path / "media"
    # Tests deliver sandbox webhooks by calling deliver_due_webhooks(), never from a thread.
    settings.SANDBOX_WEBHOOK_DISPATCHER = False
    # Each test gets a cache of its own. Emptying the shared one instead (cache.clear()) would
    # also empty it under a test running in a parallel worker: the file cache is one directory
    # and Redis's clear() flushes the whole database.
    default = dict(settings.CACHES["default"])
    prefix = None
    if default["BACKEND"].endswith(("FileBasedCache", "DiskCache")):
        default["LOCATION"] = str(tmp_path / "cache")
    else:
        prefix = default["KEY_PREFIX"] = f"test-{uuid.uuid4().hex}"
    settings.CACHES = {**settings.CACHES, "default": default}
    yield
    if prefix:
        _delete_prefixed_keys(prefix)


def _delete_prefixed_keys(prefix):
    backend = caches["default"]
    client = getattr(getattr(backend, "_cache", None), "get_client", None)
    if client is None:
        return
    redis = client(write=True)
    keys = list(redis.scan_iter(match=f"{prefix}:*"))
    if keys:
        redis.delete(*keys)


# A fixed encryption key keeps tests away from the key file under VAR_DIR.
TEST_ENCRYPTION_KEY = "nL0hkVYd1pY6P8SdLb0n7w9T2yYt3Qe5kzN4cQx8RjA="


@pytest.fixture(autouse=True)
def _test_encryption_key(settings):
    from soundsite.lib import crypto

    settings.FIELD_ENCRYPTION_KEYS = [TEST_ENCRYPTION_KEY]
    crypto.reset()
    yield
    crypto.reset()


@pytest.fixture
def workspace(db):
    return make_workspace("Northlight Studio")


@pytest.fixture
def owner(workspace):
    return make_member(workspace, "owner@example.com", "owner")


@pytest.fixture
def admin_user(workspace):
    return make_member(workspace, "admin@example.com", "admin")


@pytest.fixture
def teammate(workspace):
    return make_member(workspace, "teammate@example.com", "member")


@pytest.fixture
def viewer(workspace):
    return make_member(workspace, "viewer@example.com", "viewer")


@pytest.fixture
def stranger(db):
    other = make_workspace("Elsewhere Ltd")
    return make_member(other, "stranger@example.com", "owner")


@pytest.fixture
def lone_user(db):
    return make_user("lone@example.com")


@pytest.fixture(autouse=True)
def _no_secret_leaks(monkeypatch):
    """Fail any test whose responses, logs, error reports or e-mails show a provider secret.

    See tests/secret_capture.py and docs/security.md.
    """
    import logging

    from django.core.signals import got_request_exception
    from django.test.client import Client

    from soundsite.keys.models import ProviderKey
    from tests.secret_capture import SecretCapture, _Handler

    capture = SecretCapture()
    set_secret, set_webhook_secret = ProviderKey.set_secret, ProviderKey.set_webhook_secret

    def remember_secret(self, value):
        capture.remember(value)
        return set_secret(self, value)

    def remember_webhook_secret(self, value):
        capture.remember(value)
        return set_webhook_secret(self, value)

    remember_secret.alters_data = remember_webhook_secret.alters_data = True
    monkeypatch.setattr(ProviderKey, "set_secret", remember_secret)
    monkeypatch.setattr(ProviderKey, "set_webhook_secret", remember_webhook_secret)

    request = Client.request

    def checked_request(self, **kwargs):
        response = request(self, **kwargs)
        capture.check_response(kwargs.get("PATH_INFO", ""), response)
        return response

    monkeypatch.setattr(Client, "request", checked_request)

    def on_exception(sender, request=None, **kwargs):
        if request is not None:
            capture.check_exception_report(request)

    got_request_exception.connect(on_exception, dispatch_uid="secret-capture")
    # Every record reaches the capture: the root logger goes to DEBUG for the test, and the
    # handlers already there keep the threshold they had, so nothing else gets noisier.
    root = logging.getLogger()
    old_level = root.level
    old_handler_levels = [(handler, handler.level) for handler in root.handlers]
    for handler, level in old_handler_levels:
        handler.setLevel(max(level, old_level))
    handler = _Handler(capture)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield capture
        capture.check_outbox()
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        for old, level in old_handler_levels:
            old.setLevel(level)
        got_request_exception.disconnect(dispatch_uid="secret-capture")
    if capture.leaks:
        pytest.fail("Provider secrets leaked:\n" + "\n".join(dict.fromkeys(capture.leaks)))
