"""The Studio home: a tile per task, the first-run panel, the member's recent jobs."""

from soundsite.studio.labels import TASKS
from soundsite.studio.models import Job
from tests.factories import make_key


def test_it_shows_a_tile_for_every_task(client, owner, sp_key):
    client.force_login(owner)
    response = client.get("/")
    assert response.status_code == 200
    body = response.content.decode()
    for task, (label, description) in TASKS.items():
        assert f'href="/studio/{task}/"' in body
        assert label.replace("&", "&amp;") in body
        assert description in body


def test_tiles_say_which_keys_can_do_each_task(client, owner, sp_key):
    client.force_login(owner)
    body = client.get("/").content.decode()
    song = body[body.index('href="/studio/song/"') :]
    assert "With Agency Soundpiece" in song[: song.index("</a>")]
    identify = body[body.index('href="/studio/identify/"') :]
    assert "Needs a Soundverse key" in identify[: identify.index("</a>")]


def test_a_task_both_providers_do_names_either(client, owner, workspace):
    client.force_login(owner)
    body = client.get("/").content.decode()
    song = body[body.index('href="/studio/song/"') :]
    assert "Needs a Soundpiece or Soundverse key" in song[: song.index("</a>")]


def test_many_keys_are_summarised(client, owner, workspace, sp_key, sv_key):
    make_key(workspace, owner, "soundverse", label="Third key")
    client.force_login(owner)
    body = client.get("/").content.decode()
    song = body[body.index('href="/studio/song/"') :]
    assert "and 1 more" in song[: song.index("</a>")]


def test_the_first_run_panel_offers_keys_and_the_sandbox(client, owner):
    client.force_login(owner)
    body = client.get("/").content.decode()
    assert "Add your Soundpiece or Soundverse key — or try the sandbox" in body
    assert 'href="/settings/keys/new/soundpiece/"' in body
    assert 'href="/settings/keys/new/soundverse/"' in body
    assert 'action="/settings/keys/sandbox/soundpiece/"' in body
    assert 'action="/settings/keys/sandbox/soundverse/"' in body


def test_the_sandbox_buttons_go_when_the_sandbox_is_off(client, owner, settings):
    settings.SANDBOX_ENABLED = False
    client.force_login(owner)
    body = client.get("/").content.decode()
    assert "Add a Soundpiece key" in body
    assert "/settings/keys/sandbox/" not in body


def test_the_first_run_panel_goes_once_a_key_is_usable(client, owner, sp_key):
    client.force_login(owner)
    assert b"or try the sandbox" not in client.get("/").content


def test_a_teammate_without_a_shared_key_still_sees_the_panel(client, workspace, owner, teammate):
    make_key(workspace, owner, "soundpiece", shared=False)
    client.force_login(teammate)
    assert b"or try the sandbox" in client.get("/").content


def test_viewers_get_a_read_only_notice_instead(client, viewer, sp_key):
    client.force_login(viewer)
    body = client.get("/").content.decode()
    assert "You can listen, not make" in body
    assert "or try the sandbox" not in body
    assert "Needs a" not in body


def test_it_lists_the_members_recent_jobs(client, workspace, owner, teammate, sp_key):
    Job.objects.create(
        workspace=workspace,
        created_by=owner,
        key=sp_key,
        provider="soundpiece",
        operation="create.new_fx",
        task="sound_effect",
        title="Door creak",
    )
    Job.objects.create(
        workspace=workspace,
        created_by=teammate,
        key=sp_key,
        provider="soundpiece",
        operation="create.new_fx",
        task="sound_effect",
        title="Teammate whoosh",
    )
    client.force_login(owner)
    body = client.get("/").content.decode()
    assert "Door creak" in body and 'class="job-card' in body
    assert "Teammate whoosh" not in body


def test_it_has_an_empty_state(client, owner):
    client.force_login(owner)
    assert b"Nothing yet. Pick a tile above" in client.get("/").content


def test_strangers_see_their_own_studio_only(client, workspace, owner, stranger, sp_key):
    Job.objects.create(
        workspace=workspace,
        created_by=owner,
        key=sp_key,
        provider="soundpiece",
        operation="create.new_fx",
        task="sound_effect",
        title="Secret sting",
    )
    client.force_login(stranger)
    body = client.get("/").content.decode()
    assert "Secret sting" not in body and "Agency Soundpiece" not in body


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    response = client.get("/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_it_rejects_post(client, owner):
    client.force_login(owner)
    assert client.post("/").status_code == 405


def test_the_top_bar_tray_counts_running_jobs_as_the_page_renders(client, workspace, owner, sp_key):
    client.force_login(owner)
    assert b"Jobs idle" in client.get("/").content
    Job.objects.create(
        workspace=workspace,
        created_by=owner,
        key=sp_key,
        provider="soundpiece",
        operation="create.new_fx",
        task="sound_effect",
        state="running",
    )
    body = client.get("/studio/song/").content.decode()
    assert 'id="job-tray"' in body and "1 running" in body
