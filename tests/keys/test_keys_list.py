import pytest
from django.utils import timezone

from soundsite.keys.checks import mark_rejected
from tests.factories import make_key

URL = "/settings/keys/"


def test_it_lists_own_and_shared_keys(client, owner, teammate, admin_user, workspace):
    make_key(workspace, teammate, label="Mine", plan="growth", license="sample")
    make_key(
        workspace,
        admin_user,
        label="Agency key",
        shared=True,
        plan="scale_2",
        license="distribution",
    )
    make_key(workspace, admin_user, label="Admin private")
    client.force_login(teammate)
    response = client.get(URL)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Mine" in text and "Agency key" in text
    assert "Admin private" not in text
    assert "Growth" in text and "Scale 2" in text
    assert "Chop and transform" in text  # the Sample license's summary
    assert "Everyone in the workspace except viewers" in text


def test_it_shows_last_four_characters_sandbox_badge_and_health(client, owner, workspace):
    key = make_key(
        workspace,
        owner,
        secret="sksoundverse_sandbox_abcdefghij0123456789WXYZ",
        is_sandbox=True,
        health="valid",
        checked_at=timezone.now(),
    )
    client.force_login(owner)
    text = client.get(URL).content.decode()
    assert "…WXYZ" in text
    assert ">Sandbox<" in text
    assert "Accepted" in text and "checked" in text
    assert f'hx-post="/settings/keys/{key.code}/check/"' in text


def test_it_shows_add_buttons_and_sandbox_offer(client, teammate, settings):
    settings.SANDBOX_ENABLED = True
    client.force_login(teammate)
    text = client.get(URL).content.decode()
    assert "Add a Soundpiece key" in text
    assert "Add a Soundverse sandbox key" in text
    assert "No keys yet" in text


def test_it_hides_the_sandbox_offer_when_the_sandbox_is_off(client, teammate, settings):
    settings.SANDBOX_ENABLED = False
    client.force_login(teammate)
    assert "sandbox key" not in client.get(URL).content.decode()


def test_viewers_see_shared_keys_without_actions(client, viewer, owner, workspace):
    make_key(workspace, owner, label="Shared one", shared=True)
    client.force_login(viewer)
    text = client.get(URL).content.decode()
    assert "Shared one" in text
    assert "Add a Soundpiece key" not in text
    assert "Check key" not in text
    assert "Replace secret" not in text


def test_teammates_cannot_change_an_admins_shared_key(client, teammate, admin_user, workspace):
    key = make_key(workspace, admin_user, label="Shared one", shared=True)
    client.force_login(teammate)
    text = client.get(URL).content.decode()
    assert "Check key" in text  # they may use it
    assert f"/settings/keys/{key.code}/edit/" not in text


def test_deleted_keys_are_not_listed(client, owner, workspace):
    make_key(workspace, owner, label="Old key", deleted_at=timezone.now())
    client.force_login(owner)
    assert "Old key" not in client.get(URL).content.decode()


def test_it_checks_membership(client, stranger, owner, workspace):
    make_key(workspace, owner, label="Northlight key", shared=True)
    client.force_login(stranger)
    response = client.get(URL)
    assert response.status_code == 200
    assert "Northlight key" not in response.content.decode()


def test_it_sends_anonymous_users_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_it_rejects_post(client, owner):
    client.force_login(owner)
    assert client.post(URL).status_code == 405


def test_a_rejected_key_shows_a_notice_to_its_owner_only(client, owner, teammate, workspace):
    key = make_key(workspace, owner, label="Main Soundverse", shared=True)
    mark_rejected(key, "")
    client.force_login(owner)
    text = client.get("/jobs/").content.decode()
    assert "Soundverse refused your key “Main Soundverse”" in text
    assert f"/settings/keys/{key.code}/secret/" in text
    client.force_login(teammate)
    assert "refused your key" not in client.get("/jobs/").content.decode()


@pytest.mark.parametrize(
    ("path", "current"),
    [("/settings/keys/", "API keys"), ("/settings/usage/", "Usage")],
)
def test_keys_pages_share_the_settings_layout(client, owner, path, current):
    client.force_login(owner)
    body = client.get(path).content.decode()
    assert "<h1>Settings</h1>" in body
    assert "Northlight Studio · you are owner" in body
    assert f'aria-current="page">{current}</a>' in body
    assert body.count("<h1") == 1
