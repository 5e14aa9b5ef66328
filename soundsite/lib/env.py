"""Strict readers for settings that come from the environment.

Each reader raises ``ImproperlyConfigured`` with the variable's name when a value is present
but malformed, so a typo stops start-up with a message instead of running with a wrong default.
"""

import os
import re
import secrets
import zoneinfo
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import validate_email

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    return None if value is None else value.strip()


def env_str(name: str, default: str = "") -> str:
    value = _raw(name)
    return default if value is None else value


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    if value.lower() in TRUE_WORDS:
        return True
    if value.lower() in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f"{name} must be true or false (1/0, yes/no, on/off), not {value!r}."
    )


def env_int(
    name: str, default: int, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    value = _raw(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}.")
    if maximum is not None and number > maximum:
        raise ImproperlyConfigured(f"{name} must be at most {maximum}, not {number}.")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_url(name: str, default: str = "", *, schemes: tuple[str, ...] = ("http", "https")) -> str:
    """Read a URL and check its scheme and host; an empty value means "not set"."""
    value = _raw(name)
    if value is None or value == "":
        return default
    parts = urlsplit(value)
    # A SQLite URL names a file, not a host: sqlite:////var/lib/soundsite/db.sqlite3.
    has_place = parts.netloc or (parts.scheme == "sqlite" and parts.path not in ("", "/"))
    if parts.scheme not in schemes or not has_place:
        allowed = " or ".join(f"{s}://" for s in schemes)
        raise ImproperlyConfigured(f"{name} must be a URL starting with {allowed}, not {value!r}.")
    return value


def env_choice(name: str, default: str, choices: tuple[str, ...], *, upper: bool = False) -> str:
    value = _raw(name)
    if value is None or value == "":
        return default
    if upper:
        value = value.upper()
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}, not {value!r}.")
    return value


# A host name or address as Django matches it: "example.com", ".example.com" (and its
# subdomains), "*", an IPv4 address or a bracketed IPv6 address. No scheme, port or path.
HOST_PATTERN = re.compile(
    r"^(\*|\.?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.?|\[[0-9a-f:.]+\])$",
    re.IGNORECASE,
)


def env_hosts(name: str, default: list[str]) -> list[str]:
    """A comma-separated list of host names; a URL or an empty list is refused."""
    value = _raw(name)
    if value is None:
        return default
    hosts = [item.strip() for item in value.split(",") if item.strip()]
    if not hosts:
        raise ImproperlyConfigured(f"{name} must name at least one host, such as example.com.")
    for host in hosts:
        if not HOST_PATTERN.match(host):
            raise ImproperlyConfigured(
                f"{name} must list host names such as example.com (no http://, port or path), "
                f"not {host!r}."
            )
    return hosts


def env_host(name: str, default: str = "") -> str:
    """One host name or address (for a server such as SMTP); empty means "not set"."""
    value = _raw(name)
    if value is None or value == "":
        return default
    if not HOST_PATTERN.match(value) or value.startswith((".", "*")):
        raise ImproperlyConfigured(
            f"{name} must be a host name such as smtp.example.com (no scheme or port), "
            f"not {value!r}."
        )
    return value


def env_secret_key(name: str, *, minimum: int = 50) -> str:
    """A signing key: long and varied enough for Django's deployment check, never echoed."""
    value = _raw(name)
    if not value:
        return ""
    if len(value) < minimum or len(set(value)) < 5:
        raise ImproperlyConfigured(
            f"{name} must be at least {minimum} random characters (it has {len(value)}). "
            "Leave it unset to use the key generated once under VAR_DIR."
        )
    return value


def env_email(name: str, default: str) -> str:
    """An e-mail address, optionally with a display name: ``Soundsite <noreply@example.com>``."""
    value = _raw(name)
    if value is None or value == "":
        return default
    _, address = parseaddr(value)
    try:
        validate_email(address)
    except ValidationError:
        raise ImproperlyConfigured(
            f"{name} must be an e-mail address such as "
            f"Soundsite <noreply@example.com>, not {value!r}."
        ) from None
    return value


def env_timezone(name: str, default: str) -> str:
    value = _raw(name)
    if value is None or value == "":
        return default
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ImproperlyConfigured(
            f"{name} must be a time zone name such as UTC or Europe/London, not {value!r}."
        ) from None
    return value


def env_fernet_keys(name: str) -> list[str]:
    """Comma-separated Fernet keys, checked at start-up; a bad one is named by position only,
    because even a malformed key is a secret."""
    from cryptography.fernet import Fernet

    keys = env_list(name, [])
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key.encode("ascii"))
        except (ValueError, UnicodeEncodeError):
            raise ImproperlyConfigured(
                f"{name}: key number {position} is not a valid Fernet key (32 url-safe "
                "base64-encoded bytes). Make one with `manage.py rotate_key_encryption "
                "--generate`."
            ) from None
    return keys


def require(name: str, value: str, reason: str) -> str:
    """Stop start-up when a setting that another one needs is missing."""
    if not value:
        raise ImproperlyConfigured(f"{name} must be set {reason}.")
    return value


def secret_from_file(path: Path, *, generate=lambda: secrets.token_urlsafe(50)) -> str:
    """Return the secret kept in ``path``, creating it (readable by the owner only) if missing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        # Write to a private temporary file, then link it into place, so that two processes
        # starting at once agree on one secret and none ever reads a half-written file.
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(generate())
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    return path.read_text().strip()
