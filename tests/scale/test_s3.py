"""The whole file path on S3-compatible storage, against a real S3 server (moto, own process).

A sandbox job is made and archived into the library, then a member plays it with Range
requests, exports it as a ZIP, shares it, and a logged-out client plays and downloads it
through the share link. Throughout, the files never touch the local disk:

- local file storage refuses to open or save anything, and ``MEDIA_ROOT`` must stay empty;
- every temporary file Python or Django makes goes to a directory of the test's own that must
  be empty at the end (uploads, spooled buffers, the archive's download files);
- while the web side serves audio, exports and shares, django-storages may not download a
  whole object into a local buffer (``S3File.file``): only ranged GETs stream from the bucket.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import subprocess
import sys
import tempfile
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.urls import reverse
from storages.backends.s3 import S3File

from soundsite.library.models import Track
from soundsite.studio.models import JobState
from tests.factories import make_collection, make_share, make_track
from tests.studio.test_pipeline_sandbox import (
    in_process,  # noqa: F401 - fixture
    run_to_the_end,
    sandbox_key,
    start,
)


def _files_under(folder) -> list[str]:
    return [os.path.join(root, name) for root, _, names in os.walk(folder) for name in names]


@pytest.fixture
def no_local_disk(settings, tmp_path, monkeypatch, use_s3):
    """Fail on any use of local file storage; collect temporary files where they can be seen."""
    media = tmp_path / "media"
    media.mkdir()
    settings.MEDIA_ROOT = media
    var = tmp_path / "var"
    var.mkdir()
    settings.VAR_DIR = var
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(temporary)
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))

    def refuse(self, *args, **kwargs):
        raise AssertionError("local file storage used while the project stores files on S3")

    monkeypatch.setattr(FileSystemStorage, "_open", refuse)
    monkeypatch.setattr(FileSystemStorage, "_save", refuse)
    assert default_storage.bucket_name == use_s3.bucket_name
    yield use_s3
    assert _files_under(media) == []
    assert _files_under(temporary) == []
    # The archive downloads into VAR_DIR/tmp (on a worker machine) and removes what it wrote.
    assert _files_under(var) == []


@pytest.fixture
def ranged_gets_only(monkeypatch):
    """From now on a whole-object download through django-storages fails the test."""

    def whole_download(self):
        raise AssertionError(f"{self.name} was downloaded whole instead of streamed by range")

    monkeypatch.setattr(S3File, "file", property(whole_download, S3File._set_file))


def make_and_archive(workspace, owner) -> list[Track]:
    """A Soundpiece sandbox song, made and archived into the library on S3."""
    key, _ = sandbox_key(workspace, owner, "soundpiece")
    job = start(
        workspace,
        owner,
        key,
        "create.new_song",
        {"prompt": "warm acoustic folk", "lyrics": "Morning light on the window"},
    )
    job = run_to_the_end(job)
    assert job.state == JobState.READY, job.error_message
    tracks = list(Track.objects.filter(job=job).order_by("output_position"))
    assert len(tracks) == 2
    return tracks


def _object(bucket, name) -> bytes:
    return bucket.bucket.Object(name).get()["Body"].read()


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def check_archive(archived, bucket):
    for track in archived:
        assert track.file.name.startswith("tracks/")
        data = _object(bucket, track.file.name)
        assert len(data) == track.bytes > 10_000
        assert hashlib.sha256(data).hexdigest() == track.sha256
        assert data[:4] == b"fLaC"
    # The sandbox's own files live in the same bucket, under its prefix, not on disk.
    names = {summary.key for summary in bucket.bucket.objects.all()}
    assert {t.file.name for t in archived} <= names
    assert any(name.startswith("sandbox/") for name in names)


def check_playback(archived, bucket, client):
    track = archived[0]
    data = _object(bucket, track.file.name)
    page = client.get(reverse("track", args=[track.code]))
    assert page.status_code == 200
    audio = re.search(r'data-audio="([^"]+)"', page.content.decode()).group(1).replace("&amp;", "&")
    assert "?k=" in audio  # the player's keyed link

    middle = len(data) // 2
    response = client.get(audio, HTTP_RANGE=f"bytes={middle}-{middle + 999}")
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {middle}-{middle + 999}/{len(data)}"
    assert response["Content-Length"] == "1000"
    assert _body(response) == data[middle : middle + 1000]

    tail = client.get(audio, HTTP_RANGE="bytes=-300")
    assert tail.status_code == 206
    assert _body(tail) == data[-300:]

    # Without the key the full member check runs; the bytes are the same.
    plain = client.get(reverse("track_audio", args=[track.code]), HTTP_RANGE="bytes=0-99")
    assert plain.status_code == 206
    assert _body(plain) == data[:100]

    whole = client.get(reverse("track_download", args=[track.code]))
    assert whole.status_code == 200
    assert whole["Content-Disposition"].startswith("attachment;")
    assert _body(whole) == data

    past_end = client.get(audio, HTTP_RANGE=f"bytes={len(data) + 10}-")
    assert past_end.status_code == 416
    assert past_end["Content-Range"] == f"bytes */{len(data)}"


def check_export(archived, bucket, client, collection):
    response = client.get(reverse("collection_export", args=[collection.code]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    body = _body(response)
    assert int(response["Content-Length"]) == len(body)
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert archive.testzip() is None
        for track in archived:
            assert archive.read(track.file_name) == _object(bucket, track.file.name)
        assert "tracks.json" in archive.namelist()


def check_share(archived, bucket, client, share):
    track = archived[1]
    data = _object(bucket, track.file.name)

    page = client.get(reverse("share_page", args=[share.token]))
    assert page.status_code == 200
    audio_url = reverse("share_audio", args=[share.token, track.code])
    assert f'data-audio="{audio_url}"' in page.content.decode()

    played = client.get(audio_url, HTTP_RANGE="bytes=1000-4999")
    assert played.status_code == 206
    assert played["Content-Range"] == f"bytes 1000-4999/{len(data)}"
    assert _body(played) == data[1000:5000]

    one = client.get(reverse("share_download", args=[share.token, track.code]))
    assert one.status_code == 200
    assert one["Content-Disposition"].startswith("attachment;")
    assert _body(one) == data

    everything = client.get(reverse("share_download_all", args=[share.token]))
    assert everything.status_code == 200
    with zipfile.ZipFile(io.BytesIO(_body(everything))) as archive:
        for shared in archived:
            assert archive.read(shared.file_name) == _object(bucket, shared.file.name)


@pytest.mark.django_db(transaction=True)
def test_a_song_is_archived_played_exported_and_shared_without_local_files(
    no_local_disk, client, workspace, owner, request
):
    archived = make_and_archive(workspace, owner)
    check_archive(archived, no_local_disk)
    # From here on the web side serves the files: ranged reads only.
    request.getfixturevalue("ranged_gets_only")
    client.force_login(owner)
    check_playback(archived, no_local_disk, client)
    collection = make_collection(workspace, "For the client", tracks=archived, user=owner)
    check_export(archived, no_local_disk, client, collection)
    share = make_share(collection=collection, user=owner)
    client.logout()
    check_share(archived, no_local_disk, client, share)


@pytest.mark.django_db
def test_a_missing_object_is_a_404_not_a_server_error(no_local_disk, client, workspace, owner):
    track = make_track(workspace, "Gone", user=owner)
    assert no_local_disk.exists(track.file.name)
    no_local_disk.delete(track.file.name)
    client.force_login(owner)
    response = client.get(reverse("track_audio", args=[track.code]), HTTP_RANGE="bytes=0-99")
    assert response.status_code == 404
    share = make_share(track=track, user=owner)
    client.logout()
    shared = client.get(reverse("share_audio", args=[share.token, track.code]))
    assert shared.status_code == 404


def test_the_guards_fail_when_a_file_touches_the_disk(no_local_disk, settings, ranged_gets_only):
    # The proofs above rest on these guards; show that each one bites.
    local = FileSystemStorage(location=settings.MEDIA_ROOT)
    with pytest.raises(AssertionError, match="local file storage"):
        local.save("x.txt", ContentFile(b"x"))
    no_local_disk.save("probe.bin", ContentFile(b"0123456789"))
    handle = default_storage.open("probe.bin", "rb")
    with pytest.raises(AssertionError, match="downloaded whole"):
        handle.read()
    handle.close()
    with tempfile.NamedTemporaryFile() as spill:
        assert os.path.dirname(spill.name) == tempfile.gettempdir()
        assert _files_under(tempfile.gettempdir()) == [spill.name]


PROBE = """
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
name = default_storage.save("probe/hello.txt", ContentFile(b"hello from settings"))
with default_storage.open(name, "rb") as handle:
    print("stored:", type(default_storage._wrapped).__name__, name, handle.read().decode())
