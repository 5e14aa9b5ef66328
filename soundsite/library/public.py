"""The public share pages under /s/<token>/: no account, only what the link shows.

Every request (page, audio, peaks, downloads) resolves the token again and checks the
password unlock, so revoking a link or changing its password takes effect at once. A track
that is not part of the link is "not found", exactly like an unknown token.
"""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from soundsite.accounts.models import Membership
from soundsite.lib.ranged import ranged_file_response
from soundsite.library import exports, sharing
from soundsite.library.activity import record, record_tracks
from soundsite.library.models import Verb

PRIVATE_HEADERS = {
    "Cache-Control": "private, no-store",
    "X-Robots-Tag": "noindex, nofollow",
    # Same-origin keeps the token out of Referer headers to other sites while letting the
    # password form send its Origin (which the CSRF check needs).
    "Referrer-Policy": "same-origin",
}


def _private(response):
    for key, value in PRIVATE_HEADERS.items():
        response[key] = value
    return response


def unavailable(request, status: int):
    return _private(render(request, "library/public/unavailable.html", status=status))


def no_such_link(request):
    """Any other address under /s/: the same polite page as an unknown token."""
    return unavailable(request, 404)


def _is_member_of(request, share) -> bool:
    return (
        request.user.is_authenticated
        and Membership.objects.filter(workspace_id=share.workspace_id, user=request.user).exists()
    )


@require_http_methods(["GET", "HEAD", "POST"])
def share_page(request, token):
    try:
        share = sharing.find_share(token)
    except sharing.Unavailable as gone:
        return unavailable(request, gone.status)
    if not sharing.is_unlocked(request, share):
        return _password_page(request, share)
    if request.method == "POST":
        return redirect("share_page", token=token)
    tracks = sharing.shared_tracks(share)
    if not tracks:
        return unavailable(request, 410)
    if request.method == "GET" and not _is_member_of(request, share):
        sharing.count_visit(share)
    return _private(
        render(
            request,
            "library/public/share.html",
            {
                "share": share,
                "workspace": share.workspace,
                "tracks": tracks,
                "title": share.track.title if share.track_id else share.collection.name,
                "description": "" if share.track_id else share.collection.description,
            },
        )
    )


def _password_page(request, share):
    error, status = "", 200
    if sharing.is_throttled(request, share):
        error = "Too many wrong passwords. Wait a few minutes, then try again."
        status = 429
    elif request.method == "POST":
        if sharing.try_password(request, share, request.POST.get("password", "")):
            return redirect("share_page", token=share.token)
        error = "That password is not right. Check it with the person who sent the link."
        status = 429 if sharing.is_throttled(request, share) else 403
    return _private(
        render(
            request,
            "library/public/password.html",
            {"share": share, "workspace": share.workspace, "error": error},
            status=status,
        )
    )


def _shared_or_404(request, token, code):
    """The share and one of its tracks, or 404/410; 403 while the password is not entered."""
    try:
        share = sharing.find_share(token)
    except sharing.Unavailable as gone:
        return None, None, unavailable(request, gone.status)
    if not sharing.is_unlocked(request, share):
        return (
            None,
            None,
            _private(
                HttpResponse("This link needs its password.", status=403, content_type="text/plain")
            ),
        )
    track = sharing.shared_track(share, code)
    if track is None:
        raise Http404("Not part of this link.")
    return share, track, None


def _serve(request, track, *, as_attachment: bool):
    content_type = track.content_type
    if not content_type.startswith("audio/"):
        content_type, as_attachment = "application/octet-stream", True
    try:
        response = ranged_file_response(
            request,
            default_storage,
            track.file.name,
            content_type=content_type,
            size=track.bytes,
            etag=track.sha256,
            filename=track.file_name,
            as_attachment=as_attachment,
            cache_control="private, no-store",
        )
    except FileNotFoundError:
        raise Http404("This file is missing.") from None
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@require_safe
def share_audio(request, token, code):
    share, track, refused = _shared_or_404(request, token, code)
    return refused or _serve(request, track, as_attachment=False)


@require_safe
def share_peaks(request, token, code):
    share, track, refused = _shared_or_404(request, token, code)
    if refused:
        return refused
    return _private(JsonResponse({"peaks": track.peaks, "duration": track.duration}))


@require_safe
def share_download(request, token, code):
    share, track, refused = _shared_or_404(request, token, code)
    if refused:
        return refused
    if not share.allow_download:
        return _private(
            HttpResponse(
                "Downloads are not allowed for this link.", status=403, content_type="text/plain"
            )
        )
    response = _serve(request, track, as_attachment=True)
    if (
        response.status_code == 200
        and request.method == "GET"
        and not _is_member_of(request, share)
    ):
        record(
            share.workspace,
            None,
            Verb.DOWNLOADED,
            track=track,
            share=share,
            detail="through a share link",
        )
    return response


def _zip_refused(request, share, *, missing: bool):
    return _private(
        render(
            request,
            "library/public/zip_refused.html",
            {"share": share, "workspace": share.workspace, "missing": missing},
            status=409 if missing else 413,
        )
    )


@require_safe
def share_download_all(request, token):
    try:
        share = sharing.find_share(token)
    except sharing.Unavailable as gone:
        return unavailable(request, gone.status)
    if not sharing.is_unlocked(request, share):
        return _private(
            HttpResponse("This link needs its password.", status=403, content_type="text/plain")
        )
    if not share.allow_download:
        return _private(
            HttpResponse(
                "Downloads are not allowed for this link.", status=403, content_type="text/plain"
            )
        )
    tracks = sharing.shared_tracks(share)
    if not tracks:
        return unavailable(request, 410)
    entries = [exports.Entry(track, track.file_name) for track in tracks]
    try:
        stream = exports.build_zip(
            entries, request, workspace_name=share.workspace.name, public=True
        )
    except exports.ExportTooLarge:
        return _zip_refused(request, share, missing=False)
    except exports.ExportFileMissing:
        # The team is told through the error log (exports.build_zip); the client only learns
        # that the bundle cannot be made now, not which file or where it lives.
        return _zip_refused(request, share, missing=True)
    if not _is_member_of(request, share):
        record_tracks(
            share.workspace,
            None,
            Verb.DOWNLOADED,
            tracks,
            share=share,
            detail="in a ZIP through a share link",
        )
    name = share.track.title if share.track_id else share.collection.name
    return _private(exports.zip_response(stream, name))
