"""Audio for the player, peaks, and downloads: access-checked, ranged, counted once."""

import re

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from soundsite.library.models import Activity, Verb
from tests.factories import make_track


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


# --- Player keys (library/playback.py) -----------------------------------------------------------


def _keyed_url(client, track):
    html = client.get(reverse("track", args=[track.code])).content.decode()
    return re.search(rf'data-audio="(/library/tracks/{track.code}/audio/\?k=[^"]+)"', html).group(1)


def test_a_keyed_link_reads_only_the_track(owner_client, track, django_assert_num_queries):
    url = _keyed_url(owner_client, track)
    with django_assert_num_queries(1):
        response = owner_client.get(url, HTTP_RANGE="bytes=0-9")
    assert response.status_code == 206
    assert len(_body(response)) == 10


def test_a_keyed_link_is_useless_in_another_browser(owner_client, track, owner):
    from django.test import Client

    url = _keyed_url(owner_client, track)
    assert Client().get(url).status_code == 302  # no session: sent to sign in
    other = Client()
    other.force_login(owner)  # the same person, another session: the full check runs
    assert other.get(url).status_code == 200


def test_a_key_for_one_track_does_not_open_another(owner_client, workspace, owner, track):
    other = make_track(workspace, "Other", user=owner)
    key = _keyed_url(owner_client, track).split("?k=")[1]
    url = f"{reverse('track_audio', args=[other.code])}?k={key}"
    # Not a valid key for this track: the full access check decides (and this member may).
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert owner_client.get(url).status_code == 200
    assert len(captured) > 1


def test_an_old_or_tampered_key_falls_back_to_the_full_check(
    client, owner, viewer, track, stranger
):
    client.force_login(stranger)
    url = _keyed_url_for(client, track, owner)
    assert client.get(url).status_code == 404  # a stranger's session never matches the key
    client.force_login(owner)
    good = _keyed_url(client, track)
    tampered = good[:-3] + ("aaa" if not good.endswith("aaa") else "bbb")
    assert _queries(client, good) == 1
    assert _queries(client, tampered) > 1  # still a member: the full check says yes
    with time_machine_minutes(11):
        assert _queries(client, good) > 1


def _queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_a_deleted_track_is_not_served_even_with_a_key(owner_client, track):
    url = _keyed_url(owner_client, track)
    track.deleted_at = track.created_at
    track.save()
    assert owner_client.get(url).status_code == 404


def _keyed_url_for(client, track, owner):
    from django.test import Client

    member = Client()
    member.force_login(owner)
    return _keyed_url(member, track)


class time_machine_minutes:
    """Move signing's clock forward (keys are timestamped with time.time)."""

    def __init__(self, minutes):
        self.minutes = minutes

    def __enter__(self):
        import time
        from unittest import mock

        real = time.time
        self.patch = mock.patch("django.core.signing.time.time", lambda: real() + self.minutes * 60)
        self.patch.start()

    def __exit__(self, *exc):
        self.patch.stop()
