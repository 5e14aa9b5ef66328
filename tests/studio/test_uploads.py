"""Uploading a file as a job's audio input: checked, stored as an "upload" track, or refused."""

import re

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import SkipFile

from soundsite.library.models import Track
from soundsite.studio.models import Job
from soundsite.studio.uploads import SizeCapUploadHandler, size_text
from tests.studio.conftest import audio_bytes

STEMS = {"operation": "soundpiece:adapt.separate_stems", "source": "upload"}


def field_errors(response) -> list[str]:
    return re.findall(r'class="field-error"[^>]*>([^<]*)<', response.content.decode())


def stored_files() -> list[str]:
    try:
        folders, _files = default_storage.listdir("tracks")
    except FileNotFoundError:
        return []
    found = []
    for folder in folders:
        found += default_storage.listdir(f"tracks/{folder}")[1]
    return found


@pytest.fixture
def member(client, owner, sp_key, public_base):
    client.force_login(owner)
    return owner


def upload(name, data, content_type="audio/flac"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def test_an_uploaded_file_becomes_an_upload_track_and_the_jobs_source(client, member):
    response = client.post(
        "/studio/stems/", STEMS | {"source__file": upload("Demo mix.flac", audio_bytes(1.5))}
    )
    assert response.status_code == 302, field_errors(response)
    track = Track.objects.get()
    assert track.relation == "upload"
    assert track.title == "Demo mix"
    assert track.created_by == member
    assert track.format == "flac" and track.content_type == "audio/flac"
    assert track.duration == pytest.approx(1.5, abs=0.01)
    assert track.peaks and track.sha256 and track.bytes > 0
    assert default_storage.exists(track.file.name)
    # Stored under its random code, never under the name the member gave it.
    assert "Demo" not in track.file.name
    job = Job.objects.get()
    assert job.source_track == track
    assert job.inputs["source"]["track"] == str(track.code)
    assert job.parameters["source"].startswith("https://studio.example.com/studio/files/")


@pytest.mark.parametrize("fmt,name", [("WAV", "take.wav"), ("OGG", "take.ogg")])
def test_other_audio_formats_are_accepted(client, member, fmt, name):
    data = audio_bytes(0.5, fmt=fmt)
    response = client.post("/studio/stems/", STEMS | {"source__file": upload(name, data)})
    assert response.status_code == 302, field_errors(response)
    assert Track.objects.get().format == fmt.lower()


def test_a_file_that_is_not_audio_is_refused_and_nothing_is_kept(client, member):
    fake = upload("song.mp3", b"<html><script>alert(1)</script></html>" * 50, "audio/mpeg")
    response = client.post("/studio/stems/", STEMS | {"source__file": fake})
    assert response.status_code == 400
    assert any("not audio Soundsite can read" in error for error in field_errors(response))
    assert not Track.objects.exists() and not Job.objects.exists()
    assert stored_files() == []


def test_an_empty_file_is_refused(client, member):
    response = client.post("/studio/stems/", STEMS | {"source__file": upload("empty.wav", b"")})
    assert response.status_code == 400
    assert not Track.objects.exists()


@pytest.mark.parametrize("fmt", ["WAV", "FLAC"])
def test_a_truncated_file_is_refused(client, member, fmt):
    data = audio_bytes(2.0, fmt=fmt)
    cut = data[: len(data) // 2]
    response = client.post(
        "/studio/stems/", STEMS | {"source__file": upload(f"cut.{fmt.lower()}", cut)}
    )
    assert response.status_code == 400
    assert any("cut short" in error or "damaged" in error for error in field_errors(response))
    assert not Track.objects.exists() and not Job.objects.exists()
    assert stored_files() == []


def test_a_file_over_the_size_cap_is_refused_while_it_arrives(client, member, settings):
    settings.UPLOAD_MAX_BYTES = 20_000
    data = audio_bytes(2.0, fmt="WAV")
    assert len(data) > settings.UPLOAD_MAX_BYTES
    response = client.post("/studio/stems/", STEMS | {"source__file": upload("long.wav", data)})
    assert response.status_code == 400
    assert f"larger than {size_text(20_000)}" in " ".join(field_errors(response))
    assert not Track.objects.exists() and not Job.objects.exists()
    assert stored_files() == []


def test_the_size_cap_handler_skips_the_rest_of_a_big_file(settings, rf):
    settings.UPLOAD_MAX_BYTES = 10
    request = rf.post("/")
    handler = SizeCapUploadHandler(request)
    handler.new_file("source__file", "big.wav", "audio/wav", None)
    assert handler.receive_data_chunk(b"12345", 0) == b"12345"
    with pytest.raises(SkipFile):
        handler.receive_data_chunk(b"1234567", 5)
    assert request.oversized_uploads == {"source__file"}
    with pytest.raises(SkipFile):
        handler.new_file("other__file", "big.wav", "audio/wav", 11)


def test_a_good_upload_is_kept_when_another_field_needs_fixing(client, member):
    data = {
        "operation": "soundpiece:adapt.auto_cut_down",
        "source": "upload",
        "source__file": upload("Spot.flac", audio_bytes(1.0)),
        "target_duration": "-5",
    }
    response = client.post("/studio/cut/", data)
    assert response.status_code == 400
    track = Track.objects.get()
    body = response.content.decode()
    # The form now shows the upload as the chosen library track: no second upload needed.
    assert re.search(r'name="source" value="library" checked', body)
    assert re.search(rf'name="source__track" value="{track.code}" checked', body)
    fixed = {
        "operation": "soundpiece:adapt.auto_cut_down",
        "source": "library",
        "source__track": str(track.code),
        "target_duration": "30",
    }
    assert client.post("/studio/cut/", fixed).status_code == 302
    assert Track.objects.count() == 1
    assert Job.objects.get().source_track == track


def test_a_provider_size_limit_is_checked_for_library_tracks(
    client, owner, sv_key, library_track, public_base
):
    Track.objects.filter(pk=library_track.pk).update(bytes=11 * 1024 * 1024)
    client.force_login(owner)
    data = {
        "operation": "soundverse:remix_v7",
        "song_reference_url": "library",
        "song_reference_url__track": str(library_track.code),
        "prompt": "as a tango",
    }
    response = client.post("/studio/remix/", data)
    assert response.status_code == 400
    assert any("at most 10 MB" in error for error in field_errors(response))


def test_upload_mode_without_a_file_asks_for_one(client, member):
    response = client.post("/studio/stems/", STEMS)
    assert response.status_code == 400
    assert "Choose an audio file to upload." in field_errors(response)


def test_uploads_are_refused_for_a_real_key_on_a_private_address(client, owner, sp_key, settings):
    settings.PUBLIC_BASE_URL = "http://localhost:8000"
    client.force_login(owner)
    response = client.post(
        "/studio/stems/", STEMS | {"source__file": upload("a.flac", audio_bytes())}
    )
    assert response.status_code == 400
    assert not Track.objects.exists()


def test_viewers_cannot_upload(client, viewer, sp_key):
    client.force_login(viewer)
    response = client.post(
        "/studio/stems/", STEMS | {"source__file": upload("a.flac", audio_bytes())}
    )
    assert response.status_code == 403
    assert not Track.objects.exists()


def test_after_an_htmx_submit_the_upload_is_offered_from_the_library(client, member):
    data = STEMS | {"source__file": upload("Take two.flac", audio_bytes())}
    response = client.post("/studio/stems/", data, headers={"HX-Request": "true"})
    assert response.status_code == 200
    track = Track.objects.get()
    body = response.content.decode()
    assert re.search(r'name="source" value="library" checked', body)
    assert re.search(rf'name="source__track" value="{track.code}" checked', body)
