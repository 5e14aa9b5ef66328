import pytest

from soundsite.accounts.models import Membership, Workspace
from tests.accounts.conftest import HTMX


class TestCreate:
    url = "/workspaces/new/"

    def test_anonymous_visitors_sign_in_first(self, client, db):
        assert client.get(self.url)["Location"] == "/login/?next=/workspaces/new/"

    def test_a_new_user_is_asked_for_a_first_workspace(self, as_user, lone_user):
        response = as_user(lone_user).get(self.url)
        assert response.status_code == 200
        assert b"Create your workspace" in response.content

    def test_pages_send_a_user_without_workspace_here(self, as_user, lone_user):
        assert as_user(lone_user).get("/library/")["Location"] == "/workspaces/new/"

    def test_it_creates_a_workspace_owned_by_its_creator(self, as_user, lone_user):
        client = as_user(lone_user)
        response = client.post(self.url, {"name": "  Sundial Films  "})
        assert response.status_code == 302
        workspace = Workspace.objects.get(name="Sundial Films")
        assert Membership.objects.get(workspace=workspace).user == lone_user
        assert Membership.objects.get(workspace=workspace).role == "owner"
        assert client.session["workspace"] == str(workspace.code)

    @pytest.mark.parametrize("persona", ["viewer", "teammate", "stranger"])
    def test_any_member_may_start_another_workspace(self, as_user, request, persona):
        user = request.getfixturevalue(persona)
        response = as_user(user).post(self.url, {"name": "Side project"})
        assert response.status_code == 302
        assert Membership.objects.filter(user=user, workspace__name="Side project").exists()

    @pytest.mark.parametrize("name", ["", "   ", "x" * 81])
    def test_bad_names_are_refused(self, as_user, lone_user, name):
        response = as_user(lone_user).post(self.url, {"name": name})
        assert response.status_code == 400
        assert b'id="id_name_error"' in response.content
        assert Workspace.objects.count() == 0

    def test_htmx_gets_the_form_with_200(self, as_user, lone_user):
        response = as_user(lone_user).post(self.url, {"name": ""}, headers=HTMX)
        assert response.status_code == 200
        assert b"<html" not in response.content

    def test_it_rejects_put(self, as_user, lone_user):
        assert as_user(lone_user).put(self.url).status_code == 405


class TestSwitch:
    def url(self, workspace):
        return f"/workspaces/{workspace.code}/switch/"

    def test_it_switches_the_current_workspace(self, as_user, workspace, owner):
        other = Workspace.objects.create(name="Second")
        Membership.objects.create(workspace=other, user=owner, role="viewer")
        client = as_user(owner)
        response = client.post(self.url(other))
        assert response.status_code == 302
        assert client.session["workspace"] == str(other.code)
        assert b"Second" in client.get("/settings/").content

    @pytest.mark.parametrize("persona", ["owner", "teammate", "viewer"])
    def test_members_of_any_role_can_switch(self, as_user, request, workspace, persona):
        client = as_user(request.getfixturevalue(persona))
        assert client.post(self.url(workspace)).status_code == 302
        assert client.session["workspace"] == str(workspace.code)

    def test_a_stranger_gets_404(self, as_user, workspace, stranger):
        client = as_user(stranger)
        assert client.post(self.url(workspace)).status_code == 404
        assert client.session.get("workspace") != str(workspace.code)

    def test_it_rejects_get(self, as_user, workspace, owner):
        assert as_user(owner).get(self.url(workspace)).status_code == 405

    def test_anonymous_visitors_sign_in_first(self, client, workspace):
        assert client.post(self.url(workspace))["Location"].startswith("/login/")


