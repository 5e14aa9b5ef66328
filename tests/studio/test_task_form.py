"""The task forms: built from the catalog, every limit checked, every operation reachable."""

import re
import uuid

import pytest

from soundsite.providers.base import FieldType
from soundsite.providers.catalog import all_operations, operations_for
from soundsite.studio import forms
from soundsite.studio.models import Job
from tests.factories import make_key
from tests.studio.forms_support import valid_data

HTMX = {"HX-Request": "true"}
OPERATIONS = all_operations()


def op_id(operation):
    return f"{operation.provider}:{operation.key}"


def field_errors(response) -> list[str]:
    return re.findall(r'class="field-error"[^>]*>([^<]*)<', response.content.decode())


@pytest.fixture
def both_keys(sp_key, sv_key, public_base):
    return sp_key, sv_key


# --- Every operation is reachable ---------------------------------------------------------------
def test_no_catalog_field_uses_a_name_the_form_needs():
    for operation in OPERATIONS:
        for spec in operation.fields:
            assert spec.name not in forms.CONTROL_FIELDS, (operation.key, spec.name)
            assert "__" not in spec.name, (operation.key, spec.name)


@pytest.mark.parametrize("operation", OPERATIONS, ids=op_id)
def test_every_operation_can_be_submitted_from_its_task_form(
    client, owner, both_keys, library_track, operation
):
    client.force_login(owner)
    response = client.post(f"/studio/{operation.task}/", valid_data(operation, library_track))
    assert response.status_code == 302, field_errors(response)
    job = Job.objects.get()
    assert (job.provider, job.operation, job.task) == (
        operation.provider,
        operation.key,
        operation.task,
    )
    assert job.key == (both_keys[0] if operation.provider == "soundpiece" else both_keys[1])
    assert response["Location"] == f"/jobs/#job-{job.code}"
    for spec in operation.fields:
        if spec.type is FieldType.AUDIO:
            # Stored files reach the provider as signed links under the public address.
            assert job.parameters[spec.name].startswith("https://studio.example.com/studio/files/")
            assert job.inputs[spec.name]["track"] == str(library_track.code)
    assert set(job.parameters) <= {spec.name for spec in operation.fields}
    assert job.license_snapshot["key_label"] == job.key.label
    assert job.license_snapshot["license"] == "royalty_free"
    assert job.license_snapshot["summary"]


@pytest.mark.parametrize("operation", OPERATIONS, ids=op_id)
def test_every_operation_needs_only_its_required_fields(
    client, owner, both_keys, library_track, operation
):
    client.force_login(owner)
    data = valid_data(operation, library_track, only_required=True)
    response = client.post(f"/studio/{operation.task}/", data)
    assert response.status_code == 302, field_errors(response)
    job = Job.objects.get()
    assert job.operation == operation.key
    # Empty optional fields are left out of the request, not sent empty.
    assert all(value not in ("", None) for value in job.parameters.values())


def test_each_task_offers_the_operations_of_the_members_keys(client, owner, sp_key):
    client.force_login(owner)
    body = client.get("/studio/remix/").content.decode()
    assert "soundpiece:create.remix_song" in body
    assert "soundpiece:create.remix_instrumental" in body
    assert "soundverse:" not in body


def test_the_default_is_the_most_capable_version(client, owner, both_keys):
    client.force_login(owner)
    body = client.get("/studio/song/").content.decode()
    best = sorted(operations_for("song"), key=lambda op: (op.deprecated, -op.rank))[0]
    assert re.search(rf'value="{re.escape(op_id(best))}" selected', body)


def test_deprecated_versions_are_marked(client, owner, both_keys):
    client.force_login(owner)
    body = client.get("/studio/instrumental/").content.decode()
    assert "being removed" in body


def test_a_teammate_gets_shared_keys_but_not_private_ones(client, workspace, owner, teammate):
    make_key(workspace, owner, "soundverse", label="Private Soundverse", shared=False)
    make_key(workspace, owner, "soundpiece", label="Shared Soundpiece", shared=True)
    client.force_login(teammate)
    body = client.get("/studio/song/").content.decode()
    assert "soundpiece:create.new_song" in body
    assert "soundverse:" not in body
    assert "Private Soundverse" not in body


