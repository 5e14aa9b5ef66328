"""Production settings pass Django's deployment checks; a malformed setting stops start-up."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "k3Yq8vN2pW7xR4tL9mB6cF1hJ5sD0gA8zE3uI7oP2yT6wQ9nV4rX1bM5kC8jH2fG",
    "PUBLIC_BASE_URL": "https://music.example.com",
    "ALLOWED_HOSTS": "music.example.com",
}


def manage(tmp_path, *args, **env):
    environment = {**os.environ, "VAR_DIR": str(tmp_path / "var"), **env}
    # Start from a production-like environment: nothing the test run itself set.
    for name in ("DJANGO_SETTINGS_MODULE", "PYTEST_XDIST_WORKER", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        environment.pop(name, None)
    return subprocess.run(
        [sys.executable, str(settings.BASE_DIR / "manage.py"), *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=settings.BASE_DIR,
    )


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_debug_mode_is_reported_by_check_deploy(tmp_path):
    # The check above must be able to fail: with DEBUG on it does.
    result = manage(
        tmp_path, "check", "--deploy", "--fail-level", "WARNING", **{**PRODUCTION, "DEBUG": "1"}
    )
    assert result.returncode != 0
    assert "security.W018" in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("DEBUG", "maybe", "DEBUG must be true or false"),
        ("DATABASE_URL", "ftp://x", "DATABASE_URL must be a URL starting with"),
        ("REDIS_URL", "localhost:6379", "REDIS_URL must be a URL starting with"),
        ("PUBLIC_BASE_URL", "music.example.com", "PUBLIC_BASE_URL must be a URL"),
        ("LOGIN_FAILURE_LIMIT", "ten", "LOGIN_FAILURE_LIMIT must be a whole number"),
        ("STORAGE_BACKEND", "ftp", "STORAGE_BACKEND must be one of local, s3"),
    ],
)
def test_a_malformed_value_stops_start_up_naming_the_variable(tmp_path, name, value, words):
    result = manage(tmp_path, "check", **{name: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert words in result.stderr