"""


def _manage(tmp_path, *args, **env):
    from django.conf import settings

    environment = {**os.environ, "VAR_DIR": str(tmp_path / "var"), **env}
    for name in ("DJANGO_SETTINGS_MODULE", "PYTEST_XDIST_WORKER", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        environment.pop(name, None)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION"):
        environment.pop(name, None)
    return subprocess.run(
        [sys.executable, str(settings.BASE_DIR / "manage.py"), *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=settings.BASE_DIR,
    )


def test_the_s3_variables_configure_the_storage(tmp_path, s3_storage):
    """STORAGE_BACKEND=s3 and the S3_* variables of the README reach the bucket."""
    result = _manage(
        tmp_path,
        "shell",
        "-c",
        PROBE,
        STORAGE_BACKEND="s3",
        S3_BUCKET=s3_storage.bucket_name,
        S3_ENDPOINT_URL=s3_storage.endpoint_url,
        S3_REGION="us-east-1",
        S3_ACCESS_KEY_ID="test-access-key",
        S3_SECRET_ACCESS_KEY="test-secret-key",
    )
    assert result.returncode == 0, result.stderr
    assert "stored: S3Storage probe/hello.txt hello from settings" in result.stdout
    assert _object(s3_storage, "probe/hello.txt") == b"hello from settings"
    assert not (tmp_path / "var" / "media").exists()


@pytest.mark.parametrize(
    ("env", "words"),
    [
        ({"STORAGE_BACKEND": "s3"}, "S3_BUCKET must be set when STORAGE_BACKEND is s3"),
        (
            {"STORAGE_BACKEND": "s3", "S3_BUCKET": "media", "S3_ENDPOINT_URL": "minio:9000"},
            "S3_ENDPOINT_URL must be a URL starting with",
        ),
    ],
)
def test_an_incomplete_s3_setting_stops_start_up_naming_the_variable(tmp_path, env, words):
    result = _manage(tmp_path, "check", **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert words in result.stderr