def test_several_keys_offer_a_choice_and_the_chosen_key_is_used(
    client, workspace, owner, sp_key, library_track, public_base
):
    second = make_key(workspace, owner, "soundpiece", label="Second Soundpiece")
    client.force_login(owner)
    body = client.get("/studio/stems/").content.decode()
    assert 'name="key"' in body and "Second Soundpiece" in body and "<select" in body
    operation = operations_for("stems", "soundpiece")[0]
    data = valid_data(operation, library_track, key=second)
    assert client.post("/studio/stems/", data).status_code == 302
    assert Job.objects.get().key == second


def test_a_key_the_member_cannot_use_is_refused(client, workspace, owner, teammate, sp_key):
    private = make_key(workspace, owner, "soundpiece", label="Owner only", shared=False)
    client.force_login(teammate)
    data = {"operation": "soundpiece:create.new_fx", "prompt": "whoosh", "duration": "3"}
    data["key"] = str(private.code)
    response = client.post("/studio/sound_effect/", data)
    assert response.status_code == 400
    assert "Choose one of your keys" in response.content.decode()
    assert not Job.objects.exists()


def test_a_member_without_keys_is_told_what_to_add(client, teammate):
    client.force_login(teammate)
    body = client.get("/studio/identify/").content.decode()
    assert "You need a Soundverse key for this" in body
    assert "/settings/keys/new/soundverse/" in body
    assert 'id="task-form"' not in body
    response = client.post("/studio/identify/", {"operation": "soundverse:recognize_v5"})
    assert response.status_code == 400
    assert not Job.objects.exists()


# --- Field order, limits beside fields, expert fields folded away -----------------------------
def test_fields_come_in_the_order_people_think(client, owner, both_keys):
    client.force_login(owner)
    body = client.get("/studio/song/?operation=soundpiece:create.new_song").content.decode()
    assert (
        body.index('name="prompt"') < body.index('name="reference"') < body.index('name="lyrics"')
    )
    body = client.get("/studio/extend/?operation=soundverse:extend_song_v6").content.decode()
    assert body.index('name="audio_url"') < body.index('name="lyrics"')
    assert body.index('name="lyrics"') < body.index('name="extend_at"')


def test_limits_are_shown_beside_their_fields(client, owner, both_keys):
    client.force_login(owner)
    body = client.get("/studio/song/?operation=soundpiece:create.new_song").content.decode()
    assert "up to 1024 characters" in body and "up to 3000 characters" in body
    body = client.get("/studio/extend/?operation=soundverse:extend_song_v6").content.decode()
    assert "8000–420000 ms" in body
    body = client.get("/studio/remix/?operation=soundpiece:create.remix_song").content.decode()
    assert "1–3" in body
    body = client.get("/studio/remix/?operation=soundverse:remix_v7").content.decode()
    assert "up to 10 MB" in body


def test_expert_fields_are_folded_under_more_options(client, owner, both_keys):
    client.force_login(owner)
    body = client.get("/studio/extend/?operation=soundverse:extend_music_v6").content.decode()
    folded = body[body.index('<details class="more-options"') :]
    assert 'name="guidanceScale"' in folded and 'name="inferStep"' in folded
    assert 'name="audio_url"' not in folded


def test_limit_text_reads_plainly():
    from soundsite.providers.base import Field

    assert forms.limit_text(Field("p", "P", FieldType.TEXT, max_length=1024)) == (
        "up to 1024 characters"
    )
    number = Field("d", "D", FieldType.INTEGER, min_value=8, max_value=420, unit="s")
    assert forms.limit_text(number) == "8–420 s"
    assert forms.limit_text(Field("c", "C", FieldType.INTEGER, min_value=1)) == "at least 1"
    assert forms.limit_text(Field("d", "D", FieldType.NUMBER, unit="s")) == "in seconds"
    audio = Field("a", "A", FieldType.AUDIO, max_bytes=10 * 1024 * 1024)
    assert forms.limit_text(audio) == "up to 10 MB"


