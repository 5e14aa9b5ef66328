import pytest

from tests.accounts.conftest import HTMX
from tests.factories import PASSWORD


def test_anonymous_visitors_sign_in_first(client, db):
    response = client.get("/profile/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/profile/"


def test_anonymous_htmx_gets_403(client, db):
    assert client.get("/profile/", headers=HTMX).status_code == 403


def test_it_shows_name_email_and_password_forms(as_user, owner):
    response = as_user(owner).get("/profile/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'value="owner@example.com"' in body
    assert "Current password" in body
    assert "New password again" in body
    assert 'aria-current="page">Profile' in body


def test_every_persona_sees_only_their_own_profile(as_user, viewer, stranger, lone_user):
    for user in (viewer, stranger, lone_user):
        response = as_user(user).get("/profile/")
        assert response.status_code == 200
        assert f'value="{user.email}"'.encode() in response.content


def test_it_saves_the_name(as_user, teammate):
    response = as_user(teammate).post(
        "/profile/", {"display_name": "Tea Mate", "email": "teammate@example.com"}
    )
    assert response.status_code == 302
    teammate.refresh_from_db()
    assert teammate.display_name == "Tea Mate"


def test_changing_the_address_needs_the_password(as_user, teammate):
    client = as_user(teammate)
    response = client.post("/profile/", {"display_name": "T", "email": "new@example.com"})
    assert response.status_code == 400
    assert b"Enter your current password to change your e-mail address" in response.content
    teammate.refresh_from_db()
    assert teammate.email == "teammate@example.com"
    assert teammate.display_name == ""
    response = client.post(
        "/profile/",
        {"display_name": "T", "email": "New@Example.com", "current_password": PASSWORD},
    )
    assert response.status_code == 302
    teammate.refresh_from_db()
    assert teammate.email == "new@example.com"


def test_it_refuses_an_address_in_use(as_user, teammate, owner):
    response = as_user(teammate).post(
        "/profile/",
        {"display_name": "T", "email": "owner@example.com", "current_password": PASSWORD},
    )
    assert response.status_code == 400
    assert b"Another account already uses this e-mail address" in response.content
    teammate.refresh_from_db()
    assert teammate.email == "teammate@example.com"


def test_an_empty_name_is_refused_and_not_shown(as_user, teammate):
    response = as_user(teammate).post(
        "/profile/", {"display_name": "   ", "email": "teammate@example.com"}
    )
    assert response.status_code == 400
    assert b'id="id_display_name_error"' in response.content
    teammate.refresh_from_db()
    assert teammate.display_name == ""


def test_profile_errors_render_the_partial_for_htmx(as_user, teammate):
    response = as_user(teammate).post("/profile/", {"display_name": "", "email": ""}, headers=HTMX)
    assert response.status_code == 200
    assert b"<html" not in response.content


def test_profile_rejects_put(as_user, teammate):
    assert as_user(teammate).put("/profile/").status_code == 405


def test_profile_is_refused_without_a_csrf_token(csrf_client, teammate):
    csrf_client.force_login(teammate)
    response = csrf_client.post(
        "/profile/", {"display_name": "Hijacked", "email": "teammate@example.com"}
    )
    assert response.status_code == 403
    teammate.refresh_from_db()
    assert teammate.display_name == ""


class TestPasswordChange:
    url = "/profile/password/"

    @pytest.mark.parametrize("persona", ["owner", "teammate", "viewer", "stranger", "lone_user"])
    def test_it_changes_the_password_and_keeps_the_session(self, as_user, request, persona):
        viewer = request.getfixturevalue(persona)
        client = as_user(viewer)
        response = client.post(
            self.url,
            {
                "old_password": PASSWORD,
                "new_password1": "amber meadow 314",
                "new_password2": "amber meadow 314",
            },
        )
        assert response.status_code == 302
        viewer.refresh_from_db()
        assert viewer.check_password("amber meadow 314")
        assert client.get("/profile/").status_code == 200

    def test_a_wrong_current_password_changes_nothing(self, as_user, viewer):
        response = as_user(viewer).post(
            self.url,
            {
                "old_password": "wrong",
                "new_password1": "amber meadow 314",
                "new_password2": "amber meadow 314",
            },
        )
        assert response.status_code == 400
        assert b"That is not your current password" in response.content
        viewer.refresh_from_db()
        assert viewer.check_password(PASSWORD)

    def test_a_weak_new_password_is_refused(self, as_user, viewer):
        response = as_user(viewer).post(
            self.url,
            {"old_password": PASSWORD, "new_password1": "123", "new_password2": "123"},
        )
        assert response.status_code == 400
        assert b'id="id_new_password2_error"' in response.content
        viewer.refresh_from_db()
        assert viewer.check_password(PASSWORD)

    def test_it_rejects_get(self, as_user, viewer):
        assert as_user(viewer).get(self.url).status_code == 405

    def test_anonymous_visitors_sign_in_first(self, client, db):
        response = client.post(self.url, {})
        assert response["Location"].startswith("/login/")
