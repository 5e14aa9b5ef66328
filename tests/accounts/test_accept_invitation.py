"""Opening and accepting an invitation, with an existing account or a new one."""

from datetime import timedelta

import pytest
from django.utils import timezone

from soundsite.accounts.models import Invitation, Membership
from tests.accounts.conftest import HTMX
from tests.factories import PASSWORD


def url(invitation):
    return f"/invitations/{invitation.token}/"


@pytest.fixture
def link(workspace, owner):
    return Invitation.objects.create(workspace=workspace, role="admin", created_by=owner)


@pytest.fixture
def by_email(workspace, owner):
    return Invitation.objects.create(
        workspace=workspace, email="lone@example.com", role="viewer", created_by=owner
    )


def members(workspace):
    return set(Membership.objects.filter(workspace=workspace).values_list("user__email", flat=True))


class TestOpening:
    def test_anonymous_visitors_choose_sign_in_or_sign_up(self, client, link):
        response = client.get(url(link))
        assert response.status_code == 200
        body = response.content.decode()
        assert "Join Northlight Studio" in body
        assert "owner invited you to join as admin" in body
        assert f"/signup/?invitation={link.token}" in body
        assert f"/login/?next=/invitations/{link.token}/" in body

    def test_a_signed_in_user_sees_the_accept_button(self, as_user, link, lone_user):
        body = as_user(lone_user).get(url(link)).content.decode()
        assert "Accept and join Northlight Studio" in body

    def test_the_wrong_account_is_told_to_switch(self, as_user, by_email, stranger):
        body = as_user(stranger).get(url(by_email)).content.decode()
        assert "This invitation was sent to <strong>lone@example.com</strong>" in body
        assert "Accept and join" not in body

    def test_a_member_is_told_they_are_in(self, as_user, link, teammate):
        body = as_user(teammate).get(url(link)).content.decode()
        assert "You are already a member of Northlight Studio" in body

    def test_it_rejects_put(self, client, link):
        assert client.put(url(link)).status_code == 405


class TestAccepting:
    def test_an_existing_account_joins_with_the_role(self, as_user, workspace, link, lone_user):
        client = as_user(lone_user)
        response = client.post(url(link))
        assert response.status_code == 302
        assert response["Location"] == "/"
        membership = Membership.objects.get(workspace=workspace, user=lone_user)
        assert membership.role == "admin"
        link.refresh_from_db()
        assert link.accepted_by == lone_user and link.accepted_at is not None
        assert client.session["workspace"] == str(workspace.code)
        assert b"Welcome to Northlight Studio. You joined as admin." in client.get("/").content

    def test_a_stranger_with_a_workspace_can_join_too(self, as_user, workspace, link, stranger):
        as_user(stranger).post(url(link))
        assert "stranger@example.com" in members(workspace)

    def test_the_invited_address_accepts_an_email_invitation(
        self, as_user, workspace, by_email, lone_user
    ):
        as_user(lone_user).post(url(by_email))
        assert Membership.objects.get(workspace=workspace, user=lone_user).role == "viewer"

    def test_another_address_gets_403(self, as_user, workspace, by_email, stranger):
        before = members(workspace)
        response = as_user(stranger).post(url(by_email))
        assert response.status_code == 403
        assert b"This invitation was sent to lone@example.com" in response.content
        assert members(workspace) == before
        by_email.refresh_from_db()
        assert by_email.accepted_at is None

    def test_sign_in_first_then_accept(self, client, workspace, link, lone_user):
        response = client.post(url(link))
        assert response.status_code == 302
        assert response["Location"] == f"/login/?next=/invitations/{link.token}/"
        response = client.post(
            "/login/",
            {
                "email": "lone@example.com",
                "password": PASSWORD,
                "next": f"/invitations/{link.token}/",
            },
        )
        assert response["Location"] == f"/invitations/{link.token}/"
        client.post(url(link))
        assert "lone@example.com" in members(workspace)

    def test_a_link_works_once(self, as_user, client, workspace, link, lone_user, stranger):
        as_user(lone_user).post(url(link))
        client.logout()
        response = as_user(stranger).post(url(link))
        assert response.status_code == 410
        assert b"already been used" in response.content
        assert "stranger@example.com" not in members(workspace)

    def test_a_member_cannot_use_it_to_change_role(self, as_user, workspace, link, viewer):
        response = as_user(viewer).post(url(link))
        assert response.status_code == 400
        assert Membership.objects.get(workspace=workspace, user=viewer).role == "viewer"
        link.refresh_from_db()
        assert link.accepted_at is None

    @pytest.mark.parametrize(
        ("state", "words"),
        [
            ("expired", b"This invitation has expired. Ask owner for a new one."),
            ("revoked", b"This invitation was withdrawn."),
            ("used", b"This invitation has already been used."),
        ],
    )
    def test_a_dead_invitation_gets_410_and_changes_nothing(
        self, as_user, workspace, link, lone_user, state, words
    ):
        now = timezone.now()
        changes = {
            "expired": {"expires_at": now - timedelta(seconds=1)},
            "revoked": {"revoked_at": now},
            "used": {"accepted_at": now},
        }[state]
        Invitation.objects.filter(pk=link.pk).update(**changes)
        client = as_user(lone_user)
        for response in (client.get(url(link)), client.post(url(link))):
            assert response.status_code == 410
            assert words in response.content
        assert "lone@example.com" not in members(workspace)

    @pytest.mark.parametrize("token", ["forged", "x" * 43, "y" * 200])
    def test_a_forged_token_gets_404(self, as_user, workspace, link, lone_user, token):
        client = as_user(lone_user)
        for response in (
            client.get(f"/invitations/{token}/"),
            client.post(f"/invitations/{token}/"),
        ):
            assert response.status_code == 404
            assert b"This invitation link is not valid" in response.content
        assert "lone@example.com" not in members(workspace)

    def test_without_csrf_token_nothing_changes(self, csrf_client, workspace, link, lone_user):
        csrf_client.force_login(lone_user)
        assert csrf_client.post(url(link)).status_code == 403
        assert "lone@example.com" not in members(workspace)

    def test_anonymous_htmx_post_gets_403(self, client, link):
        assert client.post(url(link), headers=HTMX).status_code == 403
        link.refresh_from_db()
        assert link.accepted_at is None
