"""Encryption of stored secrets (provider API keys, webhook signing secrets).

Secrets are encrypted with Fernet (AES-128-CBC + HMAC-SHA256, from ``cryptography``). Several
keys may be configured at once through ``MultiFernet``: the first encrypts, every one of them
decrypts. That is what makes rotation possible without downtime (docs/keys.md):

* ``FIELD_ENCRYPTION_KEYS`` in the environment, comma-separated, the current key first; or
* for the embedded default, the file ``<VAR_DIR>/field_encryption_keys`` (one key per line,
  the current key first), created with a fresh key on first use.

The key file is re-read when it changes, so ``manage.py rotate_key_encryption`` can add a key
while the web server and the workers keep running.

Nothing here ever puts a secret or a key into an exception message or a log line.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.views.decorators.debug import sensitive_variables

from soundsite.lib.env import secret_from_file

KEY_FILE_NAME = "field_encryption_keys"
ENV_NAME = "FIELD_ENCRYPTION_KEYS"


class DecryptionError(Exception):
    """A stored secret cannot be read with any configured key (or it is damaged)."""

    def __init__(self, message: str = ""):
        super().__init__(
            message
            or (
                "A stored secret could not be decrypted with any of the configured encryption "
                f"keys. The key it was encrypted with is missing from {ENV_NAME} (or from "
                f"{KEY_FILE_NAME} under VAR_DIR), or the stored value is damaged. See "
                "docs/keys.md, “Encryption keys”."
            )
        )


def generate_key() -> str:
    """A new random Fernet key, as text."""
    return Fernet.generate_key().decode("ascii")


def key_file() -> Path:
    return Path(settings.VAR_DIR) / KEY_FILE_NAME


def uses_key_file() -> bool:
    """True when the keys come from the key file (the embedded default), not the environment."""
    return not _env_keys()


def _env_keys() -> list[str]:
    return [key for key in getattr(settings, "FIELD_ENCRYPTION_KEYS", []) if key]


def _parse(keys: list[str], source: str) -> list[Fernet]:
    fernets = []
    for position, key in enumerate(keys, start=1):
        try:
            fernets.append(Fernet(key.strip().encode("ascii")))
        except (ValueError, UnicodeEncodeError):
            # Never echo the value: it is a secret even when it is malformed.
            raise ImproperlyConfigured(
                f"Encryption key number {position} in {source} is not a valid Fernet key "
                "(32 url-safe base64-encoded bytes). Make one with "
                "`manage.py rotate_key_encryption --generate`."
            ) from None
    if not fernets:
        raise ImproperlyConfigured(f"{source} holds no encryption key.")
    return fernets


def read_key_file() -> list[str]:
    """The keys in the key file, the current one first (the file is created if missing)."""
    path = key_file()
    secret_from_file(path, generate=generate_key)
    return [line.strip() for line in path.read_text().splitlines() if line.strip()]


def write_key_file(keys: list[str]) -> None:
    """Replace the key file's contents atomically (readable by the owner only)."""
    path = key_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write("\n".join(keys) + "\n")
    os.replace(temporary, path)


@dataclass
class _Cached:
    source: tuple
    fernet: MultiFernet
    primary: Fernet


_cache: _Cached | None = None
_lock = threading.Lock()


@sensitive_variables()
def _load() -> _Cached:
    """The configured keys, reloaded only when the environment setting or the file changed."""
    global _cache
    env_keys = _env_keys()
    if env_keys:
        source = ("env", tuple(env_keys))
    else:
        path = key_file()
        try:
            stat = path.stat()
            source = ("file", str(path), stat.st_mtime_ns, stat.st_size)
        except FileNotFoundError:
            source = ("file", str(path), None, None)
    cached = _cache
    if cached is not None and cached.source == source:
        return cached
    with _lock:
        if env_keys:
            fernets = _parse(env_keys, ENV_NAME)
        else:
            fernets = _parse(read_key_file(), str(key_file()))
            stat = key_file().stat()
            source = ("file", str(key_file()), stat.st_mtime_ns, stat.st_size)
        _cache = _Cached(source=source, fernet=MultiFernet(fernets), primary=fernets[0])
        return _cache


def reset() -> None:
    """Forget the loaded keys (tests, and after the key file was rewritten)."""
    global _cache
    with _lock:
        _cache = None


@sensitive_variables("plaintext")
def encrypt(plaintext: str) -> str:
    """Encrypt ``plaintext`` with the current key; the result is ASCII text."""
    return _load().fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")


@sensitive_variables()
def decrypt(token: str) -> str:
    """Decrypt a value made by ``encrypt`` with any configured key, or raise DecryptionError."""
    if not token:
        raise DecryptionError("There is no stored secret to decrypt.")
    try:
        return _load().fernet.decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError):
        raise DecryptionError() from None


@sensitive_variables()
def rotate(token: str) -> str:
    """Re-encrypt ``token`` under the current key (it may have been made with any known key)."""
    try:
        return _load().fernet.rotate(token.encode("ascii")).decode("ascii")
    except (InvalidToken, UnicodeError):
        raise DecryptionError() from None


@sensitive_variables()
def is_current(token: str) -> bool:
    """True when ``token`` is readable with the current (first) key alone."""
    try:
        _load().primary.decrypt(token.encode("ascii"))
    except (InvalidToken, UnicodeError):
        return False
    return True
