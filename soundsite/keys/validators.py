"""Checks on what a member types for a key, in plain words that never repeat the secret.

Soundpiece documents its key format (``spk_…``) and its webhook secrets (``whsec_`` + base64).
Soundverse documents no format, so any reasonable token is accepted; what is refused there is
what cannot be a key at all: spaces inside, an ellipsis left by copying a shortened key, or
something too short to be complete.
"""

import base64
import binascii
import ipaddress
import re
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError

MIN_SECRET_LENGTH = 20
MAX_SECRET_LENGTH = 500
SOUNDPIECE_PREFIX = "spk_"
WEBHOOK_PREFIX = "whsec_"
# Printable ASCII without spaces: what API tokens are made of.
TOKEN = re.compile(r"^[\x21-\x7e]+$")
SOUNDPIECE_KEY = re.compile(r"^spk_[A-Za-z0-9_\-]+$")


def clean_secret(provider: str, value: str) -> str:
    """The secret without surrounding whitespace, or ValidationError saying what is wrong."""
    value = (value or "").strip()
    name = "Soundpiece" if provider == "soundpiece" else "Soundverse"
    if not value:
        raise ValidationError(f"Paste the API key from your {name} dashboard.")
    if value.lower().startswith("bearer "):
        raise ValidationError("Paste only the key itself, without the word “Bearer”.")
    if any(ch.isspace() for ch in value):
        raise ValidationError(
            "The key contains spaces or line breaks; keys never do. Copy it again in one piece."
        )
    if "…" in value or "..." in value:
        raise ValidationError(
            "This looks like a shortened key (it contains “…”). Copy the whole key."
        )
    if len(value) > MAX_SECRET_LENGTH:
        raise ValidationError("This is too long to be an API key. Copy only the key.")
    if not TOKEN.match(value):
        raise ValidationError("The key contains characters that API keys do not use.")
    if value.startswith(WEBHOOK_PREFIX):
        where = " It goes in “Webhook signing secret”." if provider == "soundpiece" else ""
        raise ValidationError(f"This is a webhook signing secret, not an API key.{where}")
    if provider == "soundpiece":
        if value.startswith("sksoundverse_"):
            raise ValidationError("This looks like a Soundverse key. Add it as a Soundverse key.")
        if not value.startswith(SOUNDPIECE_PREFIX):
            raise ValidationError("Soundpiece keys start with “spk_”. Copy the whole key.")
        if not SOUNDPIECE_KEY.match(value):
            raise ValidationError(
                "After “spk_” a Soundpiece key has only letters, digits, “_” and “-”."
            )
    elif value.startswith(SOUNDPIECE_PREFIX):
        raise ValidationError("This looks like a Soundpiece key. Add it as a Soundpiece key.")
    if len(value) < MIN_SECRET_LENGTH:
        raise ValidationError(
            f"This is too short to be a whole {name} key. Copy the whole key again."
        )
    return value


def clean_webhook_secret(value: str) -> str:
    """A Soundpiece webhook signing secret: ``whsec_`` followed by base64."""
    value = (value or "").strip()
    if not value:
        return ""
    if not value.startswith(WEBHOOK_PREFIX):
        raise ValidationError("Webhook signing secrets start with “whsec_”. Copy the whole secret.")
    body = value.removeprefix(WEBHOOK_PREFIX)
    try:
        decoded = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        decoded = b""
    if len(decoded) < 16:
        raise ValidationError(
            "This webhook signing secret looks incomplete. Copy the whole secret from the "
            "Soundpiece dashboard."
        )
    return value


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def clean_base_url(value: str) -> str:
    """An http(s) address without credentials, query or fragment, with no trailing slash.

    Plain http is accepted only for this server's own address (the sandbox) and loopback
    hosts: anywhere else the key would cross the network unencrypted.
    """
    value = (value or "").strip()
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(
            "Enter an address starting with https://, e.g. https://api.example.com"
        )
    if parts.username or parts.password:
        raise ValidationError("Leave user names and passwords out of the address.")
    if parts.query or parts.fragment:
        raise ValidationError("Enter the address without “?…” or “#…”.")
    value = value.rstrip("/")
    if parts.scheme == "http":
        own = settings.PUBLIC_BASE_URL.rstrip("/")
        if not (value == own or value.startswith(own + "/") or _is_loopback(parts.hostname)):
            raise ValidationError(
                "Use https:// — over plain http the key would travel unencrypted."
            )
    return value
