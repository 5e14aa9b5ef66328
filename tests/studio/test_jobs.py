"""The Jobs page and the actions on a job card."""

from soundsite.studio.models import Job, JobState


def test_it_lists_the_workspaces_jobs(client, owner, make_job):
    make_job(title="Radio spot", state=JobState.RUNNING)
    client.force_login(owner)
    response = client.get("/jobs/")
    assert response.status_code == 200
    assert b"Radio spot" in response.content


def test_it_shows_an_empty_state(client, owner):
    client.force_login(owner)
    assert b"No jobs yet" in client.get("/jobs/").content


def test_it_filters_by_state_and_task(client, owner, make_job):
    make_job(title="Running one", state=JobState.RUNNING)
    make_job(title="Failed one", state=JobState.FAILED)
    client.force_login(owner)
    body = client.get("/jobs/?state=failed").content
    assert b"Failed one" in body and b"Running one" not in body
    assert b"No jobs match" in client.get("/jobs/?task=stems").content


def test_it_filters_by_member_and_provider(client, owner, teammate, make_job, workspace):
    from tests.factories import make_key

    make_job(title="Mine on Soundpiece", state=JobState.READY)
    sv = make_key(workspace, teammate, "soundverse", shared=True)
    make_job(title="Theirs on Soundverse", created_by=teammate, key=sv, provider="soundverse")
    client.force_login(owner)
    by_member = client.get(f"/jobs/?member={teammate.pk}").content
    assert b"Theirs on Soundverse" in by_member and b"Mine on Soundpiece" not in by_member
    by_provider = client.get("/jobs/?provider=soundpiece").content
    assert b"Mine on Soundpiece" in by_provider and b"Theirs on Soundverse" not in by_provider
    both = client.get(f"/jobs/?provider=soundverse&member={owner.pk}").content
    assert b"No jobs match" in both


def test_it_ignores_a_bad_filter_value(client, owner, make_job):
    make_job(title="Running one", state=JobState.RUNNING)
    client.force_login(owner)
    response = client.get("/jobs/?state=bogus&member=abc")
    assert response.status_code == 200
    assert b"Running one" in response.content


def test_it_pages(client, owner, make_job, django_assert_max_num_queries):
    for index in range(25):
        make_job(title=f"Job {index:02d}", state=JobState.QUEUED)
    client.force_login(owner)
    first = client.get("/jobs/").content
    assert b"Job 24" in first and b"Job 00" not in first
    assert b"Job 00" in client.get("/jobs/?page=2").content


def test_it_does_not_show_other_workspaces_jobs(client, stranger, make_job):
    make_job(title="Secret campaign")
    client.force_login(stranger)
    assert b"Secret campaign" not in client.get("/jobs/").content


def test_it_renders_the_htmx_partial(client, owner, make_job):
    make_job(title="Radio spot")
    client.force_login(owner)
    body = client.get("/jobs/", headers={"HX-Request": "true"}).content
    assert b"Radio spot" in body and b"<html" not in body


def test_it_rejects_post(client, owner):
    client.force_login(owner)
    assert client.post("/jobs/").status_code == 405


def test_cancel_stops_a_running_job(client, teammate, make_job):
    job = make_job(state=JobState.RUNNING)
    client.force_login(teammate)
    response = client.post(f"/jobs/{job.code}/cancel/", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert b"may still finish" in response.content
    job.refresh_from_db()
    assert job.state == JobState.CANCELED


def test_viewers_cannot_cancel(client, viewer, make_job):
    job = make_job(state=JobState.RUNNING)
    client.force_login(viewer)
    assert client.post(f"/jobs/{job.code}/cancel/").status_code == 403
    job.refresh_from_db()
    assert job.state == JobState.RUNNING


def test_strangers_cannot_cancel(client, stranger, make_job):
    job = make_job(state=JobState.RUNNING)
    client.force_login(stranger)
    assert client.post(f"/jobs/{job.code}/cancel/").status_code == 404


def test_cancel_rejects_get(client, owner, make_job):
    job = make_job(state=JobState.RUNNING)
    client.force_login(owner)
    assert client.get(f"/jobs/{job.code}/cancel/").status_code == 405


def test_run_again_makes_a_new_job_with_a_new_idempotency_key(client, owner, make_job, monkeypatch):
    from soundsite.studio import tasks

    monkeypatch.setattr(tasks, "kick_waiter", lambda: None)
    job = make_job(state=JobState.FAILED)
    client.force_login(owner)
    response = client.post(f"/jobs/{job.code}/rerun/")
    assert response.status_code == 302
    again = Job.objects.exclude(pk=job.pk).get()
    assert again.state == JobState.QUEUED
    assert again.parameters == job.parameters
    assert again.idempotency_key != job.idempotency_key


def test_run_again_refuses_a_running_job(client, owner, make_job):
    job = make_job(state=JobState.RUNNING)
    client.force_login(owner)
    assert client.post(f"/jobs/{job.code}/rerun/").status_code == 409
    assert Job.objects.count() == 1


def test_run_again_refuses_a_private_key_of_someone_else(client, teammate, make_job, key):
    key.shared = False
    key.save()
    job = make_job(state=JobState.READY)
    client.force_login(teammate)
    assert client.post(f"/jobs/{job.code}/rerun/").status_code == 409
    assert Job.objects.count() == 1


def test_viewers_cannot_run_again(client, viewer, make_job):
    job = make_job(state=JobState.READY)
    client.force_login(viewer)
    assert client.post(f"/jobs/{job.code}/rerun/").status_code == 403


def test_edit_and_run_again_opens_the_prefilled_form(client, owner, make_job):
    job = make_job(state=JobState.READY)
    client.force_login(owner)
    response = client.get(f"/jobs/{job.code}/edit/")
    assert response.status_code == 302
    assert response["Location"] == f"/studio/song/?from_job={job.code}"


def test_tray_counts_running_jobs(client, viewer, make_job):
    make_job(state=JobState.RUNNING)
    make_job(state=JobState.QUEUED)
    make_job(state=JobState.READY)
    client.force_login(viewer)
    assert b"2 running" in client.get("/jobs/tray/").content


def test_tray_refuses_anonymous_htmx(client):
    assert client.get("/jobs/tray/", headers={"HX-Request": "true"}).status_code == 403