# --- Every limit is checked, with a plain message beside the field -----------------------------
def limit_cases():
    """(operation, field, bad value, words expected in the message) for every limit."""
    cases = []
    for operation in OPERATIONS:
        for spec in operation.fields:
            if spec.type is FieldType.AUDIO:
                continue
            if spec.max_length:
                cases.append((operation, spec.name, "x" * (spec.max_length + 1), "or fewer"))
            if spec.type in (FieldType.INTEGER, FieldType.NUMBER):
                if spec.min_value is not None:
                    cases.append((operation, spec.name, str(spec.min_value - 1), "Use"))
                if spec.max_value is not None:
                    cases.append((operation, spec.name, str(spec.max_value + 1), "Use"))
                word = "whole number" if spec.type is FieldType.INTEGER else "number"
                cases.append((operation, spec.name, "lots", word))
            if spec.type is FieldType.CHOICE:
                cases.append((operation, spec.name, "not-an-option", "listed options"))
            if spec.required and spec.type is not FieldType.BOOLEAN:
                cases.append((operation, spec.name, "", ""))
    return cases


LIMIT_CASES = limit_cases()


@pytest.mark.parametrize(
    "operation,name,value,words",
    LIMIT_CASES,
    ids=[f"{op.key}-{name}-{value[:12] or 'empty'}" for op, name, value, _ in LIMIT_CASES],
)
def test_every_field_limit_is_checked(
    client, owner, both_keys, library_track, operation, name, value, words
):
    client.force_login(owner)
    data = valid_data(operation, library_track)
    data[name] = value
    response = client.post(f"/studio/{operation.task}/", data)
    assert response.status_code == 400
    assert not Job.objects.exists()
    body = response.content.decode()
    # The message sits inside the field's own block.
    block = body[body.index(f'name="{name}"') :]
    block = block[: block.index("</div>")]
    errors = re.findall(r'class="field-error"[^>]*>([^<]*)<', block)
    assert errors, body[:200]
    assert words in errors[0]


def test_required_audio_is_asked_for(client, owner, both_keys):
    client.force_login(owner)
    response = client.post("/studio/stems/", {"operation": "soundpiece:adapt.separate_stems"})
    assert response.status_code == 400
    assert "Choose a track from the library, upload a file or paste a link." in field_errors(
        response
    )


@pytest.mark.parametrize(
    "operation",
    [op for op in OPERATIONS if op.requires_one_of],
    ids=op_id,
)
def test_requires_one_of_groups_are_checked(client, owner, both_keys, library_track, operation):
    client.force_login(owner)
    data = valid_data(operation, library_track)
    for group in operation.requires_one_of:
        for name in group:
            spec = operation.field(name)
            data[name] = ""
            if spec.type is FieldType.AUDIO:
                data.pop(f"{name}__track", None)
    response = client.post(f"/studio/{operation.task}/", data)
    assert response.status_code == 400
    assert any("Give at least one of these" in error for error in field_errors(response))
    assert not Job.objects.exists()


def test_an_unknown_operation_is_refused_plainly(client, owner, both_keys):
    client.force_login(owner)
    response = client.post("/studio/song/", {"operation": "soundpiece:adapt.separate_stems"})
    assert response.status_code == 400
    assert "Choose one of the listed ways to make it." in field_errors(response)


def test_a_name_that_is_too_long_is_refused(client, owner, both_keys, library_track):
    client.force_login(owner)
    operation = operations_for("sound_effect", "soundpiece")[0]
    data = valid_data(operation, library_track) | {"title": "x" * 201}
    response = client.post("/studio/sound_effect/", data)
    assert response.status_code == 400
    assert "Keep the name to 200 characters or fewer." in field_errors(response)


def test_a_zero_length_is_refused_even_without_a_published_limit(client, owner, sp_key):
    client.force_login(owner)
    data = {"operation": "soundpiece:create.new_sample", "prompt": "drums", "duration": "0"}
    response = client.post("/studio/sample/", data)
    assert response.status_code == 400
    assert "Use a length above 0." in field_errors(response)


