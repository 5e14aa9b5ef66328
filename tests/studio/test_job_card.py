"""The job-card poll: access, the trigger that stops, and the queries it may make."""

import pytest
from django.core.cache import cache

from soundsite.studio import cards, errors, labels
from soundsite.studio.errors import NEXT_STEPS
from soundsite.studio.models import JobState


def url(job):
    return f"/jobs/{job.code}/card/"


def test_it_shows_a_running_card_that_keeps_polling(client, owner, make_job):
    job = make_job(state=JobState.RUNNING, stage="Writing the melody", progress=40)
    client.force_login(owner)
    response = client.get(url(job), headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Writing the melody" in body
    assert 'hx-trigger="every 2s' in body
    assert "visibilityState" in body


def test_a_finished_card_comes_back_without_its_trigger(client, owner, make_job):
    job = make_job(state=JobState.FAILED, error_code="out_of_credits", error_message="No credit.")
    client.force_login(owner)
    body = client.get(url(job)).content.decode()
    assert "hx-trigger" not in body
    assert "run out of credits" in body
    assert "Run again" in body


def test_it_works_for_teammates_and_viewers(client, teammate, viewer, make_job):
    job = make_job(state=JobState.RUNNING)
    for person in (teammate, viewer):
        client.force_login(person)
        assert client.get(url(job)).status_code == 200


def test_it_checks_membership(client, stranger, make_job):
    job = make_job(state=JobState.RUNNING)
    client.force_login(stranger)
    assert client.get(url(job)).status_code == 404


def test_it_refuses_anonymous_requests_with_403(client, make_job):
    job = make_job(state=JobState.RUNNING)
    response = client.get(url(job), headers={"HX-Request": "true"})
    assert response.status_code == 403


def test_it_answers_404_for_an_unknown_job(client, owner):
    client.force_login(owner)
    assert client.get("/jobs/00000000-0000-0000-0000-000000000000/card/").status_code == 404


def test_it_rejects_post(client, owner, make_job):
    job = make_job(state=JobState.RUNNING)
    client.force_login(owner)
    assert client.post(url(job)).status_code == 405


def test_a_warm_poll_makes_no_query(client, owner, make_job, django_assert_num_queries):
    job = make_job(state=JobState.RUNNING)
    client.force_login(owner)
    client.get(url(job))  # renders and stores the card
    with django_assert_num_queries(0):
        assert client.get(url(job)).status_code == 200


def test_a_warm_poll_reads_the_cache_twice(client, owner, make_job, monkeypatch):
    from django.core.cache import caches

    backend = type(caches["default"])  # diskcache, or Redis in CI's second run
    job = make_job(state=JobState.RUNNING)
    client.force_login(owner)
    client.get(url(job))
    keys = []
    read = backend.get

    def counting(self, key, *args, **kwargs):
        keys.append(key)
        return read(self, key, *args, **kwargs)

    monkeypatch.setattr(backend, "get", counting)
    assert client.get(url(job)).status_code == 200
    # The session and the card, which names who may read it: no separate membership read.
    assert len(keys) == 2, keys
    assert keys[1] == cards.cache_key(job.code)


@pytest.mark.parametrize("jobs", [1, 30])
def test_a_cold_poll_makes_a_fixed_small_number_of_queries(
    client, owner, make_job, django_assert_max_num_queries, jobs
):
    made = [make_job(state=JobState.RUNNING) for _ in range(jobs)]
    client.force_login(owner)
    cache.clear()  # sessions are cached too: the cold path reads the session from the database
    with django_assert_max_num_queries(4):
        assert client.get(url(made[-1])).status_code == 200


def test_the_pipeline_refreshes_the_cached_card(client, owner, make_job):
    job = make_job(state=JobState.RUNNING, stage="Mixing")
    client.force_login(owner)
    assert b"Mixing" in client.get(url(job)).content
    job.stage = "Mastering"
    cards.publish(job)
    assert b"Mastering" in client.get(url(job)).content


@pytest.mark.parametrize("state", [JobState.RUNNING, JobState.READY])
def test_a_removed_member_loses_access_at_once(client, teammate, make_job, workspace, state):
    # A running card lists its readers; a finished one asks the cached membership.
    job = make_job(state=state)
    client.force_login(teammate)
    assert client.get(url(job)).status_code == 200
    workspace.memberships.get(user=teammate).delete()
    assert client.get(url(job)).status_code == 404


def test_a_new_member_can_follow_a_card_already_stored(client, make_job, workspace):
    from tests.factories import make_member

    job = make_job(state=JobState.RUNNING, stage="Mixing")
    assert cards.publish(job).members == cards.members_of(workspace.pk)
    newcomer = make_member(workspace, "newcomer@example.com", "viewer")
    client.force_login(newcomer)
    assert b"Mixing" in client.get(url(job)).content


def test_a_card_rendered_for_members_who_changed_is_not_kept(make_job, teammate, workspace):
    job = make_job(state=JobState.RUNNING)
    before = cards.members_of(workspace.pk)  # a poll read the members, then rendered slowly
    assert f",{teammate.pk}," in before
    workspace.memberships.get(user=teammate).delete()
    cards.publish(job, members=before)
    assert cards.read(job.code) is None
    assert not cards.publish(job).admits(teammate.pk)


def test_a_role_change_keeps_the_cards(make_job, teammate, workspace):
    job = make_job(state=JobState.RUNNING)
    cards.publish(job)
    membership = workspace.memberships.get(user=teammate)
    membership.role = "viewer"
    membership.save()
    assert cards.read(job.code).admits(teammate.pk)


def test_an_entry_of_the_older_layout_counts_as_missing(client, owner, make_job):
    job = make_job(state=JobState.RUNNING, stage="Mixing")
    cache.set(cards.cache_key(job.code), f"{job.workspace_id}:<article>Old: card</article>")
    assert cards.read(job.code) is None
    client.force_login(owner)
    body = client.get(url(job)).content.decode()
    assert "Mixing" in body and "Old: card" not in body


def test_a_running_job_without_progress_says_so_with_the_elapsed_time(client, owner, make_job):
    job = make_job(state=JobState.RUNNING, stage="The provider is working on it")
    client.force_login(owner)
    body = client.get(url(job)).content.decode()
    assert "Working — no progress reported" in body
    assert "data-elapsed-since" in body
    assert "<progress aria-label" in body  # an indeterminate bar, not a made-up percentage


def test_a_rate_limited_job_says_when_it_resumes(client, owner, make_job):
    stage = "Waiting for the provider's rate limit, resumes at 14:32:05"
    job = make_job(state=JobState.QUEUED, stage=stage)
    client.force_login(owner)
    body = client.get(url(job)).content.decode()
    assert "resumes at 14:32:05" in body.replace("&#x27;", "'")
    assert "no progress reported" not in body


def test_a_ready_job_shows_a_player_and_a_link_to_each_track(
    client, owner, workspace, make_job, django_assert_max_num_queries
):
    from tests.factories import make_track

    job = make_job(state=JobState.READY, result_count=1)
    track = make_track(workspace, "Summer spot v1", user=owner, job=job)
    client.force_login(owner)
    cache.clear()
    with django_assert_max_num_queries(4):
        body = client.get(url(job)).content.decode()
    assert track.get_absolute_url() in body
    from django.urls import reverse

    assert f'src="{reverse("track_audio", args=[track.code])}"' in body
    assert "<audio controls" in body
    assert "hx-trigger" not in body


def test_a_canceled_job_is_honest_about_billing(client, owner, make_job):
    job = make_job(state=JobState.CANCELED)
    client.force_login(owner)
    body = client.get(url(job)).content.decode()
    assert "may still finish (and bill)" in body


@pytest.mark.parametrize("kind", sorted(NEXT_STEPS))
def test_every_failure_kind_has_its_own_words_and_next_step(client, owner, make_job, kind):
    job = make_job(state=JobState.FAILED, error_code=f"{kind}:detail", error_message="Why.")
    client.force_login(owner)
    body = client.get(url(job)).content.decode().replace("&#x27;", "'")
    headline, next_step = errors.explain(kind, labels.PROVIDERS[job.provider])
    assert "{provider}" not in headline
    assert headline in body and next_step in body and "Why." in body


def test_failure_kinds_all_read_differently():
    assert len({headline for headline, _ in NEXT_STEPS.values()}) == len(NEXT_STEPS)


def test_a_failed_card_says_each_thing_once(client, owner, make_job):
    message = (
        "Soundpiece could not finish this job. Soundpiece said: “Generation failed.” "
        "Try again, or change the input."
    )
    job = make_job(
        state=JobState.FAILED, provider="soundpiece", error_code="operation_failed:internal_error",
        error_message=message,
    )  # fmt: skip
    client.force_login(owner)
    body = client.get(url(job)).content.decode()
    assert body.count("could not finish this job") == 1
    assert "<strong>Soundpiece could not finish this job.</strong>" in body
    assert "Soundpiece said: “Generation failed.”" in body
    assert "Try again, or change the input." not in body
    assert "Choose Run again; if it fails again, change the input." in body


def test_a_message_that_adds_nothing_leaves_the_headline_alone():
    headline, _ = errors.explain("operation_failed", "Soundverse")
    assert headline == "Soundverse could not finish this job."
    assert (
        errors.details(
            "Soundverse could not finish this job. Try again, or change the input.", headline
        )
        == ""
    )
    assert errors.details("", headline) == ""
    # A key rejected by a provider the card does not know by name still reads as a sentence.
    assert errors.explain("key_rejected:401")[0] == "The provider did not accept this API key."


def test_a_rejected_key_card_gives_the_reason_once():
    headline, _ = errors.explain("key_rejected:401", "Soundpiece")
    message = (
        "Soundpiece did not accept this API key: it may be mistyped or revoked, or your plan "
        "only allows certain addresses. Check it under Settings → API keys."
    )
    assert errors.details(message, headline) == (
        "It may be mistyped or revoked, or your plan only allows certain addresses."
    )
    soundverse, _ = errors.explain("key_rejected", "Soundverse")
    plain = "Soundverse did not accept this API key. Check it under Settings → API keys."
    assert errors.details(plain, soundverse) == ""


def test_a_running_soundverse_job_plays_its_preview_stream(client, owner, make_job):
    preview = "https://cdn.example.com/stream/abc.mp3"
    job = make_job(state=JobState.RUNNING, progress=55.0, result={"previews": [preview]})
    client.force_login(owner)
    body = client.get(url(job)).content.decode()
    assert f'src="{preview}"' in body
    assert 'value="55"' in body


# --- A stored card never outlives a change of its job ------------------------------------------
def test_a_running_card_is_kept_until_its_job_changes(client, owner, make_job):
    job = make_job(state=JobState.RUNNING, stage="Mixing")
    client.force_login(owner)
    client.get(url(job))
    assert cache.get(cards.cache_key(job.code)) is not None
    # No expiry of a few seconds: a poll of an unchanged job is a cache read, however long.
    assert cards.CARD_SECONDS >= 60 * 60


def test_a_card_rendered_from_a_job_read_before_a_change_is_not_kept(owner, make_job):
    from soundsite.studio import pipeline

    job = make_job(state=JobState.RUNNING, stage="Mixing")
    read_before = type(job).objects.get(pk=job.pk)
    pipeline.update(job, stage="Mastering")  # the pipeline changes the job and forgets its card
    cards.publish(read_before)  # a poll that read the job before the change stores its card
    assert cache.get(cards.cache_key(job.code)) is None
    cards.publish(type(job).objects.get(pk=job.pk))
    assert "Mastering" in cards.read(job.code).html


def test_a_card_stored_before_the_change_commits_is_forgotten_on_commit(
    owner, make_job, django_capture_on_commit_callbacks
):
    from django.db import transaction

    from soundsite.studio import pipeline

    job = make_job(state=JobState.RUNNING, stage="Mixing")
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        pipeline.update(job, stage="Mastering")
        # A poll between the change and its commit still reads the old row and stores it.
        stored = (
            f"{job.workspace_id}:{cards.members_of(job.workspace_id)}:<article>Mixing</article>"
        )
        cache.set(cards.cache_key(job.code), stored)
    assert cache.get(cards.cache_key(job.code)) is None


def test_a_finished_card_follows_its_tracks(client, owner, workspace, make_job):
    from tests.factories import make_track

    job = make_job(state=JobState.READY, result_count=1)
    track = make_track(workspace, "Summer spot v1", user=owner, job=job)
    client.force_login(owner)
    assert b"Summer spot v1" in client.get(url(job)).content

    assert (
        client.post(f"/library/tracks/{track.code}/rename/", {"title": "Winter spot"}).status_code
        == 302
    )
    body = client.get(url(job)).content.decode()
    assert "Winter spot" in body and "Summer spot v1" not in body

    assert client.post(f"/library/tracks/{track.code}/delete/").status_code == 302
    assert track.get_absolute_url() not in client.get(url(job)).content.decode()

    assert client.post("/library/restore/", {"tracks": [str(track.code)]}).status_code == 302
    assert track.get_absolute_url() in client.get(url(job)).content.decode()


def test_a_finished_card_lists_its_versions_in_order(client, owner, workspace, make_job):
    from soundsite.library.models import Track
    from tests.factories import make_track

    job = make_job(state=JobState.READY, result_count=2)
    # The library lists newest first; a job's card lists its versions as the provider made them.
    first = make_track(workspace, "Summer spot v1", user=owner, job=job)
    second = make_track(workspace, "Summer spot v2", user=owner, job=job)
    Track.objects.filter(pk=second.pk).update(output_position=1, variation=2)
    Track.objects.filter(pk=first.pk).update(output_position=0, variation=1)
    client.force_login(owner)
    body = client.get(url(job)).content.decode()
    assert body.index("Summer spot v1") < body.index("Summer spot v2")
