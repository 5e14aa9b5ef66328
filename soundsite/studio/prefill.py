"""Filling a task form in advance: from a library track, an earlier job, or lyrics.

The library's one-click actions link to ``/studio/<task>/?source=<track code>`` (plus e.g.
``&target_seconds=30`` for "Cut to 30 s"); "Edit and run again" links to ``?from_job=<code>``;
a finished lyrics or assistant job offers ``/studio/song/?lyrics_from=<code>``. Anything that
does not belong to the workspace is ignored, with a note saying so.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from soundsite.providers.base import FieldType, Operation
from soundsite.providers.catalog import get_operation
from soundsite.studio.forms import LIBRARY, LINK, Offer, audio_part, find_track
from soundsite.studio.models import Job

# Names the library's links use, and the catalog fields they mean.
ALIASES = {
    "target_seconds": ("target_duration", "end"),
    "seconds": ("duration", "target_duration"),
}


@dataclass
class Prefill:
    initial: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    source_title: str = ""


def find_job(workspace, code) -> Job | None:
    import uuid

    try:
        code = uuid.UUID(str(code))
    except (TypeError, ValueError, AttributeError):
        return None
    return Job.objects.filter(workspace=workspace, code=code).select_related("key").first()


def pick_offer(offers: list[Offer], wanted: str | None) -> Offer | None:
    for offer in offers:
        if offer.value == wanted:
            return offer
    return offers[0] if offers else None


def main_audio_field(operation: Operation) -> str | None:
    fields = operation.audio_fields
    required = [f for f in fields if f.required]
    chosen = (required or list(fields) or [None])[0]
    return chosen.name if chosen else None


def from_job(job: Job) -> dict:
    """Everything an earlier job was made with, as form values."""
    initial = {"operation": f"{job.provider}:{job.operation}", "title": job.title}
    if job.key_id:
        initial["key"] = str(job.key.code)
    license_id = (job.license_snapshot or {}).get("license")
    if license_id:
        initial["license"] = license_id
    try:
        operation = get_operation(job.provider, job.operation)
        audio = {f.name for f in operation.audio_fields}
    except KeyError:
        audio = set()
    inputs = job.inputs or {}
    for name, value in (job.parameters or {}).items():
        if name in audio:
            source = inputs.get(name) or {}
            if source.get("track"):
                initial[name] = LIBRARY
                initial[audio_part(name, "track")] = source["track"]
            else:
                initial[name] = LINK
                initial[audio_part(name, "url")] = source.get("url") or value
            continue
        initial[name] = value
    return initial


def build(request, task: str, offers: list[Offer]) -> Prefill:
    """The form's starting values from the query string."""
    query = request.GET
    workspace = request.workspace
    result = Prefill()
    initial = result.initial
    if query.get("operation"):
        initial["operation"] = query["operation"]

    if query.get("from_job"):
        job = find_job(workspace, query["from_job"])
        if job is None:
            result.notes.append("The job to copy was not found, so the form starts empty.")
        else:
            initial.update(from_job(job))
            if job.key_id and not any(
                str(key.code) == initial.get("key") for offer in offers for key in offer.keys
            ):
                result.notes.append(
                    "The key that job used is not available to you; another key is chosen."
                )

    if query.get("lyrics_from"):
        job = find_job(workspace, query["lyrics_from"])
        text = (job.result_text or "").strip() if job else ""
        if not text:
            result.notes.append("No lyrics were found in that job.")
        else:
            initial["lyrics"] = text
            chosen = pick_offer(offers, initial.get("operation"))
            if chosen is not None and not has_field(chosen.operation, "lyrics"):
                for offer in offers:
                    if has_field(offer.operation, "lyrics"):
                        initial["operation"] = offer.value
                        break

    chosen = pick_offer(offers, initial.get("operation"))
    if chosen is None:
        return result
    operation = chosen.operation
    names = {f.name: f for f in operation.fields}

    if query.get("source") and not query.get("from_job"):
        track = find_track(workspace, query["source"])
        target = main_audio_field(operation)
        if track is None:
            result.notes.append("That track is not in your library any more.")
        elif target is not None:
            initial[target] = LIBRARY
            initial[audio_part(target, "track")] = str(track.code)
            result.source_title = track.title

    for name, value in query.items():
        if name in names and names[name].type is not FieldType.AUDIO and len(value) <= 5000:
            initial[name] = value
        for target in ALIASES.get(name, ()):
            if target in names and target not in query:
                initial[target] = value
                if target == "end" and "start" in names and "start" not in query:
                    initial["start"] = "0"
                break
    return result


def has_field(operation: Operation, name: str) -> bool:
    return any(f.name == name for f in operation.fields)
