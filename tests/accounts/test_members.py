"""The members page and the actions on it: change a role, remove a member."""

import pytest

from soundsite.accounts.models import Membership
from tests.accounts.conftest import HTMX
from tests.factories import make_member

URL = "/settings/members/"


def membership(workspace, user):
    return Membership.objects.get(workspace=workspace, user=user)


def roles(workspace):
    return dict(Membership.objects.filter(workspace=workspace).values_list("user__email", "role"))


class TestPage:
    def test_owner_sees_members_roles_join_dates_and_invite_forms(
        self, as_user, workspace, owner, teammate, viewer
    ):
        response = as_user(owner).get(URL)
        assert response.status_code == 200
        body = response.content.decode()
        for email in ("owner@example.com", "teammate@example.com", "viewer@example.com"):
            assert email in body
        assert "Joined " in body
        assert "Invite people" in body
        assert 'name="email-email"' in body
        assert "Pending invitations" in body
        assert f"/settings/members/{membership(workspace, teammate).code}/role/" in body
        assert f"/settings/members/{membership(workspace, teammate).code}/remove/" in body

    @pytest.mark.parametrize("persona", ["teammate", "viewer"])
    def test_others_see_the_list_without_controls(
        self, as_user, request, workspace, owner, persona
    ):
        response = as_user(request.getfixturevalue(persona)).get(URL)
        assert response.status_code == 200
        body = response.content.decode()
        assert "owner@example.com" in body
        assert "Invite people" not in body
        assert "/role/" not in body
        assert "/remove/" not in body

    def test_an_admin_cannot_touch_owners(self, as_user, workspace, owner, admin_user):
        body = as_user(admin_user).get(URL).content.decode()
        owner_code = membership(workspace, owner).code
        assert f"/settings/members/{owner_code}/role/" not in body
        assert f"/settings/members/{owner_code}/remove/" not in body
        assert '<option value="owner"' not in body

    def test_a_stranger_sees_only_their_own_workspace(self, as_user, owner, stranger):
        body = as_user(stranger).get(URL).content.decode()
        assert "stranger@example.com" in body
        assert "owner@example.com" not in body

    def test_it_rejects_post(self, as_user, owner):
        assert as_user(owner).post(URL).status_code == 405

    def test_anonymous(self, client, db):
        assert client.get(URL)["Location"] == "/login/?next=/settings/members/"
        assert client.get(URL, headers=HTMX).status_code == 403


class TestChangeRole:
    def url(self, workspace, user):
        return f"/settings/members/{membership(workspace, user).code}/role/"

    def test_owner_changes_a_role(self, as_user, workspace, owner, teammate):
        response = as_user(owner).post(self.url(workspace, teammate), {"role": "admin"})
        assert response.status_code == 302
        assert roles(workspace)["teammate@example.com"] == "admin"

    def test_owner_can_make_another_owner(self, as_user, workspace, owner, teammate):
        as_user(owner).post(self.url(workspace, teammate), {"role": "owner"})
        assert roles(workspace)["teammate@example.com"] == "owner"

    def test_admin_changes_members_and_viewers(self, as_user, workspace, admin_user, viewer):
        response = as_user(admin_user).post(self.url(workspace, viewer), {"role": "member"})
        assert response.status_code == 302
        assert roles(workspace)["viewer@example.com"] == "member"

    def test_admin_cannot_make_an_owner(self, as_user, workspace, owner, admin_user, teammate):
        before = roles(workspace)
        response = as_user(admin_user).post(self.url(workspace, teammate), {"role": "owner"})
        assert response.status_code == 403
        assert b"Only owners can" in response.content
        assert roles(workspace) == before

    def test_admin_cannot_make_themselves_owner(self, as_user, workspace, owner, admin_user):
        before = roles(workspace)
        response = as_user(admin_user).post(self.url(workspace, admin_user), {"role": "owner"})
        assert response.status_code == 403
        assert roles(workspace) == before

    def test_admin_cannot_demote_an_owner(self, as_user, workspace, owner, admin_user):
        make_member(workspace, "owner2@example.com", "owner")
        before = roles(workspace)
        response = as_user(admin_user).post(self.url(workspace, owner), {"role": "viewer"})
        assert response.status_code == 403
        assert roles(workspace) == before

    def test_the_last_owner_cannot_be_demoted(self, as_user, workspace, owner, teammate):
        before = roles(workspace)
        response = as_user(owner).post(self.url(workspace, owner), {"role": "admin"})
        assert response.status_code == 400
        assert b"is the only owner. Make someone else an owner first." in response.content
        assert roles(workspace) == before

    def test_an_owner_may_step_down_when_another_owner_stays(self, as_user, workspace, owner):
        make_member(workspace, "owner2@example.com", "owner")
        as_user(owner).post(self.url(workspace, owner), {"role": "member"})
        assert roles(workspace)["owner@example.com"] == "member"

    @pytest.mark.parametrize("persona", ["teammate", "viewer"])
    def test_members_and_viewers_get_403(self, as_user, request, workspace, owner, persona):
        user = request.getfixturevalue(persona)
        before = roles(workspace)
        response = as_user(user).post(self.url(workspace, user), {"role": "owner"})
        assert response.status_code == 403
        assert roles(workspace) == before

    def test_a_stranger_gets_404(self, as_user, workspace, owner, teammate, stranger):
        before = roles(workspace)
        response = as_user(stranger).post(self.url(workspace, teammate), {"role": "viewer"})
        assert response.status_code == 404
        assert roles(workspace) == before

    @pytest.mark.parametrize("role", ["", "boss", "OWNER"])
    def test_an_unknown_role_changes_nothing(self, as_user, workspace, owner, teammate, role):
        before = roles(workspace)
        response = as_user(owner).post(self.url(workspace, teammate), {"role": role})
        assert response.status_code == 400
        assert b"Choose one of the roles" in response.content
        assert roles(workspace) == before

    def test_htmx_gets_200_for_a_refusal(self, as_user, workspace, owner):
        response = as_user(owner).post(self.url(workspace, owner), {"role": "viewer"}, headers=HTMX)
        assert response.status_code == 200
        assert b"<html" not in response.content
        assert b"only owner" in response.content

    def test_it_rejects_get(self, as_user, workspace, owner, teammate):
        assert as_user(owner).get(self.url(workspace, teammate)).status_code == 405

    def test_anonymous(self, client, workspace, teammate):
        url = self.url(workspace, teammate)
        assert client.post(url, {"role": "owner"})["Location"].startswith("/login/")
        assert client.post(url, {"role": "owner"}, headers=HTMX).status_code == 403
        assert roles(workspace)["teammate@example.com"] == "member"

    def test_without_csrf_token_nothing_changes(self, csrf_client, workspace, owner, teammate):
        csrf_client.force_login(owner)
        response = csrf_client.post(self.url(workspace, teammate), {"role": "owner"})
        assert response.status_code == 403
        assert roles(workspace)["teammate@example.com"] == "member"


