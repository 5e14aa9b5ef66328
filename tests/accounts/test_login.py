from unittest import mock

import pytest
from django.contrib.auth import get_user_model

from soundsite.accounts import throttle
from tests.accounts.conftest import HTMX
from tests.factories import PASSWORD, make_user

URL = "/login/"


def _session_user_id(client):
    return client.session.get("_auth_user_id")


def test_it_shows_the_form(client, db):
    response = client.get(URL)
    assert response.status_code == 200
    assert b'<label for="id_email">E-mail</label>' in response.content
    assert b'<label for="id_password">Password</label>' in response.content
    assert b"/password-reset/" in response.content


def test_it_signs_in_and_goes_home(client, owner):
    response = client.post(URL, {"email": "owner@example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert _session_user_id(client) == str(owner.pk)


def test_it_ignores_the_case_of_the_address(client, owner):
    response = client.post(URL, {"email": "Owner@Example.COM", "password": PASSWORD})
    assert response.status_code == 302
    assert _session_user_id(client) == str(owner.pk)


def test_it_follows_a_local_next(client, owner):
    response = client.post(
        URL, {"email": "owner@example.com", "password": PASSWORD, "next": "/library/"}
    )
    assert response["Location"] == "/library/"


def test_it_refuses_a_foreign_next(client, owner):
    response = client.post(
        URL,
        {"email": "owner@example.com", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response["Location"] == "/"


def test_it_sends_a_signed_in_user_on(client, owner):
    client.force_login(owner)
    response = client.get(URL + "?next=/jobs/")
    assert response.status_code == 302
    assert response["Location"] == "/jobs/"


def test_it_rejects_a_wrong_password(client, owner):
    response = client.post(URL, {"email": "owner@example.com", "password": "nope"})
    assert response.status_code == 400
    assert b"That e-mail and password do not match" in response.content
    assert _session_user_id(client) is None


def test_it_rejects_an_unknown_address(client, db):
    response = client.post(URL, {"email": "nobody@example.com", "password": "whatever"})
    assert response.status_code == 400
    assert b"That e-mail and password do not match" in response.content


def test_it_rejects_an_inactive_account(client, owner):
    get_user_model().objects.filter(pk=owner.pk).update(is_active=False)
    response = client.post(URL, {"email": "owner@example.com", "password": PASSWORD})
    assert response.status_code == 400
    assert _session_user_id(client) is None


def test_it_explains_missing_fields_beside_them(client, db):
    response = client.post(URL, {"email": "not-an-address", "password": ""})
    assert response.status_code == 400
    assert b'id="id_email_error"' in response.content
    assert b'id="id_password_error"' in response.content
    assert b'aria-invalid="true"' in response.content


def test_it_renders_only_the_form_for_htmx(client, db):
    response = client.post(URL, {"email": "x@example.com", "password": "y"}, headers=HTMX)
    assert response.status_code == 200
    assert b"<html" not in response.content
    assert b"That e-mail and password do not match" in response.content


def test_it_rejects_put(client, db):
    assert client.put(URL).status_code == 405


class TestThrottling:
    def _fail(self, client, email, times, ip="10.0.0.1"):
        for _ in range(times):
            response = client.post(URL, {"email": email, "password": "wrong"}, REMOTE_ADDR=ip)
        return response

    def test_it_waits_after_ten_failures_for_an_account(self, client, owner, settings):
        assert settings.LOGIN_FAILURE_LIMIT == 10
        self._fail(client, "owner@example.com", 9)
        tenth = self._fail(client, "owner@example.com", 1)
        assert tenth.status_code == 429
        # Even the right password is refused now, from any address.
        response = client.post(
            URL, {"email": "owner@example.com", "password": PASSWORD}, REMOTE_ADDR="10.9.9.9"
        )
        assert response.status_code == 429
        assert (
            "Too many failed sign-ins. Try again in 15 minutes or reset your password."
            in response.content.decode()
        )
        assert _session_user_id(client) is None

    def test_nine_failures_still_let_the_owner_in(self, client, owner):
        self._fail(client, "owner@example.com", 9)
        response = client.post(
            URL, {"email": "owner@example.com", "password": PASSWORD}, REMOTE_ADDR="10.0.0.1"
        )
        assert response.status_code == 302

    def test_a_success_forgets_the_account_failures(self, client, owner):
        self._fail(client, "owner@example.com", 9, ip="10.0.0.1")
        client.post(
            URL, {"email": "owner@example.com", "password": PASSWORD}, REMOTE_ADDR="10.0.0.2"
        )
        client.logout()
        # Nine more from another address: the account's count started again at zero.
        response = self._fail(client, "owner@example.com", 9, ip="10.0.0.3")
        assert response.status_code == 400

    def test_it_waits_after_ten_failures_from_one_address(self, client, owner, teammate):
        for n in range(10):
            client.post(
                URL, {"email": f"guess{n}@example.com", "password": "x"}, REMOTE_ADDR="10.0.0.7"
            )
        blocked = client.post(
            URL, {"email": "teammate@example.com", "password": PASSWORD}, REMOTE_ADDR="10.0.0.7"
        )
        assert blocked.status_code == 429
        assert b"Too many failed sign-ins. Try again in 15 minutes" in blocked.content
        assert _session_user_id(client) is None
        elsewhere = client.post(
            URL, {"email": "teammate@example.com", "password": PASSWORD}, REMOTE_ADDR="10.0.0.8"
        )
        assert elsewhere.status_code == 302

    def test_the_wait_ends_with_the_window(self, client, owner, settings):
        start = 1_000_000.0
        with mock.patch("soundsite.accounts.throttle.time.time", return_value=start):
            self._fail(client, "owner@example.com", 10)
        later = start + 14 * 60
        with mock.patch("soundsite.accounts.throttle.time.time", return_value=later):
            response = client.post(URL, {"email": "owner@example.com", "password": PASSWORD})
        assert response.status_code == 429
        assert b"Try again in 1 minute or" in response.content
        # The counters live in the cache with the window as their lifetime; model its expiry.
        with mock.patch("soundsite.accounts.throttle.time.time", return_value=start + 901):
            assert throttle.refusal_for("owner@example.com", "10.0.0.1") is None

    def test_the_limit_comes_from_settings(self, client, owner, settings):
        settings.LOGIN_FAILURE_LIMIT = 3
        response = self._fail(client, "owner@example.com", 3)
        assert response.status_code == 429


@pytest.mark.parametrize(
    ("header", "proxies", "expected"),
    [
        ("1.1.1.1", 0, "10.0.0.1"),
        ("1.1.1.1", 1, "1.1.1.1"),
        ("6.6.6.6, 1.1.1.1", 1, "1.1.1.1"),
        ("6.6.6.6, 1.1.1.1, 2.2.2.2", 2, "1.1.1.1"),
        ("", 1, "10.0.0.1"),
    ],
)
def test_client_ip_trusts_only_the_configured_proxies(rf, settings, header, proxies, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=header)
    assert throttle.client_ip(request) == expected


def test_logout_signs_out(client, owner):
    client.force_login(owner)
    response = client.post("/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert _session_user_id(client) is None


def test_logout_rejects_get(client, owner):
    client.force_login(owner)
    assert client.get("/logout/").status_code == 405
    assert _session_user_id(client) == str(owner.pk)


def test_the_account_counter_ignores_case(db):
    make_user("case@example.com")
    for _ in range(10):
        throttle.record_failure("CASE@example.com", "1.2.3.4")
    assert throttle.refusal_for("case@example.com", "5.6.7.8") is not None
