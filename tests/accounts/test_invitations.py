"""Inviting people by e-mail or link, and withdrawing or resending invitations."""

from datetime import timedelta
from smtplib import SMTPException
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone

from soundsite.accounts.models import Invitation
from tests.accounts.conftest import HTMX

EMAIL_URL = "/settings/members/invite/"
LINK_URL = "/settings/members/invite-link/"


def email_data(**overrides):
    return {
        "email-email": "new@example.com",
        "email-role": "member",
        "email-expires_in": "7",
        **overrides,
    }


def link_data(**overrides):
    return {"link-role": "viewer", "link-expires_in": "1", **overrides}


class TestInviteByEmail:
    def test_owner_sends_an_invitation(self, as_user, workspace, owner, settings):
        settings.PUBLIC_BASE_URL = "https://music.example.com"
        response = as_user(owner).post(EMAIL_URL, email_data(**{"email-email": "New@Example.com"}))
        assert response.status_code == 302
        invitation = Invitation.objects.get()
        assert (invitation.email, invitation.role, invitation.created_by) == (
            "new@example.com",
            "member",
            owner,
        )
        lifetime = invitation.expires_at - timezone.now()
        assert timedelta(days=6, hours=23) < lifetime <= timedelta(days=7)
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.to == ["new@example.com"]
        assert "Northlight Studio" in message.subject
        assert f"https://music.example.com/invitations/{invitation.token}/" in message.body

    @pytest.mark.parametrize("days", ["1", "7", "30"])
    def test_expiry_choices(self, as_user, owner, days):
        as_user(owner).post(EMAIL_URL, email_data(**{"email-expires_in": days}))
        lifetime = Invitation.objects.get().expires_at - timezone.now()
        assert abs(lifetime - timedelta(days=int(days))) < timedelta(minutes=1)

    def test_owner_may_invite_an_owner(self, as_user, owner):
        as_user(owner).post(EMAIL_URL, email_data(**{"email-role": "owner"}))
        assert Invitation.objects.get().role == "owner"

    def test_admin_may_invite_admins(self, as_user, admin_user):
        response = as_user(admin_user).post(EMAIL_URL, email_data(**{"email-role": "admin"}))
        assert response.status_code == 302
        assert Invitation.objects.get().role == "admin"

    def test_admin_cannot_invite_an_owner(self, as_user, admin_user):
        response = as_user(admin_user).post(EMAIL_URL, email_data(**{"email-role": "owner"}))
        assert response.status_code == 400
        assert b"Choose one of the roles you are allowed to give" in response.content
        assert not Invitation.objects.exists()
        assert mail.outbox == []

    @pytest.mark.parametrize(
        ("overrides", "field", "words"),
        [
            ({"email-email": ""}, "email", "Enter the e-mail address of the person to invite"),
            ({"email-email": "not-an-address"}, "email", "Enter a whole e-mail address"),
            ({"email-role": "boss"}, "role", "Choose one of the roles"),
            ({"email-expires_in": "3"}, "expires_in", "Select a valid choice"),
            ({"email-expires_in": "x"}, "expires_in", "Select a valid choice"),
        ],
    )
    def test_bad_input_changes_nothing(self, as_user, owner, overrides, field, words):
        response = as_user(owner).post(EMAIL_URL, email_data(**overrides))
        assert response.status_code == 400
        assert f'id="id_email-{field}_error"'.encode() in response.content
        assert words in response.content.decode()
        assert not Invitation.objects.exists()
        assert mail.outbox == []

    def test_a_member_is_not_invited_twice(self, as_user, owner, teammate):
        response = as_user(owner).post(
            EMAIL_URL, email_data(**{"email-email": "teammate@example.com"})
        )
        assert response.status_code == 400
        assert b"teammate@example.com is already a member" in response.content
        assert not Invitation.objects.exists()

    def test_a_pending_invitation_is_not_duplicated(self, as_user, owner):
        client = as_user(owner)
        client.post(EMAIL_URL, email_data())
        response = client.post(EMAIL_URL, email_data())
        assert response.status_code == 400
        assert b"already has a pending invitation" in response.content
        assert Invitation.objects.count() == 1

    def test_a_failed_email_keeps_the_invitation_and_says_so(self, as_user, owner):
        with mock.patch("soundsite.accounts.members.send_mail", side_effect=SMTPException("down")):
            response = as_user(owner).post(EMAIL_URL, email_data(), follow=True)
        assert b"the e-mail could not be sent" in response.content
        assert Invitation.objects.count() == 1

    def test_htmx_gets_200(self, as_user, owner):
        response = as_user(owner).post(EMAIL_URL, email_data(**{"email-email": ""}), headers=HTMX)
        assert response.status_code == 200
        assert b"<html" not in response.content

    @pytest.mark.parametrize("persona", ["teammate", "viewer"])
    def test_members_and_viewers_get_403(self, as_user, request, persona):
        response = as_user(request.getfixturevalue(persona)).post(EMAIL_URL, email_data())
        assert response.status_code == 403
        assert not Invitation.objects.exists()

    def test_a_stranger_invites_only_to_their_own(self, as_user, workspace, owner, stranger):
        as_user(stranger).post(EMAIL_URL, email_data())
        assert not Invitation.objects.filter(workspace=workspace).exists()

    def test_it_rejects_get(self, as_user, owner):
        assert as_user(owner).get(EMAIL_URL).status_code == 405

    def test_without_csrf_token_nothing_changes(self, csrf_client, owner):
        csrf_client.force_login(owner)
        assert csrf_client.post(EMAIL_URL, email_data()).status_code == 403
        assert not Invitation.objects.exists()


