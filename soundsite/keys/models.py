"""Provider API keys, each with the plan its owner bought and the license it grants."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from soundsite.lib import crypto


class ProviderChoice(models.TextChoices):
    SOUNDPIECE = "soundpiece", "Soundpiece"
    SOUNDVERSE = "soundverse", "Soundverse"


class KeyHealth(models.TextChoices):
    UNCHECKED = "unchecked", "Not checked yet"
    VALID = "valid", "Accepted"
    REJECTED = "rejected", "Rejected"
    UNREACHABLE = "unreachable", "Could not reach the provider"


class ProviderKey(models.Model):
    """A member's key for one provider. The secrets are stored encrypted (``keys.crypto``)."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    workspace = models.ForeignKey(
        "accounts.Workspace", models.CASCADE, related_name="provider_keys"
    )
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    provider = models.CharField(max_length=20, choices=ProviderChoice.choices)
    label = models.CharField(max_length=80)
    secret_encrypted = models.TextField()
    secret_last4 = models.CharField(max_length=4)
    webhook_secret_encrypted = models.TextField(blank=True)
    base_url = models.URLField(blank=True, max_length=300)
    is_sandbox = models.BooleanField(default=False)
    plan = models.CharField(max_length=80)
    license = models.CharField(max_length=40)
    license_upgrade = models.BooleanField(
        default=False, help_text="The owner's contract upgrades the plan's license."
    )
    shared = models.BooleanField(default=False)
    health = models.CharField(max_length=20, choices=KeyHealth.choices, default=KeyHealth.UNCHECKED)
    health_message = models.CharField(max_length=300, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["provider", "label"]

    def __str__(self):
        return f"{self.label} ({self.get_provider_display()} …{self.secret_last4})"

    # The plaintext is reached only through these methods. ``alters_data`` stops templates
    # from calling them, so ``{{ key.reveal_secret }}`` renders nothing.
    def set_secret(self, value: str) -> None:
        self.secret_encrypted = crypto.encrypt(value)
        self.secret_last4 = value[-4:]

    set_secret.alters_data = True

    def reveal_secret(self) -> str:
        return crypto.decrypt(self.secret_encrypted)

    reveal_secret.alters_data = True

    def set_webhook_secret(self, value: str) -> None:
        self.webhook_secret_encrypted = crypto.encrypt(value) if value else ""

    set_webhook_secret.alters_data = True

    def reveal_webhook_secret(self) -> str:
        if not self.webhook_secret_encrypted:
            return ""
        return crypto.decrypt(self.webhook_secret_encrypted)

    reveal_webhook_secret.alters_data = True

    @property
    def has_webhook_secret(self) -> bool:
        return bool(self.webhook_secret_encrypted)

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def plan_label(self) -> str:
        from soundsite.keys.plans import plan_label

        return plan_label(self.provider, self.plan)

    @property
    def license_info(self):
        from soundsite.keys.plans import get_license

        return get_license(self.license)

    @property
    def license_label(self) -> str:
        info = self.license_info
        return info.label if info else self.license

    @property
    def is_pay_as_you_go(self) -> bool:
        from soundsite.keys.plans import get_plan

        plan = get_plan(self.provider, self.plan)
        return bool(plan and plan.pay_as_you_go)
