"""Audio files members upload as the input of a job.

An upload is checked before anything is kept: it must be within ``UPLOAD_MAX_BYTES`` and decode
as audio from start to end (``lib.audio.analyse``). Only then is it stored, under a random name,
as a library track with the relation "upload". A bad file leaves nothing behind.

The size cap is enforced while the request is read (``SizeCapUploadHandler``): the rest of an
oversized file is read and thrown away, never written to disk.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile

from soundsite.lib.audio import AudioInfo, NotAudio, analyse
from soundsite.library.models import Relation, Track
from soundsite.library.tracks import readable_file_name, save_track_with_file

CHUNK = 1024 * 1024
AUDIO_ADVICE = "Choose a WAV, FLAC, MP3, OGG or AIFF file that plays to the end."


class UploadRejected(ValueError):
    """The file cannot be used; the message says why in plain words."""


def size_text(size: int) -> str:
    """4.1 MB, 900 KB, 12 bytes."""
    if size >= 1024 * 1024:
        value = size / (1024 * 1024)
        return f"{value:.0f} MB" if value >= 10 or value.is_integer() else f"{value:.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} bytes"


def too_large_message() -> str:
    return (
        f"This file is larger than {size_text(settings.UPLOAD_MAX_BYTES)}, the most Soundsite "
        "accepts. Shorten it or save it in a compressed format (MP3 or FLAC)."
    )


class SizeCapUploadHandler(FileUploadHandler):
    """Skip any uploaded file larger than ``UPLOAD_MAX_BYTES`` and remember which field it was.

    It runs before Django's own handlers, so an oversized file is dropped as it arrives; the
    form then reports it beside its field (``request.oversized_uploads``).
    """

    def __init__(self, request=None):
        super().__init__(request)
        self.received = 0
        if request is not None and not hasattr(request, "oversized_uploads"):
            request.oversized_uploads = set()

    def new_file(
        self,
        field_name,
        file_name,
        content_type,
        content_length,
        charset=None,
        content_type_extra=None,
    ):
        super().new_file(
            field_name, file_name, content_type, content_length, charset, content_type_extra
        )
        self.received = 0
        if content_length and content_length > settings.UPLOAD_MAX_BYTES:
            self._skip()

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.UPLOAD_MAX_BYTES:
            self._skip()
        return raw_data

    def file_complete(self, file_size):
        return None

    def _skip(self):
        if self.request is not None:
            self.request.oversized_uploads.add(self.field_name)
        raise SkipFile("The file is larger than the upload limit.")


@dataclass
class CheckedUpload:
    """An uploaded file that passed every check, waiting in a temporary file to be stored."""

    path: Path
    original_name: str
    info: AudioInfo
    peaks: list[float]
    sha256: str
    size: int

    def discard(self) -> None:
        Path(self.path).unlink(missing_ok=True)


def check_upload(uploaded) -> CheckedUpload:
    """Copy an uploaded file to a temporary file, hash it and make sure it is whole audio."""
    if uploaded.size is not None and uploaded.size > settings.UPLOAD_MAX_BYTES:
        raise UploadRejected(too_large_message())
    if not uploaded.size:
        raise UploadRejected("This file is empty. Choose an audio file.")
    suffix = Path(uploaded.name or "").suffix.lower()
    if not re.fullmatch(r"\.[a-z0-9]{1,5}", suffix):
        suffix = ".audio"
    # Kept after closing (delete=False): it is analysed, then moved into storage or removed.
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115
        prefix="upload-", suffix=suffix, dir=settings.FILE_UPLOAD_TEMP_DIR, delete=False
    )
    path = Path(handle.name)
    digest = hashlib.sha256()
    size = 0
    try:
        with handle:
            for chunk in uploaded.chunks(CHUNK):
                size += len(chunk)
                if size > settings.UPLOAD_MAX_BYTES:
                    raise UploadRejected(too_large_message())
                digest.update(chunk)
                handle.write(chunk)
        try:
            info, peaks = analyse(path)
        except NotAudio as exc:
            raise UploadRejected(f"{exc} {AUDIO_ADVICE}") from exc
        except Exception as exc:  # A decoder may fail in ways of its own on hostile input.
            message = f"This file is not audio Soundsite can read. {AUDIO_ADVICE}"
            raise UploadRejected(message) from exc
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return CheckedUpload(
        path=path,
        original_name=os.path.basename(uploaded.name or "upload"),
        info=info,
        peaks=peaks,
        sha256=digest.hexdigest(),
        size=size,
    )


def upload_title(original_name: str) -> str:
    stem = Path(original_name).stem.replace("_", " ").strip()
    return (stem or "Upload")[:200]


def store_upload(checked: CheckedUpload, *, workspace, user) -> Track:
    """Keep a checked upload as a library track; the temporary file goes either way."""
    info = checked.info
    track = Track(
        workspace=workspace,
        relation=Relation.UPLOAD,
        created_by=user,
        title=upload_title(checked.original_name),
        format=info.format,
        content_type=info.content_type,
        duration=info.duration,
        sample_rate=info.sample_rate,
        channels=info.channels,
        bytes=checked.size,
        sha256=checked.sha256,
        peaks=checked.peaks,
    )
    track.file_name = readable_file_name(track.title, track.code, info.format)
    try:
        return save_track_with_file(track, checked.path)
    finally:
        checked.discard()