class TestInviteByLink:
    def test_owner_creates_a_link_and_sees_it_with_a_copy_button(self, as_user, owner, settings):
        settings.PUBLIC_BASE_URL = "https://music.example.com"
        client = as_user(owner)
        response = client.post(LINK_URL, link_data())
        assert response.status_code == 302
        invitation = Invitation.objects.get()
        assert invitation.email == ""
        assert invitation.role == "viewer"
        assert response["Location"].startswith(f"/settings/members/?created={invitation.code}")
        page = client.get(response["Location"]).content.decode()
        assert "Invitation link ready" in page
        assert f'value="https://music.example.com/invitations/{invitation.token}/"' in page
        assert 'data-copy="#new-link"' in page
        assert mail.outbox == []

    def test_bad_input_changes_nothing(self, as_user, owner):
        response = as_user(owner).post(LINK_URL, link_data(**{"link-expires_in": "365"}))
        assert response.status_code == 400
        assert b'id="id_link-expires_in_error"' in response.content
        assert not Invitation.objects.exists()

    def test_admin_cannot_make_an_owner_link(self, as_user, admin_user):
        response = as_user(admin_user).post(LINK_URL, link_data(**{"link-role": "owner"}))
        assert response.status_code == 400
        assert not Invitation.objects.exists()

    @pytest.mark.parametrize("persona", ["teammate", "viewer"])
    def test_members_and_viewers_get_403(self, as_user, request, persona):
        response = as_user(request.getfixturevalue(persona)).post(LINK_URL, link_data())
        assert response.status_code == 403
        assert not Invitation.objects.exists()

    def test_a_stranger_creates_links_only_for_their_own(self, as_user, workspace, owner, stranger):
        as_user(stranger).post(LINK_URL, link_data())
        assert not Invitation.objects.filter(workspace=workspace).exists()
        assert Invitation.objects.get().workspace.name == "Elsewhere Ltd"

    def test_it_rejects_get(self, as_user, owner):
        assert as_user(owner).get(LINK_URL).status_code == 405

    def test_without_csrf_token_nothing_changes(self, csrf_client, owner):
        csrf_client.force_login(owner)
        assert csrf_client.post(LINK_URL, link_data()).status_code == 403
        assert not Invitation.objects.exists()


@pytest.fixture
def pending(workspace, owner):
    return Invitation.objects.create(
        workspace=workspace, email="new@example.com", role="member", created_by=owner
    )


class TestPendingList:
    def test_it_lists_pending_invitations_only(self, as_user, workspace, owner, pending):
        Invitation.objects.create(workspace=workspace, role="member", revoked_at=timezone.now())
        Invitation.objects.create(
            workspace=workspace, role="member", expires_at=timezone.now() - timedelta(seconds=1)
        )
        body = as_user(owner).get("/settings/members/").content.decode()
        assert body.count('class="invitation"') == 1
        assert "new@example.com" in body
        assert f"/settings/invitations/{pending.code}/revoke/" in body

    def test_admins_never_see_an_owner_invitation_link(self, as_user, workspace, owner, admin_user):
        owner_link = Invitation.objects.create(workspace=workspace, role="owner", created_by=owner)
        body = as_user(admin_user).get("/settings/members/").content.decode()
        assert owner_link.token not in body
        assert f"/settings/invitations/{owner_link.code}/revoke/" not in body


