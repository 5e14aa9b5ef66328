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
