"""Organising tracks: rename, tags, favourites, delete with undo, and actions on a selection."""

from __future__ import annotations

import json

from django.contrib import messages
from django.db import transaction
from django.db.models import Max
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from soundsite.accounts.access import workspace_required
from soundsite.accounts.models import Role
from soundsite.library.access import (
    get_collection_for_member,
    get_track_for_member,
    tracks_for_member,
)
from soundsite.library.activity import record, record_tracks
from soundsite.library.forms import CollectionForm, RenameForm, TagsForm, parse_codes
from soundsite.library.models import (
    Collection,
    CollectionItem,
    Favourite,
    Relation,
    Track,
    Verb,
)
from soundsite.library.tasks import purge_track
from soundsite.library.tracks import readable_file_name
from soundsite.studio import cards


def _safe_next(request) -> str:
    """The page a form came from, when it is a path on this site (never another host)."""
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def _back(request, fallback: str):
    return redirect(_safe_next(request) or fallback)


@require_POST
@workspace_required(Role.MEMBER)
def rename(request, code):
    track = get_track_for_member(request, code)
    form = RenameForm(request.POST)
    if form.is_valid():
        old = track.title
        track.title = form.cleaned_data["title"]
        track.file_name = readable_file_name(track.title, track.code, track.format)
        track.save(update_fields=["title", "file_name"])
        cards.touch_jobs([track.job_id])
        if old != track.title:
            record(
                request.workspace, request.user, Verb.RENAMED, track=track, detail=f"from “{old}”"
            )
    status = 200 if form.is_valid() or request.htmx else 400
    if request.htmx:
        return render(
            request,
            "library/track.html#title",
            {"track": track, "rename_form": form},
            status=status,
        )
    if not form.is_valid():
        messages.error(request, form.errors["title"][0])
    return redirect("track", code=track.code)


@require_POST
@workspace_required(Role.MEMBER)
def tags(request, code):
    track = get_track_for_member(request, code)
    form = TagsForm(request.POST)
    if form.is_valid():
        track.tags = form.cleaned_data["tags"]
        track.save(update_fields=["tags"])
    if request.htmx:
        return render(request, "library/track.html#tags", {"track": track, "tags_form": form})
    if not form.is_valid():
        messages.error(request, form.errors["tags"][0])
    return redirect("track", code=track.code)


@require_POST
@workspace_required()
def favourite(request, code):
    """Mark or unmark a favourite; viewers may too: it is their own list, not the track."""
    track = get_track_for_member(request, code)
    wanted = request.POST.get("favourite", "toggle")
    existing = Favourite.objects.filter(user=request.user, track=track)
    if wanted == "off" or (wanted == "toggle" and existing.exists()):
        existing.delete()
        is_favourite = False
    else:
        Favourite.objects.get_or_create(user=request.user, track=track)
        is_favourite = True
    if request.htmx:
        return render(
            request,
            "library/_favourite.html",
            {"track": track, "is_favourite": is_favourite, "compact": request.POST.get("compact")},
        )
    return _back(request, reverse("track", args=[track.code]))


def _undo_message(request, tracks: list[Track], next_url: str) -> None:
    """A success message with an Undo button that restores exactly these tracks."""
    names = f"“{tracks[0].title}”" if len(tracks) == 1 else f"{len(tracks)} tracks"
    values = json.dumps({"tracks": [str(track.code) for track in tracks], "next": next_url})
    messages.success(
        request,
        format_html(
            '{} moved to Recently deleted. <button type="button" class="linklike undo" '
            'hx-post="{}" hx-vals="{}" hx-target="body" hx-push-url="true">Undo</button>',
            names,
            reverse("library_restore"),
            values,
        ),
    )


def soft_delete(request, tracks: list[Track], next_url: str) -> None:
    """Move tracks to Recently deleted; their stems go with them (same moment, same undo).

    Stems are folded under their track in the library, so left behind they could only be
    found through "Show stems". Sharing the track's deletion time is what ties them to it:
    restoring the track, purging it or the cleanup takes exactly those stems along.
    """
    now = timezone.now()
    ids = [track.pk for track in tracks]
    with transaction.atomic():
        cards.touch_jobs([track.job_id for track in tracks] + list(stems_of(ids).job_ids()))
        Track.objects.filter(pk__in=ids).update(deleted_at=now)
        stems_of(ids).update(deleted_at=now)
        record_tracks(request.workspace, request.user, Verb.DELETED, tracks)
    _undo_message(request, tracks, next_url)


def stems_of(track_ids, *, deleted_at=None):
    """The live stems of these tracks, or (with ``deleted_at``) those deleted along with them."""
    stems = Track.objects.filter(parent_id__in=track_ids, relation=Relation.STEM)
    return stems.filter(deleted_at=deleted_at) if deleted_at else stems.live()


