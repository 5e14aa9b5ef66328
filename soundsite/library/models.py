"""The team's archive: every track with its file, lineage and license."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class Relation(models.TextChoices):
    ORIGINAL = "original", "Original"
    VARIATION = "variation", "Variation"
    STEM = "stem", "Stem"
    CUT = "cut", "Cut-down"
    REMIX = "remix", "Remix"
    EXTENSION = "extension", "Extension"
    LOOP = "loop", "Loop"
    UPLOAD = "upload", "Upload"


class Track(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    workspace = models.ForeignKey("accounts.Workspace", models.CASCADE, related_name="tracks")
    job = models.ForeignKey(
        "studio.Job", models.SET_NULL, null=True, blank=True, related_name="tracks"
    )
    parent = models.ForeignKey(
        "self", models.SET_NULL, null=True, blank=True, related_name="children"
    )
    relation = models.CharField(max_length=20, choices=Relation.choices, default=Relation.ORIGINAL)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+"
    )
    title = models.CharField(max_length=200)
    task = models.CharField(max_length=30, blank=True)
    provider = models.CharField(max_length=20, blank=True)
    stem_kind = models.CharField(max_length=20, blank=True)
    variation = models.PositiveSmallIntegerField(default=0)
    # Which entry of the job's output list this track came from: archiving twice finds it.
    output_position = models.PositiveSmallIntegerField(null=True, blank=True)
    file = models.FileField(max_length=300)
    file_name = models.CharField(max_length=250)
    format = models.CharField(max_length=10)
    content_type = models.CharField(max_length=60)
    duration = models.FloatField()
    sample_rate = models.PositiveIntegerField()
    channels = models.PositiveSmallIntegerField()
    bytes = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    peaks = models.JSONField(default=list, blank=True)
    prompt = models.TextField(blank=True)
    lyrics = models.TextField(blank=True)
    tags = models.JSONField(default=list, blank=True)
    parameters = models.JSONField(default=dict, blank=True)
    license_snapshot = models.JSONField(default=dict, blank=True)
    remote_output = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["workspace", "deleted_at", "-created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["job", "output_position"],
                condition=models.Q(job__isnull=False, output_position__isnull=False),
                name="one_track_per_job_output",
            )
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("track", args=[self.code])
