"""Uploading a member's own audio: checked, stored under a random name, never trusted by name."""

import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from soundsite.library.models import Activity, Track, Verb
from tests.factories import _flac_bytes


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


def _stored_files():
    try:
        folders, _ = default_storage.listdir("tracks")
    except FileNotFoundError:
        return []
    return [name for folder in folders for name in default_storage.listdir(f"tracks/{folder}")[1]]


def test_upload_makes_a_track(owner_client, owner, workspace):
    data = _flac_bytes(1.0, 440.0)
    response = owner_client.post(
        reverse("library_upload"), {"file": SimpleUploadedFile("Client brief v2.flac", data)}
    )
    track = Track.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("track", args=[track.code])
    assert track.title == "Client brief v2"
    assert track.relation == "upload" and track.task == "upload"
    assert track.created_by == owner and track.workspace == workspace
    assert track.format == "flac" and track.content_type == "audio/flac"
    assert track.bytes == len(data)
    assert len(track.peaks) > 10
    assert track.file.name == f"tracks/{workspace.code}/{track.code}.flac"
    assert Activity.objects.get().verb == Verb.UPLOADED


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("../../etc/passwd.flac", "passwd"),
        ("/absolute/path/song.flac", "song"),
        ("C:\\Users\\me\\Desktop\\demo.flac", "demo"),
        ("..flac", "Uploaded audio"),
        ("<script>alert(1)</script>.flac", "script"),  # "/" splits, "<>" go
    ],
)
def test_the_file_name_is_only_ever_a_title(owner_client, workspace, name, title):
    owner_client.post(
        reverse("library_upload"), {"file": SimpleUploadedFile(name, _flac_bytes(1.0, 440.0))}
    )
    track = Track.objects.get()
    assert track.title == title
    assert track.file.name == f"tracks/{workspace.code}/{track.code}.flac"
    assert ".." not in track.file_name and "/" not in track.file_name


def test_something_that_is_not_audio_is_refused(owner_client):
    response = owner_client.post(
        reverse("library_upload"),
        {"file": SimpleUploadedFile("song.flac", b"<html><script>alert(1)</script></html>")},
    )
    assert response.status_code == 400
    assert b"not audio Soundsite can read" in response.content
    assert not Track.objects.exists()
    assert _stored_files() == []


def test_an_empty_form_is_refused(owner_client):
    response = owner_client.post(reverse("library_upload"))
    assert response.status_code == 400
    assert b"This field is required." in response.content


def test_too_large_is_refused_before_reading_the_body(owner_client, settings):
    settings.UPLOAD_MAX_BYTES = 1000
    big = SimpleUploadedFile("big.flac", b"x" * (1024 * 1024 + 2000))
    response = owner_client.post(reverse("library_upload"), {"file": big})
    assert response.status_code == 413
    assert b"larger than the 1000" in response.content
    assert not Track.objects.exists()
    assert _stored_files() == []


def test_too_large_is_stopped_while_reading(owner_client, settings):
    # Just over the cap: the declared length passes the first check, the upload handler stops
    # storing the moment the cap is passed.
    settings.UPLOAD_MAX_BYTES = 2000
    response = owner_client.post(
        reverse("library_upload"), {"file": SimpleUploadedFile("big.flac", b"x" * 2500)}
    )
    assert response.status_code == 413
    assert b"larger than the 2.0" in response.content
    assert not Track.objects.exists()
    assert _stored_files() == []


def test_viewers_cannot_upload(client, viewer):
    client.force_login(viewer)
    response = client.post(
        reverse("library_upload"), {"file": SimpleUploadedFile("a.flac", _flac_bytes(1.0, 440.0))}
    )
    assert response.status_code == 403
    assert not Track.objects.exists()


def test_upload_needs_the_csrf_token(owner, workspace):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(owner)
    response = strict.post(reverse("library_upload"), {"file": io.BytesIO(_flac_bytes(1.0, 440.0))})
    assert response.status_code == 403
    assert not Track.objects.exists()
