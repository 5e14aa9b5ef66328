"""Making and managing share links (members); the public pages are in ``public.py``."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from soundsite.accounts.access import workspace_required
from soundsite.accounts.models import Role
from soundsite.library.access import (
    get_collection_for_member,
    get_share_for_member,
    get_track_for_member,
)
from soundsite.library.activity import record
from soundsite.library.models import ShareLink, Verb
from soundsite.library.sharing import ShareForm, create_share


def _share_form_page(request, *, track=None, collection=None):
    form = ShareForm(
        request.POST if request.method == "POST" else None, workspace=request.workspace
    )
    if request.method == "POST" and form.is_valid():
        share = create_share(
            request.workspace, request.user, form.cleaned_data, track=track, collection=collection
        )
        record(
            request.workspace,
            request.user,
            Verb.SHARED,
            track=track,
            collection=collection,
            share=share,
            detail="with a password" if share.has_password else "",
        )
        messages.success(request, "Link ready. Copy it and send it to your client.")
        return redirect(f"{reverse('share_links')}?created={share.code}#share-{share.code}")
    # htmx swaps only successful answers, so a boosted form gets its errors back with 200.
    status = 400 if form.errors and not request.htmx else 200
    return render(
        request,
        "library/share_form.html",
        {"section": "shares", "form": form, "track": track, "collection": collection},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@workspace_required(Role.MEMBER)
def track_share(request, code):
    return _share_form_page(request, track=get_track_for_member(request, code))


@require_http_methods(["GET", "POST"])
@workspace_required(Role.MEMBER)
def collection_share(request, code):
    return _share_form_page(request, collection=get_collection_for_member(request, code))


@require_GET
@workspace_required()
def share_links(request):
    now = timezone.now()
    active = Q(revoked_at__isnull=True) & (Q(expires_at__isnull=True) | Q(expires_at__gt=now))
    show = "ended" if request.GET.get("show") == "ended" else "active"
    links = (
        ShareLink.objects.filter(workspace=request.workspace)
        .filter(active if show == "active" else ~active)
        .select_related("track", "collection", "created_by")
        .order_by("-created_at")
    )
    counts = {
        "active": ShareLink.objects.filter(workspace=request.workspace).filter(active).count(),
    }
    return render(
        request,
        "library/share_links.html",
        {
            "section": "shares",
            "links": links[:500],
            "show": show,
            "counts": counts,
            "created": request.GET.get("created", ""),
        },
    )


@require_POST
@workspace_required(Role.MEMBER)
def share_revoke(request, code):
    share = get_share_for_member(request, code)
    if share.revoked_at is None:
        share.revoked_at = timezone.now()
        share.revoked_by = request.user
        share.save(update_fields=["revoked_at", "revoked_by"])
        record(
            request.workspace,
            request.user,
            Verb.REVOKED,
            track=share.track,
            collection=share.collection,
            share=share,
        )
        messages.success(request, "Link revoked. Anyone who opens it now sees that it has ended.")
    return redirect("share_links")


@require_POST
@workspace_required(Role.MEMBER)
def share_downloads(request, code):
    share = get_share_for_member(request, code)
    share.allow_download = request.POST.get("allow_download") == "on"
    share.save(update_fields=["allow_download"])
    if request.htmx:
        return render(request, "library/share_links.html#download-switch", {"link": share})
    messages.success(
        request, "Downloads are on for this link." if share.allow_download else "Downloads are off."
    )
    return redirect("share_links")