class TestRemove:
    def url(self, workspace, user):
        return f"/settings/members/{membership(workspace, user).code}/remove/"

    @pytest.mark.parametrize("persona", ["owner", "admin_user"])
    def test_owners_and_admins_remove_members(
        self, as_user, request, workspace, owner, admin_user, teammate, persona
    ):
        response = as_user(request.getfixturevalue(persona)).post(self.url(workspace, teammate))
        assert response.status_code == 302
        assert "teammate@example.com" not in roles(workspace)

    def test_admin_cannot_remove_an_owner(self, as_user, workspace, owner, admin_user):
        make_member(workspace, "owner2@example.com", "owner")
        response = as_user(admin_user).post(self.url(workspace, owner))
        assert response.status_code == 403
        assert "owner@example.com" in roles(workspace)

    def test_owner_removes_another_owner(self, as_user, workspace, owner):
        second = make_member(workspace, "owner2@example.com", "owner")
        assert as_user(owner).post(self.url(workspace, second)).status_code == 302
        assert "owner2@example.com" not in roles(workspace)

    def test_removing_oneself_as_last_owner_is_refused(self, as_user, workspace, owner, teammate):
        response = as_user(owner).post(self.url(workspace, owner))
        assert response.status_code == 400
        assert b"only owner" in response.content
        assert "owner@example.com" in roles(workspace)

    def test_removing_oneself_is_leaving(self, as_user, workspace, owner, admin_user):
        client = as_user(admin_user)
        response = client.post(self.url(workspace, admin_user))
        assert response.status_code == 302
        assert "admin@example.com" not in roles(workspace)

    @pytest.mark.parametrize("persona", ["teammate", "viewer"])
    def test_members_and_viewers_get_403(self, as_user, request, workspace, owner, persona):
        client = as_user(request.getfixturevalue(persona))
        before = roles(workspace)
        response = client.post(self.url(workspace, owner))
        assert response.status_code == 403
        assert roles(workspace) == before

    def test_a_stranger_gets_404(self, as_user, workspace, owner, teammate, stranger):
        response = as_user(stranger).post(self.url(workspace, teammate))
        assert response.status_code == 404
        assert "teammate@example.com" in roles(workspace)

    def test_it_rejects_get(self, as_user, workspace, owner, teammate):
        assert as_user(owner).get(self.url(workspace, teammate)).status_code == 405
        assert "teammate@example.com" in roles(workspace)

    def test_without_csrf_token_nothing_changes(self, csrf_client, workspace, owner, teammate):
        csrf_client.force_login(owner)
        assert csrf_client.post(self.url(workspace, teammate)).status_code == 403
        assert "teammate@example.com" in roles(workspace)
