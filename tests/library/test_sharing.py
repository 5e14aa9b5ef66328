"""Making share links, the Share links page, revoking and the download switch."""

from datetime import timedelta

import pytest
from django.contrib.auth.hashers import check_password
from django.urls import reverse
from django.utils import timezone

from soundsite.library.models import SHARE_TOKEN_LENGTH, Activity, ShareLink, Verb
from tests.factories import make_share


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


def test_form_offers_1_7_30_days_or_never_with_the_workspace_default(
    owner_client, track, workspace
):
    form = owner_client.get(reverse("track_share", args=[track.code])).context["form"]
    assert [value for value, _ in form.fields["expires_in"].choices] == [1, 7, 30, 0]
    assert form.fields["expires_in"].initial == 7
    workspace.default_share_days = 14
    workspace.save()
    form = owner_client.get(reverse("track_share", args=[track.code])).context["form"]
    assert [value for value, _ in form.fields["expires_in"].choices] == [1, 7, 14, 30, 0]
    assert form.fields["expires_in"].initial == 14


def test_create_a_link_with_password_note_and_no_downloads(owner_client, track, owner):
    response = owner_client.post(
        reverse("track_share", args=[track.code]),
        {"expires_in": "30", "password": "tulips 2027", "note": "Option A for the spot"},
    )
    share = ShareLink.objects.get()
    expected = f"{reverse('share_links')}?created={share.code}#share-{share.code}"
    assert response["Location"] == expected
    assert len(share.token) == SHARE_TOKEN_LENGTH
    assert share.track == track and share.collection is None
    assert share.allow_download is False  # an unticked box
    assert share.password_hash != "tulips 2027" and check_password(
        "tulips 2027", share.password_hash
    )
    assert share.note == "Option A for the spot"
    assert abs(share.expires_at - (timezone.now() + timedelta(days=30))) < timedelta(minutes=1)
    assert Activity.objects.get().verb == Verb.SHARED


def test_never_expiring_collection_link(owner_client, collection):
    owner_client.post(
        reverse("collection_share", args=[collection.code]),
        {"expires_in": "0", "allow_download": "on"},
    )
    share = ShareLink.objects.get()
    assert share.expires_at is None and share.collection == collection and share.allow_download


@pytest.mark.parametrize(
    "data",
    [
        {"expires_in": "3"},
        {"expires_in": "x"},
        {},
        {"expires_in": "7", "password": "abc"},
        {"expires_in": "7", "note": "n" * 2001},
    ],
)
def test_bad_share_form_is_explained_and_makes_nothing(owner_client, track, data):
    response = owner_client.post(reverse("track_share", args=[track.code]), data)
    assert response.status_code == 400
    assert b"errorlist" in response.content
    assert not ShareLink.objects.exists()


def test_tokens_are_unguessable_and_unique(track, owner):
    tokens = {make_share(track=track, user=owner).token for _ in range(50)}
    assert len(tokens) == 50
    assert all(len(token) == SHARE_TOKEN_LENGTH for token in tokens)


def test_share_links_page_lists_active_and_ended_links_with_figures(
    owner_client, track, collection, owner
):
    active = make_share(track=track, user=owner, note="For Anna")
    ShareLink.objects.filter(pk=active.pk).update(visit_count=3, last_visit_at=timezone.now())
    expired = make_share(
        collection=collection, user=owner, expires_at=timezone.now() - timedelta(days=1)
    )
    revoked = make_share(track=track, user=owner, revoked_at=timezone.now())
    html = owner_client.get(reverse("share_links")).content.decode()
    assert active.token in html and expired.token not in html and revoked.token not in html
    assert "For Anna" in html
    assert '3<br><small class="muted">last' in html  # visits and last visit
    assert "Active (1)" in html
    ended = owner_client.get(reverse("share_links"), {"show": "ended"}).content.decode()
    assert f'id="share-{expired.code}"' in ended and f'id="share-{revoked.code}"' in ended
    assert "Expired" in ended and "Revoked" in ended
    assert expired.token not in ended  # ended links show no usable address


def test_share_links_page_never_shows_other_workspaces(owner_client, stranger_track, stranger):
    theirs = make_share(track=stranger_track, user=stranger)
    assert theirs.token not in owner_client.get(reverse("share_links")).content.decode()


def test_revoke(owner_client, share, owner):
    owner_client.post(reverse("share_revoke", args=[share.code]))
    share.refresh_from_db()
    assert share.revoked_at is not None and share.revoked_by == owner
    first = share.revoked_at
    owner_client.post(reverse("share_revoke", args=[share.code]))  # twice changes nothing
    share.refresh_from_db()
    assert share.revoked_at == first
    assert Activity.objects.filter(verb=Verb.REVOKED).count() == 1


def test_download_switch(owner_client, share):
    owner_client.post(reverse("share_downloads", args=[share.code]))
    share.refresh_from_db()
    assert share.allow_download is False
    response = owner_client.post(
        reverse("share_downloads", args=[share.code]),
        {"allow_download": "on"},
        HTTP_HX_REQUEST="true",
    )
    share.refresh_from_db()
    assert share.allow_download is True
    assert response.content.decode().lstrip().startswith(f'<form id="downloads-{share.code}"')


def test_viewers_see_links_but_cannot_make_or_change_them(client, viewer, share, track):
    client.force_login(viewer)
    html = client.get(reverse("share_links")).content.decode()
    assert share.token in html and "Revoke" not in html
    assert client.post(reverse("share_revoke", args=[share.code])).status_code == 403
    assert (
        client.post(reverse("track_share", args=[track.code]), {"expires_in": "7"}).status_code
        == 403
    )
    share.refresh_from_db()
    assert share.revoked_at is None


def test_another_workspaces_link_cannot_be_revoked(owner_client, stranger_track, stranger):
    theirs = make_share(track=stranger_track, user=stranger)
    assert owner_client.post(reverse("share_revoke", args=[theirs.code])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_expiry_is_said_in_whole_days_as_it_was_chosen(track, owner):
    from soundsite.library.templatetags.library import expires_words

    now = timezone.now()

    # Number and unit are joined by a no-break space, as Django's timesince writes them.
    def words(**fields):
        return expires_words(make_share(track=track, user=owner, **fields))

    assert words(expires_at=now + timedelta(days=7, seconds=-90)) == "Expires in 7\xa0days"
    assert words(expires_at=now + timedelta(days=1, seconds=-90)) == "Expires in 23\xa0hours"
    assert words(expires_at=now + timedelta(days=1, hours=2)) == "Expires in 1\xa0day"
    assert words(expires_at=now + timedelta(hours=5, minutes=1)) == "Expires in 5\xa0hours"
    assert words(expires_at=now - timedelta(days=2, minutes=1)) == "Expired 2\xa0days ago"
    assert words() == "Never expires"
    assert words(revoked_at=now) == "Revoked"
