"""Forms filled in advance: from a library track, an earlier job, or the lyrics of a job."""

import re

from soundsite.studio.models import Job, JobState


def checked(body, name, value) -> bool:
    return bool(re.search(rf'name="{re.escape(name)}" value="{re.escape(value)}" checked', body))


def test_source_prefills_the_audio_field_with_the_track(client, owner, sp_key, library_track):
    client.force_login(owner)
    body = client.get(f"/studio/stems/?source={library_track.code}").content.decode()
    assert checked(body, "source", "library")
    assert checked(body, "source__track", str(library_track.code))
    assert "Morning theme" in body


def test_cut_links_prefill_the_target_length(client, owner, sp_key, sv_key, library_track):
    client.force_login(owner)
    url = f"/studio/cut/?source={library_track.code}&target_seconds=30"
    body = client.get(url + "&operation=soundpiece:adapt.auto_cut_down").content.decode()
    assert re.search(r'name="target_duration" value="30"', body)
    assert checked(body, "source__track", str(library_track.code))
    # Soundverse trims instead: from the start to the wanted length.
    body = client.get(url + "&operation=soundverse:cut_time_range").content.decode()
    assert re.search(r'name="start" value="0"', body)
    assert re.search(r'name="end" value="30"', body)
    assert checked(body, "audioUrl__track", str(library_track.code))


def test_a_source_outside_the_workspace_is_ignored_with_a_note(client, owner, sp_key, stranger):
    client.force_login(owner)
    body = client.get("/studio/stems/?source=1b4e28ba-2fa1-11d2-883f-0016d3cca427").content.decode()
    assert "That track is not in your library any more." in body
    body = client.get("/studio/stems/?source=rubbish").content.decode()
    assert "not in your library" in body


def test_from_job_prefills_everything(client, workspace, owner, sp_key, library_track):
    job = Job.objects.create(
        workspace=workspace,
        created_by=owner,
        key=sp_key,
        provider="soundpiece",
        operation="create.remix_song",
        task="remix",
        title="Tango take",
        parameters={
            "source": "https://old.example/link",
            "prompt": "tango",
            "lyrics": "la la",
            "n_variations": 2,
        },
        inputs={"source": {"track": str(library_track.code)}},
        license_snapshot={"license": "royalty_free"},
        state=JobState.READY,
    )
    client.force_login(owner)
    body = client.get(f"/studio/remix/?from_job={job.code}").content.decode()
    assert 'value="soundpiece:create.remix_song" selected' in body
    assert checked(body, "source", "library")
    assert checked(body, "source__track", str(library_track.code))
    assert ">tango</textarea>" in body.replace("\n", "")
    assert re.search(r'name="n_variations" value="2"', body)
    assert 'value="Tango take"' in body


def test_from_job_with_a_link_keeps_the_link(client, workspace, owner, sp_key):
    job = Job.objects.create(
        workspace=workspace,
        created_by=owner,
        key=sp_key,
        provider="soundpiece",
        operation="adapt.separate_stems",
        task="stems",
        parameters={"source": "https://cdn.example.org/mix.wav"},
        inputs={"source": {"url": "https://cdn.example.org/mix.wav"}},
    )
    client.force_login(owner)
    body = client.get(f"/studio/stems/?from_job={job.code}").content.decode()
    assert checked(body, "source", "url")
    assert 'value="https://cdn.example.org/mix.wav"' in body


def test_edit_and_run_again_leads_to_the_prefilled_form(client, workspace, owner, sp_key):
    job = Job.objects.create(
        workspace=workspace,
        created_by=owner,
        key=sp_key,
        provider="soundpiece",
        operation="create.new_fx",
        task="sound_effect",
        parameters={"prompt": "thunder"},
        state=JobState.READY,
    )
    client.force_login(owner)
    response = client.get(f"/jobs/{job.code}/edit/", follow=True)
    assert response.status_code == 200
    assert "thunder" in response.content.decode()


def test_a_job_of_another_workspace_is_not_copied(client, owner, sp_key, stranger):
    from soundsite.accounts.models import Membership

    theirs = Job.objects.create(
        workspace=Membership.objects.get(user=stranger).workspace,
        created_by=stranger,
        provider="soundpiece",
        operation="create.new_fx",
        task="sound_effect",
        parameters={"prompt": "their secret prompt"},
    )
    client.force_login(owner)
    body = client.get(f"/studio/sound_effect/?from_job={theirs.code}").content.decode()
    assert "their secret prompt" not in body
    assert "The job to copy was not found" in body


def test_lyrics_from_a_lyrics_job_fill_the_song_form(client, workspace, owner, sv_key):
    lyrics = "[Verse]\nHarbour lights\n[Chorus]\nHome again"
    job = Job.objects.create(
        workspace=workspace,
        created_by=owner,
        key=sv_key,
        provider="soundverse",
        operation="lyrics_v1",
        task="lyrics",
        state=JobState.READY,
        result_text=lyrics,
    )
    client.force_login(owner)
    body = client.get(f"/studio/song/?lyrics_from={job.code}").content.decode()
    assert "Harbour lights" in body[body.index('name="lyrics"') :]


def test_an_assistant_reply_can_become_song_lyrics(client, workspace, owner, sp_key):
    job = Job.objects.create(
        workspace=workspace,
        created_by=owner,
        key=sp_key,
        provider="soundverse",
        operation="chat",
        task="assistant",
        state=JobState.READY,
        result_text="Sing it loud",
    )
    client.force_login(owner)
    body = client.get(f"/studio/song/?lyrics_from={job.code}").content.decode()
    assert "Sing it loud" in body


def test_lyrics_from_an_empty_job_say_so(client, workspace, owner, sp_key):
    job = Job.objects.create(
        workspace=workspace,
        created_by=owner,
        provider="soundverse",
        operation="lyrics_v1",
        task="lyrics",
        state=JobState.FAILED,
    )
    client.force_login(owner)
    body = client.get(f"/studio/song/?lyrics_from={job.code}").content.decode()
    assert "No lyrics were found in that job." in body


def test_field_values_can_be_given_in_the_address(client, owner, sp_key):
    client.force_login(owner)
    body = client.get("/studio/sound_effect/?prompt=rain+on+a+tin+roof&duration=4").content
    assert b"rain on a tin roof" in body and b'value="4"' in body


def test_finished_text_jobs_offer_their_lyrics_to_a_song(client, workspace, owner, sv_key):
    job = Job.objects.create(
        workspace=workspace,
        created_by=owner,
        key=sv_key,
        provider="soundverse",
        operation="lyrics_v1",
        task="lyrics",
        state=JobState.READY,
        result_text="Words",
    )
    client.force_login(owner)
    body = client.get("/jobs/").content.decode()
    assert f'href="/studio/song/?lyrics_from={job.code}"' in body
    assert "Use these lyrics in a song" in body
    assert "Words" in body


def test_audio_jobs_do_not_offer_lyrics(client, workspace, owner, sv_key):
    Job.objects.create(
        workspace=workspace,
        created_by=owner,
        key=sv_key,
        provider="soundverse",
        operation="song_v5",
        task="song",
        state=JobState.READY,
        result_text="Some lyrics",
    )
    client.force_login(owner)
    assert b"Use these lyrics in a song" not in client.get("/jobs/").content
