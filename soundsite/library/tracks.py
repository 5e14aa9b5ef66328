"""Making tracks: from a job's output, or from a member's upload."""

from __future__ import annotations

import re

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction

from soundsite.lib.audio import AudioInfo
from soundsite.library.models import Relation, Track

# How a job's task relates its results to the track it started from.
TASK_RELATIONS = {
    "stems": Relation.STEM,
    "cut": Relation.CUT,
    "remix": Relation.REMIX,
    "extend": Relation.EXTENSION,
    "loop": Relation.LOOP,
}

STEM_NAMES = {
    "vocals": "Vocals",
    "drums": "Drums",
    "bass": "Bass",
    # Soundverse's six-stem split also names these two.
    "guitar": "Guitar",
    "piano": "Piano",
    "other": "Other",
    "instruments": "Instruments",
    "instrumental": "Instrumental",
}


def readable_file_name(title: str, code, extension: str) -> str:
    """``<title> [<short id>].<ext>``, safe on every operating system."""
    return f"{safe_name(title)} [{str(code)[:8]}].{extension}"


def safe_name(title: str) -> str:
    """A title made safe as a file or folder name: no separators, no '..', never empty."""
    clean = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', " ", title or "")
    clean = re.sub(r"\s+", " ", clean).strip(" .")[:80].strip(" .")
    return clean or "Track"


def storage_path(track: Track) -> str:
    return f"tracks/{track.workspace.code}/{track.code}.{track.format}"


def existing_output_indexes(job) -> set[int]:
    return set(
        Track.objects.filter(job=job, output_position__isnull=False).values_list(
            "output_position", flat=True
        )
    )


# A cut or a loop is the same music, shorter: it keeps the job's name ("<source> — Cut to
# length", or the name given), not a fresh song name the provider made up for the file.
KEEPS_SOURCE_NAME = {"cut", "loop"}


def title_for(job, output, position: int, total: int) -> str:
    base = (output.title or job.title or "").strip()
    if job.task in KEEPS_SOURCE_NAME and job.source_track_id and job.title:
        base = job.title.strip()
    source = job.source_track
    if not base:
        prompt = (job.parameters.get("prompt") or "").strip()
        base = prompt[:60].rstrip() if prompt else (source.title if source else "Untitled")
    if output.kind and output.kind != "mix" and output.kind in STEM_NAMES:
        root = source.title if source else base
        return f"{root} — {STEM_NAMES[output.kind]}"
    if total > 1:
        return f"{base} (version {position + 1})"
    return base


def create_track_from_output(job, output, position: int, file, info: AudioInfo, peaks) -> Track:
    """Move a checked download into storage and record it, or find the track already made."""
    outputs_total = len(job.result.get("outputs", [])) or 1
    title = title_for(job, output, position, outputs_total)
    track = Track(
        workspace_id=job.workspace_id,
        job=job,
        parent=job.source_track,
        relation=TASK_RELATIONS.get(job.task, Relation.ORIGINAL)
        if job.source_track_id
        else (Relation.VARIATION if position > 0 else Relation.ORIGINAL),
        created_by_id=job.created_by_id,
        title=title[:200],
        task=job.task,
        provider=job.provider,
        stem_kind=output.kind if output.kind in STEM_NAMES else "",
        variation=output.index or position + 1,
        output_position=position,
        format=info.format,
        content_type=info.content_type,
        duration=info.duration,
        sample_rate=info.sample_rate,
        channels=info.channels,
        bytes=file.bytes,
        sha256=file.sha256,
        peaks=peaks,
        prompt=job.parameters.get("prompt") or "",
        lyrics=output.lyrics or job.parameters.get("lyrics") or "",
        parameters=job.parameters,
        license_snapshot=job.license_snapshot,
        remote_output={"index": output.index, "kind": output.kind, "license": output.license},
    )
    track.workspace = job.workspace
    track.file_name = readable_file_name(track.title, track.code, info.format)
    return save_track_with_file(track, file.path)


def save_track_with_file(track: Track, path) -> Track:
    """Store the file, then the row, in one step: a failure leaves neither behind."""
    name = storage_path(track)
    if default_storage.exists(name):
        default_storage.delete(name)
    with open(path, "rb") as handle:
        stored = default_storage.save(name, File(handle, name=name))
    track.file.name = stored
    try:
        with transaction.atomic():
            track.save()
    except IntegrityError:
        # Another worker archived this output first; keep theirs, drop our copy.
        default_storage.delete(stored)
        return Track.objects.get(job=track.job, output_position=track.output_position)
    except Exception:
        default_storage.delete(stored)
        raise
    return track
