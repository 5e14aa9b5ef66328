import re

from django.core import mail

from soundsite.accounts import throttle
from tests.accounts.conftest import HTMX
from tests.factories import PASSWORD


def _reset_link(settings):
    body = mail.outbox[-1].body
    match = re.search(re.escape(settings.PUBLIC_BASE_URL) + r"(/password-reset/[^\s]+/)", body)
    assert match, body
    return match.group(1)


def test_the_form_renders(client, db):
    response = client.get("/password-reset/")
    assert response.status_code == 200
    assert b"Your e-mail address" in response.content


def test_it_mails_a_link_with_the_public_address(client, owner, settings):
    settings.PUBLIC_BASE_URL = "https://music.example.com"
    response = client.post("/password-reset/", {"email": "OWNER@example.com"})
    assert response.status_code == 302
    assert response["Location"] == "/password-reset/sent/"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["owner@example.com"]
    assert message.subject == "Reset your Soundsite password"
    assert "https://music.example.com/password-reset/" in message.body
    assert "testserver" not in message.body


def test_it_does_not_reveal_unknown_addresses(client, db):
    response = client.post("/password-reset/", {"email": "nobody@example.com"})
    assert response["Location"] == "/password-reset/sent/"
    assert mail.outbox == []


def test_it_explains_a_malformed_address(client, db):
    response = client.post("/password-reset/", {"email": "nope"})
    assert response.status_code == 400
    assert b'id="id_email_error"' in response.content
    assert mail.outbox == []


def test_it_renders_only_the_form_for_htmx(client, db):
    response = client.post("/password-reset/", {"email": "nope"}, headers=HTMX)
    assert response.status_code == 200
    assert b"<html" not in response.content


def test_the_link_sets_a_new_password_and_ends_the_wait(client, owner, settings):
    for _ in range(10):
        throttle.record_failure("owner@example.com", "127.0.0.1")
    assert throttle.refusal_for("owner@example.com", "127.0.0.1")
    client.post("/password-reset/", {"email": "owner@example.com"})
    link = _reset_link(settings)
    # Django swaps the token into the session and redirects to a token-free address.
    response = client.get(link, follow=True)
    assert b"Choose a new password" in response.content
    form_url = response.redirect_chain[-1][0]
    response = client.post(
        form_url, {"new_password1": "violet harbour 77", "new_password2": "violet harbour 77"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/password-reset/done/"
    owner.refresh_from_db()
    assert owner.check_password("violet harbour 77")
    assert throttle.refusal_for("owner@example.com", "127.0.0.1") is None
    signed_in = client.post(
        "/login/", {"email": "owner@example.com", "password": "violet harbour 77"}
    )
    assert signed_in.status_code == 302


def test_mismatched_new_passwords_change_nothing(client, owner, settings):
    client.post("/password-reset/", {"email": "owner@example.com"})
    response = client.get(_reset_link(settings), follow=True)
    form_url = response.redirect_chain[-1][0]
    response = client.post(
        form_url, {"new_password1": "violet harbour 77", "new_password2": "violet harbor 77"}
    )
    assert response.status_code == 400
    assert b"The two passwords differ" in response.content
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)


def test_a_forged_link_says_so(client, owner):
    response = client.get("/password-reset/MQ/forged-token/")
    assert response.status_code == 200
    assert b"This link no longer works" in response.content


def test_the_done_pages_reject_post(client, db):
    assert client.post("/password-reset/sent/").status_code == 405
    assert client.post("/password-reset/done/").status_code == 405
    assert client.put("/password-reset/").status_code == 405
