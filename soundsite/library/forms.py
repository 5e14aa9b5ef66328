"""Forms for organising the library: rename, tags, collections, and lists of track codes."""

from __future__ import annotations

import uuid

from django import forms
from django.core.exceptions import BadRequest

MAX_TAGS = 20
MAX_TAG_LENGTH = 40
MAX_SELECTION = 500


def parse_codes(values) -> list[uuid.UUID]:
    """Track codes from a form; anything that is not a code is a bad request, not a 404."""
    if len(values) > MAX_SELECTION:
        raise BadRequest(f"Select at most {MAX_SELECTION} tracks at a time.")
    codes = []
    for value in values:
        try:
            codes.append(uuid.UUID(str(value)))
        except ValueError:
            raise BadRequest("That is not a track of this library.") from None
    return list(dict.fromkeys(codes))


class RenameForm(forms.Form):
    title = forms.CharField(label="Title", max_length=200)

    def clean_title(self):
        title = " ".join(self.cleaned_data["title"].split())
        if not title:
            raise forms.ValidationError("Give the track a title.")
        return title


class TagsForm(forms.Form):
    tags = forms.CharField(
        label="Tags",
        required=False,
        max_length=1000,
        help_text="Separate tags with commas, e.g. “upbeat, spring campaign, client: Acme”.",
    )

    def clean_tags(self):
        seen = {}
        for raw in self.cleaned_data["tags"].split(","):
            tag = " ".join(raw.split())
            if not tag:
                continue
            if len(tag) > MAX_TAG_LENGTH:
                raise forms.ValidationError(
                    f"“{tag[:20]}…” is too long: keep each tag under {MAX_TAG_LENGTH} characters."
                )
            seen.setdefault(tag.lower(), tag)
        if len(seen) > MAX_TAGS:
            raise forms.ValidationError(f"Use at most {MAX_TAGS} tags per track.")
        return list(seen.values())


class CollectionForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=120,
        help_text="For example the client or campaign: “Acme – spring 2027”.",
    )
    description = forms.CharField(
        label="Description (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError("Give the collection a name.")
        return name
