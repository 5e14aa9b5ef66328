"""Jobs: one request to a provider, from the form that made it to the tracks it produced."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class JobState(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    SUBMITTING = "submitting", "Sending to the provider"
    RUNNING = "running", "Making"
    ARCHIVING = "archiving", "Saving to the library"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"
    CANCELED = "canceled", "Canceled"


FINISHED_STATES = (JobState.READY, JobState.FAILED, JobState.CANCELED)


class Job(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    workspace = models.ForeignKey("accounts.Workspace", models.CASCADE, related_name="jobs")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+"
    )
    key = models.ForeignKey(
        "keys.ProviderKey", models.SET_NULL, null=True, blank=True, related_name="jobs"
    )
    provider = models.CharField(max_length=20)
    operation = models.CharField(max_length=60)
    version = models.CharField(max_length=20, blank=True)
    task = models.CharField(max_length=30)
    title = models.CharField(max_length=200, blank=True)
    parameters = models.JSONField(default=dict, blank=True)
    # Where each audio input came from ({"reference": {"track": "<code>"}} or {"url": …}), so a
    # stored file's signed link can be made afresh when the job is sent (links expire).
    inputs = models.JSONField(default=dict, blank=True)
    # The token of the form that made the job: the same form posted twice makes one job.
    form_token = models.UUIDField(null=True, blank=True, editable=False)
    source_track = models.ForeignKey(
        "library.Track", models.SET_NULL, null=True, blank=True, related_name="+"
    )
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True)
    remote_id = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=20, choices=JobState.choices, default=JobState.QUEUED)
    stage = models.CharField(max_length=200, blank=True)
    progress = models.FloatField(null=True, blank=True)
    error_code = models.CharField(max_length=60, blank=True)
    error_message = models.TextField(blank=True)
    result_text = models.TextField(blank=True)
    result = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    submit_attempts = models.PositiveIntegerField(default=0)
    next_check_at = models.DateTimeField(default=timezone.now)
    lease_owner = models.CharField(max_length=64, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    license_snapshot = models.JSONField(default=dict, blank=True)
    estimated_cost = models.DecimalField(max_digits=10, decimal_places=4, null=True, blank=True)
    result_count = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    canceled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["workspace", "-created_at"]),
            models.Index(fields=["state", "next_check_at"]),
            models.Index(fields=["key", "created_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "form_token"],
                condition=models.Q(form_token__isnull=False),
                name="one_job_per_form_token",
            )
        ]

    def __str__(self):
        return f"{self.task} job {self.code}"

    def live_tracks(self):
        """The job's tracks still in the library, in the order the provider made them."""
        return self.tracks.live().order_by("output_position", "variation", "pk")

    @property
    def finished(self) -> bool:
        return self.state in FINISHED_STATES


class WebhookReceipt(models.Model):
    """A webhook delivery already acted on, so a replay of the same ``webhook-id`` is ignored."""

    key = models.ForeignKey("keys.ProviderKey", models.CASCADE, related_name="+")
    webhook_id = models.CharField(max_length=100)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "webhook_id"], name="one_receipt_per_webhook")
        ]

    def __str__(self):
        return self.webhook_id
