"""Task forms, built from the provider catalog.

A task ("Make a song") is served by several operations of both providers. ``offers_for`` lists
those the member has a usable key for, the most capable first; ``TaskForm`` turns the chosen
operation's catalog fields into form fields, in the order people think about them, with every
documented limit checked and shown beside its field. Audio fields accept a library track, an
uploaded file or a pasted link (see ``AudioChoice``).

Nothing here talks to a provider: the form produces the wire parameters each client's
``submit`` expects (field names as in the catalog, audio as URLs, empty values left out).
"""

from __future__ import annotations

import importlib
import logging
import math
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db.models import Q

from soundsite.keys import plans
from soundsite.keys.access import usable_keys
from soundsite.keys.models import KeyHealth
from soundsite.library.models import Relation, Track
from soundsite.providers.base import Field, FieldType, Operation
from soundsite.providers.catalog import operations_for
from soundsite.studio import labels
from soundsite.studio.uploads import CheckedUpload, UploadRejected, check_upload, size_text

log = logging.getLogger(__name__)

# Names of the form's own fields; no catalog field may use them (a test checks).
CONTROL_FIELDS = ("operation", "key", "license", "title", "form_token")
AUDIO_PARTS = ("track", "file", "url", "q")
LIBRARY, UPLOAD, LINK = "library", "upload", "url"
AUDIO_MODES = ((LIBRARY, "From the library"), (UPLOAD, "Upload a file"), (LINK, "Paste a link"))
URL_MAX_LENGTH = 2000
TITLE_MAX_LENGTH = 200

# Fields whose value changes the estimated price: the estimate refreshes when they change.
PRICE_FIELDS = {"duration", "model", "target_duration", "seconds", "loopCount", "count"}
# Words that describe the sound come first, then lyrics, then everything else, then lengths.
DESCRIBING = {"prompt", "style", "styleOfMusic", "mood", "genre", "section", "action"}


# --- Offers: which operations the member can run, with which keys ----------------------------
@dataclass
class Offer:
    operation: Operation
    keys: list = field(default_factory=list)

    @property
    def value(self) -> str:
        return f"{self.operation.provider}:{self.operation.key}"

    @property
    def provider_label(self) -> str:
        return labels.PROVIDERS.get(self.operation.provider, str(self.operation.provider))

    @property
    def label(self) -> str:
        """ "Soundverse · version 7 (newest: …)", naming the operation where the task has several
        different ones ("Soundpiece · Remix an instrumental · version 1")."""
        op = self.operation
        parts = [self.provider_label]
        if op.label != labels.task_label(op.task):
            parts.append(op.label)
        version = op.version_label or (f"version {op.version}" if op.version else "")
        if version:
            parts.append(version)
        if op.deprecated:
            parts.append("being removed")
        return " · ".join(parts)


def default_rank(operation: Operation) -> tuple:
    """The most capable first: not deprecated, then the highest rank."""
    return (operation.deprecated, -operation.rank)


def key_order(membership):
    """Working keys first, real ones before sandbox keys, your own before shared ones."""

    def order(key):
        return (
            key.health == KeyHealth.REJECTED,
            key.is_sandbox,
            key.owner_id != membership.user_id,
            key.label.lower(),
        )

    return order


def offers_for(task: str, membership, keys=None) -> list[Offer]:
    """The operations serving ``task`` that the member holds a usable key for, best first."""
    keys = list(usable_keys(membership)) if keys is None else keys
    by_provider: dict[str, list] = {}
    for key in sorted(keys, key=key_order(membership)):
        by_provider.setdefault(key.provider, []).append(key)
    operations = sorted(operations_for(task), key=default_rank)
    return [
        Offer(operation, by_provider[operation.provider])
        for operation in operations
        if by_provider.get(operation.provider)
    ]


def providers_for(task: str) -> list[str]:
    """Providers that can do ``task`` at all, whatever keys the member has."""
    return sorted({str(operation.provider) for operation in operations_for(task)})


def key_choice_label(key, membership) -> str:
    text = f"{key.label} (…{key.secret_last4})"
    if key.is_sandbox:
        text += " · sandbox"
    if key.owner_id != membership.user_id:
        text += f" · shared by {key.owner.name}"
    if key.health == KeyHealth.REJECTED:
        text += " · refused by the provider"
    return text


