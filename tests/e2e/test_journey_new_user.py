"""Journey 1: a new user, from sign-up to a client playing the shared collection."""

import re

import pytest
from playwright.sync_api import expect

from soundsite.keys.models import ProviderKey
from soundsite.studio.models import Job
from tests.e2e._journeys import (
    _fast_password_hashing,  # noqa: F401
    cluster,  # noqa: F401
    create_workspace,
    quicken,
    shoot,
    sign_up,
)
from tests.e2e.conftest import DESKTOP

pytestmark = pytest.mark.e2e


def test_a_new_user_makes_a_song_and_shares_it(new_page, cluster):  # noqa: F811
    page = new_page(DESKTOP)
    sign_up(page, "Ana Producer", "ana@example.com")
    expect(page).to_have_url(re.compile(r"/workspaces/new/$"))
    create_workspace(page, "Harbour Lane Creative")
    shoot(page, "journey1-01-first-run")

    page.get_by_role("button", name="Try the Soundverse sandbox").click()
    expect(page.get_by_text("a sandbox key that makes test music here")).to_be_visible()
    key = ProviderKey.objects.get()
    quicken(key)
    shoot(page, "journey1-02-key-added")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Studio").click()
    page.get_by_role("link", name="Make a song").first.click()
    page.wait_for_url("**/studio/song/")
    # Version 6 streams its progress (version 7 reports none).
    made_with = page.get_by_label("Made with")
    choice = made_with.locator("option", has_text="version 6 (lyrics").get_attribute("value")
    made_with.select_option(choice)
    expect(page.locator(".op-description")).to_contain_text("optionally guided by recordings")
    page.get_by_label("What it should sound like").fill(
        "bright summer pop, acoustic guitar, hand claps"
    )
    page.get_by_label("Lyrics").fill("[Verse]\nMorning light on the harbour\n[Chorus]\nWe sail on")
    shoot(page, "journey1-03-song-form")
    page.get_by_role("button", name="Generate").click()
    card = page.locator("#task-jobs .job-card").first
    expect(card).to_be_visible()
    job = Job.objects.get()

    # The card polls every two seconds; the stream's progress shows on its bar as it grows.
    bar = card.locator("progress")
    seen = []
    for _ in range(60):
        if card.get_attribute("data-state") in ("ready", "failed"):
            break
        value = bar.get_attribute("value") if bar.count() else None
        if value is not None and (not seen or seen[-1] != value):
            seen.append(value)
            if len(seen) == 2:
                shoot(page, "journey1-04-song-running")
        page.wait_for_timeout(500)
    job.refresh_from_db()
    assert len(seen) >= 2, f"the progress bar never moved: {seen} {job.state} {job.error_message}"
    assert int(seen[0]) < int(seen[-1])
    expect(card).to_have_attribute("data-state", "ready", timeout=30_000)
    shoot(page, "journey1-05-song-ready")
