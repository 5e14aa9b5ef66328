"""Access helpers for library objects: always within the member's current workspace.

A code from another workspace (or a made-up one) is simply not found: 404, never 403, so a
stranger cannot learn that something exists. Role checks happen in the views' decorators.
"""

from __future__ import annotations

from django.http import Http404

from soundsite.library.models import Collection, ShareLink, Track
from soundsite.library.playback import FILE_FIELDS


def get_track_for_member(request, code, *, deleted: bool = False, for_file: bool = False) -> Track:
    """The live (or, with ``deleted``, the recently deleted) track with this code, or 404."""
    tracks = Track.objects.filter(workspace=request.workspace, code=code)
    tracks = tracks.deleted() if deleted else tracks.live()
    if for_file:
        tracks = tracks.only(*FILE_FIELDS, "title")
    else:
        tracks = tracks.select_related("created_by", "job", "parent")
    track = tracks.first()
    if track is None:
        raise Http404("No such track in this workspace.")
    return track


def get_collection_for_member(request, code) -> Collection:
    collection = Collection.objects.filter(workspace=request.workspace, code=code).first()
    if collection is None:
        raise Http404("No such collection in this workspace.")
    return collection


def get_share_for_member(request, code) -> ShareLink:
    share = (
        ShareLink.objects.filter(workspace=request.workspace, code=code)
        .select_related("track", "collection")
        .first()
    )
    if share is None:
        raise Http404("No such share link in this workspace.")
    return share


def tracks_for_member(request, codes) -> list[Track]:
    """Every live track named by ``codes``, or 404 if any of them is not in this workspace."""
    codes = list(dict.fromkeys(codes))
    tracks = list(Track.objects.live().filter(workspace=request.workspace, code__in=codes))
    if len(tracks) != len(codes):
        raise Http404("Some of these tracks are not in this workspace.")
    order = {code: index for index, code in enumerate(codes)}
    return sorted(tracks, key=lambda track: order[track.code])