# --- Limits, in words --------------------------------------------------------------------------
def number_text(value) -> str:
    value = float(value)
    if value.is_integer():
        return f"{int(value)}"
    return f"{value:g}"


def unit_text(unit: str) -> str:
    return {"s": " s", "ms": " ms"}.get(unit, f" {unit}" if unit else "")


def limit_text(spec: Field) -> str:
    """The limits of a field as shown beside it: "up to 1024 characters", "8–420 s"."""
    unit = unit_text(spec.unit)
    if spec.type in (FieldType.TEXT, FieldType.LONG_TEXT):
        low, high = spec.min_length, spec.max_length
        if high and low and low > 1:
            return f"{low}–{high} characters"
        if high:
            return f"up to {high} characters"
        if low and low > 1:
            return f"at least {low} characters"
        return ""
    if spec.type in (FieldType.INTEGER, FieldType.NUMBER):
        low, high = spec.min_value, spec.max_value
        if low is not None and high is not None:
            return f"{number_text(low)}–{number_text(high)}{unit}"
        if low is not None:
            return f"at least {number_text(low)}{unit}"
        if high is not None:
            return f"at most {number_text(high)}{unit}"
        return {"s": "in seconds", "ms": "in milliseconds"}.get(spec.unit, "")
    if spec.type is FieldType.AUDIO and spec.max_bytes:
        return f"up to {size_text(spec.max_bytes)}"
    return ""


def order_fields(fields) -> list[Field]:
    """What it should sound like → lyrics → the rest → lengths; the thing to work on first."""

    def group(spec: Field) -> int:
        if spec.type is FieldType.AUDIO:
            return 0 if spec.required else 1
        if spec.name in DESCRIBING:
            return 1
        if spec.name == "lyrics":
            return 2
        if spec.unit in ("s", "ms") or spec.name in ("duration", "target_duration"):
            return 4
        return 3

    return sorted(fields, key=group)


# --- Validators with plain messages ---------------------------------------------------------
def text_limits(spec: Field):
    def check(value: str) -> None:
        if spec.max_length is not None and len(value) > spec.max_length:
            raise ValidationError(
                f"Keep this to {spec.max_length} characters or fewer — it has {len(value)} now."
            )
        if spec.min_length is not None and len(value) < spec.min_length:
            raise ValidationError(f"Write at least {spec.min_length} characters.")

    return check


def number_limits(spec: Field):
    unit = unit_text(spec.unit)

    def check(value) -> None:
        if isinstance(value, float) and not math.isfinite(value):
            raise ValidationError("Enter a number.")
        low, high = spec.min_value, spec.max_value
        outside = (low is not None and value < low) or (high is not None and value > high)
        if outside:
            if low is not None and high is not None:
                raise ValidationError(
                    f"Use a number from {number_text(low)} to {number_text(high)}{unit}."
                )
            if low is not None:
                raise ValidationError(f"Use {number_text(low)}{unit} or more.")
            raise ValidationError(f"Use {number_text(high)}{unit} or less.")
        if low is None and spec.unit in ("s", "ms") and value <= 0:
            # A length of nothing means nothing, whatever the provider documents.
            raise ValidationError("Use a length above 0.")

    return check


REQUIRED_MESSAGES = {
    FieldType.CHOICE: "Choose one.",
    FieldType.INTEGER: "Enter a whole number.",
    FieldType.NUMBER: "Enter a number.",
}