def test_provider_rules_are_checked_before_anything_is_sent(
    client, owner, both_keys, library_track
):
    client.force_login(owner)
    operation = operations_for("cut", "soundverse")[0]
    data = valid_data(operation, library_track) | {"start": "20", "end": "10"}
    response = client.post("/studio/cut/", data)
    assert response.status_code == 400
    assert not Job.objects.exists()
    data = valid_data(operations_for("loop", "soundverse")[-1], library_track)
    data["timeRanges"] = "from the start to the end"
    response = client.post("/studio/loop/", data)
    assert response.status_code == 400
    assert not Job.objects.exists()


def test_invalid_htmx_posts_rerender_the_form_with_200(client, owner, sp_key):
    client.force_login(owner)
    response = client.post(
        "/studio/sound_effect/", {"operation": "soundpiece:create.new_fx"}, headers=HTMX
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body and 'id="task-form"' in body
    assert "Please fill this in." in body


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"operation": ""},
        {"operation": "x" * 5000},
        {"operation": "soundpiece:create.new_fx", "duration": "nan", "prompt": "a"},
        {"operation": "soundpiece:create.new_fx", "duration": "inf", "prompt": "a"},
        {"operation": "soundpiece:create.new_fx", "duration": "1e400", "prompt": "a"},
        {"operation": "soundpiece:create.new_fx", "duration": "3", "prompt": "a\x00b"},
        {"operation": "soundpiece:create.remix_song", "source": "library", "source__track": "x"},
        {"operation": "soundpiece:create.remix_song", "source": "elsewhere"},
        {"operation": "soundpiece:create.remix_song", "source": "url", "source__url": "\x00"},
        {"operation": "soundpiece:create.remix_song", "key": "not-a-uuid"},
        {"operation": "soundpiece:create.new_fx", "form_token": "not-a-token", "prompt": "a"},
        {"operation": "soundverse:loop_time_range", "timeRanges": "-,-,-", "count": "1"},
        {"operation": "soundverse:extend_music_v6", "manualSeeds": "a,b", "audio_url": "url"},
        {"operation": "soundverse:song_v7", "license": "full_ownership", "prompt": "a"},
    ],
)
def test_odd_input_never_causes_a_server_error(client, owner, both_keys, data):
    client.force_login(owner)
    for task in ("song", "sound_effect", "remix", "loop", "extend"):
        response = client.post(f"/studio/{task}/", data)
        assert response.status_code in (302, 400)


# --- Links as audio inputs ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "url",
    ["ftp://example.com/a.wav", "javascript:alert(1)", "file:///etc/passwd", "example.com/a.wav"],
)
def test_only_http_links_are_accepted(client, owner, sp_key, url):
    client.force_login(owner)
    data = {"operation": "soundpiece:adapt.separate_stems", "source": "url", "source__url": url}
    response = client.post("/studio/stems/", data)
    assert response.status_code == 400
    assert any("https://" in error for error in field_errors(response))
    assert not Job.objects.exists()


def test_a_pasted_link_is_given_to_the_provider_as_it_is(client, owner, sp_key):
    client.force_login(owner)
    url = "https://cdn.example.org/mix.wav?sig=abc"
    data = {"operation": "soundpiece:adapt.separate_stems", "source": "url", "source__url": url}
    assert client.post("/studio/stems/", data).status_code == 302
    job = Job.objects.get()
    assert job.parameters == {"source": url}
    assert job.inputs == {"source": {"url": url}}
    assert job.source_track is None


def test_a_library_track_of_another_workspace_cannot_be_used(client, owner, sp_key, stranger):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from soundsite.studio.uploads import check_upload, store_upload
    from tests.studio.conftest import audio_bytes

    theirs = store_upload(
        check_upload(SimpleUploadedFile("theirs.flac", audio_bytes())),
        workspace=stranger.memberships.get().workspace,
        user=stranger,
    )
    client.force_login(owner)
    data = {"operation": "soundpiece:adapt.separate_stems", "source": "library"}
    data["source__track"] = str(theirs.code)
    response = client.post("/studio/stems/", data)
    assert response.status_code == 400
    assert not Job.objects.exists()


