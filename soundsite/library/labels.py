"""Plain words for what the library shows: tasks, providers, relations and licenses."""

from __future__ import annotations

TASK_LABELS = {
    "song": "Song",
    "instrumental": "Instrumental",
    "sample": "Sample",
    "sound_effect": "Sound effect",
    "remix": "Remix",
    "extend": "Extension",
    "stems": "Stem",
    "cut": "Cut-down",
    "loop": "Loop",
    "singing": "Singing",
    "upload": "Upload",
}

PROVIDER_LABELS = {"soundpiece": "Soundpiece", "soundverse": "Soundverse"}

# What the lineage tree says about a track, relative to the one it came from.
RELATION_LABELS = {
    "original": "Original",
    "variation": "Variation",
    "stem": "Stem",
    "cut": "Cut-down",
    "remix": "Remix",
    "extension": "Extension",
    "loop": "Loop",
    "upload": "Upload",
}

STEM_LABELS = {
    "vocals": "Vocals",
    "drums": "Drums",
    "bass": "Bass",
    "guitar": "Guitar",
    "piano": "Piano",
    "other": "Other",
    "instruments": "Instruments",
    "instrumental": "Instrumental",
}

# The studio's pages for one-click actions (docs/library.md, "Studio URL contract").
CUT_LENGTHS = (60, 30, 15, 6)


def task_label(task: str) -> str:
    return TASK_LABELS.get(task, task.replace("_", " ").capitalize() if task else "Track")


def provider_label(provider: str) -> str:
    return PROVIDER_LABELS.get(provider, provider.capitalize() if provider else "Uploaded")


def license_name(snapshot: dict | None) -> str:
    """The license's display name from a track's snapshot, or '' when there is none."""
    snapshot = snapshot or {}
    value = str(snapshot.get("license_label") or snapshot.get("license") or "")
    value = value.replace("_", " ").strip()
    return value[:1].upper() + value[1:]


def plan_name(snapshot: dict | None) -> str:
    snapshot = snapshot or {}
    return str(snapshot.get("plan_label") or snapshot.get("plan") or "").strip()


def license_summary(snapshot: dict | None) -> str:
    return str((snapshot or {}).get("summary") or "").strip()
