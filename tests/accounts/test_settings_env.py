"""Every setting read from the environment refuses a malformed value, naming the variable.

The settings module is executed afresh with a doctored environment (in this process, so the
table stays fast); tests/accounts/test_deploy_settings.py proves the same through
``manage.py`` for a few of them.
"""

import runpy

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

SETTINGS_FILE = settings.BASE_DIR / "soundsite" / "settings.py"
# Names the test run itself may set, removed so each case starts from the embedded default.
RUN_ENVIRONMENT = (
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "PUBLIC_BASE_URL",
    "DATABASE_URL",
    "REDIS_URL",
    "STORAGE_BACKEND",
    "SMTP_HOST",
    "FIELD_ENCRYPTION_KEYS",
    "LOG_LEVEL",
    "TIME_ZONE",
)
GOOD_SECRET_KEY = "k3Yq8vN2pW7xR4tL9mB6cF1hJ5sD0gA8zE3uI7oP2yT6wQ9nV4rX1bM5kC8jH2fG"


@pytest.fixture
def load(monkeypatch, tmp_path):
    def run(**environment):
        for name in RUN_ENVIRONMENT:
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("VAR_DIR", str(tmp_path / "var"))
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(str(SETTINGS_FILE))

    return run


# (variable, bad value, words of the message, other variables the case needs)
BAD_VALUES = [
    ("DEBUG", "maybe", "DEBUG must be true or false", {}),
    ("SECRET_KEY", "short-and-guessable", "SECRET_KEY must be at least 50", {}),
    ("SECRET_KEY", "a" * 60, "SECRET_KEY must be at least 50", {}),
    ("ALLOWED_HOSTS", "https://music.example.com", "ALLOWED_HOSTS must list host names", {}),
    ("ALLOWED_HOSTS", "music.example.com:443", "ALLOWED_HOSTS must list host names", {}),
    ("ALLOWED_HOSTS", " , ", "ALLOWED_HOSTS must name at least one host", {}),
    ("DATABASE_URL", "ftp://db.internal/x", "DATABASE_URL must be a URL starting with", {}),
    ("DATABASE_URL", "db.internal:5432", "DATABASE_URL must be a URL starting with", {}),
    ("REDIS_URL", "localhost:6379", "REDIS_URL must be a URL starting with", {}),
    ("PUBLIC_BASE_URL", "music.example.com", "PUBLIC_BASE_URL must be a URL", {}),
    ("PUBLIC_BASE_URL", "ftp://music.example.com", "PUBLIC_BASE_URL must be a URL", {}),
    ("STORAGE_BACKEND", "ftp", "STORAGE_BACKEND must be one of local, s3", {}),
    (
        "S3_BUCKET",
        "",
        "S3_BUCKET must be set when STORAGE_BACKEND is s3",
        {"STORAGE_BACKEND": "s3"},
    ),
    (
        "S3_ENDPOINT_URL",
        "minio.internal:9000",
        "S3_ENDPOINT_URL must be a URL",
        {"STORAGE_BACKEND": "s3", "S3_BUCKET": "tracks"},
    ),
    ("UPLOAD_MAX_MB", "lots", "UPLOAD_MAX_MB must be a whole number", {}),
    ("SMTP_HOST", "smtp://mail.example.com", "SMTP_HOST must be a host name", {}),
    ("SMTP_PORT", "70000", "SMTP_PORT must be at most 65535", {"SMTP_HOST": "mail.example.com"}),
    ("SMTP_PORT", "smtp", "SMTP_PORT must be a whole number", {"SMTP_HOST": "mail.example.com"}),
    ("SMTP_TLS", "sometimes", "SMTP_TLS must be true or false", {"SMTP_HOST": "mail.example.com"}),
    ("DEFAULT_FROM_EMAIL", "Soundsite", "DEFAULT_FROM_EMAIL must be an e-mail address", {}),
    ("SANDBOX_ENABLED", "perhaps", "SANDBOX_ENABLED must be true or false", {}),
    ("FIELD_ENCRYPTION_KEYS", "not-a-key", "FIELD_ENCRYPTION_KEYS: key number 1", {}),
    ("KEY_CHECK_TIMEOUT", "0", "KEY_CHECK_TIMEOUT must be at least 1", {}),
    ("KEY_LIMIT_WINDOW", "weekly", "KEY_LIMIT_WINDOW must be one of rolling, fixed", {}),
    ("SOUNDVERSE_MUSIC_PRICES", "cheap", "SOUNDVERSE_MUSIC_PRICES must be one of", {}),
    ("LOGIN_FAILURE_LIMIT", "ten", "LOGIN_FAILURE_LIMIT must be a whole number", {}),
    ("LOGIN_FAILURE_WINDOW", "-5", "LOGIN_FAILURE_WINDOW must be at least 1", {}),
    ("TRUSTED_PROXY_COUNT", "one", "TRUSTED_PROXY_COUNT must be a whole number", {}),
    ("INVITATION_DAYS", "0", "INVITATION_DAYS must be at least 1", {}),
    ("WORKERS", "0", "WORKERS must be at least 1", {}),
    ("SECURE_MODE", "2", "SECURE_MODE must be true or false", {}),
    ("TIME_ZONE", "Mars/Olympus", "TIME_ZONE must be a time zone name", {}),
    ("LOG_LEVEL", "LOUD", "LOG_LEVEL must be one of", {}),
    ("TRACK_RETENTION_DAYS", "a month", "TRACK_RETENTION_DAYS must be a whole number", {}),
]


