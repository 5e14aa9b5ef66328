"""Creating, changing and deleting keys: the work behind the key pages and the demo."""

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from soundsite.keys import plans
from soundsite.keys.checks import CheckOutcome, check_key, refresh_notice
from soundsite.keys.models import KeyHealth, ProviderChoice, ProviderKey

# What a one-click sandbox key starts with; the member can change plan and license later.
SANDBOX_PLANS = {
    ProviderChoice.SOUNDPIECE: ("Sandbox", plans.ROYALTY_FREE),
    ProviderChoice.SOUNDVERSE: ("starter", plans.ROYALTY_FREE),
}
SANDBOX_LABELS = {
    ProviderChoice.SOUNDPIECE: "Soundpiece sandbox",
    ProviderChoice.SOUNDVERSE: "Soundverse sandbox",
}


def sandbox_base_url(provider: str) -> str:
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}/sandbox/{provider}"


def apply_settings(key: ProviderKey, cleaned: dict) -> None:
    key.label = cleaned["label"].strip()
    key.plan = cleaned.get("plan", "")
    key.license = cleaned["license"]
    key.license_upgrade = bool(cleaned.get("license_upgrade", False))
    key.shared = bool(cleaned.get("shared", False))
    key.base_url = cleaned.get("base_url", "")


@sensitive_variables()
def create_key(membership, provider: str, cleaned: dict, outcome: CheckOutcome | None = None):
    """A new key from a valid AddKeyForm's data, with the result of the check on save."""
    key = ProviderKey(workspace=membership.workspace, owner=membership.user, provider=provider)
    apply_settings(key, cleaned)
    key.set_secret(cleaned["secret"])
    key.set_webhook_secret(cleaned.get("webhook_secret", ""))
    if outcome is not None:
        key.health, key.health_message = outcome.health, outcome.message[:300]
        key.checked_at = timezone.now()
    key.save()
    refresh_notice(key.owner_id)
    return key


@sensitive_variables()
def replace_secret(key: ProviderKey, cleaned: dict, outcome: CheckOutcome | None = None):
    key.set_secret(cleaned["secret"])
    if cleaned.get("webhook_secret"):
        key.set_webhook_secret(cleaned["webhook_secret"])
    elif cleaned.get("remove_webhook_secret"):
        key.set_webhook_secret("")
    if outcome is not None:
        key.health, key.health_message = outcome.health, outcome.message[:300]
        key.checked_at = timezone.now()
    else:
        key.health, key.health_message, key.checked_at = KeyHealth.UNCHECKED, "", None
    key.save()
    refresh_notice(key.owner_id)
    return key


def delete_key(key: ProviderKey) -> None:
    """Soft delete: the record stays for the jobs and tracks made with it; the secrets go."""
    key.deleted_at = timezone.now()
    key.shared = False
    key.secret_encrypted = ""
    key.webhook_secret_encrypted = ""
    key.save(update_fields=["deleted_at", "shared", "secret_encrypted", "webhook_secret_encrypted"])
    refresh_notice(key.owner_id)


def add_sandbox_key(membership, provider: str, *, shared: bool = False, check: bool = True):
    """A key for the built-in sandbox of ``provider``, clearly badged "Sandbox".

    The sandbox account and the key are made in one transaction; the key is then checked
    against the sandbox like any other key (skipped when the server is not running yet).
    """
    from soundsite.sandbox.accounts import create_account

    provider = ProviderChoice(provider)
    plan, license_id = SANDBOX_PLANS[provider]
    with transaction.atomic():
        account = create_account(provider, plan=plan)
        key = ProviderKey(
            workspace=membership.workspace,
            owner=membership.user,
            provider=provider,
            label=SANDBOX_LABELS[provider],
            is_sandbox=True,
            base_url=sandbox_base_url(provider),
            plan=plan,
            license=license_id,
            shared=shared,
        )
        key.set_secret(account.api_key)
        if account.webhook_secrets:
            key.set_webhook_secret(account.webhook_secrets[0])
        key.save()
    if check:
        check_key(key)
    return key
