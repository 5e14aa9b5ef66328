"""The top-level pages: the layout around them, their empty states and the first-run panel."""

import pytest

from soundsite.accounts.models import Membership, Workspace
from tests.accounts.conftest import HTMX

PAGES = {
    "/": b"Add your Soundpiece or Soundverse key",
    "/library/": b"No tracks yet.",
    "/jobs/": b"No jobs yet.",
    "/shares/": b"No share links yet.",
}


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("persona", ["owner", "teammate", "viewer", "stranger"])
def test_every_member_sees_the_page_of_their_workspace(as_user, request, path, persona):
    user = request.getfixturevalue(persona)
    response = as_user(user).get(path)
    assert response.status_code == 200
    assert PAGES[path] in response.content
    expected = "Elsewhere Ltd" if persona == "stranger" else "Northlight Studio"
    assert expected.encode() in response.content


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_visitors_sign_in_first(client, db, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_htmx_requests_get_403(client, db, path):
    assert client.get(path, headers=HTMX).status_code == 403


@pytest.mark.parametrize("path", PAGES)
def test_pages_reject_post(as_user, owner, path):
    assert as_user(owner).post(path).status_code == 405


def test_the_empty_library_points_to_the_studio(as_user, owner):
    body = as_user(owner).get("/library/").content.decode()
    assert "Make your first song in the Studio." in body
    assert '<a href="/" role="button">Go to the Studio</a>' in body


def test_the_first_run_panel_links_to_the_key_pages(as_user, owner):
    body = as_user(owner).get("/").content.decode()
    assert "Add your Soundpiece or Soundverse key — or try the sandbox" in body
    assert 'href="/settings/keys/new/soundpiece/" role="button"' in body


def test_the_first_run_panel_goes_once_a_key_exists(as_user, workspace, owner):
    from tests.factories import make_key

    make_key(workspace, owner, "soundpiece")
    body = as_user(owner).get("/").content
    assert b"Add your Soundpiece or Soundverse key" not in body


class TestLayout:
    def test_the_top_bar_has_the_navigation_and_marks_the_current_page(self, as_user, owner):
        body = as_user(owner).get("/library/").content.decode()
        for label, href in [
            ("Studio", "/"),
            ("Library", "/library/"),
            ("Jobs", "/jobs/"),
            ("Share links", "/shares/"),
            ("Settings", "/settings/"),
        ]:
            assert f'href="{href}"' in body and f">{label}</a>" in body
        assert '<a href="/library/" aria-current="page">Library</a>' in body
        assert '<nav class="mainnav" aria-label="Main">' in body

    def test_the_switcher_lists_every_workspace_of_the_user(self, as_user, workspace, owner):
        other = Workspace.objects.create(name="Second Agency")
        Membership.objects.create(workspace=other, user=owner, role="viewer")
        body = as_user(owner).get("/").content.decode()
        assert 'aria-label="Workspace: Northlight Studio. Switch workspace"' in body
        assert f'action="/workspaces/{other.code}/switch/"' in body
        assert f'action="/workspaces/{workspace.code}/switch/"' in body
        assert "Second Agency" in body
        assert 'href="/workspaces/new/"' in body

    def test_the_switcher_never_lists_other_peoples_workspaces(self, as_user, owner, stranger):
        assert b"Elsewhere Ltd" not in as_user(owner).get("/").content

    def test_the_account_menu_has_profile_and_sign_out(self, as_user, owner):
        body = as_user(owner).get("/").content.decode()
        assert 'aria-label="Your account: owner"' in body
        assert 'href="/profile/"' in body
        assert 'action="/logout/"' in body

    def test_messages_are_shown(self, as_user, owner):
        client = as_user(owner)
        client.post("/settings/", {"name": "Renamed", "default_share_days": "7"})
        body = client.get("/settings/").content.decode()
        assert 'class="message message-success" role="status">Workspace settings saved.' in body

    def test_a_signed_out_page_has_no_top_bar(self, client, db):
        assert b'class="topbar"' not in client.get("/login/").content

    def test_every_field_has_a_label(self, as_user, owner):
        # Each input that people type into is named by a <label for=...>.
        import re

        for path in ("/settings/", "/settings/members/", "/profile/"):
            body = as_user(owner).get(path).content.decode()
            ids = re.findall(r'<(?:input|select|textarea)[^>]*\sid="([^"]+)"', body)
            assert ids, path
            for field_id in ids:
                assert f'for="{field_id}"' in body, (path, field_id)


def test_healthz(client, db):
    response = client.get("/healthz/")
    assert response.content == b"ok"
    assert client.post("/healthz/").status_code == 405


def test_unknown_pages_get_a_plain_404(as_user, owner):
    response = as_user(owner).get("/no-such-page/")
    assert response.status_code == 404
    assert b"We cannot find that page" in response.content


def test_viewers_are_told_who_can_add_a_key(as_user, viewer):
    body = as_user(viewer).get("/").content.decode()
    assert "Ask an owner or admin to add one" in body
    assert 'href="/settings/" role="button"' not in body
