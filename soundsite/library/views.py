"""Library pages: the track list, a track's page, its audio, downloads, exports and certificate."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.files.storage import default_storage
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.core.paginator import Paginator
from django.db.models import Exists, F, OuterRef
from django.http import Http404, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
    require_safe,
)

from soundsite.accounts.access import workspace_required
from soundsite.accounts.models import Role
from soundsite.lib.audio import NotAudio
from soundsite.lib.ranged import ranged_file_response
from soundsite.library import browse, exports, playback
from soundsite.library.access import get_track_for_member, tracks_for_member
from soundsite.library.activity import record, record_tracks
from soundsite.library.forms import parse_codes
from soundsite.library.labels import CUT_LENGTHS, STEM_LABELS
from soundsite.library.lineage import family_tree
from soundsite.library.models import (
    Activity,
    Collection,
    Favourite,
    Relation,
    ShareLink,
    Track,
    Verb,
)
from soundsite.library.uploads import UploadForm, store_upload

log = logging.getLogger(__name__)

AUDIO_CONTENT_TYPES = ("audio/",)


@require_GET
@workspace_required()
def library(request):
    return render_library(request)


def render_library(request, *, status: int = 200, upload_form=None, upload_error: str = ""):
    form = browse.LibraryFilters(
        request.GET,
        licenses=browse.license_options(request.workspace),
        members=browse.members_of(request.workspace),
    )
    filters = form.applied()
    view = request.GET.get("view")
    if view in dict(browse.VIEWS):
        request.session["library_view"] = view
    view = request.session.get("library_view", "list")
    tracks = browse.library_tracks(request.workspace, request.user, filters, form.sort_key)
    page = Paginator(tracks, settings.LIBRARY_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "section": "library",
        "tab": "tracks",
        "rows": browse.rows(page.object_list, audio_url=playback.audio_url_maker(request)),
        **row_context(request),
        "form": form,
        "page": page,
        "view": view,
        "filtered": bool(filters),
        "chips": browse.active_chips(form, request.GET),
        "collections": _collections_menu(request),
        "upload_form": upload_form or UploadForm(),
        "upload_open": upload_form is not None or bool(upload_error),
        "upload_error": upload_error,
        "upload_limit": settings.UPLOAD_MAX_BYTES,
    }
    template = "library/library.html"
    if request.htmx and request.htmx.target == "results":
        template += "#results"
    return render(request, template, context, status=status)


def row_context(request) -> dict:
    """What every track row shares, worked out once per page instead of once per row."""
    from soundsite.library.templatetags.library import icon

    return {
        "icons": {name: icon(name) for name in ("play", "pause", "heart")},
        "csrf_input": format_html(
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', get_token(request)
        ),
        "next_url": request.get_full_path(),
    }


def _collections_menu(request) -> list[Collection]:
    return list(Collection.objects.filter(workspace=request.workspace).only("code", "name"))


@require_GET
@workspace_required()
def track_page(request, code):
    track = get_track_for_member(request, code)
    stems_parent = track.parent if track.relation == Relation.STEM and track.parent else track
    stems = list(
        Track.objects.live()
        .filter(parent=stems_parent, relation=Relation.STEM)
        .order_by("stem_kind", "id")
    )
    activities = list(Activity.objects.filter(track=track).select_related("actor", "share")[:30])
    collections = list(Collection.objects.filter(workspace=request.workspace).only("code", "name"))
    in_collections = set(Collection.objects.filter(items__track=track).values_list("pk", flat=True))
    context = {
        "section": "library",
        "track": track,
        "job": track.job,
        "is_favourite": Favourite.objects.filter(user=request.user, track=track).exists(),
        "tree": family_tree(track),
        "stems": stems,
        "stems_parent": stems_parent,
        "stem_labels": STEM_LABELS,
        "activities": activities,
        "collections": collections,
        "in_collections": [c for c in collections if c.pk in in_collections],
        "other_collections": [c for c in collections if c.pk not in in_collections],
        "share_count": ShareLink.objects.filter(track=track).count(),
        "studio": studio_links(track),
        "parameters": _readable_parameters(track.parameters),
        "retention_days": settings.TRACK_RETENTION_DAYS,
    }
    return render(request, "library/track.html", context)


def studio_links(track: Track) -> dict:
    """The studio pages that take this track as input (docs/library.md, "Studio URL contract")."""

    def url(task: str, **extra) -> str:
        return f"/studio/{task}/?{urlencode({'source': str(track.code), **extra})}"

    return {
        "stems": "" if track.relation == Relation.STEM else url("stems"),
        "cut": [(s, url("cut", target_seconds=s)) for s in CUT_LENGTHS if s < track.duration],
        "extend": url("extend"),
        "remix": url("remix"),
        "loop": url("loop"),
    }


def _readable_parameters(parameters: dict) -> list[tuple[str, str]]:
    """The parameters other than prompt and lyrics (shown on their own), as label/value pairs."""
    rows = []
    for key, value in (parameters or {}).items():
        if key in ("prompt", "lyrics") or value in (None, "", [], {}):
            continue
        if isinstance(value, bool):
            value = "Yes" if value else "No"
        elif isinstance(value, list | dict):
            value = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        rows.append((str(key).replace("_", " ").capitalize(), str(value)))
    return rows


def _serve(request, track: Track, *, as_attachment: bool):
    content_type = track.content_type
    if not content_type.startswith(AUDIO_CONTENT_TYPES):
        # Only audio is served inline; anything else is a download and never rendered.
        content_type, as_attachment = "application/octet-stream", True
    try:
        return ranged_file_response(
            request,
            default_storage,
            track.file.name,
            content_type=content_type,
            size=track.bytes,
            etag=track.sha256,
            filename=track.file_name,
            as_attachment=as_attachment,
        )
    except FileNotFoundError:
        log.error("Track %s has no file at %s", track.code, track.file.name)
        raise Http404("This track's file is missing.") from None


def _is_first_request(request) -> bool:
    """A download counts once: not again for each resumed or ranged part."""
    header = request.headers.get("Range", "")
    return request.method == "GET" and (not header or header.replace(" ", "") in ("bytes=0-",))


@require_safe
def track_audio(request, code):
    """Audio for the player: a valid key (playback.py) skips the session and membership reads."""
    track = playback.track_from_key(request, code)
    if track is not None:
        return _serve(request, track, as_attachment=False)
    return _track_audio_for_member(request, code)


@workspace_required()
def _track_audio_for_member(request, code):
    return _serve(request, get_track_for_member(request, code, for_file=True), as_attachment=False)


@require_safe
@workspace_required()
def track_download(request, code):
    track = get_track_for_member(request, code, for_file=True)
    response = _serve(request, track, as_attachment=True)
    if response.status_code == 200 and _is_first_request(request):
        record(request.workspace, request.user, Verb.DOWNLOADED, track=track)
    return response


@require_GET
@workspace_required()
def track_peaks(request, code):
    track = get_track_for_member(request, code)
    response = JsonResponse({"peaks": track.peaks, "duration": track.duration})
    response["Cache-Control"] = "private, max-age=86400"
    return response


def export_response(request, tracks: list[Track], name: str):
    """The ZIP for ``tracks``, or a page explaining why it cannot be made."""
    entries = exports.plan_entries(tracks)
    try:
        stream = exports.build_zip(entries, request, workspace_name=request.workspace.name)
    except exports.ExportTooLarge as refused:
        return render(
            request,
            "library/export_refused.html",
            {
                "section": "library",
                "reason": (
                    f"This export would be {filesizeformat(refused.size)}, more than the "
                    f"{filesizeformat(refused.limit)} a single ZIP may hold."
                ),
                "next_step": "Export fewer tracks at a time, or download large tracks one by one.",
            },
            status=413,
        )
    except exports.ExportFileMissing as missing:
        return render(
            request,
            "library/export_refused.html",
            {
                "section": "library",
                "reason": f"The file of “{missing}” is missing from storage.",
                "next_step": "Leave that track out and try again; an administrator has been told.",
            },
            status=409,
        )
    record_tracks(request.workspace, request.user, Verb.EXPORTED, [e.track for e in entries])
    return exports.zip_response(stream, name)


@require_GET
@workspace_required()
def track_export(request, code):
    track = get_track_for_member(request, code)
    return export_response(request, exports.with_stems(track), track.title)


@require_http_methods(["GET", "POST"])
@workspace_required()
def selection_export(request):
    data = request.POST if request.method == "POST" else request.GET
    codes = parse_codes(data.getlist("tracks"))
    if not codes:
        messages.error(request, "Select at least one track to export.")
        return redirect("library")
    tracks = tracks_for_member(request, codes)
    tracks = list(
        Track.objects.filter(pk__in=[t.pk for t in tracks]).select_related(
            "parent", "job", "created_by"
        )
    )
    name = (
        f"{request.workspace.name} – {len(tracks)} tracks" if len(tracks) > 1 else tracks[0].title
    )
    return export_response(request, tracks, name)


@require_GET
@workspace_required()
def certificate(request, code):
    track = get_track_for_member(request, code)
    verify_url = request.build_absolute_uri(reverse("verify", args=[track.sha256]))
    return render(
        request,
        "library/certificate.html",
        {"section": "library", "track": track, "job": track.job, "verify_url": verify_url},
    )


@require_GET
def verify(request, sha256):
    """Public: confirm that a file with this hash has a Soundsite license record."""
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        return render(request, "library/verify.html", {"sha256": sha256, "found": []}, status=404)
    found = list(
        Track.objects.filter(sha256=sha256)
        .select_related("workspace", "job")
        .only(
            "created_at",
            "provider",
            "relation",
            "license_snapshot",
            "workspace__name",
            "job__operation",
            "job__version",
        )[:10]
    )
    return render(
        request,
        "library/verify.html",
        {"sha256": sha256, "found": found},
        status=200 if found else 404,
    )


class _UploadLimit(FileUploadHandler):
    """Stop storing an upload the moment it passes the size cap, whatever the client declared."""

    def __init__(self, limit: int, request=None):
        super().__init__(request)
        self.limit = limit
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self.request.upload_too_large = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size):
        return None


@csrf_exempt
@require_POST
@workspace_required(Role.MEMBER)
def upload(request):
    # The size cap must be in place before the body is read, which the CSRF check would do;
    # so CSRF is checked just after, by _upload.
    limit_words = filesizeformat(settings.UPLOAD_MAX_BYTES)
    too_large = (
        f"This file is larger than the {limit_words} limit. Upload a shorter or smaller file."
    )
    length = request.META.get("CONTENT_LENGTH", "")
    if length.isdigit() and int(length) > settings.UPLOAD_MAX_BYTES + 1024 * 1024:
        return _upload_refused(request, too_large, 413)
    request.upload_handlers.insert(0, _UploadLimit(settings.UPLOAD_MAX_BYTES, request))
    return _upload(request, too_large)


@csrf_protect
def _upload(request, too_large: str):
    form = UploadForm(request.POST, request.FILES)
    if getattr(request, "upload_too_large", False):
        return _upload_refused(request, too_large, 413)
    if not form.is_valid():
        return render_library(request, status=400, upload_form=form)
    try:
        track = store_upload(request.workspace, request.user, form.cleaned_data["file"])
    except NotAudio as refused:
        form.add_error("file", f"{refused} Upload a FLAC, WAV, MP3, OGG or AIFF file.")
        return render_library(request, status=400, upload_form=form)
    record(request.workspace, request.user, Verb.UPLOADED, track=track)
    messages.success(request, f"“{track.title}” is in the library.")
    return redirect("track", code=track.code)


def _upload_refused(request, message: str, status: int):
    return render_library(request, status=status, upload_error=message)


@require_GET
@workspace_required()
def deleted(request):
    cutoff = timezone.now() - timezone.timedelta(days=settings.TRACK_RETENTION_DAYS)
    tracks = (
        Track.objects.deleted()
        .filter(workspace=request.workspace, deleted_at__gte=cutoff)
        # Stems deleted along with their track come back with it, so they are not listed alone.
        .exclude(relation=Relation.STEM, parent__deleted_at=F("deleted_at"))
        .select_related("created_by")
        .defer("lyrics", "parameters", "remote_output")
        .annotate(
            stems_with_it=Exists(
                Track.objects.filter(
                    parent=OuterRef("pk"),
                    relation=Relation.STEM,
                    deleted_at=OuterRef("deleted_at"),
                )
            )
        )
        .order_by("-deleted_at", "-id")
    )
    page = Paginator(tracks, settings.LIBRARY_PAGE_SIZE).get_page(request.GET.get("page"))
    retention = timezone.timedelta(days=settings.TRACK_RETENTION_DAYS)
    for track in page.object_list:
        track.purge_at = track.deleted_at + retention
    return render(
        request,
        "library/deleted.html",
        {
            "section": "library",
            "tab": "deleted",
            "page": page,
            "retention_days": settings.TRACK_RETENTION_DAYS,
        },
    )
