"""The license certificate page and the public verification page."""

import pytest
from django.urls import reverse

from soundsite.studio.models import Job
from tests.factories import make_track


@pytest.fixture
def made_track(workspace, owner):
    job = Job.objects.create(
        workspace=workspace,
        created_by=owner,
        provider="soundverse",
        operation="song",
        version="5",
        task="song",
    )
    return make_track(
        workspace,
        "Spring spot",
        user=owner,
        provider="soundverse",
        job=job,
        license={
            "license": "commercial",
            "plan": "Pro",
            "summary": "Paid client work worldwide.",
            "provider": "soundverse",
            "key_label": "Studio key",
        },
    )


def test_certificate_has_every_fact(client, owner, made_track):
    client.force_login(owner)
    html = client.get(reverse("track_certificate", args=[made_track.code])).content.decode()
    assert "License certificate" in html
    assert "Soundverse" in html and "<code>song</code>" in html and "version 5" in html
    assert "<strong>Commercial</strong> on the Pro plan" in html
    assert "Paid client work worldwide." in html
    assert "owner (owner@example.com), Northlight Studio" in html
    assert made_track.created_at.strftime("%Y") in html
    assert made_track.sha256 in html
    assert f"http://testserver/verify/{made_track.sha256}/" in html
    assert "Print or save as PDF" in html
    assert "Studio key" in html


def test_certificate_of_an_upload_says_there_is_no_license(client, owner, workspace):
    upload = make_track(
        workspace, "Brief", user=owner, relation="upload", task="upload", provider="", license={}
    )
    client.force_login(owner)
    html = client.get(reverse("track_certificate", args=[upload.code])).content.decode()
    assert "No license record" in html
    assert "Uploaded file" in html


def test_verification_confirms_a_known_hash_without_the_audio(client, made_track):
    response = client.get(reverse("verify", args=[made_track.sha256]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "has a Soundsite license record" in html
    assert "Northlight Studio" in html and "Commercial" in html and "Pro plan" in html
    assert "Spring spot" not in html  # the title may be confidential
    assert "/audio/" not in html and "/download/" not in html
    assert made_track.file.name not in html
    assert "Studio key" not in html


def test_verification_of_an_unknown_hash(client, db):
    response = client.get(reverse("verify", args=["0" * 64]))
    assert response.status_code == 404
    assert b"No Soundsite license record matches" in response.content


@pytest.mark.parametrize("value", ["abc", "G" * 64, "A" * 64, "0" * 65, "..%2F..%2Fetc"])
def test_verification_of_a_malformed_hash(client, db, value):
    response = client.get(f"/verify/{value}/")
    assert response.status_code == 404


def test_verification_needs_no_account_and_refuses_post(client, made_track):
    assert client.get(reverse("verify", args=[made_track.sha256])).status_code == 200
    assert client.post(reverse("verify", args=[made_track.sha256])).status_code == 405


def test_certificate_names_the_operation_in_plain_words_too(client, owner, workspace):
    job = Job.objects.create(
        workspace=workspace,
        created_by=owner,
        provider="soundpiece",
        operation="create.new_song",
        version="v1",
        task="song",
    )
    made = make_track(workspace, "Theme", user=owner, job=job)
    client.force_login(owner)
    html = client.get(reverse("track_certificate", args=[made.code])).content.decode()
    assert "<dt>Provider</dt>\n    <dd>Soundpiece</dd>" in html
    assert "Make a song — <code>create.new_song</code>, version 1" in html


def test_verification_of_a_file_kept_twice_says_so(client, workspace, owner):
    first = make_track(workspace, "Kept once", user=owner)
    second = make_track(workspace, "Kept again", user=owner)
    assert first.sha256 == second.sha256  # same audio, same bytes
    html = client.get(reverse("verify", args=[first.sha256])).content.decode()
    assert "2 Soundsite license records" in html
    assert html.count('class="facts verify-record"') == 2
