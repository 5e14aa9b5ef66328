"""The library page's filters and the one query that lists a page of tracks.

The page runs a fixed number of queries whatever the number of tracks: one count, one page of
rows (with the member's favourites and the has-stems flag computed in the same query), and
small lookups for the filter menus. The license menu is cached per workspace and refreshed
whenever a track is added.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django import forms
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.core.cache import cache
from django.db.models import Exists, Max, OuterRef
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.safestring import SafeString

from soundsite.accounts.models import Membership
from soundsite.library import search, thumbnails
from soundsite.library.labels import (
    RELATION_LABELS,
    STEM_LABELS,
    TASK_LABELS,
    license_name,
    provider_label,
    task_label,
)
from soundsite.library.models import Favourite, Relation, Track

SORTS = {
    # Exactly the order of library_track_newest_idx, so the first page needs no sorting.
    "new": ("Newest first", ("-created_at", "-id")),
    "old": ("Oldest first", ("created_at", "id")),
    "title": ("Title A–Z", (Lower("title"), "id")),
    "long": ("Longest first", ("-duration", "-id")),
    "short": ("Shortest first", ("duration", "id")),
}
VIEWS = (("list", "List"), ("grid", "Grid"))
FILTER_FIELDS = (
    "q",
    "task",
    "provider",
    "license",
    "member",
    "made_from",
    "made_to",
    "favourites",
    "stems",
    "uploads",
    "with_stems",
)


class LibraryFilters(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=200)
    task = forms.ChoiceField(label="Task", required=False)
    provider = forms.ChoiceField(
        label="Provider",
        required=False,
        choices=[("", "Any provider"), ("soundpiece", "Soundpiece"), ("soundverse", "Soundverse")],
    )
    license = forms.ChoiceField(label="License", required=False)
    member = forms.TypedChoiceField(label="Made by", required=False, coerce=int, empty_value=None)
    made_from = forms.DateField(
        label="Made from", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    made_to = forms.DateField(
        label="Made until", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    favourites = forms.BooleanField(label="My favourites", required=False)
    stems = forms.BooleanField(label="Has stems", required=False)
    uploads = forms.BooleanField(label="Uploads", required=False)
    with_stems = forms.BooleanField(
        label="Show stems",
        required=False,
        help_text="Stems are listed under the track they were split from; tick to list them too.",
    )
    sort = forms.ChoiceField(
        label="Sort",
        required=False,
        choices=[(key, label) for key, (label, _) in SORTS.items()],
    )

    def __init__(self, data, *, licenses: list[str], members: list[Membership]):
        super().__init__(data)
        self.fields["task"].choices = [("", "Any task"), *TASK_LABELS.items()]
        self.fields["license"].choices = [("", "Any license")] + [
            (value, license_name({"license": value})) for value in licenses
        ]
        self.fields["member"].choices = [("", "Anyone")] + [
            (membership.user_id, membership.user.name) for membership in members
        ]

    def clean(self):
        data = super().clean()
        start, end = data.get("made_from"), data.get("made_to")
        if start and end and start > end:
            self.add_error("made_to", "This date is before “Made from”. Swap the two dates.")
        return data

    def applied(self) -> dict:
        """The valid filters only: a bad value is reported beside its field and ignored."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            name: data[name] for name in FILTER_FIELDS if data.get(name) not in (None, "", False)
        }

    @property
    def sort_key(self) -> str:
        value = self.cleaned_data.get("sort") if hasattr(self, "cleaned_data") else None
        return value if value in SORTS else "new"


def library_tracks(workspace, user, filters: dict, sort: str = "new"):
    """The workspace's live tracks matching ``filters``, annotated for the page, sorted."""
    tracks = Track.objects.live().filter(workspace=workspace)
    if filters.get("q"):
        tracks = search.matching(tracks, filters["q"])
    if filters.get("task"):
        task = filters["task"]
        tracks = (
            tracks.filter(relation=Relation.UPLOAD)
            if task == "upload"
            else tracks.filter(task=task)
        )
    if filters.get("provider"):
        tracks = tracks.filter(provider=filters["provider"])
    if filters.get("license"):
        tracks = tracks.filter(license_snapshot__license=filters["license"])
    if filters.get("member"):
        tracks = tracks.filter(created_by_id=filters["member"])
    if filters.get("made_from"):
        tracks = tracks.filter(created_at__gte=_start_of(filters["made_from"]))
    if filters.get("made_to"):
        tracks = tracks.filter(created_at__lt=_start_of(filters["made_to"] + timedelta(days=1)))
    if filters.get("favourites"):
        tracks = tracks.filter(Exists(Favourite.objects.filter(user=user, track=OuterRef("pk"))))
    if filters.get("stems"):
        tracks = tracks.filter(Exists(_stems_of(OuterRef("pk"))))
    if filters.get("uploads"):
        tracks = tracks.filter(relation=Relation.UPLOAD)
    if not filters.get("with_stems") and filters.get("task") != "stems":
        # A stem is reached from its track's page; listed alone it would crowd the library.
        tracks = tracks.exclude(relation=Relation.STEM)
    return annotate_for_list(tracks, user).order_by(*SORTS.get(sort, SORTS["new"])[1])