class TestSettings:
    url = "/settings/"

    def test_owner_sees_the_form(self, as_user, owner):
        response = as_user(owner).get(self.url)
        assert response.status_code == 200
        body = response.content.decode()
        assert 'value="Northlight Studio"' in body
        assert "New share links last" in body
        assert '<option value="7" selected>7 days</option>' in body
        # The settings sub-navigation links to the pages that exist.
        for link in ('href="/profile/"', 'href="/settings/"', 'href="/settings/members/"'):
            assert link in body

    @pytest.mark.parametrize("persona", ["teammate", "viewer"])
    def test_others_see_the_values_read_only(self, as_user, request, persona):
        response = as_user(request.getfixturevalue(persona)).get(self.url)
        assert response.status_code == 200
        assert b"Only owners and admins can change these." in response.content
        assert b'name="name"' not in response.content

    def test_a_stranger_sees_only_their_own_workspace(self, as_user, workspace, stranger):
        response = as_user(stranger).get(self.url)
        assert b"Elsewhere Ltd" in response.content
        assert b"Northlight Studio" not in response.content

    @pytest.mark.parametrize("persona", ["owner", "admin_user"])
    def test_owners_and_admins_rename_and_set_link_lifetime(
        self, as_user, request, workspace, persona
    ):
        client = as_user(request.getfixturevalue(persona))
        response = client.post(self.url, {"name": "Northlight", "default_share_days": "30"})
        assert response.status_code == 302
        workspace.refresh_from_db()
        assert (workspace.name, workspace.default_share_days) == ("Northlight", 30)

    def test_never_is_a_lifetime(self, as_user, workspace, owner):
        as_user(owner).post(self.url, {"name": "N", "default_share_days": "0"})
        workspace.refresh_from_db()
        assert workspace.default_share_days == 0

    @pytest.mark.parametrize("persona", ["teammate", "viewer"])
    def test_members_and_viewers_get_403(self, as_user, request, workspace, persona):
        client = as_user(request.getfixturevalue(persona))
        response = client.post(self.url, {"name": "Taken over", "default_share_days": "1"})
        assert response.status_code == 403
        workspace.refresh_from_db()
        assert workspace.name == "Northlight Studio"

    def test_a_stranger_changes_only_their_own(self, as_user, workspace, stranger):
        as_user(stranger).post(self.url, {"name": "Mine", "default_share_days": "1"})
        workspace.refresh_from_db()
        assert workspace.name == "Northlight Studio"

    @pytest.mark.parametrize(
        ("data", "field"),
        [
            ({"name": "", "default_share_days": "7"}, "name"),
            ({"name": "N", "default_share_days": "3"}, "default_share_days"),
            ({"name": "N", "default_share_days": "forever"}, "default_share_days"),
        ],
    )
    def test_bad_input_changes_nothing(self, as_user, workspace, owner, data, field):
        response = as_user(owner).post(self.url, data)
        assert response.status_code == 400
        assert f'id="id_{field}_error"'.encode() in response.content
        workspace.refresh_from_db()
        assert (workspace.name, workspace.default_share_days) == ("Northlight Studio", 7)

    def test_bad_input_over_htmx_gets_200(self, as_user, owner):
        response = as_user(owner).post(self.url, {"name": ""}, headers=HTMX)
        assert response.status_code == 200
        assert b"<html" not in response.content

    def test_it_rejects_put(self, as_user, owner):
        assert as_user(owner).put(self.url).status_code == 405

    def test_anonymous(self, client, db):
        assert client.get(self.url)["Location"] == "/login/?next=/settings/"
        assert client.post(self.url, headers=HTMX).status_code == 403

    def test_without_csrf_token_nothing_changes(self, csrf_client, workspace, owner):
        csrf_client.force_login(owner)
        response = csrf_client.post(self.url, {"name": "X", "default_share_days": "1"})
        assert response.status_code == 403
        workspace.refresh_from_db()
        assert workspace.name == "Northlight Studio"


class TestLeave:
    def url(self, workspace):
        return f"/workspaces/{workspace.code}/leave/"

    @pytest.mark.parametrize("persona", ["admin_user", "teammate", "viewer"])
    def test_members_of_any_role_can_leave(self, as_user, request, workspace, owner, persona):
        # Leaving changes only one's own membership, so even a viewer may do it.
        user = request.getfixturevalue(persona)
        response = as_user(user).post(self.url(workspace))
        assert response.status_code == 302
        assert not Membership.objects.filter(workspace=workspace, user=user).exists()

    def test_the_last_owner_cannot_leave(self, as_user, workspace, owner, teammate):
        response = as_user(owner).post(self.url(workspace))
        assert response.status_code == 400
        assert b"You are the only owner of this workspace" in response.content
        assert Membership.objects.filter(workspace=workspace, user=owner).exists()

    def test_an_owner_can_leave_when_another_owner_stays(self, as_user, workspace, owner):
        from tests.factories import make_member

        make_member(workspace, "second@example.com", "owner")
        assert as_user(owner).post(self.url(workspace)).status_code == 302
        assert not Membership.objects.filter(workspace=workspace, user=owner).exists()

    def test_after_leaving_the_next_workspace_is_current(self, as_user, workspace, teammate):
        other = Workspace.objects.create(name="Second")
        Membership.objects.create(workspace=other, user=teammate, role="member")
        client = as_user(teammate)
        client.post(f"/workspaces/{workspace.code}/switch/")
        client.post(self.url(workspace))
        assert b"Second" in client.get("/settings/").content

    def test_a_stranger_gets_404(self, as_user, workspace, owner, stranger):
        assert as_user(stranger).post(self.url(workspace)).status_code == 404
        assert Membership.objects.filter(workspace=workspace).count() == 1

    def test_it_rejects_get(self, as_user, workspace, teammate):
        assert as_user(teammate).get(self.url(workspace)).status_code == 405
        assert Membership.objects.filter(user=teammate).exists()

    def test_without_csrf_token_nothing_changes(self, csrf_client, workspace, teammate):
        csrf_client.force_login(teammate)
        assert csrf_client.post(self.url(workspace)).status_code == 403
        assert Membership.objects.filter(user=teammate).exists()
