"""The library's activity record: one small row per thing a person did."""

from __future__ import annotations

from soundsite.library.models import Activity, Collection, ShareLink, Track


def record(
    workspace,
    actor,
    verb: str,
    *,
    track: Track | None = None,
    collection: Collection | None = None,
    share: ShareLink | None = None,
    detail: str = "",
) -> Activity:
    subject = track.title if track else (collection.name if collection else "")
    return Activity.objects.create(
        workspace=workspace,
        actor=actor if actor is not None and actor.is_authenticated else None,
        verb=verb,
        track=track,
        collection=collection,
        share=share,
        subject=subject[:200],
        detail=detail[:300],
    )


def record_tracks(workspace, actor, verb: str, tracks, *, detail: str = "", share=None) -> None:
    """One row per track, written in a single query."""
    Activity.objects.bulk_create(
        Activity(
            workspace=workspace,
            actor=actor if actor is not None and actor.is_authenticated else None,
            verb=verb,
            track=track,
            share=share,
            subject=track.title[:200],
            detail=detail[:300],
        )
        for track in tracks
    )