class TestRevoke:
    def url(self, invitation):
        return f"/settings/invitations/{invitation.code}/revoke/"

    @pytest.mark.parametrize("persona", ["owner", "admin_user"])
    def test_owners_and_admins_revoke(self, as_user, request, pending, persona):
        response = as_user(request.getfixturevalue(persona)).post(self.url(pending))
        assert response.status_code == 302
        pending.refresh_from_db()
        assert pending.revoked_at is not None

    def test_admin_cannot_revoke_an_owner_invitation(self, as_user, workspace, owner, admin_user):
        invitation = Invitation.objects.create(workspace=workspace, role="owner")
        assert as_user(admin_user).post(self.url(invitation)).status_code == 403
        invitation.refresh_from_db()
        assert invitation.revoked_at is None

    def test_revoking_a_used_invitation_changes_nothing(self, as_user, owner, teammate, pending):
        used_at = timezone.now()
        Invitation.objects.filter(pk=pending.pk).update(accepted_at=used_at, accepted_by=teammate)
        assert as_user(owner).post(self.url(pending)).status_code == 302
        pending.refresh_from_db()
        assert pending.revoked_at is None
        assert pending.accepted_at == used_at

    @pytest.mark.parametrize("persona", ["teammate", "viewer"])
    def test_members_and_viewers_get_403(self, as_user, request, pending, persona):
        assert as_user(request.getfixturevalue(persona)).post(self.url(pending)).status_code == 403
        pending.refresh_from_db()
        assert pending.revoked_at is None

    def test_a_stranger_gets_404(self, as_user, pending, stranger):
        assert as_user(stranger).post(self.url(pending)).status_code == 404
        pending.refresh_from_db()
        assert pending.revoked_at is None

    def test_it_rejects_get(self, as_user, owner, pending):
        assert as_user(owner).get(self.url(pending)).status_code == 405

    def test_without_csrf_token_nothing_changes(self, csrf_client, owner, pending):
        csrf_client.force_login(owner)
        assert csrf_client.post(self.url(pending)).status_code == 403
        pending.refresh_from_db()
        assert pending.revoked_at is None


class TestResend:
    def url(self, invitation):
        return f"/settings/invitations/{invitation.code}/resend/"

    def test_it_sends_the_same_link_again(self, as_user, owner, pending):
        response = as_user(owner).post(self.url(pending))
        assert response.status_code == 302
        assert len(mail.outbox) == 1
        assert pending.token in mail.outbox[0].body

    def test_a_link_invitation_cannot_be_mailed(self, as_user, workspace, owner):
        invitation = Invitation.objects.create(workspace=workspace, role="member")
        response = as_user(owner).post(self.url(invitation))
        assert response.status_code == 400
        assert mail.outbox == []

    def test_a_withdrawn_invitation_is_not_resent(self, as_user, owner, pending):
        Invitation.objects.filter(pk=pending.pk).update(revoked_at=timezone.now())
        assert as_user(owner).post(self.url(pending)).status_code == 400
        assert mail.outbox == []

    @pytest.mark.parametrize("persona", ["teammate", "viewer"])
    def test_members_and_viewers_get_403(self, as_user, request, pending, persona):
        assert as_user(request.getfixturevalue(persona)).post(self.url(pending)).status_code == 403
        assert mail.outbox == []

    def test_a_stranger_gets_404(self, as_user, pending, stranger):
        assert as_user(stranger).post(self.url(pending)).status_code == 404
        assert mail.outbox == []

    def test_it_rejects_get(self, as_user, owner, pending):
        assert as_user(owner).get(self.url(pending)).status_code == 405


def test_the_configured_lifetime_is_offered_and_preselected(as_user, owner, settings):
    settings.INVITATION_DAYS = 14
    body = as_user(owner).get("/settings/members/").content.decode()
    assert '<option value="14" selected>14 days</option>' in body
    assert '<option value="30">30 days</option>' in body
