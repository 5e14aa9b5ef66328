from datetime import timedelta

import pytest
from django.utils import timezone

from soundsite.accounts.models import Invitation, Membership, User
from tests.accounts.conftest import HTMX

URL = "/signup/"
GOOD = {"name": "Ana Producer", "email": "ana@example.com", "password": "quiet river 2041"}


def _invite(workspace, owner, **fields):
    return Invitation.objects.create(workspace=workspace, created_by=owner, **fields)


def test_it_shows_the_form(client, db):
    response = client.get(URL)
    assert response.status_code == 200
    for label in (b"Your name", b"Work e-mail", b"Password"):
        assert label in response.content


def test_it_creates_the_account_and_asks_for_a_workspace(client, db):
    response = client.post(URL, GOOD)
    assert response.status_code == 302
    assert response["Location"] == "/workspaces/new/"
    user = User.objects.get(email="ana@example.com")
    assert user.display_name == "Ana Producer"
    assert user.check_password("quiet river 2041")
    assert client.session["_auth_user_id"] == str(user.pk)
    assert not Membership.objects.filter(user=user).exists()


def test_it_stores_the_address_in_lower_case(client, db):
    client.post(URL, {**GOOD, "email": "Ana@Example.com"})
    assert User.objects.filter(email="ana@example.com").exists()


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({**GOOD, "name": "  "}, "name", "Enter your name"),
        ({**GOOD, "email": "not an address"}, "email", "Enter a whole e-mail address"),
        ({**GOOD, "email": ""}, "email", "Enter your e-mail address"),
        ({**GOOD, "password": "short"}, "password", "too short"),
        ({**GOOD, "password": "12345678901"}, "password", "entirely numeric"),
        ({**GOOD, "password": "password123"}, "password", "too common"),
        ({**GOOD, "password": "ana@example.com"}, "password", "too similar"),
    ],
)
def test_it_explains_bad_input_and_creates_nothing(client, db, data, field, words):
    response = client.post(URL, data)
    assert response.status_code == 400
    assert f'id="id_{field}_error"'.encode() in response.content
    assert words in response.content.decode()
    assert User.objects.count() == 0


def test_it_refuses_a_duplicate_address(client, owner):
    response = client.post(URL, {**GOOD, "email": "OWNER@example.com"})
    assert response.status_code == 400
    assert b"An account with this e-mail address already exists" in response.content
    assert User.objects.filter(email="owner@example.com").count() == 1
    assert User.objects.count() == 1


def test_it_renders_only_the_form_for_htmx(client, db):
    response = client.post(URL, {**GOOD, "name": ""}, headers=HTMX)
    assert response.status_code == 200
    assert b"<html" not in response.content
    assert b'id="id_name_error"' in response.content


def test_it_sends_a_signed_in_user_home(client, owner):
    client.force_login(owner)
    assert client.get(URL)["Location"] == "/"


def test_it_rejects_put(client, db):
    assert client.put(URL).status_code == 405


def test_it_is_refused_without_a_csrf_token(csrf_client, db):
    response = csrf_client.post(URL, GOOD)
    assert response.status_code == 403
    assert b"This form has expired" in response.content
    assert User.objects.count() == 0


class TestWithAnInvitation:
    def test_it_prefills_the_invited_address(self, client, workspace, owner):
        invitation = _invite(workspace, owner, email="ana@example.com", role="member")
        response = client.get(f"{URL}?invitation={invitation.token}")
        assert response.status_code == 200
        assert b'value="ana@example.com"' in response.content
        assert b"Join Northlight Studio" in response.content

    def test_it_joins_the_invited_workspace(self, client, workspace, owner):
        invitation = _invite(workspace, owner, email="ana@example.com", role="viewer")
        response = client.post(URL, {**GOOD, "invitation": invitation.token})
        assert response.status_code == 302
        assert response["Location"] == "/"
        user = User.objects.get(email="ana@example.com")
        membership = Membership.objects.get(user=user)
        assert membership.workspace == workspace
        assert membership.role == "viewer"
        invitation.refresh_from_db()
        assert invitation.accepted_by == user
        assert client.session["workspace"] == str(workspace.code)

    def test_a_link_invitation_takes_any_address(self, client, workspace, owner):
        invitation = _invite(workspace, owner, role="member")
        client.post(URL, {**GOOD, "email": "someone@else.example", "invitation": invitation.token})
        assert Membership.objects.filter(
            workspace=workspace, user__email="someone@else.example"
        ).exists()

    def test_an_email_invitation_needs_its_address(self, client, workspace, owner):
        invitation = _invite(workspace, owner, email="ana@example.com", role="member")
        response = client.post(
            URL, {**GOOD, "email": "mallory@example.com", "invitation": invitation.token}
        )
        assert response.status_code == 400
        assert b"This invitation was sent to ana@example.com" in response.content
        assert not User.objects.filter(email="mallory@example.com").exists()
        invitation.refresh_from_db()
        assert invitation.accepted_at is None

    @pytest.mark.parametrize("state", ["expired", "revoked", "used"])
    def test_a_dead_invitation_gets_410_and_creates_nothing(self, client, workspace, owner, state):
        invitation = _invite(workspace, owner, role="member")
        now = timezone.now()
        if state == "expired":
            invitation.expires_at = now - timedelta(minutes=1)
        elif state == "revoked":
            invitation.revoked_at = now
        else:
            invitation.accepted_at = now
        invitation.save()
        response = client.post(URL, {**GOOD, "invitation": invitation.token})
        assert response.status_code == 410
        assert User.objects.filter(email="ana@example.com").count() == 0
        assert Membership.objects.filter(workspace=workspace).count() == 1

    def test_a_forged_invitation_gets_404(self, client, workspace, owner):
        response = client.get(f"{URL}?invitation=forged-token")
        assert response.status_code == 404
        assert b"This invitation link is not valid" in response.content
