"""State of the local stand-ins for the provider APIs.

The sandbox behaves like a remote service: it keeps its own accounts, operations and files,
and it counts every request it receives so tests can prove there was no duplicate submission.
"""

import secrets
import uuid

from django.db import models
from django.utils import timezone


class SandboxProvider(models.TextChoices):
    SOUNDPIECE = "soundpiece", "Soundpiece"
    SOUNDVERSE = "soundverse", "Soundverse"


class SandboxAccount(models.Model):
    """A provider account in the sandbox, reached with ``api_key``.

    ``faults`` is a list of armed faults (see ``sandbox.faults``); ``options`` holds the knobs
    that the references leave open (processing time, variations, link lifetime, …).
    """

    provider = models.CharField(max_length=20, choices=SandboxProvider.choices)
    api_key = models.CharField(max_length=200, unique=True)
    webhook_secrets = models.JSONField(default=list, blank=True)  # ["whsec_…", …]
    plan = models.CharField(max_length=40, blank=True)
    balance = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    options = models.JSONField(default=dict, blank=True)
    faults = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.get_provider_display()} sandbox account …{self.api_key[-4:]}"

    def option(self, name, default):
        return self.options.get(name, default)


class SandboxOperation(models.Model):
    """One job submitted to a sandbox API; its state advances with time, computed on read."""

    account = models.ForeignKey(SandboxAccount, models.CASCADE, related_name="operations")
    remote_id = models.CharField(max_length=64, unique=True)
    action = models.CharField(max_length=80)
    idempotency_key = models.CharField(max_length=80, blank=True)
    request = models.JSONField(default=dict)
    status = models.CharField(max_length=20, default="processing")
    created_at = models.DateTimeField(default=timezone.now)
    ready_at = models.DateTimeField()
    result = models.JSONField(default=dict, blank=True)
    error = models.JSONField(null=True, blank=True)
    extra = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="sandbox_one_operation_per_idempotency_key",
            )
        ]

    def __str__(self):
        return f"{self.action} {self.remote_id}"


def _file_token() -> str:
    return secrets.token_urlsafe(24)


class SandboxFile(models.Model):
    """Audio the sandbox made (or fetched), served at signed, expiring URLs.

    ``recipe`` is the synthesiser recipe of sandbox-made audio, so that stems, cut-downs and
    loops of it can be rendered exactly rather than guessed from the waveform.
    """

    token = models.CharField(max_length=64, unique=True, default=_file_token)
    operation = models.ForeignKey(
        SandboxOperation, models.CASCADE, null=True, blank=True, related_name="files"
    )
    name = models.CharField(max_length=200)
    path = models.CharField(max_length=300)
    content_type = models.CharField(max_length=60)
    bytes = models.BigIntegerField(default=0)
    duration = models.FloatField(default=0)
    recipe = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return self.name


class SandboxRequest(models.Model):
    """One HTTP request the sandbox received: the counters behind "no duplicate submission"."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    provider = models.CharField(max_length=20, choices=SandboxProvider.choices)
    account = models.ForeignKey(
        SandboxAccount, models.CASCADE, null=True, blank=True, related_name="requests"
    )
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=300)
    idempotency_key = models.CharField(max_length=80, blank=True)
    remote_id = models.CharField(max_length=64, blank=True)
    status_code = models.PositiveSmallIntegerField(null=True)
    fault = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["account", "method", "path"])]

    def __str__(self):
        return f"{self.method} {self.path} → {self.status_code}"


class SandboxWebhook(models.Model):
    """A Standard Webhooks delivery owed to a ``callback_url``, retried until it succeeds."""

    operation = models.ForeignKey(SandboxOperation, models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=2048)
    webhook_id = models.CharField(max_length=64, unique=True)
    timestamp = models.BigIntegerField()
    payload = models.JSONField()
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)

    def __str__(self):
        return f"webhook {self.webhook_id} to {self.url}"
