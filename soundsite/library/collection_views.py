"""Collections: named, ordered sets of tracks (per client or campaign), and their exports."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from soundsite.accounts.access import workspace_required
from soundsite.accounts.models import Role
from soundsite.library import thumbnails
from soundsite.library.access import get_collection_for_member, tracks_for_member
from soundsite.library.browse import annotate_for_list
from soundsite.library.forms import CollectionForm, parse_codes
from soundsite.library.models import Collection, CollectionItem, ShareLink, Track
from soundsite.library.organise import add_to_collection
from soundsite.library.views import export_response


@require_GET
@workspace_required()
def collections(request):
    items = (
        Collection.objects.filter(workspace=request.workspace)
        .annotate(
            track_count=Count("items", filter=Q(items__track__deleted_at__isnull=True)),
        )
        .select_related("created_by")
    )
    return render(
        request,
        "library/collections.html",
        {
            "section": "library",
            "tab": "collections",
            "collections": items,
            "form": CollectionForm(),
        },
    )


@require_POST
@workspace_required(Role.MEMBER)
def collection_create(request):
    form = CollectionForm(request.POST)
    if not form.is_valid():
        items = Collection.objects.filter(workspace=request.workspace).annotate(
            track_count=Count("items")
        )
        return render(
            request,
            "library/collections.html",
            {"section": "library", "tab": "collections", "collections": items, "form": form},
            status=200 if request.htmx else 400,
        )
    collection = Collection.objects.create(
        workspace=request.workspace, created_by=request.user, **form.cleaned_data
    )
    messages.success(request, f"“{collection.name}” is ready. Add tracks from the library.")
    return redirect("collection", code=collection.code)


def collection_tracks(collection: Collection, user):
    return annotate_for_list(
        Track.objects.live().filter(collection_items__collection=collection), user
    ).order_by("collection_items__position", "collection_items__id")


@require_GET
@workspace_required()
def collection(request, code):
    found = get_collection_for_member(request, code)
    return render(
        request,
        "library/collection.html",
        {
            "section": "library",
            "tab": "collections",
            "collection": found,
            "tracks": thumbnails.attach(collection_tracks(found, request.user)),
            "form": CollectionForm(initial={"name": found.name, "description": found.description}),
            "share_count": ShareLink.objects.filter(collection=found).count(),
        },
    )


@require_POST
@workspace_required(Role.MEMBER)
def collection_edit(request, code):
    found = get_collection_for_member(request, code)
    form = CollectionForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "library/collection.html",
            {
                "section": "library",
                "tab": "collections",
                "collection": found,
                "tracks": thumbnails.attach(collection_tracks(found, request.user)),
                "form": form,
                "edit_open": True,
            },
            status=200 if request.htmx else 400,
        )
    found.name = form.cleaned_data["name"]
    found.description = form.cleaned_data["description"]
    found.updated_at = timezone.now()
    found.save(update_fields=["name", "description", "updated_at"])
    messages.success(request, "Collection saved.")
    return redirect("collection", code=found.code)


@require_POST
@workspace_required(Role.MEMBER)
def collection_delete(request, code):
    found = get_collection_for_member(request, code)
    name = found.name
    found.delete()
    messages.success(request, f"Collection “{name}” deleted. Its tracks are still in the library.")
    return redirect("collections")


@require_POST
@workspace_required(Role.MEMBER)
def collection_add(request, code):
    found = get_collection_for_member(request, code)
    tracks = tracks_for_member(request, parse_codes(request.POST.getlist("tracks")))
    added = add_to_collection(found, tracks, request.user)
    messages.success(request, f"Added {added} track{'s' if added != 1 else ''}.")
    return redirect("collection", code=found.code)


@require_POST
@workspace_required(Role.MEMBER)
def collection_remove(request, code):
    found = get_collection_for_member(request, code)
    codes = parse_codes(request.POST.getlist("track"))
    removed, _ = CollectionItem.objects.filter(collection=found, track__code__in=codes).delete()
    if removed:
        messages.success(request, "Removed from the collection. The track stays in the library.")
    return redirect("collection", code=found.code)


@require_POST
@workspace_required(Role.MEMBER)
def collection_move(request, code):
    """Reorder: move one track up, down, to the top or bottom, or save a whole new order."""
    found = get_collection_for_member(request, code)
    with transaction.atomic():
        every = list(
            found.items.select_for_update().select_related("track").order_by("position", "id")
        )
        # Tracks in Recently deleted keep their place at the end, out of sight.
        items = [item for item in every if item.track.deleted_at is None]
        hidden = [item for item in every if item.track.deleted_at is not None]
        order = parse_codes(request.POST.getlist("order"))
        if order:
            by_code = {item.track.code: item for item in items}
            if set(order) != set(by_code):
                messages.error(request, "The collection changed meanwhile. Try the move again.")
                return redirect("collection", code=found.code)
            items = [by_code[value] for value in order]
        else:
            moved = parse_codes(request.POST.getlist("track"))
            index = next(
                (i for i, item in enumerate(items) if moved and item.track.code == moved[0]), None
            )
            if index is None:
                messages.error(request, "That track is not in this collection.")
                return redirect("collection", code=found.code)
            item = items.pop(index)
            target = {
                "up": max(0, index - 1),
                "down": min(len(items), index + 1),
                "top": 0,
                "bottom": len(items),
            }.get(request.POST.get("direction"), index)
            items.insert(target, item)
        items += hidden
        for position, item in enumerate(items, start=1):
            item.position = position
        CollectionItem.objects.bulk_update(items, ["position"])
    if request.htmx:
        return render(
            request,
            "library/collection.html#items",
            {
                "collection": found,
                "tracks": thumbnails.attach(collection_tracks(found, request.user)),
            },
        )
    return redirect("collection", code=found.code)


@require_GET
@workspace_required()
def collection_export(request, code):
    found = get_collection_for_member(request, code)
    tracks = list(
        Track.objects.live()
        .filter(collection_items__collection=found)
        .select_related("parent", "job", "created_by")
        .order_by("collection_items__position")
    )
    if not tracks:
        messages.error(request, "This collection has no tracks to export yet.")
        return redirect("collection", code=found.code)
    return export_response(request, tracks, found.name)
