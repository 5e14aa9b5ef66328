"""Open sandbox accounts: the keys a member uses to try Soundsite without a provider bill."""

import base64
import secrets

from soundsite.sandbox.models import SandboxAccount, SandboxProvider

# Soundpiece documents keys as ``spk_…``; Soundverse documents no format (its newer host's
# keys begin ``sksoundverse_``), so sandbox keys for it use that shape.
KEY_PREFIXES = {SandboxProvider.SOUNDPIECE: "spk_", SandboxProvider.SOUNDVERSE: "sksoundverse_"}
WEBHOOK_SECRET_PREFIX = "whsec_"


def create_account(provider: str, *, plan: str = "", balance=None, **options) -> SandboxAccount:
    """A new sandbox account with a fresh key (and, for Soundpiece, a webhook secret)."""
    provider = SandboxProvider(provider)
    api_key = KEY_PREFIXES[provider] + "sandbox_" + secrets.token_hex(16)
    webhook_secrets = []
    if provider == SandboxProvider.SOUNDPIECE:
        raw = base64.b64encode(secrets.token_bytes(24)).decode()
        webhook_secrets = [WEBHOOK_SECRET_PREFIX + raw]
    return SandboxAccount.objects.create(
        provider=provider,
        api_key=api_key,
        webhook_secrets=webhook_secrets,
        plan=plan,
        balance=balance,
        options=options,
    )


def account_for_header(provider: str, authorization: str | None) -> SandboxAccount | None:
    """The account whose key is in an ``Authorization: Bearer …`` header, or None."""
    if not authorization or not authorization.startswith("Bearer "):
        return None
    token = authorization.removeprefix("Bearer ").strip()
    if not token:
        return None
    return SandboxAccount.objects.filter(provider=provider, api_key=token).first()