@require_POST
@workspace_required(Role.MEMBER)
def delete(request, code):
    track = get_track_for_member(request, code)
    soft_delete(request, [track], reverse("track", args=[track.code]))
    return redirect("library")


@require_POST
@workspace_required(Role.MEMBER)
def restore(request):
    codes = parse_codes(request.POST.getlist("tracks"))
    tracks = list(Track.objects.deleted().filter(workspace=request.workspace, code__in=codes))
    if not codes or len(tracks) != len(codes):
        messages.error(
            request, "These tracks are no longer in Recently deleted, so they cannot be restored."
        )
        return redirect("library_deleted")
    with transaction.atomic():
        for track in tracks:
            stems = stems_of([track.pk], deleted_at=track.deleted_at)
            cards.touch_jobs([track.job_id, *stems.job_ids()])
            stems.update(deleted_at=None)
        Track.objects.filter(pk__in=[track.pk for track in tracks]).update(deleted_at=None)
        record_tracks(request.workspace, request.user, Verb.RESTORED, tracks)
    names = f"“{tracks[0].title}” is" if len(tracks) == 1 else f"{len(tracks)} tracks are"
    messages.success(request, f"{names} back in the library.")
    return _back(request, reverse("library"))


@require_POST
@workspace_required(Role.ADMIN)
def purge(request, code):
    """Delete for good now, without waiting for the cleanup; only owners and admins."""
    track = get_track_for_member(request, code, deleted=True)
    title = track.title
    for stem in stems_of([track.pk], deleted_at=track.deleted_at).only("id", "file"):
        purge_track(stem)
    purge_track(track)
    messages.success(request, f"“{title}” is deleted for good.")
    return redirect("library_deleted")


@require_POST
@workspace_required(Role.MEMBER)
def bulk(request):
    """One action on the tracks ticked in the list: delete, or add to a collection."""
    codes = parse_codes(request.POST.getlist("tracks"))
    action = request.POST.get("action")
    if not codes:
        messages.error(request, "Tick at least one track first.")
        return _back(request, reverse("library"))
    tracks = tracks_for_member(request, codes)
    if action == "delete":
        soft_delete(request, tracks, _safe_next(request) or reverse("library"))
    elif action == "collect":
        collection = _target_collection(request)
        if collection is None:
            return _back(request, reverse("library"))
        added = add_to_collection(collection, tracks, request.user)
        messages.success(
            request,
            format_html(
                '{} added to <a href="{}">{}</a>.',
                f"{added} tracks" if added != 1 else "1 track",
                reverse("collection", args=[collection.code]),
                collection.name,
            )
            if added
            else f"Those tracks were already in “{collection.name}”.",
        )
    else:
        messages.error(request, "Choose what to do with the ticked tracks.")
    return _back(request, reverse("library"))


def _target_collection(request) -> Collection | None:
    """The chosen collection, or a new one when a name was typed instead."""
    value = request.POST.get("collection", "")
    if value == "new" or request.POST.get("name"):
        form = CollectionForm({"name": request.POST.get("name", "")})
        if not form.is_valid():
            messages.error(request, "Type a name for the new collection.")
            return None
        return Collection.objects.create(
            workspace=request.workspace, name=form.cleaned_data["name"], created_by=request.user
        )
    codes = parse_codes([value]) if value else []
    if not codes:
        messages.error(request, "Choose a collection.")
        return None
    return get_collection_for_member(request, codes[0])


def add_to_collection(collection: Collection, tracks: list[Track], user) -> int:
    """Append tracks not yet in the collection, keeping the order they were given in."""
    with transaction.atomic():
        present = set(collection.items.values_list("track_id", flat=True))
        last = collection.items.aggregate(last=Max("position"))["last"] or 0
        new = [track for track in tracks if track.pk not in present]
        CollectionItem.objects.bulk_create(
            CollectionItem(collection=collection, track=track, position=last + index, added_by=user)
            for index, track in enumerate(new, start=1)
        )
        if new:
            Collection.objects.filter(pk=collection.pk).update(updated_at=timezone.now())
    return len(new)


@require_POST
@workspace_required(Role.MEMBER)
def track_collections(request, code):
    """Add this track to a collection (existing or new) from the track page."""
    track = get_track_for_member(request, code)
    collection = _target_collection(request)
    if collection is not None:
        if add_to_collection(collection, [track], request.user):
            messages.success(request, f"Added to “{collection.name}”.")
        else:
            messages.info(request, f"Already in “{collection.name}”.")
    return redirect("track", code=track.code)
