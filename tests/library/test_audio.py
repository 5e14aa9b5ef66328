"""Audio for the player, peaks, and downloads: access-checked, ranged, counted once."""

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from soundsite.library.models import Activity, Verb


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


def _body(response):
    return b"".join(response.streaming_content)


def test_audio_streams_the_file_with_its_type(owner_client, track):
    response = owner_client.get(reverse("track_audio", args=[track.code]))
    assert response.status_code == 200
    assert response["Content-Type"] == "audio/flac"
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Length"] == str(track.bytes)
    assert response["Content-Disposition"].startswith("inline;")
    assert response["X-Content-Type-Options"] == "nosniff"
    with default_storage.open(track.file.name) as handle:
        assert _body(response) == handle.read()


def test_audio_ranges_for_seeking(owner_client, track):
    response = owner_client.get(reverse("track_audio", args=[track.code]), HTTP_RANGE="bytes=100-")
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 100-{track.bytes - 1}/{track.bytes}"
    assert len(_body(response)) == track.bytes - 100


@pytest.mark.parametrize("header", [f"bytes={10**9}-", "bytes=-0"])
def test_audio_out_of_bounds_range_is_416(owner_client, track, header):
    response = owner_client.get(reverse("track_audio", args=[track.code]), HTTP_RANGE=header)
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{track.bytes}"


@pytest.mark.parametrize("header", ["bytes=a-b", "bytes=5-1", "pages=1-2", "bytes=1-2,4-5"])
def test_audio_malformed_range_is_ignored(owner_client, track, header):
    response = owner_client.get(reverse("track_audio", args=[track.code]), HTTP_RANGE=header)
    assert response.status_code == 200
    assert len(_body(response)) == track.bytes


def test_audio_never_reveals_the_storage_path(owner_client, track):
    response = owner_client.get(reverse("track_audio", args=[track.code]))
    headers = " ".join(f"{key}: {value}" for key, value in response.items())
    assert track.file.name not in headers
    assert str(track.workspace.code) not in headers
    page = owner_client.get(reverse("track", args=[track.code])).content.decode()
    assert track.file.name not in page


def test_something_stored_as_non_audio_is_only_ever_a_download(owner_client, track):
    track.content_type = "text/html"
    track.save()
    response = owner_client.get(reverse("track_audio", args=[track.code]))
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")


def test_missing_file_is_a_404_not_a_crash(owner_client, track):
    default_storage.delete(track.file.name)
    assert owner_client.get(reverse("track_audio", args=[track.code])).status_code == 404


def test_peaks_for_the_player(owner_client, track):
    response = owner_client.get(reverse("track_peaks", args=[track.code]))
    assert response.json() == {"peaks": track.peaks, "duration": track.duration}
    assert "private" in response["Cache-Control"]


def test_download_is_an_attachment_with_a_readable_name(owner_client, track, owner):
    response = owner_client.get(reverse("track_download", args=[track.code]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="Harbour lights [{str(track.code)[:8]}].flac"'
    )
    _body(response)
    activity = Activity.objects.get(verb=Verb.DOWNLOADED)
    assert activity.actor == owner and activity.track == track


def test_resumed_download_parts_are_not_counted_again(owner_client, track):
    url = reverse("track_download", args=[track.code])
    owner_client.get(url)
    owner_client.get(url, HTTP_RANGE="bytes=500-")
    owner_client.head(url)
    assert Activity.objects.filter(verb=Verb.DOWNLOADED).count() == 1


def test_audio_head_request(owner_client, track):
    response = owner_client.head(reverse("track_audio", args=[track.code]))
    assert response.status_code == 200
    assert response["Content-Length"] == str(track.bytes)


def test_deleted_tracks_are_not_served(owner_client, deleted_track):
    for name in ("track_audio", "track_download", "track_peaks"):
        assert owner_client.get(reverse(name, args=[deleted_track.code])).status_code == 404


def test_another_workspaces_track_is_not_served(owner_client, stranger_track):
    for name in ("track_audio", "track_download", "track_peaks", "track_export"):
        assert owner_client.get(reverse(name, args=[stranger_track.code])).status_code == 404
