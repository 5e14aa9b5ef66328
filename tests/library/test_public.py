"""The public share pages under /s/: what a client sees, and everything they must not."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from soundsite.library.models import Activity, ShareLink, Track, Verb
from tests.factories import make_collection, make_share, make_track


def _page(client, share):
    return client.get(reverse("share_page", args=[share.token]))


def _body(response):
    return b"".join(response.streaming_content)


def test_track_link_shows_workspace_track_player_and_license(client, share, track):
    response = _page(client, share)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Shared by <strong>Northlight Studio</strong>" in html
    assert "Harbour lights" in html
    assert f'data-audio="/s/{share.token}/audio/{track.code}/"' in html
    assert '<svg class="wave wave-base"' in html
    assert "Commercial license" in html and "Use in paid client work" in html
    assert f"/s/{share.token}/download/{track.code}/" in html
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-store" in response["Cache-Control"]


def test_the_page_gives_nothing_else_away(client, share, track, workspace, owner):
    make_track(workspace, "Secret other track", user=owner)
    html = _page(client, share).content.decode()
    assert "Secret other track" not in html
    assert track.file.name not in html and "tracks/" not in html
    assert str(workspace.code) not in html
    assert "Agency key" not in html  # the key's name is internal
    assert "warm synth pads" not in html  # so is the prompt
    assert "/library/" not in html


def test_downloads_only_when_allowed(client, track, owner):
    share = make_share(track=track, user=owner, allow_download=False)
    html = _page(client, share).content.decode()
    assert "/download/" not in html
    response = client.get(reverse("share_download", args=[share.token, track.code]))
    assert response.status_code == 403


def test_download_through_the_link_is_recorded_for_the_team(client, share, track):
    response = client.get(reverse("share_download", args=[share.token, track.code]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert len(_body(response)) == track.bytes
    activity = Activity.objects.get(verb=Verb.DOWNLOADED)
    assert activity.actor is None and activity.share == share


def test_audio_is_ranged(client, share, track):
    response = client.get(
        reverse("share_audio", args=[share.token, track.code]), HTTP_RANGE="bytes=0-99"
    )
    assert response.status_code == 206
    assert len(_body(response)) == 100
    response = client.get(
        reverse("share_audio", args=[share.token, track.code]), HTTP_RANGE=f"bytes={track.bytes}-"
    )
    assert response.status_code == 416


def test_a_track_outside_the_link_is_not_found(client, share, workspace, owner, stranger_track):
    other = make_track(workspace, "Not shared", user=owner)
    for name in ("share_audio", "share_download", "share_peaks"):
        assert client.get(reverse(name, args=[share.token, other.code])).status_code == 404
        assert client.get(reverse(name, args=[share.token, stranger_track.code])).status_code == 404


def test_collection_link_shows_its_tracks_in_order_and_only_those(client, workspace, owner):
    first = make_track(workspace, "Zebra", user=owner)
    second = make_track(workspace, "Apple", user=owner)
    outside = make_track(workspace, "Outside", user=owner)
    gone = make_track(workspace, "Gone", user=owner, deleted_at=timezone.now())
    collection = make_collection(workspace, "Acme spring", [first, second, gone], user=owner)
    collection.description = "Two directions"
    collection.save()
    share = make_share(collection=collection, user=owner)
    html = _page(client, share).content.decode()
    assert html.index("Zebra") < html.index("Apple")
    assert "Outside" not in html and "Gone" not in html
    assert "Two directions" in html and "Download all (2 tracks, ZIP)" in html
    assert client.get(reverse("share_audio", args=[share.token, outside.code])).status_code == 404
    assert client.get(reverse("share_audio", args=[share.token, gone.code])).status_code == 404
    zip_response = client.get(reverse("share_download_all", args=[share.token]))
    assert zip_response.status_code == 200 and zip_response["Content-Type"] == "application/zip"
    body = _body(zip_response)
    assert b"Zebra" in body and b"Outside" not in body
    assert (
        b'"parameters"' not in body and b"Agency key" not in body
    )  # the client's manifest is short


def test_visits_are_counted_but_not_the_teams_own(client, share, owner):
    _page(client, share)
    _page(client, share)
    share.refresh_from_db()
    assert share.visit_count == 2 and share.last_visit_at is not None
    client.force_login(owner)
    _page(client, share)
    share.refresh_from_db()
    assert share.visit_count == 2


@pytest.mark.parametrize(
    "change",
    [
        {"revoked_at": timezone.now()},
        {"expires_at": timezone.now() - timedelta(seconds=1)},
    ],
)
def test_ended_links_answer_410_everywhere(client, share, track, change):
    ShareLink.objects.filter(pk=share.pk).update(**change)
    page = _page(client, share)
    assert page.status_code == 410
    assert b"This link is not available" in page.content
    assert b"Harbour lights" not in page.content and b"Northlight" not in page.content
    for name in ("share_audio", "share_download", "share_peaks"):
        assert client.get(reverse(name, args=[share.token, track.code])).status_code == 410
    assert client.get(reverse("share_download_all", args=[share.token])).status_code == 410


def test_a_link_to_a_deleted_track_has_ended(client, share, track):
    Track.objects.filter(pk=track.pk).update(deleted_at=timezone.now())
    assert _page(client, share).status_code == 410


@pytest.mark.parametrize(
    "token",
    [
        "x" * 32,  # right shape, unknown
        "short",
        "y" * 33,
        "a" * 31 + "!",
        "a" * 31 + "%",
        "..%2F..%2Fetc%2Fpasswd" + "a" * 10,
        "%00" * 11,
    ],
)
def test_unknown_or_malformed_tokens_get_the_same_polite_404(client, db, token):
    response = client.get(f"/s/{token}/")
    assert response.status_code == 404
    assert b"This link is not available" in response.content


def test_the_unavailable_page_is_the_same_whatever_the_reason(client, share):
    unknown = client.get(f"/s/{'z' * 32}/").content
    ShareLink.objects.filter(pk=share.pk).update(revoked_at=timezone.now())
    revoked = _page(client, share).content
    assert unknown == revoked


# --- Passwords ----------------------------------------------------------------------------------


@pytest.fixture
def locked(track, owner):
    return make_share(track=track, user=owner, password="tulips 2027")


def test_password_is_asked_before_anything_is_shown(client, locked, track):
    response = _page(client, locked)
    assert response.status_code == 200
    html = response.content.decode()
    assert "This link has a password" in html and "Northlight Studio" in html
    assert "Harbour lights" not in html and "/audio/" not in html
    for name in ("share_audio", "share_download", "share_peaks"):
        assert client.get(reverse(name, args=[locked.token, track.code])).status_code == 403
    assert client.get(reverse("share_download_all", args=[locked.token])).status_code == 403
    locked.refresh_from_db()
    assert locked.visit_count == 0


def test_the_right_password_unlocks_this_browser_only(client, locked, track):
    from django.test import Client

    response = client.post(reverse("share_page", args=[locked.token]), {"password": "tulips 2027"})
    assert response.status_code == 302
    assert b"Harbour lights" in _page(client, locked).content
    assert client.get(reverse("share_audio", args=[locked.token, track.code])).status_code == 200
    assert Client().get(reverse("share_audio", args=[locked.token, track.code])).status_code == 403


def test_a_changed_password_locks_everyone_out_again(client, locked, track):
    from django.contrib.auth.hashers import make_password

    client.post(reverse("share_page", args=[locked.token]), {"password": "tulips 2027"})
    ShareLink.objects.filter(pk=locked.pk).update(password_hash=make_password("new one"))
    assert client.get(reverse("share_audio", args=[locked.token, track.code])).status_code == 403


def test_wrong_passwords_are_refused_then_paused(client, locked, settings):
    settings.SHARE_PASSWORD_ATTEMPTS = 3
    url = reverse("share_page", args=[locked.token])
    statuses = [client.post(url, {"password": f"guess {i}"}).status_code for i in range(3)]
    assert statuses == [403, 403, 429]
    response = client.post(url, {"password": "tulips 2027"})  # even the right one waits now
    assert response.status_code == 429
    assert b"Too many wrong passwords" in response.content
    assert b"Harbour lights" not in _page(client, locked).content
    cache.clear()  # the pause ends with its window
    assert client.post(url, {"password": "tulips 2027"}).status_code == 302


def test_guessing_from_many_addresses_is_capped_per_link(client, locked, settings):
    settings.SHARE_PASSWORD_ATTEMPTS = 2
    url = reverse("share_page", args=[locked.token])
    for index in range(20):
        client.post(url, {"password": "nope"}, REMOTE_ADDR=f"10.0.0.{index}")
    response = client.post(url, {"password": "tulips 2027"}, REMOTE_ADDR="10.9.9.9")
    assert response.status_code == 429


def test_public_pages_refuse_other_methods(client, share, track):
    assert client.put(reverse("share_page", args=[share.token])).status_code == 405
    assert client.post(reverse("share_audio", args=[share.token, track.code])).status_code == 405
    assert (
        client.delete(reverse("share_download", args=[share.token, track.code])).status_code == 405
    )


def test_share_page_works_on_a_phone_layout(client, share):
    html = _page(client, share).content.decode()
    assert re.search(r'<meta name="viewport" content="width=device-width, initial-scale=1">', html)


# --- Download all: refused politely ------------------------------------------------------------


@pytest.fixture
def collection_share(workspace, owner):
    first = make_track(workspace, "Zebra", user=owner)
    second = make_track(workspace, "Apple", user=owner)
    collection = make_collection(workspace, "Acme spring", [first, second], user=owner)
    return make_share(collection=collection, user=owner), [first, second]


def test_download_all_over_the_size_cap_is_refused_with_a_message(
    client, collection_share, settings
):
    share, tracks = collection_share
    settings.EXPORT_MAX_BYTES = sum(track.bytes for track in tracks) - 1
    response = client.get(reverse("share_download_all", args=[share.token]))
    assert response.status_code == 413
    assert b"too large for one download" in response.content
    assert not Activity.objects.filter(verb=Verb.DOWNLOADED).exists()
    assert "no-store" in response["Cache-Control"]


def test_download_all_with_a_missing_file_says_so_without_details(client, collection_share):
    from django.core.files.storage import default_storage

    share, tracks = collection_share
    default_storage.delete(tracks[1].file.name)
    response = client.get(reverse("share_download_all", args=[share.token]))
    assert response.status_code == 409
    html = response.content.decode()
    assert "not available at the moment" in html
    assert "too large" not in html
    assert tracks[1].file.name not in html and "Apple" not in html
    assert not Activity.objects.filter(verb=Verb.DOWNLOADED).exists()


def test_download_all_refuses_when_downloads_are_off(client, collection_share):
    share, _ = collection_share
    ShareLink.objects.filter(pk=share.pk).update(allow_download=False)
    assert "Download all" not in _page(client, share).content.decode()
    assert client.get(reverse("share_download_all", args=[share.token])).status_code == 403


# --- Every persona on the public pages ---------------------------------------------------------

PERSONAS = ["owner", "teammate", "viewer", "stranger", "anonymous"]


def _as(client, persona, request):
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    return client


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_persona_gets_the_same_public_pages(client, request, persona, collection_share):
    """A share link works the same for anyone holding it; only outsiders count as visits."""
    share, tracks = collection_share
    _as(client, persona, request)
    page = _page(client, share)
    assert page.status_code == 200
    assert "Zebra" in page.content.decode() and "/library/" not in page.content.decode()
    audio = client.get(
        reverse("share_audio", args=[share.token, tracks[0].code]), HTTP_RANGE="bytes=0-9"
    )
    assert audio.status_code == 206 and len(_body(audio)) == 10
    assert client.get(reverse("share_peaks", args=[share.token, tracks[0].code])).status_code == 200
    download = client.get(reverse("share_download", args=[share.token, tracks[1].code]))
    assert download.status_code == 200 and len(_body(download)) == tracks[1].bytes
    bundle = client.get(reverse("share_download_all", args=[share.token]))
    assert bundle.status_code == 200 and bundle["Content-Type"] == "application/zip"
    share.refresh_from_db()
    outsider = persona in ("stranger", "anonymous")
    assert share.visit_count == (1 if outsider else 0)
    client_downloads = Activity.objects.filter(verb=Verb.DOWNLOADED, actor=None).count()
    assert client_downloads == (3 if outsider else 0)  # one file, then both in the ZIP


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_password_holds_for_every_persona(client, request, persona, locked, track):
    """Even the team sees the password form: the link behaves as the client will see it."""
    _as(client, persona, request)
    assert b"This link has a password" in _page(client, locked).content
    for name in ("share_audio", "share_download", "share_peaks"):
        assert client.get(reverse(name, args=[locked.token, track.code])).status_code == 403
    assert client.get(reverse("share_download_all", args=[locked.token])).status_code == 403


@pytest.mark.parametrize("persona", PERSONAS)
def test_ended_and_unknown_links_look_the_same_to_every_persona(client, request, persona, share):
    _as(client, persona, request)
    unknown = client.get(f"/s/{'q' * 32}/")
    ShareLink.objects.filter(pk=share.pk).update(revoked_at=timezone.now())
    revoked = _page(client, share)
    assert (unknown.status_code, revoked.status_code) == (404, 410)
    assert b"This link is not available" in revoked.content
    assert b"Harbour lights" not in revoked.content


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_verification_page_is_public_for_every_persona(client, request, persona, track):
    _as(client, persona, request)
    response = client.get(reverse("verify", args=[track.sha256]))
    assert response.status_code == 200
    assert b"has a Soundsite license record" in response.content
    assert b"Harbour lights" not in response.content