@pytest.mark.parametrize(
    ("name", "value", "words", "others"),
    BAD_VALUES,
    ids=[f"{case[0]}={case[1]!r}" for case in BAD_VALUES],
)
def test_a_malformed_value_is_refused_naming_the_variable(load, name, value, words, others):
    with pytest.raises(ImproperlyConfigured) as refused:
        load(**others, **{name: value})
    assert words in str(refused.value)


def test_secrets_are_never_echoed_in_the_refusal(load):
    bad_key = "my-very-secret-but-too-short-key"
    with pytest.raises(ImproperlyConfigured) as refused:
        load(SECRET_KEY=bad_key)
    assert bad_key not in str(refused.value)
    bad_fernet = f"{Fernet.generate_key().decode()},also-a-secret-value"
    with pytest.raises(ImproperlyConfigured) as refused:
        load(FIELD_ENCRYPTION_KEYS=bad_fernet)
    assert "key number 2" in str(refused.value)
    assert "also-a-secret-value" not in str(refused.value)


def test_good_values_are_taken(load):
    key = Fernet.generate_key().decode()
    loaded = load(
        DEBUG="yes",
        SECRET_KEY=GOOD_SECRET_KEY,
        ALLOWED_HOSTS="music.example.com, .example.org,10.0.0.5,[::1]",
        PUBLIC_BASE_URL="https://music.example.com/",
        DATABASE_URL="postgres://soundsite@db.internal:5432/soundsite",
        REDIS_URL="redis://redis.internal:6379/2",
        STORAGE_BACKEND="s3",
        S3_BUCKET="tracks",
        SMTP_HOST="mail.example.com",
        SMTP_PORT="465",
        SMTP_TLS="off",
        DEFAULT_FROM_EMAIL="Agency Music <music@example.com>",
        SANDBOX_ENABLED="0",
        FIELD_ENCRYPTION_KEYS=key,
        TIME_ZONE="Europe/London",
        LOG_LEVEL="warning",
    )
    assert loaded["DEBUG"] is True
    assert loaded["SECRET_KEY"] == GOOD_SECRET_KEY
    assert loaded["ALLOWED_HOSTS"] == ["music.example.com", ".example.org", "10.0.0.5", "[::1]"]
    assert loaded["PUBLIC_BASE_URL"] == "https://music.example.com"
    assert loaded["SECURE_MODE"] is True
    assert loaded["DATABASES"]["default"]["HOST"] == "db.internal"
    assert loaded["Q_CLUSTER"]["redis"] == "redis://redis.internal:6379/2"
    assert loaded["STORAGES"]["default"]["OPTIONS"]["bucket_name"] == "tracks"
    assert loaded["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (loaded["EMAIL_PORT"], loaded["EMAIL_USE_TLS"]) == (465, False)
    assert loaded["DEFAULT_FROM_EMAIL"] == "Agency Music <music@example.com>"
    assert loaded["SANDBOX_ENABLED"] is False
    assert loaded["FIELD_ENCRYPTION_KEYS"] == [key]
    assert loaded["TIME_ZONE"] == "Europe/London"
    assert loaded["LOGGING"]["root"]["level"] == "WARNING"


def test_the_embedded_default_needs_no_environment(load, tmp_path):
    loaded = load()
    assert loaded["DEBUG"] is False
    assert len(loaded["SECRET_KEY"]) >= 50
    assert (tmp_path / "var" / "secret_key").read_text().strip() == loaded["SECRET_KEY"]
    assert loaded["DATABASES"]["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert loaded["Q_CLUSTER"]["orm"] == "default"
    assert loaded["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    assert loaded["STORAGES"]["default"]["OPTIONS"]["location"] == tmp_path / "var" / "media"
    assert loaded["SANDBOX_ENABLED"] is True


def test_every_variable_is_in_the_readme_configuration_table():
    import re

    source = SETTINGS_FILE.read_text()
    names = set(re.findall(r'(?:env_\w+|require)\(\s*"([A-Z][A-Z0-9_]+)"', source))
    names.discard("PYTEST_XDIST_WORKER")  # set by the test runner, not by people
    assert {"DEBUG", "SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "SMTP_PORT"} <= names
    readme = (settings.BASE_DIR / "README.md").read_text()
    table = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `([A-Z0-9_]+)`", table, re.MULTILINE))
    documented |= set(re.findall(r"^\| `[A-Z0-9_]+` / `([A-Z0-9_]+)`", table, re.MULTILINE))
    assert sorted(names - documented) == []
