"""ZIP exports: readable names, stems in a folder, tracks.json, a size cap, streamed."""

import io
import json
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from soundsite.library.models import Activity, Verb
from tests.factories import make_collection, make_stems, make_track


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


def _zip(response) -> zipfile.ZipFile:
    assert response.status_code == 200, response.content[:300]
    assert response.streaming, "an export must be streamed, not built in memory"
    body = b"".join(response.streaming_content)
    assert len(body) == int(response["Content-Length"])
    archive = zipfile.ZipFile(io.BytesIO(body))
    assert archive.testzip() is None
    return archive


def test_track_export_has_the_track_its_stems_in_a_folder_and_tracks_json(owner_client, track):
    stems = make_stems(track)
    response = owner_client.get(reverse("track_export", args=[track.code]))
    assert response["Content-Type"] == "application/zip"
    assert 'filename="Harbour lights.zip"' in response["Content-Disposition"]
    archive = _zip(response)
    short = str(track.code)[:8]
    names = archive.namelist()
    assert f"Harbour lights [{short}].flac" in names
    for stem in stems:
        assert f"Harbour lights – stems/{stem.file_name}" in names
    assert "tracks.json" in names
    with default_storage.open(track.file.name) as handle:
        assert archive.read(f"Harbour lights [{short}].flac") == handle.read()
    manifest = json.loads(archive.read("tracks.json"))
    assert manifest["workspace"] == "Northlight Studio"
    first = manifest["tracks"][0]
    assert first["title"] == "Harbour lights"
    assert first["sha256"] == track.sha256
    assert first["parameters"] == track.parameters
    assert first["license"]["license"] == "commercial"
    assert first["verify_url"].endswith(f"/verify/{track.sha256}/")
    assert {entry["stem"] for entry in manifest["tracks"][1:]} == {
        "vocals",
        "drums",
        "bass",
        "other",
    }
    assert Activity.objects.filter(verb=Verb.EXPORTED).count() == 5


def test_collection_export_keeps_the_collection_order(owner_client, workspace, owner):
    first = make_track(workspace, "Zebra", user=owner)
    second = make_track(workspace, "Apple", user=owner)
    collection = make_collection(workspace, "Client: Acme/Spring", [first, second], user=owner)
    response = owner_client.get(reverse("collection_export", args=[collection.code]))
    assert 'filename="Client Acme Spring.zip"' in response["Content-Disposition"]
    manifest = json.loads(_zip(response).read("tracks.json"))
    assert [entry["title"] for entry in manifest["tracks"]] == ["Zebra", "Apple"]


def test_selection_export_by_get_and_by_post(owner_client, workspace, owner, track):
    other = make_track(workspace, "Second", user=owner)
    url = reverse("library_export")
    codes = [str(track.code), str(other.code)]
    by_get = _zip(owner_client.get(url, {"tracks": codes}))
    by_post = _zip(owner_client.post(url, {"tracks": codes, "action": "export"}))
    assert sorted(by_get.namelist()) == sorted(by_post.namelist())
    assert len(by_get.namelist()) == 3


def test_names_can_never_escape_the_archive(owner_client, workspace, owner):
    nasty = make_track(workspace, "../../etc/passwd", user=owner)
    make_stems(nasty, kinds=("vocals",))
    absolute = make_track(workspace, "/root/.ssh/id_rsa", user=owner)
    names = _zip(
        owner_client.get(reverse("library_export"), {"tracks": [nasty.code, absolute.code]})
    ).namelist()
    names += _zip(owner_client.get(reverse("track_export", args=[nasty.code]))).namelist()
    for name in names:
        assert not name.startswith("/")
        assert ".." not in name.split("/")
        assert "\\" not in name


def test_over_the_size_cap_is_refused_with_a_message(owner_client, track, settings):
    settings.EXPORT_MAX_BYTES = track.bytes - 1
    response = owner_client.get(reverse("track_export", args=[track.code]))
    assert response.status_code == 413
    assert b"This export would be" in response.content
    assert b"Export fewer tracks" in response.content
    assert not Activity.objects.filter(verb=Verb.EXPORTED).exists()


def test_a_missing_file_refuses_the_export_instead_of_a_broken_zip(owner_client, track):
    default_storage.delete(track.file.name)
    response = owner_client.get(reverse("track_export", args=[track.code]))
    assert response.status_code == 409
    assert b"missing from storage" in response.content


def test_selection_with_a_code_of_another_workspace_exports_nothing(
    owner_client, track, stranger_track
):
    response = owner_client.get(
        reverse("library_export"), {"tracks": [track.code, stranger_track.code]}
    )
    assert response.status_code == 404
    assert not Activity.objects.exists()


@pytest.mark.parametrize("value", ["not-a-code", "../../x", "' OR 1=1"])
def test_selection_with_a_malformed_code_is_a_bad_request(owner_client, value):
    assert owner_client.get(reverse("library_export"), {"tracks": [value]}).status_code == 400


def test_an_empty_selection_explains_itself(owner_client):
    response = owner_client.get(reverse("library_export"), follow=True)
    assert b"Select at least one track to export." in response.content


def test_deleted_tracks_are_left_out_of_collection_exports(
    owner_client, workspace, owner, track, deleted_track
):
    collection = make_collection(workspace, "Mixed", [track, deleted_track], user=owner)
    manifest = json.loads(
        _zip(owner_client.get(reverse("collection_export", args=[collection.code]))).read(
            "tracks.json"
        )
    )
    assert [entry["title"] for entry in manifest["tracks"]] == ["Harbour lights"]


def _grow(track, megabytes: int) -> None:
    """Replace a track's stored file with a large one, written a mebibyte at a time."""
    block = bytes(range(256)) * 4096
    with open(default_storage.path(track.file.name), "wb") as handle:
        for _ in range(megabytes):
            handle.write(block)
    type(track).objects.filter(pk=track.pk).update(bytes=megabytes * len(block))
    track.refresh_from_db()


def _peak_while(consume) -> int:
    import tracemalloc

    tracemalloc.start()
    try:
        consume()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_exports_and_ranged_reads_use_constant_memory(owner_client, workspace, owner, settings):
    """A 48 MB export and a 24 MB ranged read never hold more than a few chunks in memory."""
    settings.EXPORT_MAX_BYTES = 100 * 1024 * 1024
    first, second = make_track(workspace, "Big one", user=owner), make_track(workspace, "Two")
    _grow(first, 24)
    _grow(second, 24)
    export = owner_client.get(reverse("library_export"), {"tracks": [first.code, second.code]})
    audio = owner_client.get(reverse("track_audio", args=[first.code]), HTTP_RANGE="bytes=100-")
    assert export.streaming and audio.streaming and audio.status_code == 206
    sizes = []
    export_peak = _peak_while(lambda: sizes.append(sum(map(len, export.streaming_content))))
    audio_peak = _peak_while(lambda: sizes.append(sum(map(len, audio.streaming_content))))
    assert sizes[0] == int(export["Content-Length"]) > 48 * 1024 * 1024
    assert sizes[1] == first.bytes - 100
    # A whole file would be 24 MB; a few 1 MiB chunks in flight is what streaming costs.
    assert export_peak < 6 * 1024 * 1024, export_peak
    assert audio_peak < 4 * 1024 * 1024, audio_peak