# --- PUBLIC_BASE_URL: providers cannot fetch from a private address -----------------------------
def test_a_real_key_without_a_public_address_is_warned_before_anything_is_spent(
    client, owner, sp_key, library_track, settings
):
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:8000"
    client.force_login(owner)
    body = client.get("/studio/stems/").content.decode()
    assert "Soundpiece cannot fetch files from this Soundsite" in body
    assert "PUBLIC_BASE_URL" in body
    data = {"operation": "soundpiece:adapt.separate_stems", "source": "library"}
    data["source__track"] = str(library_track.code)
    response = client.post("/studio/stems/", data)
    assert response.status_code == 400
    assert any("public https address" in error for error in field_errors(response))
    assert not Job.objects.exists()
    # A public link still works: the provider fetches it from elsewhere.
    data = {"operation": "soundpiece:adapt.separate_stems", "source": "url"}
    data["source__url"] = "https://cdn.example.org/mix.wav"
    assert client.post("/studio/stems/", data).status_code == 302


def test_operations_without_audio_are_not_warned(client, owner, sp_key, settings):
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:8000"
    client.force_login(owner)
    body = client.get("/studio/sound_effect/").content.decode()
    assert "cannot fetch files" not in body


def test_a_sandbox_key_may_use_stored_files_on_a_private_address(
    client, workspace, owner, library_track, settings
):
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:8000"
    make_key(workspace, owner, "soundpiece", label="Sandbox", is_sandbox=True)
    client.force_login(owner)
    assert "cannot fetch files" not in client.get("/studio/stems/").content.decode()
    data = {"operation": "soundpiece:adapt.separate_stems", "source": "library"}
    data["source__track"] = str(library_track.code)
    assert client.post("/studio/stems/", data).status_code == 302
    job = Job.objects.get()
    assert job.parameters["source"].startswith("http://127.0.0.1:8000/studio/files/")
    assert job.source_track == library_track


# --- What the job records ------------------------------------------------------------------------
def test_the_job_records_title_license_and_cost(client, owner, sv_key):
    client.force_login(owner)
    data = {"operation": "soundverse:song_v5", "prompt": "Warm lo-fi beat for a coffee ad\nmore"}
    assert client.post("/studio/song/", data).status_code == 302
    job = Job.objects.get()
    assert job.title == "Warm lo-fi beat for a coffee ad"
    assert job.created_by == owner and job.key == sv_key
    assert job.version == "5"
    assert job.license_snapshot["plan"] == "starter"
    assert job.license_snapshot["license"] == "royalty_free"
    assert str(job.estimated_cost) == "0.1400"
    assert job.state == "queued"


def test_a_given_name_is_the_title(client, owner, sp_key):
    client.force_login(owner)
    data = {"operation": "soundpiece:create.new_fx", "prompt": "whoosh", "duration": "2"}
    data["title"] = "  Logo sting  "
    client.post("/studio/sound_effect/", data)
    assert Job.objects.get().title == "Logo sting"


def test_long_prompts_make_a_short_title():
    assert forms.shorten("word " * 40).endswith("…")
    assert len(forms.shorten("word " * 40)) <= 61


def test_pay_as_you_go_offers_a_license_per_job(client, workspace, owner):
    make_key(workspace, owner, "soundverse", label="PAYG", plan="payg")
    client.force_login(owner)
    body = client.get("/studio/song/").content.decode()
    assert 'name="license"' in body and "Full Ownership" in body
    data = {"operation": "soundverse:song_v5", "prompt": "anthem", "license": "sync"}
    assert client.post("/studio/song/", data).status_code == 302
    job = Job.objects.get()
    assert job.license_snapshot["license"] == "sync"
    assert str(job.estimated_cost) == "0.8400"


def test_a_contracted_plan_offers_no_license_choice(client, owner, sv_key):
    client.force_login(owner)
    body = client.get("/studio/song/?operation=soundverse:song_v5").content.decode()
    assert 'name="license"' not in body
    assert "Royalty-Free" in body and "about $0.14" in body
    data = {"operation": "soundverse:song_v5", "prompt": "anthem", "license": "full_ownership"}
    assert client.post("/studio/song/", data).status_code == 302
    # The posted license is ignored: a Starter key only makes Royalty-Free music.
    assert Job.objects.get().license_snapshot["license"] == "royalty_free"