def form_field_for(spec: Field) -> forms.Field:
    """The Django form field for one catalog field (audio fields are handled apart)."""
    common = {
        "label": spec.label,
        "required": spec.required and spec.type is not FieldType.BOOLEAN,
        "help_text": spec.help,
    }
    messages = {"required": REQUIRED_MESSAGES.get(spec.type, "Please fill this in.")}
    if spec.type in (FieldType.TEXT, FieldType.LONG_TEXT):
        attrs = {}
        if spec.max_length:
            attrs["maxlength"] = spec.max_length
        if spec.type is FieldType.LONG_TEXT:
            attrs["rows"] = 6 if spec.name == "lyrics" else 3
            widget = forms.Textarea(attrs=attrs)
        else:
            widget = forms.TextInput(attrs=attrs)
        return forms.CharField(
            widget=widget, validators=[text_limits(spec)], error_messages=messages, **common
        )
    if spec.type is FieldType.INTEGER:
        attrs = {"inputmode": "numeric"}
        if spec.min_value is not None:
            attrs["min"] = number_text(spec.min_value)
        if spec.max_value is not None:
            attrs["max"] = number_text(spec.max_value)
        messages["invalid"] = "Enter a whole number, like 30."
        return forms.IntegerField(
            widget=forms.NumberInput(attrs=attrs),
            validators=[number_limits(spec)],
            error_messages=messages,
            **common,
        )
    if spec.type is FieldType.NUMBER:
        attrs = {"step": "any", "inputmode": "decimal"}
        if spec.min_value is not None:
            attrs["min"] = number_text(spec.min_value)
        if spec.max_value is not None:
            attrs["max"] = number_text(spec.max_value)
        messages["invalid"] = "Enter a number, like 30 or 7.5."
        return forms.FloatField(
            widget=forms.NumberInput(attrs=attrs),
            validators=[number_limits(spec)],
            error_messages=messages,
            **common,
        )
    if spec.type is FieldType.BOOLEAN:
        return forms.BooleanField(**common)
    if spec.type is FieldType.CHOICE:
        choices = [(choice.value, choice.label) for choice in spec.choices]
        if not spec.required or spec.default in (None, ""):
            empty = "Choose…" if spec.required else "Let the provider choose"
            choices = [("", empty), *choices]
        messages["invalid_choice"] = "Choose one of the listed options."
        return forms.ChoiceField(choices=choices, error_messages=messages, **common)
    raise ValueError(f"No form field for {spec.type}")


# --- Audio inputs -------------------------------------------------------------------------------
@dataclass
class AudioChoice:
    """Where one audio input comes from: a library track, an upload waiting to be kept, a link."""

    mode: str = ""
    track: Track | None = None
    upload: CheckedUpload | None = None
    url: str = ""

    @property
    def given(self) -> bool:
        return bool(self.track or self.upload or self.url)

    @property
    def stored(self) -> bool:
        return self.mode in (LIBRARY, UPLOAD)


def audio_part(name: str, part: str) -> str:
    return f"{name}__{part}"


def find_track(workspace, code) -> Track | None:
    try:
        code = uuid.UUID(str(code))
    except (TypeError, ValueError, AttributeError):
        return None
    return Track.objects.filter(workspace=workspace, code=code, deleted_at=None).first()


