"""ZIP exports of a track (with its stems), a collection or a selection, streamed.

The archive is built by zipstream-ng while it is sent: each file is read from storage in
chunks (``soundsite.lib.ranged.read_range``), stored without compression (audio does not
shrink), and never held in memory whole. Sizes are known up front, so the response carries a
Content-Length and the browser shows real progress. Names are readable, stems go in a folder
named after the track they were split from, and ``tracks.json`` describes every file with
its parameters and license record.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from zipstream import ZIP_STORED, ZipStream

from soundsite.lib.ranged import read_range
from soundsite.library.labels import provider_label, task_label
from soundsite.library.models import Relation, Track
from soundsite.library.tracks import safe_name

log = logging.getLogger(__name__)


class ExportTooLarge(Exception):
    def __init__(self, size: int, limit: int):
        super().__init__(f"{size} bytes over the {limit} byte limit")
        self.size = size
        self.limit = limit


class ExportFileMissing(Exception):
    """A track's file is not in storage: refuse the export rather than send a broken ZIP."""


@dataclass
class Entry:
    track: Track
    arcname: str


def plan_entries(tracks: list[Track]) -> list[Entry]:
    """Where each track goes in the archive: stems under '<track> – stems/', others at the top."""
    entries = []
    for track in tracks:
        if track.relation == Relation.STEM and track.parent_id and track.parent is not None:
            folder = f"{safe_name(track.parent.title)} – stems"
            entries.append(Entry(track, f"{folder}/{track.file_name}"))
        else:
            entries.append(Entry(track, track.file_name))
    return entries


def with_stems(track: Track) -> list[Track]:
    stems = Track.objects.live().filter(parent=track, relation=Relation.STEM)
    return [track, *stems.select_related("parent", "job", "created_by").order_by("stem_kind")]


# What a client may see of a license record (not the agency's key names or internal notes).
PUBLIC_LICENSE_KEYS = (
    "license",
    "license_label",
    "plan",
    "plan_label",
    "summary",
    "provider",
    "url",
)


def describe_public(entry: Entry, request) -> dict:
    """A file's record in a ZIP a client downloads through a share link."""
    track = entry.track
    snapshot = track.license_snapshot or {}
    return {
        "title": track.title,
        "file": entry.arcname,
        "duration_seconds": round(track.duration, 3),
        "format": track.format,
        "bytes": track.bytes,
        "sha256": track.sha256,
        "made_at": track.created_at.isoformat(),
        "license": {key: snapshot[key] for key in PUBLIC_LICENSE_KEYS if key in snapshot} or None,
        "verify_url": request.build_absolute_uri(reverse("verify", args=[track.sha256])),
    }


def describe(entry: Entry, request) -> dict:
    """A file's full record in a member's export: how it was made and under which license."""
    track = entry.track
    job = track.job
    return {
        "title": track.title,
        "file": entry.arcname,
        "id": str(track.code),
        "relation": track.relation,
        "made_from": str(track.parent.code) if track.parent_id and track.parent else None,
        "task": task_label(track.task),
        "provider": provider_label(track.provider) if track.provider else None,
        "operation": job.operation if job else None,
        "version": job.version if job else None,
        "stem": track.stem_kind or None,
        "duration_seconds": round(track.duration, 3),
        "format": track.format,
        "sample_rate": track.sample_rate,
        "channels": track.channels,
        "bytes": track.bytes,
        "sha256": track.sha256,
        "made_by": track.created_by.name if track.created_by else None,
        "made_at": track.created_at.isoformat(),
        "prompt": track.prompt,
        "lyrics": track.lyrics,
        "tags": track.tags,
        "parameters": track.parameters,
        "license": track.license_snapshot or None,
        "verify_url": request.build_absolute_uri(reverse("verify", args=[track.sha256])),
    }


def build_zip(
    entries: list[Entry], request, *, workspace_name: str, public: bool = False, storage=None
) -> ZipStream:
    storage = storage or default_storage
    total = sum(entry.track.bytes for entry in entries)
    if total > settings.EXPORT_MAX_BYTES:
        raise ExportTooLarge(total, settings.EXPORT_MAX_BYTES)
    for entry in entries:
        if not storage.exists(entry.track.file.name):
            log.error("Track %s has no file at %s", entry.track.code, entry.track.file.name)
            raise ExportFileMissing(entry.track.title)
    stream = ZipStream(compress_type=ZIP_STORED, sized=True)
    for entry in entries:
        stream.add(
            read_range(storage, entry.track.file.name, 0, entry.track.bytes),
            entry.arcname,
            size=entry.track.bytes,
        )
    manifest = {
        "exported_at": timezone.now().isoformat(),
        "workspace": workspace_name,
        "tracks": [(describe_public if public else describe)(entry, request) for entry in entries],
    }
    stream.add(json.dumps(manifest, indent=2, ensure_ascii=False).encode(), "tracks.json")
    return stream


def zip_response(stream: ZipStream, name: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(stream, content_type="application/zip")
    response["Content-Length"] = str(len(stream))
    response["Content-Disposition"] = content_disposition_header(True, f"{safe_name(name)}.zip")
    response["Cache-Control"] = "private, no-store"
    return response
