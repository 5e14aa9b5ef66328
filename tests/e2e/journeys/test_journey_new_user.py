"""Journey 1: a new user, from sign-up to a client playing the shared collection."""

import re

import pytest
from playwright.sync_api import expect

from soundsite.keys.models import ProviderKey
from soundsite.library.models import Track
from soundsite.studio.models import Job
from tests.e2e._journeys import (
    create_workspace,
    generate,
    quicken,
    shoot,
    sign_up,
    wait_playing,
    wait_until_finished,
)
from tests.e2e.conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("cluster")]


def test_a_new_user_makes_a_song_and_shares_it(patient_pages):
    new_page = patient_pages
    page = new_page(DESKTOP)
    sign_up(page, "Ana Producer", "ana@example.com")
    expect(page).to_have_url(re.compile(r"/workspaces/new/$"))
    create_workspace(page, "Harbour Lane Creative")
    shoot(page, "journey1-01-first-run")

    page.get_by_role("button", name="Try the Soundverse sandbox").click()
    expect(page.get_by_text("a sandbox key that makes test music here")).to_be_visible()
    key = ProviderKey.objects.get()
    # The song's stream takes a few seconds, so that its progress can be watched.
    quicken(key, processing_seconds=6)
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
    card = generate(page)
    job = Job.objects.get()
    # The top bar counts the new job at once, not at its next five-second check.
    expect(page.locator(".job-tray")).to_contain_text("1 running", timeout=1_500)

    # The card polls every two seconds; the stream's progress shows on its bar as it grows.
    seen = []
    for _ in range(120):
        # One look at the card as it is now (htmx replaces it every two seconds).
        state, value = page.evaluate(
            """() => { const card = document.querySelector('#task-jobs .job-card');
                       const bar = card && card.querySelector('progress');
                       return [card && card.dataset.state, bar && bar.getAttribute('value')]; }"""
        )
        if state in ("ready", "failed"):
            break
        if value is not None and (not seen or seen[-1] != value):
            seen.append(value)
            if len(seen) == 2:
                shoot(page, "journey1-04-song-running")
        page.wait_for_timeout(250)
    job.refresh_from_db()
    assert len(seen) >= 2, f"the progress bar never moved: {seen} {job.state} {job.error_message}"
    assert int(seen[0]) < int(seen[-1])
    expect(card).to_have_attribute("data-state", "ready", timeout=30_000)
    shoot(page, "journey1-05-song-ready")

    # Play the first version from the library's track page: the audio really plays.
    card.get_by_role("link", name=re.compile(r"\(version 1\)")).click()
    page.wait_for_url("**/library/tracks/*/")
    song_url = page.url
    song_title = page.locator("h1").inner_text()
    page.get_by_role("button", name=f"Play {song_title}", exact=True).click()
    wait_playing(page)
    shoot(page, "journey1-06-song-playing")

    # Split it into stems (the sandbox answers at once from now on).
    quicken(key)
    page.get_by_role("button", name=f"Pause {song_title}", exact=True).click()
    page.get_by_role("button", name="Split into stems").click()
    page.wait_for_url("**/studio/stems/**")
    shoot(page, "journey1-07-stems-form")
    assert wait_until_finished(generate(page)) == "ready"
    shoot(page, "journey1-08-stems-ready")

    # Back on the song's page: the stems play together, and the drums can be muted.
    page.goto(song_url)
    stems = page.locator("[data-stems]")
    expect(stems.get_by_role("button", name="Mute Drums")).to_be_visible()
    page.wait_for_selector("[data-stems] [data-stem-wave] div")
    stems.get_by_role("button", name="Play together").click()
    page.wait_for_function(
        "() => document.querySelector('[data-stems]').soundsiteMixer.rows"
        ".every(r => r.ws.isPlaying() && r.ws.getCurrentTime() > 0.3)",
        timeout=20_000,
    )
    stems.get_by_role("button", name="Mute Drums").click()
    expect(stems.get_by_role("button", name="Mute Drums")).to_have_attribute("aria-pressed", "true")
    muted = page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('[data-stem]')].map(
             (row, i) => [row.querySelector('.stem-name').textContent.trim(),
                          document.querySelector('[data-stems]').soundsiteMixer.rows[i].ws
                            .getMuted()]))"""
    )
    assert muted.pop("Drums") is True, muted
    assert muted and not any(muted.values()), muted
    assert page.evaluate("document.querySelector('[data-stems]').soundsiteMixer.playing()")
    shoot(page, "journey1-09-drums-muted")
    stems.get_by_role("button", name="Pause").click()

    # Cut it to 30 seconds.
    page.get_by_role("button", name="Cut to…").click()
    page.get_by_role("link", name="Cut to 30 seconds").click()
    page.wait_for_url("**/studio/cut/**")
    shoot(page, "journey1-10-cut-form")
    assert wait_until_finished(generate(page)) == "ready"
    cut = Track.objects.get(relation="cut")
    assert abs(cut.duration - 30) < 0.5, cut.duration
    assert cut.title.startswith(song_title), cut.title
    shoot(page, "journey1-11-cut-ready")

    # Both in a new collection, then a share link for the collection.
    page.goto(song_url)
    page.get_by_label("New collection name").fill("Harbour Lane – summer spot")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_role("link", name="Harbour Lane – summer spot")).to_be_visible()
    page.goto(cut.get_absolute_url())
    page.get_by_label("Add to").select_option(label="Harbour Lane – summer spot")
    page.get_by_role("button", name="Add", exact=True).click()
    page.get_by_role("link", name="Harbour Lane – summer spot").click()
    page.wait_for_url("**/library/collections/*/")
    listed = page.get_by_role("region", name="Tracks in this collection")
    expect(listed.get_by_role("link", name=song_title, exact=True)).to_be_visible()
    expect(listed.get_by_role("link", name=cut.title, exact=True)).to_be_visible()
    shoot(page, "journey1-12-collection")
    page.get_by_role("button", name="Share").first.click()
    page.get_by_label("Note to the client (optional)").fill("The summer spot: full song and 30 s.")
    page.get_by_role("button", name="Create link").click()
    page.wait_for_url("**/shares/**")
    link = page.locator("tr.is-new input[data-copy-source]").input_value()
    shoot(page, "journey1-13-share-created")

    # A client opens the link in a fresh, logged-out browser and plays the cut-down.
    client = new_page(PHONE)
    client.goto(link)
    expect(client.locator(".share-from")).to_contain_text("Harbour Lane Creative")
    expect(client.get_by_text("The summer spot: full song and 30 s.")).to_be_visible()
    client.get_by_role("button", name=f"Play {cut.title}", exact=True).click()
    wait_playing(client)
    shoot(client, "journey1-14-client-playing")