def check_link(value: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError("Paste a link to the audio file.")
    if len(value) > URL_MAX_LENGTH:
        raise ValidationError(f"This link is longer than {URL_MAX_LENGTH} characters.")
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        raise ValidationError(
            "Paste a link that starts with https:// (or http://) and leads to an audio file."
        ) from None
    return value


PICKER_RESULTS = 8


def picker_context(workspace, name: str, query: str = "", selected_code: str = "") -> dict:
    """Library tracks for one audio field's picker: the chosen one first, then the newest."""
    tracks = Track.objects.filter(workspace=workspace, deleted_at=None)
    if query:
        tracks = tracks.filter(Q(title__icontains=query) | Q(prompt__icontains=query))
    found = list(tracks.order_by("-created_at")[:PICKER_RESULTS])
    selected = find_track(workspace, selected_code) if selected_code else None
    if selected is not None:
        found = [selected] + [track for track in found if track.pk != selected.pk]
    return {
        "name": name,
        "query": query,
        "tracks": found,
        "selected": str(selected.code) if selected else "",
    }


@dataclass
class Row:
    """One catalog field as the template shows it: the input, its limits, and for audio the
    way it is given (library, upload, link) with the picker's first tracks."""

    name: str
    bound: forms.BoundField
    spec: Field
    limit: str = ""
    audio: bool = False
    mode: str = ""
    modes: list = field(default_factory=list)
    url: str = ""
    picker: dict = field(default_factory=dict)

    @property
    def errors(self):
        return self.bound.errors


# --- The form ---------------------------------------------------------------------------------
class TaskForm(forms.Form):
    """One task's form for the chosen operation; see the module docstring."""

    form_token = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        data=None,
        files=None,
        *,
        task: str,
        membership,
        offers: list[Offer],
        initial=None,
        oversized=(),
        public_base_ok: bool = True,
        fields_url: str = "",
        estimate_url: str = "",
    ):
        super().__init__(data, files, initial=initial or {})
        self.task = task
        self.membership = membership
        self.workspace = membership.workspace
        self.offers = offers
        self.oversized = set(oversized)
        self.public_base_ok = public_base_ok
        self.fields_url = fields_url
        self.estimate_url = estimate_url
        self.audio: dict[str, AudioChoice] = {}
        self.offer = self._chosen_offer()
        self.chosen_key = self._chosen_key()
        self._add_control_fields()
        self.specs: dict[str, Field] = {}
        if self.offer is not None:
            for spec in order_fields(self.offer.operation.fields):
                self.specs[spec.name] = spec
                if spec.type is FieldType.AUDIO:
                    self._add_audio_fields(spec)
                else:
                    self.fields[spec.name] = form_field_for(spec)
                    if spec.name in PRICE_FIELDS and estimate_url:
                        self.fields[spec.name].widget.attrs.update(self._refresh("#outlook"))
                    if spec.default is not None and spec.name not in self.initial:
                        self.initial[spec.name] = spec.default
        self.fields["title"] = forms.CharField(
            label="Name",
            required=False,
            max_length=TITLE_MAX_LENGTH,
            help_text="Names the job and its tracks. Taken from the description when empty.",
            error_messages={
                "max_length": f"Keep the name to {TITLE_MAX_LENGTH} characters or fewer."
            },
        )
        for name in ("operation", "key"):
            if fields_url and not isinstance(self.fields[name].widget, forms.HiddenInput):
                self.fields[name].widget.attrs.update(self._refresh("#task-form"))
        if "license" in self.fields and estimate_url:
            self.fields["license"].widget.attrs.update(self._refresh("#outlook"))
        if not self.initial.get("form_token"):
            self.initial["form_token"] = uuid.uuid4()
        self.fields["form_token"] = self.fields.pop("form_token")

    def _refresh(self, target: str) -> dict:
        """htmx attributes that re-render part of the form when a control changes."""
        url = self.fields_url if target == "#task-form" else self.estimate_url
        return {
            "hx-post": url,
            "hx-trigger": "change",
            "hx-target": target,
            "hx-swap": "outerHTML",
            "hx-sync": "closest form:abort",
        }

    # --- Choosing the operation and the key ---------------------------------------------------
    def _raw(self, name):
        if self.is_bound and name in self.data:
            return self.data.get(name)
        return self.initial.get(name)

    def _chosen_offer(self) -> Offer | None:
        wanted = self._raw("operation")
        for offer in self.offers:
            if offer.value == wanted:
                return offer
        return self.offers[0] if self.offers else None

    def _chosen_key(self):
        if self.offer is None:
            return None
        wanted = str(self._raw("key") or "")
        for key in self.offer.keys:
            if str(key.code) == wanted:
                return key
        return self.offer.keys[0]

    def _add_control_fields(self) -> None:
        groups: dict[str, list] = {}
        for offer in self.offers:
            groups.setdefault(offer.provider_label, []).append((offer.value, offer.label))
        self.fields["operation"] = forms.ChoiceField(
            label="Made with",
            choices=list(groups.items()),
            error_messages={
                "required": "Choose how to make it.",
                "invalid_choice": "Choose one of the listed ways to make it.",
            },
        )
        if self.offer is not None:
            self.initial.setdefault("operation", self.offer.value)
        keys = self.offer.keys if self.offer else []
        self.fields["key"] = forms.ChoiceField(
            label="Key",
            choices=[(str(key.code), key_choice_label(key, self.membership)) for key in keys],
            required=False,
            widget=forms.Select if len(keys) > 1 else forms.HiddenInput,
            error_messages={
                "required": "Choose a key.",
                "invalid_choice": "Choose one of your keys for this provider.",
            },
        )
        if self.chosen_key is not None:
            self.initial["key"] = str(self.chosen_key.code)
        if self.chosen_key is not None and self.chosen_key.is_pay_as_you_go:
            self.fields["license"] = forms.ChoiceField(
                label="License for this job",
                choices=[
                    (license_id, plans.LICENSES[license_id].label)
                    for license_id in plans.job_licenses(self.chosen_key)
                    if license_id in plans.LICENSES
                ],
                required=False,
                error_messages={
                    "required": "Choose a license.",
                    "invalid_choice": "Choose one of the licenses your plan gives.",
                },
            )
            self.initial.setdefault("license", self.chosen_key.license)

    def _add_audio_fields(self, spec: Field) -> None:
        modes = list(AUDIO_MODES) if spec.required else [("", "None"), *AUDIO_MODES]
        self.fields[spec.name] = forms.ChoiceField(
            label=spec.label,
            required=False,
            choices=modes,
            help_text=spec.help,
            widget=forms.RadioSelect,
            error_messages={"invalid_choice": "Choose a track, a file or a link."},
        )
        self.fields[audio_part(spec.name, "track")] = forms.CharField(required=False)
        self.fields[audio_part(spec.name, "file")] = forms.FileField(required=False)
        self.fields[audio_part(spec.name, "url")] = forms.CharField(
            required=False, widget=forms.URLInput(attrs={"placeholder": "https://…"})
        )

    # --- Reading what was chosen --------------------------------------------------------------
    @property
    def chosen_operation(self) -> Operation | None:
        return self.offer.operation if self.offer else None

    @property
    def license_id(self) -> str:
        if self.chosen_key is None:
            return ""
        if "license" in self.fields:
            wanted = self._raw("license")
            if wanted in plans.job_licenses(self.chosen_key):
                return wanted
        return self.chosen_key.license

    @property
    def main_rows(self) -> list[Row]:
        return self.rows(expert=False)

    @property
    def expert_rows(self) -> list[Row]:
        return self.rows(expert=True)

    def rows(self, *, expert: bool) -> list[Row]:
        found = []
        for name, spec in self.specs.items():
            if spec.expert != expert:
                continue
            row = Row(name=name, bound=self[name], spec=spec, limit=limit_text(spec))
            if spec.type is FieldType.AUDIO:
                row.audio = True
                row.mode = self.audio_mode(name)
                row.modes = list(self.fields[name].choices)
                row.url = str(self._raw(audio_part(name, "url")) or "")
                selected = self.selected_track_code(name)
                row.picker = picker_context(self.workspace, name, "", selected)
            found.append(row)
        return found

    @property
    def expert_has_errors(self) -> bool:
        if not self.is_bound:
            return False
        names = [n for n, s in self.specs.items() if s.expert] + ["title"]
        return any(self.errors.get(name) for name in names)

    @property
    def needs_public_address(self) -> bool:
        """A real provider must fetch stored files from this server's public address."""
        return bool(
            self.chosen_key is not None
            and not self.chosen_key.is_sandbox
            and self.chosen_operation is not None
            and self.chosen_operation.audio_fields
            and not self.public_base_ok
        )

    def audio_mode(self, name: str) -> str:
        """The way of giving this input that the form shows open."""
        value = self._raw(name)
        if value in (LIBRARY, UPLOAD, LINK):
            return value
        if not self.specs[name].required:
            return ""
        if self.needs_public_address:
            return LINK  # stored files cannot reach the provider from here
        return LIBRARY if self.selected_track_code(name) or self.library_has_tracks else UPLOAD

    @cached_property
    def library_has_tracks(self) -> bool:
        return Track.objects.filter(workspace=self.workspace, deleted_at=None).exists()

    def selected_track_code(self, name: str) -> str:
        return str(self._raw(audio_part(name, "track")) or "")

    # --- Cleaning -----------------------------------------------------------------------------
    def clean(self):
        cleaned = super().clean()
        if self.offer is None:
            raise ValidationError(
                "You have no key that can do this. Add a key under Settings → API keys."
            )
        for name, spec in self.specs.items():
            if spec.type is FieldType.AUDIO:
                self._clean_audio(name, spec)
        if self.is_bound and "license" in self.fields and self.chosen_key is not None:
            license_id = cleaned.get("license")
            if license_id and license_id not in plans.job_licenses(self.chosen_key):
                self.add_error("license", "Choose one of the licenses your plan gives.")
        for group in self.chosen_operation.requires_one_of:
            present = [name for name in group if name in self.specs]
            if present and not any(self.value_given(name) for name in present):
                if any(self.errors.get(name) for name in present):
                    continue
                names = [self.specs[name].label.lower() for name in present]
                words = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
                self.add_error(present[0], f"Give at least one of these: {words}.")
        if not self.errors:
            self._provider_checks()
        return cleaned

    def value_given(self, name: str) -> bool:
        if name in self.audio:
            return self.audio[name].given
        value = self.cleaned_data.get(name)
        if isinstance(value, str):
            return bool(value.strip())
        return value is not None and value is not False

    def _clean_audio(self, name: str, spec: Field) -> None:
        mode = self.cleaned_data.get(name) or ""
        choice = AudioChoice(mode=mode)
        self.audio[name] = choice
        if name in self.errors:
            return
        if not mode:
            if spec.required:
                self.add_error(
                    name, "Choose a track from the library, upload a file or paste a link."
                )
            return
        if mode in (LIBRARY, UPLOAD) and self.needs_public_address:
            self.add_error(
                name,
                f"{self.offer.provider_label} cannot fetch files from this Soundsite, because "
                "its address is not a public https address. Paste a public link to the audio "
                "instead.",
            )
            return
        if mode == LIBRARY:
            code = self.cleaned_data.get(audio_part(name, "track"))
            track = find_track(self.workspace, code) if code else None
            if track is None:
                self.add_error(
                    name,
                    "Choose a track from your library."
                    if not code
                    else "That track is gone from the library. Choose another one.",
                )
                return
            if spec.max_bytes and track.bytes > spec.max_bytes:
                self.add_error(name, self._too_big(track.bytes, spec))
                return
            choice.track = track
        elif mode == UPLOAD:
            upload = self.cleaned_data.get(audio_part(name, "file"))
            if audio_part(name, "file") in self.oversized:
                from soundsite.studio.uploads import too_large_message

                self.add_error(name, too_large_message())
                return
            if upload is None:
                self.add_error(name, "Choose an audio file to upload.")
                return
            if spec.max_bytes and upload.size and upload.size > spec.max_bytes:
                self.add_error(name, self._too_big(upload.size, spec))
                return
            try:
                choice.upload = check_upload(upload)
            except UploadRejected as error:
                self.add_error(name, str(error))
        elif mode == LINK:
            try:
                choice.url = check_link(self.cleaned_data.get(audio_part(name, "url")))
            except ValidationError as error:
                self.add_error(name, error)

    def _too_big(self, size: int, spec: Field) -> str:
        return (
            f"This audio is {size_text(size)}; {self.offer.provider_label} takes at most "
            f"{size_text(spec.max_bytes)} here. Use a shorter or compressed version."
        )

    def _provider_checks(self) -> None:
        """Extra documented rules a provider module knows (``validate_params``), if it has any."""
        try:
            module = importlib.import_module(
                f"soundsite.providers.{self.chosen_operation.provider}"
            )
        except ImportError:
            return
        validate = getattr(module, "validate_params", None)
        if validate is None:
            return
        try:
            problems = validate(self.chosen_operation, self.wire_parameters(preview=True))
        except Exception:  # A provider check must never turn a form into a server error.
            log.exception("Provider checks failed for %s", self.chosen_operation.key)
            return
        for name, message in (problems or {}).items():
            target = name if name in self.fields else None
            self.add_error(target, message)

    # --- Keeping uploads ----------------------------------------------------------------------
    def keep_uploads(self, *, user) -> list[Track]:
        """Store every upload that passed its checks, even if other fields need fixing.

        The form then shows them as chosen library tracks, so nobody uploads a file twice.
        """
        kept = []
        from soundsite.studio.uploads import store_upload

        for name, choice in self.audio.items():
            if choice.upload is None:
                continue
            track = store_upload(choice.upload, workspace=self.workspace, user=user)
            choice.upload, choice.track, choice.mode = None, track, LIBRARY
            kept.append(track)
            if self.is_bound:
                self.data = self.data.copy()
                self.data[name] = LIBRARY
                self.data[audio_part(name, "track")] = str(track.code)
        return kept

    def discard_uploads(self) -> None:
        for choice in self.audio.values():
            if choice.upload is not None:
                choice.upload.discard()
                choice.upload = None

    # --- What the job is made of ----------------------------------------------------------------
    def wire_parameters(self, *, preview: bool = False) -> dict:
        """The parameters the provider's client expects: catalog names, audio as links."""
        from soundsite.studio.inputs import track_url

        params = {}
        for name, spec in self.specs.items():
            if spec.type is FieldType.AUDIO:
                choice = self.audio.get(name)
                if choice is None:
                    continue
                if choice.track is not None:
                    params[name] = track_url(choice.track)
                elif choice.upload is not None and preview:
                    params[name] = "https://example.invalid/upload"
                elif choice.url:
                    params[name] = choice.url
                continue
            value = self.cleaned_data.get(name)
            if spec.type is FieldType.BOOLEAN:
                if value or spec.default is not None:
                    params[name] = bool(value)
                continue
            if value is None or (isinstance(value, str) and not value.strip()):
                continue
            params[name] = value
        return params

    def inputs(self) -> dict:
        found = {}
        for name, choice in self.audio.items():
            if choice.track is not None:
                found[name] = {"track": str(choice.track.code), "title": choice.track.title}
            elif choice.url:
                found[name] = {"url": choice.url}
        return found

    def source_track(self) -> Track | None:
        """The track the job works on: the required audio input first."""
        ordered = sorted(self.audio.items(), key=lambda item: not self.specs[item[0]].required)
        for _name, choice in ordered:
            if choice.track is not None:
                return choice.track
        return None

    def job_title(self) -> str:
        title = (self.cleaned_data.get("title") or "").strip()
        if title:
            return title[:TITLE_MAX_LENGTH]
        for name in ("prompt", "lyrics", "style", "styleOfMusic"):
            text = str(self.cleaned_data.get(name) or "").strip()
            if text:
                return shorten(text.splitlines()[0])
        source = self.source_track()
        task_label = labels.task_label(self.task)
        if source is not None:
            return shorten(f"{source.title} — {task_label.lower()}")
        return task_label