def annotate_for_list(tracks, user):
    """What a track row needs, fetched in the same query as the rows."""
    return (
        tracks.select_related("created_by")
        # Peaks are only needed for pictures not drawn yet (see thumbnails.attach).
        .defer("lyrics", "parameters", "remote_output", "peaks")
        .annotate(
            is_favourite=Exists(Favourite.objects.filter(user=user, track=OuterRef("pk"))),
            has_stems=Exists(_stems_of(OuterRef("pk"))),
        )
    )


def _stems_of(parent):
    return Track.objects.live().filter(parent=parent, relation=Relation.STEM)


def _start_of(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def license_options(workspace) -> list[str]:
    """The licenses the workspace's tracks carry, cached until a track is added."""
    newest = Track.objects.filter(workspace=workspace).aggregate(newest=Max("id"))["newest"]
    key = f"library:licenses:{workspace.pk}:{newest}"
    found = cache.get(key)
    if found is None:
        values = (
            Track.objects.filter(workspace=workspace, license_snapshot__license__isnull=False)
            .values_list("license_snapshot__license", flat=True)
            .distinct()
            .order_by()
        )
        found = sorted({str(value) for value in values if value})
        cache.set(key, found, 24 * 60 * 60)
    return found


def members_of(workspace) -> list[Membership]:
    return list(
        Membership.objects.filter(workspace=workspace)
        .select_related("user")
        .order_by("user__display_name", "user__email")
    )


def active_chips(form: LibraryFilters, query) -> list[tuple[str, str]]:
    """(label, query string without that filter) for every filter in use, to show as chips."""
    chips = []
    data = getattr(form, "cleaned_data", {})
    for name in FILTER_FIELDS:
        value = data.get(name)
        if value in (None, "", False):
            continue
        field = form.fields[name]
        if isinstance(field, forms.BooleanField):
            label = field.label
        elif isinstance(field, forms.ChoiceField):
            label = f"{field.label}: {dict(field.choices).get(value, value)}"
        elif name == "q":
            label = f"“{value}”"
        else:
            label = f"{field.label}: {value:%-d %b %Y}"
        remaining = query.copy()
        remaining.pop(name, None)
        remaining.pop("page", None)
        chips.append((label, remaining.urlencode()))
    return chips


@dataclass
class Row:
    """One line of the track list with every text already worked out.

    The library page shows fifty of these; preparing them in Python keeps the template to plain
    lookups, which is several times faster than filters and includes per row.
    """

    track: Track
    code: str
    title: str
    page_url: str
    audio_url: str
    peaks_url: str
    favourite_url: str
    duration: str
    duration_words: str
    duration_exact: str
    kind: str
    provider: str
    license: str
    is_upload: bool
    has_stems: bool
    is_favourite: bool
    who: str
    made_iso: str
    made_ago: str
    wave: SafeString


def rows(tracks, *, audio_url) -> list[Row]:
    """Rows for ``tracks`` (annotated by ``annotate_for_list``), with their waveforms.

    ``audio_url`` makes a track's audio address (``playback.audio_url_maker``).
    """
    from soundsite.library.templatetags.library import duration, duration_words, track_url

    out = []
    for track in thumbnails.attach(tracks):
        code = str(track.code)
        if track.relation == Relation.STEM:
            kind = f"Stem: {STEM_LABELS.get(track.stem_kind, track.stem_kind)}"
            kind = kind if track.stem_kind else RELATION_LABELS["stem"]
        else:
            kind = task_label(track.task)
        out.append(
            Row(
                track=track,
                code=code,
                title=track.title,
                page_url=track_url(code, "track"),
                audio_url=audio_url(code),
                peaks_url=track_url(code, "track_peaks"),
                favourite_url=track_url(code, "track_favourite"),
                duration=duration(track.duration),
                duration_words=duration_words(track.duration),
                duration_exact=f"{track.duration:.3f}",
                kind=kind,
                # An upload says "Upload" once; "Uploaded" as its provider would repeat it.
                provider=provider_label(track.provider) if track.provider else "",
                license=license_name(track.license_snapshot),
                is_upload=track.relation == Relation.UPLOAD,
                has_stems=bool(getattr(track, "has_stems", False)),
                is_favourite=bool(getattr(track, "is_favourite", False)),
                who=track.created_by.name if track.created_by else "Someone who left",
                made_iso=track.created_at.isoformat(),
                made_ago=naturaltime(track.created_at),
                wave=track.thumbnail,
            )
        )
    return out
