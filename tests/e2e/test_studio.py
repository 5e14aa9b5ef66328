"""The Studio in a real browser: open it, pick "Make a song", fill the form, press Generate.

Uses the shared browser fixtures (tests/e2e/conftest.py: headless Debian Chromium, every console
error or failed request fails the test). Screenshots
at desktop and phone width go to ``$E2E_SCREENSHOTS`` when set (for looking at the pages).
"""

import os
from pathlib import Path

import pytest

from soundsite.studio.models import Job
from tests.factories import make_key, make_member, make_workspace

pytestmark = pytest.mark.e2e


@pytest.fixture
def producer(transactional_db):
    workspace = make_workspace("Northlight Studio")
    user = make_member(workspace, "producer@example.com", "owner")
    make_key(workspace, user, "soundpiece", label="Soundpiece sandbox", is_sandbox=True)
    return user


@pytest.fixture
def signed_in(new_page, live_server):
    """A page (from the shared browser fixtures) carrying a session for ``user``."""
    from django.conf import settings
    from django.test import Client

    def open_as(user, width=1280, height=900):
        client = Client()
        client.force_login(user)
        page = new_page({"width": width, "height": height})
        page.context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url,
                }
            ]
        )
        return page

    return open_as


def shoot(page, name):
    folder = os.environ.get("E2E_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("width,height,label", [(1280, 900, "desktop"), (390, 844, "phone")])
def test_a_producer_makes_a_song_and_sees_its_card(
    signed_in, live_server, producer, width, height, label
):
    page = signed_in(producer, width, height)
    page.goto(live_server.url + "/")
    assert page.get_by_role("heading", name="Studio").is_visible()
    shoot(page, f"studio-home-{label}")

    page.get_by_role("link", name="Make a song").first.click()
    page.wait_for_url("**/studio/song/")
    page.get_by_label("Describe the sound").fill("bright summer pop, acoustic guitar, hand claps")
    page.get_by_label("Lyrics").fill("[Verse]\nMorning light on the harbour\n[Chorus]\nWe sail on")
    shoot(page, f"song-form-{label}")

    page.get_by_role("button", name="Generate").click()
    card = page.locator("#task-jobs .job-card").first
    card.wait_for(state="visible", timeout=10_000)
    assert "bright summer pop" in card.inner_text()
    assert page.get_by_text("It runs in the background").is_visible()
    shoot(page, f"song-started-{label}")

    job = Job.objects.get()
    assert job.operation == "create.new_song"
    assert job.parameters["lyrics"].startswith("[Verse]")


def test_a_missing_field_is_explained_beside_it(signed_in, live_server, producer):
    page = signed_in(producer)
    page.goto(live_server.url + "/studio/song/")
    page.get_by_role("button", name="Generate").click()
    error = page.locator(".field-error").first
    error.wait_for(state="visible", timeout=10_000)
    assert "lyrics" in page.locator(".has-error").first.inner_text().lower() or error.is_visible()
    assert not Job.objects.exists()
    shoot(page, "song-errors-desktop")


def test_a_finished_job_changes_the_title_and_shows_a_notice(signed_in, live_server, producer):
    from soundsite.studio import cards

    key = producer.memberships.get().workspace.provider_keys.get()
    job = Job.objects.create(
        workspace=key.workspace,
        created_by=producer,
        key=key,
        provider="soundpiece",
        operation="create.new_fx",
        task="sound_effect",
        title="Door creak",
        state="running",
        stage="The provider is working on it",
        progress=40,
    )
    cards.publish(job)
    page = signed_in(producer)
    page.goto(live_server.url + "/studio/sound_effect/")
    card = page.locator(f"#job-{job.code}")
    assert card.get_attribute("data-state") == "running"
    page.wait_for_selector(".job-tray.is-busy", timeout=10_000)

    Job.objects.filter(pk=job.pk).update(state="ready", stage="", progress=100)
    job.refresh_from_db()
    cards.publish(job)
    page.wait_for_selector(f"#job-{job.code}[data-state='ready']", timeout=10_000)
    # The top bar's count follows at once, not at its next five-second check.
    page.wait_for_selector(".job-tray:not(.is-busy)", timeout=1_500)
    assert "Jobs idle" in page.locator(".job-tray").inner_text()
    toast = page.locator(".toast")
    toast.wait_for(state="visible", timeout=5_000)
    assert "Ready: Door creak" in toast.inner_text()
    assert page.title().startswith("✓ Ready: Door creak")
    # A finished card no longer polls.
    assert card.get_attribute("hx-trigger") is None
    shoot(page, "job-finished-desktop")
