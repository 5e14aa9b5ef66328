"""Stored files given to providers: signed, expiring links served without signing in."""

import time
from urllib.parse import urlsplit

import pytest

from soundsite.lib.signed import InvalidToken, make_token, read_token
from soundsite.studio import inputs
from soundsite.studio.models import Job


def path_of(url: str) -> str:
    return urlsplit(url).path


def test_tokens_carry_a_value_until_they_expire():
    token = make_token("abc", salt="test", ttl=60)
    value, expires = read_token(token, salt="test")
    assert value == "abc" and expires > time.time()
    with pytest.raises(InvalidToken):
        read_token(token, salt="test", now=time.time() + 61)
    with pytest.raises(InvalidToken):
        read_token(token, salt="another purpose")
    with pytest.raises(InvalidToken):
        read_token(token[:-2] + "xx", salt="test")
    for junk in ("", "x" * 600, "a:b:c", "e30:abc"):
        with pytest.raises(InvalidToken):
            read_token(junk, salt="test")


def test_a_signed_link_serves_the_file_without_signing_in(client, library_track, public_base):
    url = inputs.track_url(library_track)
    assert url.startswith("https://studio.example.com/studio/files/")
    assert url.endswith("/morning-theme.flac")
    response = client.get(path_of(url))
    assert response.status_code == 200
    assert response["Content-Type"] == "audio/flac"
    assert response["Content-Length"] == str(library_track.bytes)
    assert response["X-Content-Type-Options"] == "nosniff"
    body = b"".join(response.streaming_content)
    assert body == library_track.file.open("rb").read()
    assert client.head(path_of(url)).status_code == 200


def test_an_expired_link_is_refused(client, library_track):
    url = inputs.track_url(library_track, ttl=-1)
    assert client.get(path_of(url)).status_code == 404


def test_a_tampered_link_is_refused(client, library_track):
    path = path_of(inputs.track_url(library_track))
    token = path.split("/")[3]
    forged = make_token(str(library_track.code), salt="some other purpose", ttl=60)
    assert client.get(path.replace(token, forged)).status_code == 404
    assert client.get(path.replace(token, token[:-3] + "abc")).status_code == 404


def test_a_deleted_track_is_no_longer_served(client, library_track):
    from django.utils import timezone

    url = inputs.track_url(library_track)
    library_track.deleted_at = timezone.now()
    library_track.save()
    assert client.get(path_of(url)).status_code == 404


def test_the_file_link_rejects_post(client, library_track):
    assert client.post(path_of(inputs.track_url(library_track))).status_code == 405


def test_links_are_made_afresh_when_the_job_is_sent(workspace, owner, library_track, settings):
    settings.PUBLIC_BASE_URL = "https://studio.example.com"
    job = Job.objects.create(
        workspace=workspace,
        created_by=owner,
        provider="soundpiece",
        operation="adapt.separate_stems",
        task="stems",
        parameters={"source": "https://studio.example.com/studio/files/old/x.flac", "n": 1},
        inputs={"source": {"track": str(library_track.code)}},
    )
    params = inputs.submit_parameters(job)
    assert params["n"] == 1
    assert params["source"] != job.parameters["source"]
    code = inputs.track_code_from_token(params["source"].split("/")[-2])
    assert code == str(library_track.code)


def test_a_pasted_link_is_sent_unchanged(workspace, owner):
    job = Job.objects.create(
        workspace=workspace,
        created_by=owner,
        provider="soundpiece",
        operation="adapt.separate_stems",
        task="stems",
        parameters={"source": "https://cdn.example.org/a.wav"},
        inputs={"source": {"url": "https://cdn.example.org/a.wav"}},
    )
    assert inputs.submit_parameters(job) == {"source": "https://cdn.example.org/a.wav"}


def test_run_again_keeps_where_the_inputs_came_from(
    client, workspace, owner, sp_key, library_track
):
    job = Job.objects.create(
        workspace=workspace,
        created_by=owner,
        key=sp_key,
        provider="soundpiece",
        operation="adapt.separate_stems",
        task="stems",
        state="ready",
        parameters={"source": "https://studio.example.com/old"},
        inputs={"source": {"track": str(library_track.code)}},
        source_track=library_track,
    )
    client.force_login(owner)
    assert client.post(f"/jobs/{job.code}/rerun/").status_code == 302
    again = Job.objects.exclude(pk=job.pk).get()
    assert again.inputs == job.inputs and again.source_track == library_track


# --- The track picker ---------------------------------------------------------------------------
def test_the_picker_finds_tracks_by_title(client, owner, library_track):
    client.force_login(owner)
    response = client.get("/studio/tracks/pick/", {"field": "source", "source__q": "morning"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="source__track"' in body and "Morning theme" in body
    assert "Upload" in body
    body = client.get("/studio/tracks/pick/", {"field": "source", "q": "nothing like it"}).content
    assert "No tracks match" in body.decode()


def test_the_picker_keeps_the_chosen_track_first(client, owner, library_track):
    client.force_login(owner)
    query = {"field": "source", "q": "zzz", "source__track": str(library_track.code)}
    body = client.get("/studio/tracks/pick/", query).content.decode()
    assert f'value="{library_track.code}" checked' in body


def test_the_picker_only_shows_this_workspaces_tracks(client, stranger, library_track):
    client.force_login(stranger)
    body = client.get("/studio/tracks/pick/", {"field": "source"}).content.decode()
    assert "Morning theme" not in body


def test_the_picker_refuses_odd_field_names(client, owner):
    client.force_login(owner)
    assert client.get("/studio/tracks/pick/", {"field": '"><script>'}).status_code == 400


def test_the_picker_checks_access(client, viewer, library_track):
    assert (
        client.get("/studio/tracks/pick/?field=source", headers={"HX-Request": "true"}).status_code
        == 403
    )
    assert client.get("/studio/tracks/pick/?field=source").status_code == 302
    client.force_login(viewer)
    assert client.get("/studio/tracks/pick/?field=source").status_code == 200
    assert client.post("/studio/tracks/pick/?field=source").status_code == 405


def test_providers_may_fetch_part_of_the_file(client, library_track):
    path = path_of(inputs.track_url(library_track))
    response = client.get(path, headers={"Range": "bytes=0-9"})
    assert response.status_code == 206
    assert b"".join(response.streaming_content) == library_track.file.open("rb").read()[:10]
    assert response["Content-Range"] == f"bytes 0-9/{library_track.bytes}"
