import pytest

from soundsite.keys.models import KeyHealth, ProviderKey
from tests.factories import make_key


def url(key):
    return f"/settings/keys/{key.code}/edit/"


def form(**changes):
    data = {"label": "Renamed", "plan": "scale_1", "license": "distribution", "base_url": ""}
    data.update(changes)
    return data


@pytest.fixture
def key(workspace, teammate):
    return make_key(workspace, teammate, label="Mine", plan="starter", license="royalty_free")


def test_it_shows_the_form_filled_in(client, teammate, key):
    client.force_login(teammate)
    response = client.get(url(key))
    assert response.status_code == 200
    text = response.content.decode()
    assert 'value="Mine"' in text
    assert '<option value="starter" selected>' in text
    assert 'value="royalty_free" id="license-royalty_free"\n                   checked' in text
    assert 'name="secret"' not in text


def test_it_saves_label_plan_and_license(client, teammate, key, fake_provider):
    client.force_login(teammate)
    response = client.post(url(key), form())
    assert response.status_code == 302
    key.refresh_from_db()
    assert (key.label, key.plan, key.license) == ("Renamed", "scale_1", "distribution")
    assert fake_provider.calls == []  # the address did not change: no check needed


def test_a_new_address_is_checked(client, teammate, key, fake_provider):
    client.force_login(teammate)
    data = form(base_url="https://apiv2.soundverse.ai")
    assert client.post(url(key), data).status_code == 302
    key.refresh_from_db()
    assert key.base_url == "https://apiv2.soundverse.ai"
    assert fake_provider.calls[0]["base_url"] == "https://apiv2.soundverse.ai"
    assert key.health == KeyHealth.VALID


def test_admins_may_share_and_edit_a_shared_key(client, admin_user, owner, workspace):
    shared = make_key(workspace, owner, label="Agency", shared=True)
    client.force_login(admin_user)
    response = client.post(url(shared), form(shared="on"))
    assert response.status_code == 302
    shared.refresh_from_db()
    assert shared.shared and shared.label == "Renamed"
    assert client.post(url(shared), form()).status_code == 302
    shared.refresh_from_db()
    assert not shared.shared


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        (form(plan="diamond"), "plan", "Choose one of the Soundverse plans"),
        (form(license="sync"), "license", "gives the Distribution license"),
        (form(base_url="gopher://example.com"), "base_url", "https://"),
        (form(shared="on"), "shared", "Only owners and admins"),
        (form(label=""), "label", "Give the key a name"),
    ],
)
def test_bad_input_is_explained_and_nothing_is_saved(client, teammate, key, data, field, words):
    client.force_login(teammate)
    response = client.post(url(key), data)
    assert response.status_code == 400
    text = response.content.decode()
    assert words in text
    assert ('id="license-errors"' if field == "license" else f'id="id_{field}_error"') in text
    key.refresh_from_db()
    assert (key.label, key.plan, key.license, key.shared) == (
        "Mine",
        "starter",
        "royalty_free",
        False,
    )


def test_someone_elses_private_key_is_404(client, teammate, admin_user, workspace):
    private = make_key(workspace, admin_user, label="Admin's own")
    client.force_login(teammate)
    assert client.get(url(private)).status_code == 404
    assert client.post(url(private), form()).status_code == 404
    # Even owners and admins cannot reach a member's private key.
    mine = make_key(workspace, teammate, label="Teammate's own")
    client.force_login(admin_user)
    assert client.get(url(mine)).status_code == 404


def test_a_shared_key_of_someone_else_is_403_for_members(client, teammate, admin_user, workspace):
    shared = make_key(workspace, admin_user, label="Agency", shared=True)
    client.force_login(teammate)
    assert client.get(url(shared)).status_code == 403
    assert client.post(url(shared), form()).status_code == 403
    shared.refresh_from_db()
    assert shared.label == "Agency"


def test_viewers_get_403(client, viewer, owner, workspace):
    shared = make_key(workspace, owner, shared=True)
    client.force_login(viewer)
    assert client.get(url(shared)).status_code == 403


def test_strangers_get_404(client, stranger, key):
    client.force_login(stranger)
    assert client.get(url(key)).status_code == 404
    assert client.post(url(key), form()).status_code == 404


def test_a_deleted_key_is_404(client, teammate, key):
    from django.utils import timezone

    ProviderKey.objects.filter(pk=key.pk).update(deleted_at=timezone.now())
    client.force_login(teammate)
    assert client.get(url(key)).status_code == 404


def test_it_rejects_other_methods(client, teammate, key):
    client.force_login(teammate)
    assert client.delete(url(key)).status_code == 405
