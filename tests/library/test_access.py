"""Every library view against every persona: owner, teammate, viewer, stranger, anonymous.

Strangers (members of another workspace) get 404 for anything of this workspace and see only
their own workspace on list pages; viewers may look and download but get 403 on changes;
anonymous visitors are sent to sign in; a wrong method gets 405.
"""

import pytest
from django.urls import reverse

from tests.factories import make_member

# (url name, method, needs, min role, status for a permitted member, data)
# needs: which object the URL takes ("track", "collection", "share", "deleted" or None).
VIEWS = [
    ("library", "get", None, "viewer", 200, {}),
    ("library_deleted", "get", None, "viewer", 200, {}),
    ("collections", "get", None, "viewer", 200, {}),
    ("share_links", "get", None, "viewer", 200, {}),
    ("track", "get", "track", "viewer", 200, {}),
    ("track_audio", "get", "track", "viewer", 200, {}),
    ("track_peaks", "get", "track", "viewer", 200, {}),
    ("track_download", "get", "track", "viewer", 200, {}),
    ("track_export", "get", "track", "viewer", 200, {}),
    ("track_certificate", "get", "track", "viewer", 200, {}),
    ("collection", "get", "collection", "viewer", 200, {}),
    ("collection_export", "get", "collection", "viewer", 200, {}),
    ("library_export", "get", None, "viewer", 200, {"tracks": "<track>"}),
    ("track_favourite", "post", "track", "viewer", 302, {}),
    ("track_rename", "post", "track", "member", 302, {"title": "New name"}),
    ("track_tags", "post", "track", "member", 302, {"tags": "a, b"}),
    ("track_collections", "post", "track", "member", 302, {"collection": "new", "name": "X"}),
    ("track_delete", "post", "track", "member", 302, {}),
    ("track_share", "get", "track", "member", 200, {}),
    ("track_share", "post", "track", "member", 302, {"expires_in": "7"}),
    ("library_restore", "post", None, "member", 302, {"tracks": "<deleted>"}),
    ("track_purge", "post", "deleted", "admin", 302, {}),
    ("library_bulk", "post", None, "member", 302, {"tracks": "<track>", "action": "delete"}),
    ("library_upload", "post", None, "member", 400, {}),
    ("collection_create", "post", None, "member", 302, {"name": "Client B"}),
    ("collection_edit", "post", "collection", "member", 302, {"name": "Renamed"}),
    ("collection_delete", "post", "collection", "member", 302, {}),
    ("collection_add", "post", "collection", "member", 302, {"tracks": "<track>"}),
    ("collection_remove", "post", "collection", "member", 302, {"track": "<track>"}),
    (
        "collection_move",
        "post",
        "collection",
        "member",
        302,
        {"track": "<track>", "direction": "up"},
    ),
    ("collection_share", "get", "collection", "member", 200, {}),
    ("collection_share", "post", "collection", "member", 302, {"expires_in": "0"}),
    ("share_revoke", "post", "share", "member", 302, {}),
    ("share_downloads", "post", "share", "member", 302, {"allow_download": "on"}),
]
RANK = {"viewer": 1, "member": 2, "admin": 3, "owner": 4}


@pytest.fixture
def objects(track, collection, share, deleted_track):
    return {"track": track, "collection": collection, "share": share, "deleted": deleted_track}


def _request(client, name, method, needs, data, objects):
    args = [objects[needs].code] if needs else []
    url = reverse(name, args=args)
    payload = {
        key: str(objects[value[1:-1]].code)
        if isinstance(value, str) and value.startswith("<")
        else value
        for key, value in data.items()
    }
    return getattr(client, method)(url, payload)


def _id(view):
    return f"{view[0]}-{view[1]}"


@pytest.mark.parametrize("view", VIEWS, ids=_id)
@pytest.mark.parametrize("persona", ["owner", "admin", "teammate", "viewer"])
def test_members_by_role(client, workspace, objects, view, persona, request):
    name, method, needs, minimum, ok_status, data = view
    roles = {"owner": "owner", "admin": "admin", "teammate": "member", "viewer": "viewer"}
    user = make_member(workspace, f"{persona}-x@example.com", roles[persona])
    client.force_login(user)
    response = _request(client, name, method, needs, data, objects)
    if RANK[roles[persona]] >= RANK[minimum]:
        assert response.status_code == ok_status, response.content[:500]
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("view", VIEWS, ids=_id)
def test_strangers_never_reach_this_workspace(client, stranger, objects, view):
    name, method, needs, minimum, ok_status, data = view
    client.force_login(stranger)
    response = _request(client, name, method, needs, data, objects)
    if name == "library_restore":
        # Undo answers with a message rather than a bare 404, and restores nothing.
        assert response.status_code == 302
        objects["deleted"].refresh_from_db()
        assert objects["deleted"].deleted_at is not None
    elif needs or any(str(value).startswith("<") for value in data.values()):
        assert response.status_code == 404
    else:
        # A page of their own workspace: nothing of ours on it.
        assert response.status_code in (200, 302, 400)
        assert objects["track"].title.encode() not in response.content


@pytest.mark.parametrize("view", VIEWS, ids=_id)
def test_anonymous_visitors_are_sent_to_sign_in(client, objects, view):
    name, method, needs, minimum, ok_status, data = view
    response = _request(client, name, method, needs, data, objects)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("view", VIEWS, ids=_id)
def test_anonymous_htmx_requests_get_403_not_a_login_page(client, objects, view):
    name, method, needs, minimum, ok_status, data = view
    client.defaults["HTTP_HX_REQUEST"] = "true"
    response = _request(client, name, method, needs, data, objects)
    assert response.status_code == 403


# Views that take both GET and POST are tried with PUT; the others with the method they lack.
ALLOWED = {}
for _name, _method, _needs, *_ in VIEWS:
    ALLOWED.setdefault((_name, _needs), set()).add(_method)
ALLOWED[("library_export", None)].add("post")
WRONG_METHODS = sorted(
    (name, needs, "put" if methods == {"get", "post"} else ("post" if "get" in methods else "get"))
    for (name, needs), methods in ALLOWED.items()
)


@pytest.mark.parametrize(("name", "needs", "method"), WRONG_METHODS)
def test_wrong_method_gets_405(client, owner, objects, name, needs, method):
    client.force_login(owner)
    args = [objects[needs].code] if needs else []
    response = getattr(client, method)(reverse(name, args=args))
    assert response.status_code == 405
