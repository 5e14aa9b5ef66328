"""Collections: create, rename, add, remove, reorder, delete."""

import pytest
from django.urls import reverse

from soundsite.library.models import Collection, ShareLink, Track
from tests.factories import make_collection, make_share, make_track


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def three(workspace, owner):
    tracks = [make_track(workspace, name, user=owner) for name in ("One", "Two", "Three")]
    return make_collection(workspace, "Acme", tracks, user=owner), tracks


def _order(collection):
    return list(collection.items.values_list("track__title", flat=True))


def test_create_and_list(owner_client, owner):
    response = owner_client.post(
        reverse("collection_create"), {"name": "  Acme  spring ", "description": "For the spot"}
    )
    collection = Collection.objects.get()
    assert response["Location"] == reverse("collection", args=[collection.code])
    assert collection.name == "Acme spring" and collection.created_by == owner
    html = owner_client.get(reverse("collections")).content.decode()
    assert "Acme spring" in html and "0 tracks" in html


def test_create_without_a_name_shows_the_error_in_place(owner_client):
    response = owner_client.post(reverse("collection_create"), {"name": "   "})
    assert response.status_code == 400
    assert (
        b"Give the collection a name." in response.content
        or b"This field is required." in response.content
    )
    assert not Collection.objects.exists()


def test_page_lists_tracks_in_order_without_deleted_ones(owner_client, three):
    collection, tracks = three
    Track.objects.filter(pk=tracks[1].pk).update(deleted_at="2026-01-01T00:00:00Z")
    html = owner_client.get(reverse("collection", args=[collection.code])).content.decode()
    assert html.index("One") < html.index("Three")
    assert ">Two<" not in html


@pytest.mark.parametrize(
    ("title", "direction", "expected"),
    [
        ("Three", "up", ["One", "Three", "Two"]),
        ("One", "down", ["Two", "One", "Three"]),
        ("Three", "top", ["Three", "One", "Two"]),
        ("One", "bottom", ["Two", "Three", "One"]),
        ("One", "up", ["One", "Two", "Three"]),  # already first
        ("Three", "sideways", ["One", "Two", "Three"]),
    ],
)
def test_move(owner_client, three, title, direction, expected):
    collection, tracks = three
    moved = next(track for track in tracks if track.title == title)
    owner_client.post(
        reverse("collection_move", args=[collection.code]),
        {"track": moved.code, "direction": direction},
    )
    assert _order(collection) == expected


def test_save_a_whole_new_order(owner_client, three):
    collection, tracks = three
    owner_client.post(
        reverse("collection_move", args=[collection.code]),
        {"order": [tracks[2].code, tracks[0].code, tracks[1].code]},
    )
    assert _order(collection) == ["Three", "One", "Two"]


def test_a_stale_order_changes_nothing(owner_client, three, workspace, owner):
    collection, tracks = three
    outsider = make_track(workspace, "Outsider", user=owner)
    response = owner_client.post(
        reverse("collection_move", args=[collection.code]),
        {"order": [tracks[2].code, outsider.code]},
        follow=True,
    )
    assert "The collection changed meanwhile." in response.content.decode()
    assert _order(collection) == ["One", "Two", "Three"]


def test_move_with_htmx_returns_the_list(owner_client, three):
    collection, tracks = three
    response = owner_client.post(
        reverse("collection_move", args=[collection.code]),
        {"track": tracks[2].code, "direction": "top"},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="collection-items"')
    assert html.index("Three") < html.index("One")


def test_reorder_keeps_deleted_tracks_out_of_the_way(owner_client, three):
    collection, tracks = three
    Track.objects.filter(pk=tracks[0].pk).update(deleted_at="2026-01-01T00:00:00Z")
    owner_client.post(
        reverse("collection_move", args=[collection.code]),
        {"order": [tracks[2].code, tracks[1].code]},
    )
    assert _order(collection) == ["Three", "Two", "One"]


def test_add_and_remove(owner_client, three, workspace, owner):
    collection, tracks = three
    extra = make_track(workspace, "Four", user=owner)
    owner_client.post(
        reverse("collection_add", args=[collection.code]), {"tracks": [extra.code, tracks[0].code]}
    )
    assert _order(collection) == ["One", "Two", "Three", "Four"]
    owner_client.post(
        reverse("collection_remove", args=[collection.code]), {"track": tracks[1].code}
    )
    assert _order(collection) == ["One", "Three", "Four"]
    assert Track.objects.filter(pk=tracks[1].pk, deleted_at__isnull=True).exists()


def test_adding_a_track_of_another_workspace_changes_nothing(owner_client, three, stranger_track):
    collection, _ = three
    response = owner_client.post(
        reverse("collection_add", args=[collection.code]), {"tracks": [stranger_track.code]}
    )
    assert response.status_code == 404
    assert len(_order(collection)) == 3


def test_another_workspaces_collection_is_not_found(owner_client, stranger, track):
    theirs = Collection.objects.create(
        workspace=stranger.memberships.get().workspace, name="Theirs"
    )
    for name in ("collection", "collection_export", "collection_share"):
        assert owner_client.get(reverse(name, args=[theirs.code])).status_code == 404
    assert owner_client.post(reverse("collection_delete", args=[theirs.code])).status_code == 404
    assert Collection.objects.filter(pk=theirs.pk).exists()


def test_edit_and_delete(owner_client, three, owner):
    collection, tracks = three
    link = make_share(collection=collection, user=owner)
    owner_client.post(
        reverse("collection_edit", args=[collection.code]),
        {"name": "Acme – final", "description": "Picked"},
    )
    collection.refresh_from_db()
    assert (collection.name, collection.description) == ("Acme – final", "Picked")
    response = owner_client.post(reverse("collection_edit", args=[collection.code]), {"name": ""})
    assert response.status_code == 400
    owner_client.post(reverse("collection_delete", args=[collection.code]))
    assert not Collection.objects.exists()
    assert not ShareLink.objects.filter(pk=link.pk).exists()  # its links stop working
    assert Track.objects.count() == 3  # the tracks stay


def test_viewer_sees_but_cannot_change(client, viewer, three):
    collection, tracks = three
    client.force_login(viewer)
    html = client.get(reverse("collection", args=[collection.code])).content.decode()
    assert "One" in html and "Move" not in html and "Rename or delete" not in html
    response = client.post(
        reverse("collection_move", args=[collection.code]),
        {"track": tracks[2].code, "direction": "top"},
    )
    assert response.status_code == 403
    assert _order(collection) == ["One", "Two", "Three"]
