"""The team's archive: every track with its file, lineage and license.

Around the tracks: favourites (per member), collections (named, ordered), share links for
clients, and the activity record of who made, downloaded, shared or deleted what.
"""

import secrets
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


class TrackQuerySet(models.QuerySet):
    def live(self):
        return self.filter(deleted_at__isnull=True)

    def deleted(self):
        return self.filter(deleted_at__isnull=False)

    def job_ids(self):
        """The jobs that made these tracks (their cards list them)."""
        return self.exclude(job=None).values_list("job_id", flat=True).distinct()


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

    objects = TrackQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The library page: a workspace's live tracks, newest first, ties by id. Partial, so
            # "deleted_at IS NULL" is the index's own condition and the order comes straight
            # from it (PostgreSQL cannot order past an IS NULL column of a plain index).
            models.Index(
                fields=["workspace", "-created_at", "-id"],
                condition=models.Q(deleted_at__isnull=True),
                name="library_track_live_idx",
            ),
            # Counting a page's matches (live, not stems) reads only this index.
            models.Index(
                fields=["workspace", "relation"],
                condition=models.Q(deleted_at__isnull=True),
                name="library_track_count_idx",
            ),
            # The public verification page looks certificates up by the file's hash.
            models.Index(fields=["sha256"], name="library_track_sha256_idx"),
        ]
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

    @property
    def short_code(self) -> str:
        return str(self.code)[:8]

    @property
    def is_upload(self) -> bool:
        return self.relation == Relation.UPLOAD

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class Favourite(models.Model):
    """A member's own mark on a track; teammates each keep their own."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    track = models.ForeignKey(Track, models.CASCADE, related_name="favourites")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "track"], name="one_favourite_per_member")
        ]

    def __str__(self):
        return f"{self.user} ♥ {self.track}"


class Collection(models.Model):
    """A named, ordered set of tracks, e.g. one per client or campaign."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    workspace = models.ForeignKey("accounts.Workspace", models.CASCADE, related_name="collections")
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True, max_length=2000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["workspace", "name"])]

    def __str__(self):
        return self.name


class CollectionItem(models.Model):
    collection = models.ForeignKey(Collection, models.CASCADE, related_name="items")
    track = models.ForeignKey(Track, models.CASCADE, related_name="collection_items")
    position = models.PositiveIntegerField(default=0)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["collection", "track"], name="one_entry_per_track_in_collection"
            )
        ]

    def __str__(self):
        return f"{self.track} in {self.collection}"


# 24 random bytes: 32 URL-safe characters, far beyond guessing.
SHARE_TOKEN_BYTES = 24
SHARE_TOKEN_LENGTH = 32


def new_share_token() -> str:
    return secrets.token_urlsafe(SHARE_TOKEN_BYTES)


class ShareLink(models.Model):
    """A link that lets someone without an account listen to (and maybe download) tracks."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    workspace = models.ForeignKey("accounts.Workspace", models.CASCADE, related_name="share_links")
    token = models.CharField(max_length=64, unique=True, default=new_share_token, editable=False)
    track = models.ForeignKey(
        Track, models.CASCADE, null=True, blank=True, related_name="share_links"
    )
    collection = models.ForeignKey(
        Collection, models.CASCADE, null=True, blank=True, related_name="share_links"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    allow_download = models.BooleanField(default=True)
    password_hash = models.CharField(max_length=128, blank=True)
    note = models.TextField(blank=True, max_length=2000)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    visit_count = models.PositiveIntegerField(default=0)
    last_visit_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["workspace", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(track__isnull=False, collection__isnull=True)
                    | models.Q(track__isnull=True, collection__isnull=False)
                ),
                name="share_link_has_one_subject",
            )
        ]

    def __str__(self):
        return f"Share link for {self.subject_title}"

    @property
    def subject_title(self) -> str:
        subject = self.track if self.track_id else self.collection
        return subject.title if self.track_id else subject.name

    @property
    def has_password(self) -> bool:
        return bool(self.password_hash)

    def is_expired(self, now=None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and not self.is_expired()

    @property
    def status(self) -> str:
        if self.revoked_at:
            return "revoked"
        return "expired" if self.is_expired() else "active"


class Verb(models.TextChoices):
    MADE = "made", "made"
    UPLOADED = "uploaded", "uploaded"
    DOWNLOADED = "downloaded", "downloaded"
    EXPORTED = "exported", "exported"
    SHARED = "shared", "shared"
    REVOKED = "revoked", "revoked a share link"
    RENAMED = "renamed", "renamed"
    DELETED = "deleted", "deleted"
    RESTORED = "restored", "restored"


class Activity(models.Model):
    """Who did what to which track, collection or share link, and when."""

    workspace = models.ForeignKey("accounts.Workspace", models.CASCADE, related_name="+")
    # Empty for a client who came through a share link.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    verb = models.CharField(max_length=20, choices=Verb.choices)
    track = models.ForeignKey(
        Track, models.SET_NULL, null=True, blank=True, related_name="activities"
    )
    collection = models.ForeignKey(
        Collection, models.SET_NULL, null=True, blank=True, related_name="activities"
    )
    share = models.ForeignKey(
        ShareLink, models.SET_NULL, null=True, blank=True, related_name="activities"
    )
    # The title at the time, so the record still reads well after a rename or a purge.
    subject = models.CharField(max_length=200, blank=True)
    detail = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["track", "-created_at"]),
            models.Index(fields=["workspace", "-created_at"]),
        ]

    def __str__(self):
        return f"{self.actor or 'A visitor'} {self.get_verb_display()} {self.subject}"