def test_a_license_the_plan_does_not_give_is_refused(client, workspace, owner):
    make_key(workspace, owner, "soundverse", label="PAYG", plan="payg")
    client.force_login(owner)
    data = {"operation": "soundverse:song_v5", "prompt": "anthem", "license": "agreement"}
    response = client.post("/studio/song/", data)
    assert response.status_code == 400
    assert "Choose one of the licenses your plan gives." in field_errors(response)


def test_limits_left_are_shown(client, owner, sv_key):
    client.force_login(owner)
    body = client.get("/studio/song/?operation=soundverse:song_v5").content.decode()
    assert "15 of 15 left this hour" in body


# --- After Generate ------------------------------------------------------------------------------
def test_htmx_submit_returns_a_fresh_form_and_the_new_card(client, owner, sp_key):
    client.force_login(owner)
    data = {"operation": "soundpiece:create.new_fx", "prompt": "door creak", "duration": "2"}
    data["form_token"] = str(uuid.uuid4())
    response = client.post("/studio/sound_effect/", data, headers=HTMX)
    assert response.status_code == 200
    job = Job.objects.get()
    body = response.content.decode()
    assert 'hx-swap-oob="afterbegin:#task-jobs"' in body
    assert f'id="job-{job.code}"' in body
    assert "Started “door creak”" in body
    # The values stay for another go, under a new form token.
    assert "door creak" in body[body.index('name="prompt"') :]
    assert data["form_token"] not in body
    assert response["HX-Reswap"] == "outerHTML show:top"


def test_the_same_form_posted_twice_makes_one_job(client, owner, sp_key):
    client.force_login(owner)
    data = {"operation": "soundpiece:create.new_fx", "prompt": "door creak", "duration": "2"}
    data["form_token"] = str(uuid.uuid4())
    first = client.post("/studio/sound_effect/", data)
    second = client.post("/studio/sound_effect/", data)
    assert Job.objects.count() == 1
    assert first["Location"] == second["Location"]
    again = client.post("/studio/sound_effect/", data, headers=HTMX)
    assert Job.objects.count() == 1
    assert f'id="job-{Job.objects.get().code}"' in again.content.decode()


def test_a_form_token_of_another_member_is_not_theirs(client, owner, teammate, sp_key):
    token = str(uuid.uuid4())
    data = {"operation": "soundpiece:create.new_fx", "prompt": "creak", "duration": "2"}
    client.force_login(owner)
    client.post("/studio/sound_effect/", data | {"form_token": token})
    owners_job = Job.objects.get()
    client.force_login(teammate)
    response = client.post("/studio/sound_effect/", data | {"form_token": token})
    # The teammate gets a job of their own; the owner's job is neither reused nor revealed.
    assert Job.objects.count() == 2
    teammates_job = Job.objects.exclude(pk=owners_job.pk).get()
    assert teammates_job.created_by == teammate
    assert response["Location"] == f"/jobs/#job-{teammates_job.code}"


def test_the_generate_button_shows_it_started(client, owner, sp_key):
    client.force_login(owner)
    body = client.get("/studio/sound_effect/").content.decode()
    assert 'hx-disabled-elt="find button.generate"' in body
    # The controls that reload fields or the estimate must not disable Generate meanwhile.
    assert 'hx-disinherit="hx-disabled-elt hx-indicator"' in body
    assert 'class="spinner htmx-indicator"' in body
    assert 'name="form_token"' in body


