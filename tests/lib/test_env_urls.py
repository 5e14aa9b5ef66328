"""URL settings: a scheme and a place (a host, or a file for SQLite) are required."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from soundsite.lib.env import env_url

SCHEMES = ("postgres", "postgresql", "sqlite")


@pytest.mark.parametrize(
    "value",
    [
        "postgres://postgres@127.0.0.1:5432/soundsite",
        "sqlite:////var/lib/soundsite/db.sqlite3",
        "sqlite:///relative.sqlite3",
    ],
)
def test_database_urls_with_a_host_or_a_file_are_accepted(monkeypatch, value):
    monkeypatch.setenv("DATABASE_URL", value)
    assert env_url("DATABASE_URL", schemes=SCHEMES) == value


@pytest.mark.parametrize(
    "value", ["sqlite://", "sqlite:///", "postgres:///soundsite", "mysql://db/soundsite"]
)
def test_database_urls_without_a_place_or_with_another_scheme_are_refused(monkeypatch, value):
    monkeypatch.setenv("DATABASE_URL", value)
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL must be a URL"):
        env_url("DATABASE_URL", schemes=SCHEMES)
