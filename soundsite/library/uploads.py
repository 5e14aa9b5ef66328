"""A member's own audio file, checked and kept as a library track like any other."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from soundsite.lib.audio import NotAudio, analyse
from soundsite.library.models import Relation, Track
from soundsite.library.tracks import readable_file_name, safe_name, save_track_with_file

CHUNK = 1024 * 1024


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Audio file",
        help_text="FLAC, WAV, MP3, OGG or AIFF.",
        widget=forms.ClearableFileInput(
            attrs={"accept": "audio/*,.flac,.wav,.mp3,.ogg,.aif,.aiff"}
        ),
    )

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        if uploaded.size > settings.UPLOAD_MAX_BYTES:
            raise forms.ValidationError(
                f"This file is {filesizeformat(uploaded.size)}; the limit is "
                f"{filesizeformat(settings.UPLOAD_MAX_BYTES)}. Upload a shorter or smaller file."
            )
        return uploaded


def title_from_file_name(name: str) -> str:
    """The last part of whatever path the browser sent, without its extension."""
    base = re.split(r"[\\/]", name or "")[-1]
    stem, dot, _ = base.rpartition(".")
    title = safe_name(stem if dot and stem else base)
    return "Uploaded audio" if title == "Track" else title


def store_upload(workspace, user, uploaded) -> Track:
    """Check the upload decodes, then keep it under a random name. Raises NotAudio."""
    handle = tempfile.NamedTemporaryFile(prefix="soundsite-upload-", suffix=".part", delete=False)  # noqa: SIM115
    try:
        digest = hashlib.sha256()
        size = 0
        with handle:
            for chunk in uploaded.chunks(CHUNK):
                handle.write(chunk)
                digest.update(chunk)
                size += len(chunk)
        info, peaks = analyse(handle.name)
        title = title_from_file_name(uploaded.name)
        track = Track(
            workspace=workspace,
            relation=Relation.UPLOAD,
            created_by=user,
            title=title,
            task="upload",
            format=info.format,
            content_type=info.content_type,
            duration=info.duration,
            sample_rate=info.sample_rate,
            channels=info.channels,
            bytes=size,
            sha256=digest.hexdigest(),
            peaks=peaks,
            parameters={"uploaded_as": re.split(r"[\\/]", uploaded.name or "")[-1][:200]},
        )
        track.file_name = readable_file_name(title, track.code, info.format)
        return save_track_with_file(track, handle.name)
    finally:
        os.unlink(handle.name)


__all__ = ["NotAudio", "UploadForm", "store_upload", "title_from_file_name"]
