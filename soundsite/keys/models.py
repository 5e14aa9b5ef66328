"""Provider API keys, each with the plan its owner bought and the license it grants."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


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
