"""Hostile input to every form outside the studio (the studio's task forms have their own
property test, tests/studio/test_task_form_properties.py).

Hypothesis posts random values — empty, huge, wrong types, control characters, HTML, codes of
things that do not exist — to the accounts, keys and library forms as the workspace's owner.
Every answer must be a page or a redirect, never a 500; and an answer that refuses the post
(4xx) must not have written a single row: no half-stored object.
"""

import pytest
from django.db import connection
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import strategies as st

from soundsite.keys import checks
from tests.factories import make_collection, make_key, make_share, make_track
from tests.keys.conftest import FakeProvider
from tests.security.hypothesis_support import lean
from tests.security.sweep import IGNORED_TABLES, WriteRecorder

LEAN = lean(12, HealthCheck.function_scoped_fixture)

values = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "",
            " ",
            "0",
            "-1",
            "1e309",
            "nan",
            "on",
            "new",
            "owner",
            "admin",
            "viewer",
            "royalty_free",
            "Studio",
            "<script>alert(1)</script>",
            "x" * 5000,
            "a@b",
            "someone@example.com",
            "spk_0123456789abcdefXYZ9",
            "https://evil.example/",
            "00000000-0000-0000-0000-000000000000",
            "\x00\x1f",
        ]
    ),
    st.integers().map(str),
)

# url name -> (path with {track}/{collection}/{key}/{member} holes, field names)
FORMS = {
    "profile": ("/profile/", ["display_name", "email", "current_password"]),
    "password_change": (
        "/profile/password/",
        ["old_password", "new_password1", "new_password2"],
    ),
    "workspace_create": ("/workspaces/new/", ["name"]),
    "settings": ("/settings/", ["name", "default_share_days"]),
    "invite_email": (
        "/settings/members/invite/",
        ["email-email", "email-role", "email-expires_in"],
    ),
    "invite_link": ("/settings/members/invite-link/", ["link-role", "link-expires_in"]),
    "member_role": ("/settings/members/{member}/role/", ["role"]),
    "key_add": (
        "/settings/keys/new/soundpiece/",
        ["label", "secret", "webhook_secret", "plan", "license", "shared", "base_url"],
    ),
    "key_edit": (
        "/settings/keys/{key}/edit/",
        ["label", "plan", "license", "license_upgrade", "shared", "base_url"],
    ),
    "key_replace_secret": (
        "/settings/keys/{key}/secret/",
        ["secret", "webhook_secret", "remove_webhook_secret"],
    ),
    "track_rename": ("/library/tracks/{track}/rename/", ["title", "next"]),
    "track_tags": ("/library/tracks/{track}/tags/", ["tags", "next"]),
    "track_collections": ("/library/tracks/{track}/collections/", ["collection", "name"]),
    "track_share": (
        "/library/tracks/{track}/share/",
        ["expires_in", "allow_download", "password", "note"],
    ),
    "collection_create": ("/library/collections/new/", ["name", "description"]),
    "collection_edit": ("/library/collections/{collection}/edit/", ["name", "description"]),
    "collection_share": (
        "/library/collections/{collection}/share/",
        ["expires_in", "allow_download", "password", "note"],
    ),
    "collection_move": (
        "/library/collections/{collection}/move/",
        ["track", "direction", "order"],
    ),
    "library_bulk": ("/library/selection/", ["tracks", "action", "collection", "name"]),
    "library_restore": ("/library/restore/", ["tracks"]),
}
# Pages anyone may post to, as an anonymous visitor.
PUBLIC_FORMS = {
    "login": ("/login/", ["email", "password", "next"]),
    "signup": ("/signup/", ["name", "email", "password", "invitation"]),
    "password_reset": ("/password-reset/", ["email"]),
    "share_password": ("/s/{token}/", ["password"]),
}


@pytest.fixture
def objects(workspace, owner, teammate, monkeypatch, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    monkeypatch.setattr(checks, "client_factory", FakeProvider().client)
    track = make_track(workspace, "Harbour lights", user=owner)
    collection = make_collection(workspace, "Acme", [track], user=owner)
    share = make_share(collection=collection, user=owner, password="open sesame")
    from soundsite.accounts.models import Membership

    return {
        "track": track.code,
        "collection": collection.code,
        "key": make_key(workspace, owner, provider="soundpiece", shared=True).code,
        "member": Membership.objects.get(user=teammate).code,
        "token": share.token,
    }


def post_and_check(client, path, data):
    recorder = WriteRecorder()
    with connection.execute_wrapper(recorder):
        response = client.post(path, data)
    assert response.status_code < 500, (path, data)
    if response.status_code >= 400:
        # Throttles and sessions may count a refused attempt; workspace data may not change.
        stored = recorder.written - IGNORED_TABLES
        assert not stored, f"{path} refused {data} but wrote {sorted(stored)}"
    return response


def form_data(draw, fields):
    return draw(st.dictionaries(st.sampled_from(fields), values, max_size=len(fields)))


@pytest.mark.parametrize("name", sorted(FORMS))
def test_no_post_to_a_member_form_is_a_server_error_or_half_stored(name, objects, owner):
    path, fields = FORMS[name]
    path = path.format(**objects)
    client = Client()
    client.force_login(owner)

    @LEAN
    @given(data=st.data())
    def run(data):
        post_and_check(client, path, form_data(data.draw, fields))

    run()


@pytest.mark.parametrize("name", sorted(PUBLIC_FORMS))
def test_no_post_to_a_public_form_is_a_server_error_or_half_stored(name, objects):
    path, fields = PUBLIC_FORMS[name]
    path = path.format(**objects)

    @LEAN
    @given(data=st.data())
    def run(data):
        post_and_check(Client(), path, form_data(data.draw, fields))

    run()