# --- Switching provider / version, and the estimate -------------------------------------------
def test_choosing_another_version_swaps_the_fields(client, owner, both_keys):
    client.force_login(owner)
    data = {"operation": "soundverse:song_v4", "prompt": "rainy jazz", "form_token": "x"}
    response = client.post("/studio/song/fields/", data, headers=HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body and 'id="task-form"' in body
    assert 'name="styleOfMusic"' in body
    assert "field-error" not in body  # a fresh choice is not an invalid form
    response = client.post(
        "/studio/song/fields/", {"operation": "soundpiece:create.new_song", "prompt": "rainy jazz"}
    )
    body = response.content.decode()
    assert 'name="reference"' in body and "rainy jazz" in body


def test_the_estimate_follows_the_license(client, workspace, owner):
    make_key(workspace, owner, "soundverse", label="PAYG", plan="payg")
    client.force_login(owner)
    data = {"operation": "soundverse:song_v5", "license": "distribution"}
    response = client.post("/studio/song/estimate/", data, headers=HTMX)
    body = response.content.decode()
    assert response.status_code == 200 and 'id="outlook"' in body and "<form" not in body
    assert "Release on Spotify" in body
    assert "$0.42" in body


def test_soundpiece_costs_are_not_published(client, owner, sp_key):
    client.force_login(owner)
    body = client.get("/studio/sound_effect/").content.decode()
    assert "Soundpiece does not publish prices" in body


@pytest.mark.parametrize("path", ["/studio/song/fields/", "/studio/song/estimate/"])
def test_refresh_views_check_access(client, viewer, owner, sp_key, path):
    assert client.post(path, headers=HTMX).status_code == 403
    client.force_login(viewer)
    assert client.post(path).status_code == 403
    client.force_login(owner)
    assert client.get(path).status_code == 405
    assert client.post("/studio/nonsense/fields/").status_code == 404


# --- Access --------------------------------------------------------------------------------------
def test_it_works_for_the_owner(client, owner, sp_key):
    client.force_login(owner)
    response = client.get("/studio/song/")
    assert response.status_code == 200
    assert b'id="task-form"' in response.content


def test_viewers_see_a_read_only_notice_and_cannot_post(client, viewer, sp_key):
    client.force_login(viewer)
    response = client.get("/studio/song/")
    assert response.status_code == 200
    assert b"You can listen, not make" in response.content
    assert b'id="task-form"' not in response.content
    data = {"operation": "soundpiece:create.new_fx", "prompt": "creak", "duration": "2"}
    assert client.post("/studio/sound_effect/", data).status_code == 403
    assert not Job.objects.exists()


def test_strangers_never_see_this_workspaces_keys(client, stranger, sp_key):
    client.force_login(stranger)
    body = client.get("/studio/song/").content.decode()
    assert "Agency Soundpiece" not in body
    data = {"operation": "soundpiece:create.new_fx", "prompt": "creak", "duration": "2"}
    data["key"] = str(sp_key.code)
    assert client.post("/studio/sound_effect/", data).status_code == 400
    assert not Job.objects.exists()


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    response = client.get("/studio/song/")
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert client.get("/studio/song/", headers=HTMX).status_code == 403
    assert client.post("/studio/song/", {}).status_code in (302, 403)
    assert not Job.objects.exists()


def test_an_unknown_task_is_not_found(client, owner):
    client.force_login(owner)
    assert client.get("/studio/karaoke/").status_code == 404


def test_it_rejects_other_methods(client, owner):
    client.force_login(owner)
    assert client.put("/studio/song/").status_code == 405
    assert client.delete("/studio/song/").status_code == 405


def test_posts_need_the_csrf_token(owner, sp_key):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    data = {"operation": "soundpiece:create.new_fx", "prompt": "creak", "duration": "2"}
    assert client.post("/studio/sound_effect/", data).status_code == 403
    assert not Job.objects.exists()


def test_two_identical_posts_at_once_still_make_one_job(client, owner, sp_key, monkeypatch):
    from soundsite.studio import views

    # Both requests pass the early check before either has written its job: the database's
    # unique token decides, and the second request answers with the first one's job.
    monkeypatch.setattr(views, "job_for_token", lambda request, token: None)
    client.force_login(owner)
    data = {"operation": "soundpiece:create.new_fx", "prompt": "creak", "duration": "2"}
    data["form_token"] = str(uuid.uuid4())
    first = client.post("/studio/sound_effect/", data)
    second = client.post("/studio/sound_effect/", data)
    assert Job.objects.count() == 1
    assert first["Location"] == second["Location"]