def shorten(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",.;:—- ")
    return (cut or text[:limit]) + "…"


# --- License, cost and limits beside Generate -----------------------------------------------
@dataclass
class Outlook:
    """What the member sees beside Generate: the license, the cost and the limits left."""

    license_label: str
    license_summary: str
    cost_label: str
    cost: Decimal | None
    limits_label: str
    limit_reached: bool = False
    sandbox: bool = False
    note: str = ""


def pricing_keys(operation: Operation) -> list[str]:
    """Names the price table may know this operation by (a one-wait variant costs the same)."""
    names = [operation.key]
    base = operation.key.removesuffix("_sync")
    if base not in names:
        names.append(base)
    head, _, tail = base.rpartition("_")
    if head and tail.startswith("v") and tail[1:].isdigit():
        names.append(head)
    return names


def outlook(key, operation: Operation, license_id: str, params=None) -> Outlook:
    """The license, estimated cost and limits left for one job with ``key``."""
    found = plans.get_license(license_id)
    license_label = found.label if found else license_id or "Not recorded"
    summary = found.summary if found else ""
    note = plans.SOUNDPIECE_LICENSE_NOTE if key.provider == plans.SOUNDPIECE else ""
    estimate = None
    for name in pricing_keys(operation):
        try:
            estimate = plans.estimate(key, name, operation.version, license_id, params or {})
        except plans.LicenseNotGranted:
            estimate = None
            break
        except Exception:  # The page must still show; the estimate is a courtesy.
            log.exception("Estimating %s failed", operation.key)
            estimate = None
            break
        if estimate.cost_usd is not None or not estimate.cost_label.startswith("Price not known"):
            break
    if estimate is None:
        return Outlook(license_label, summary, plans.NOT_PUBLISHED, None, "", note=note)
    if estimate.cost_usd is not None:
        cost_label = f"about {estimate.cost_label}"
    else:
        cost_label = estimate.cost_label or plans.NOT_PUBLISHED
    if key.is_sandbox:
        cost_label = "free (sandbox)"
    return Outlook(
        license_label=license_label,
        license_summary=summary,
        cost_label=cost_label,
        cost=None if key.is_sandbox else estimate.cost_usd,
        limits_label=estimate.limits_label,
        limit_reached=estimate.limit_reached,
        sandbox=key.is_sandbox,
        note=note,
    )


def license_snapshot(key, license_id: str) -> dict:
    snapshot = plans.license_snapshot(key, license_id)
    snapshot["key_label"] = key.label
    snapshot["summary"] = snapshot.get("summary", "")
    return snapshot


def audio_relation_label(track: Track) -> str:
    if track.relation == Relation.UPLOAD:
        return "Upload"
    provider = labels.PROVIDERS.get(track.provider, "")
    return f"Made with {provider}" if provider else "Made here"
