"""Rename, tags, favourites, delete with undo, restore, delete for good, and bulk actions."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from soundsite.library.models import Activity, Collection, Favourite, Track, Verb
from tests.factories import make_collection, make_track


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


def _messages(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- Rename -----------------------------------------------------------------------------------


def test_rename_updates_title_and_download_name(owner_client, track, owner):
    response = owner_client.post(
        reverse("track_rename", args=[track.code]), {"title": "  Harbour   dawn "}
    )
    assert response.status_code == 302
    track.refresh_from_db()
    assert track.title == "Harbour dawn"
    assert track.file_name == f"Harbour dawn [{str(track.code)[:8]}].flac"
    activity = Activity.objects.get(verb=Verb.RENAMED)
    assert activity.detail == "from “Harbour lights”" and activity.actor == owner


def test_rename_with_htmx_returns_the_title_fragment(owner_client, track):
    response = owner_client.post(
        reverse("track_rename", args=[track.code]),
        {"title": "Harbour dawn"},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="track-title"')
    assert "<h1>Harbour dawn</h1>" in html


@pytest.mark.parametrize("title", ["", "   ", "x" * 201])
def test_rename_refuses_empty_or_long_titles(owner_client, track, title):
    response = owner_client.post(
        reverse("track_rename", args=[track.code]), {"title": title}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert b"errorlist" in response.content
    track.refresh_from_db()
    assert track.title == "Harbour lights"


def test_rename_by_a_viewer_changes_nothing(client, viewer, track):
    client.force_login(viewer)
    assert (
        client.post(reverse("track_rename", args=[track.code]), {"title": "Mine"}).status_code
        == 403
    )
    track.refresh_from_db()
    assert track.title == "Harbour lights"


def test_rename_of_another_workspaces_track_changes_nothing(owner_client, stranger_track):
    response = owner_client.post(
        reverse("track_rename", args=[stranger_track.code]), {"title": "Mine"}
    )
    assert response.status_code == 404
    stranger_track.refresh_from_db()
    assert stranger_track.title == "Not yours"


# --- Tags -------------------------------------------------------------------------------------


def test_tags_are_trimmed_and_deduplicated(owner_client, track):
    owner_client.post(
        reverse("track_tags", args=[track.code]),
        {"tags": " Upbeat, spring  campaign,upbeat,, Client: Acme "},
    )
    track.refresh_from_db()
    assert track.tags == ["Upbeat", "spring campaign", "Client: Acme"]


def test_tags_can_be_cleared(owner_client, track):
    owner_client.post(reverse("track_tags", args=[track.code]), {"tags": ""})
    track.refresh_from_db()
    assert track.tags == []


@pytest.mark.parametrize("tags", [", ".join(f"t{i}" for i in range(21)), "x" * 41])
def test_too_many_or_too_long_tags_are_refused(owner_client, track, tags):
    response = owner_client.post(
        reverse("track_tags", args=[track.code]), {"tags": tags}, HTTP_HX_REQUEST="true"
    )
    assert b"errorlist" in response.content
    track.refresh_from_db()
    assert track.tags == ["calm", "night"]


# --- Favourites -------------------------------------------------------------------------------


def test_favourite_is_per_member_and_toggles(client, owner, teammate, viewer, track):
    url = reverse("track_favourite", args=[track.code])
    client.force_login(owner)
    client.post(url, {"favourite": "on"})
    client.force_login(viewer)  # a viewer's favourites are their own list, so they may keep one
    client.post(url)
    assert set(Favourite.objects.values_list("user__email", flat=True)) == {
        owner.email,
        viewer.email,
    }
    client.post(url)  # toggles off again
    assert list(Favourite.objects.values_list("user", flat=True)) == [owner.pk]
    client.force_login(owner)
    client.post(url, {"favourite": "on"})  # asking twice keeps one
    assert Favourite.objects.count() == 1


def test_favourite_with_htmx_returns_the_button(owner_client, track):
    response = owner_client.post(
        reverse("track_favourite", args=[track.code]),
        {"favourite": "on", "compact": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert b'aria-pressed="true"' in response.content
    assert b"fav-btn is-on compact" in response.content


def test_favourite_redirect_stays_on_this_site(owner_client, track):
    response = owner_client.post(
        reverse("track_favourite", args=[track.code]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("track", args=[track.code])
    response = owner_client.post(
        reverse("track_favourite", args=[track.code]), {"next": "//evil.example/x"}
    )
    assert response["Location"] == reverse("track", args=[track.code])
    response = owner_client.post(
        reverse("track_favourite", args=[track.code]), {"next": "/library/?q=x"}
    )
    assert response["Location"] == "/library/?q=x"


# --- Delete, undo, restore, purge ------------------------------------------------------------


def test_delete_moves_to_recently_deleted_with_an_undo(owner_client, track):
    response = owner_client.post(reverse("track_delete", args=[track.code]))
    assert response["Location"] == reverse("library")
    track.refresh_from_db()
    assert track.deleted_at is not None
    assert default_storage.exists(track.file.name)  # the file stays until the cleanup
    (message,) = _messages(response)
    assert "“Harbour lights” moved to Recently deleted." in message
    assert f'hx-post="{reverse("library_restore")}"' in message
    assert str(track.code) in message
    deleted_page = owner_client.get(reverse("library_deleted")).content.decode()
    assert "Harbour lights" in deleted_page and "Restore" in deleted_page


def test_undo_restores_the_track(owner_client, track):
    owner_client.post(reverse("track_delete", args=[track.code]))
    response = owner_client.post(
        reverse("library_restore"),
        {"tracks": [track.code], "next": reverse("track", args=[track.code])},
    )
    assert response["Location"] == reverse("track", args=[track.code])
    track.refresh_from_db()
    assert track.deleted_at is None
    assert list(Activity.objects.order_by("id").values_list("verb", flat=True)) == [
        Verb.DELETED,
        Verb.RESTORED,
    ]


def test_restore_of_a_live_or_foreign_track_changes_nothing(
    owner_client, track, stranger, workspace
):
    stranger_deleted = make_track(
        stranger.memberships.get().workspace, "Theirs", user=stranger, deleted_at=timezone.now()
    )
    response = owner_client.post(
        reverse("library_restore"), {"tracks": [stranger_deleted.code]}, follow=True
    )
    assert "no longer in Recently deleted" in response.content.decode()
    stranger_deleted.refresh_from_db()
    assert stranger_deleted.deleted_at is not None


def test_recently_deleted_shows_only_the_retention_window(owner_client, workspace, owner, settings):
    settings.TRACK_RETENTION_DAYS = 30
    make_track(workspace, "Yesterday", user=owner, deleted_at=timezone.now() - timedelta(days=1))
    make_track(workspace, "Long ago", user=owner, deleted_at=timezone.now() - timedelta(days=31))
    html = owner_client.get(reverse("library_deleted")).content.decode()
    assert "Yesterday" in html and "Long ago" not in html
    assert "30 days" in html
    assert "removed for good in 4\xa0weeks" in html  # 29 days left


def test_purge_removes_row_and_file_now(client, admin_user, deleted_track):
    client.force_login(admin_user)
    name = deleted_track.file.name
    response = client.post(reverse("track_purge", args=[deleted_track.code]))
    assert response.status_code == 302
    assert not Track.objects.filter(pk=deleted_track.pk).exists()
    assert not default_storage.exists(name)


def test_purge_is_for_admins_and_only_for_deleted_tracks(
    client, teammate, owner, track, deleted_track
):
    client.force_login(teammate)
    assert client.post(reverse("track_purge", args=[deleted_track.code])).status_code == 403
    client.force_login(owner)
    assert client.post(reverse("track_purge", args=[track.code])).status_code == 404
    assert Track.objects.filter(pk=track.pk).exists()


# --- Bulk actions -----------------------------------------------------------------------------


def test_bulk_delete_with_one_undo_for_all(owner_client, workspace, owner, track):
    other = make_track(workspace, "Second", user=owner)
    response = owner_client.post(
        reverse("library_bulk"),
        {"tracks": [track.code, other.code], "action": "delete", "next": "/library/?q=x"},
    )
    assert response["Location"] == "/library/?q=x"
    assert Track.objects.deleted().count() == 2
    (message,) = _messages(response)
    assert "2 tracks moved to Recently deleted." in message
    owner_client.post(reverse("library_restore"), {"tracks": [track.code, other.code]})
    assert Track.objects.live().count() == 2


def test_bulk_add_to_an_existing_or_a_new_collection(owner_client, workspace, owner, track):
    other = make_track(workspace, "Second", user=owner)
    collection = make_collection(workspace, "Acme", [other], user=owner)
    owner_client.post(
        reverse("library_bulk"),
        {"tracks": [track.code, other.code], "action": "collect", "collection": collection.code},
    )
    assert list(collection.items.values_list("track__title", flat=True)) == [
        "Second",
        "Harbour lights",
    ]
    owner_client.post(
        reverse("library_bulk"),
        {
            "tracks": [track.code],
            "action": "collect",
            "collection": "new",
            "name": " Beta   client ",
        },
    )
    created = Collection.objects.get(name="Beta client")
    assert list(created.items.values_list("track", flat=True)) == [track.pk]


def test_bulk_with_a_code_of_another_workspace_changes_nothing(owner_client, track, stranger_track):
    response = owner_client.post(
        reverse("library_bulk"), {"tracks": [track.code, stranger_track.code], "action": "delete"}
    )
    assert response.status_code == 404
    assert Track.objects.deleted().count() == 0


def test_bulk_into_another_workspaces_collection_is_refused(owner_client, track, stranger):
    theirs = Collection.objects.create(
        workspace=stranger.memberships.get().workspace, name="Theirs"
    )
    response = owner_client.post(
        reverse("library_bulk"),
        {"tracks": [track.code], "action": "collect", "collection": theirs.code},
    )
    assert response.status_code == 404
    assert not theirs.items.exists()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"action": "delete"}, "Tick at least one track first."),
        ({"tracks": "<track>", "action": "explode"}, "Choose what to do with the ticked tracks."),
        ({"tracks": "<track>", "action": "collect"}, "Choose a collection."),
        (
            {"tracks": "<track>", "action": "collect", "collection": "new", "name": "  "},
            "Type a name",
        ),
    ],
)
def test_bulk_explains_what_is_missing(owner_client, track, data, expected):
    data = {key: str(track.code) if value == "<track>" else value for key, value in data.items()}
    response = owner_client.post(reverse("library_bulk"), data, follow=True)
    assert expected in response.content.decode()
    assert Track.objects.deleted().count() == 0


def test_bulk_with_a_malformed_code_is_a_bad_request(owner_client, track):
    response = owner_client.post(
        reverse("library_bulk"), {"tracks": ["../../etc/passwd"], "action": "delete"}
    )
    assert response.status_code == 400


def test_bulk_by_a_viewer_is_refused(client, viewer, track):
    client.force_login(viewer)
    response = client.post(reverse("library_bulk"), {"tracks": [track.code], "action": "delete"})
    assert response.status_code == 403
    assert Track.objects.deleted().count() == 0


def test_add_from_the_track_page(owner_client, workspace, owner, track):
    collection = make_collection(workspace, "Acme", user=owner)
    owner_client.post(
        reverse("track_collections", args=[track.code]), {"collection": collection.code}
    )
    response = owner_client.post(
        reverse("track_collections", args=[track.code]),
        {"collection": collection.code},
        follow=True,
    )
    assert "Already in “Acme”" in response.content.decode()
    assert collection.items.count() == 1


# --- Stems travel with their track -------------------------------------------------------------


def test_deleting_a_track_takes_its_stems_along_and_undo_brings_them_back(
    owner_client, workspace, owner, track
):
    from tests.factories import make_stems

    stems = make_stems(track)
    already_gone = stems[0]
    Track.objects.filter(pk=already_gone.pk).update(
        deleted_at=timezone.now() - timezone.timedelta(days=1)
    )
    other = make_track(workspace, "Remix of it", user=owner, parent=track, relation="remix")
    owner_client.post(reverse("track_delete", args=[track.code]))
    track.refresh_from_db()
    assert set(Track.objects.deleted().values_list("pk", flat=True)) == {
        track.pk,
        *(stem.pk for stem in stems),
    }
    assert set(
        Track.objects.filter(parent=track, relation="stem").values_list("deleted_at", flat=True)
    ) == {
        track.deleted_at,
        Track.objects.get(pk=already_gone.pk).deleted_at,
    }
    other.refresh_from_db()
    assert other.deleted_at is None  # only stems are folded under their track
    # Recently deleted lists the track once, saying its stems are with it; not each stem.
    page = owner_client.get(reverse("library_deleted")).content.decode()
    assert "with its stems" in page
    assert "Harbour lights — Drums" not in page and "Harbour lights — Vocals" in page
    owner_client.post(reverse("library_restore"), {"tracks": [track.code]})
    assert Track.objects.deleted().get() == already_gone  # deleted earlier, on its own: stays
    assert Track.objects.live().filter(parent=track, relation="stem").count() == 3


def test_delete_for_good_takes_the_stems_deleted_with_it(
    client, admin_user, owner_client, workspace, owner, track
):
    from tests.factories import make_stems

    stems = make_stems(track)
    owner_client.post(reverse("track_delete", args=[track.code]))
    client.force_login(admin_user)
    assert client.post(reverse("track_purge", args=[track.code])).status_code == 302
    assert not Track.objects.filter(pk__in=[track.pk, *(s.pk for s in stems)]).exists()
    for stem in stems:
        assert not default_storage.exists(stem.file.name)


def test_a_stem_whose_track_was_deleted_does_not_link_to_it(owner_client, track):
    from tests.factories import make_stems

    stem = make_stems(track, kinds=("vocals",))[0]
    Track.objects.filter(pk=track.pk).update(deleted_at=timezone.now())
    html = owner_client.get(reverse("track", args=[stem.code])).content.decode()
    assert "Stems of Harbour lights" in html
    assert f'href="/library/tracks/{track.code}/"' not in html
