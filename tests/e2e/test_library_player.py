"""The player keeps playing across library pages, seeks, and works on a client's share page."""

import pytest

from tests.e2e._browser import (
    PHONE,
    ConsoleErrors,
    chromium,
    screenshot,
    signed_in_context,
)
from tests.factories import make_collection, make_share, make_stems, make_track

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="session")
def live_server(request, django_db_setup):
    """pytest-django's live server, started with a MEDIA_URL its media handler can parse.

    Soundsite sets MEDIA_URL to None on purpose (media is only served by views that check
    access), but Django's live server wraps every request in a media-files handler that
    needs a URL prefix. A prefix nothing links to keeps that handler out of the way.
    """
    import os

    from django.conf import settings
    from pytest_django.live_server_helper import LiveServer

    address = (
        request.config.getvalue("liveserver")
        or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS")
        or "localhost"
    )
    media_url = settings.MEDIA_URL
    settings.MEDIA_URL = "/__media-is-served-by-views__/"
    try:
        server = LiveServer(address)
    finally:
        settings.MEDIA_URL = media_url
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


PLAYING = "() => window.soundsitePlayer && window.soundsitePlayer.ws.isPlaying()"
CURRENT_TIME = "() => window.soundsitePlayer.ws.getCurrentTime()"


@pytest.fixture
def library(workspace, owner):
    first = make_track(
        workspace,
        "Harbour lights",
        user=owner,
        seconds=30,
        frequency=330,
        prompt="warm synth pads over a slow harbour night",
        tags=["calm", "night"],
    )
    second = make_track(workspace, "Rush hour", user=owner, seconds=30, frequency=523)
    third = make_track(workspace, "Paper boats", user=owner, seconds=30, frequency=262)
    stems = make_stems(first)
    collection = make_collection(workspace, "Acme – spring spot", [first, second], user=owner)
    return {"tracks": [first, second, third], "stems": stems, "collection": collection}


def _wait_playing(page):
    page.wait_for_function(PLAYING, timeout=15000)
    page.wait_for_function(f"() => ({CURRENT_TIME})() > 0.3", timeout=15000)


def test_player_keeps_playing_across_pages_and_seeks(live_server, owner, library):
    make_share(track=library["tracks"][1], user=owner, note="Cut for the spring radio spot")
    make_share(collection=library["collection"], user=owner, password="tulips")
    errors = ConsoleErrors()
    with chromium() as browser:
        context = signed_in_context(browser, live_server, owner)
        page = errors.watch(context.new_page())
        page.goto(f"{live_server.url}/library/?view=grid")
        screenshot(page, "library-grid-1280")
        page.goto(f"{live_server.url}/library/?view=list")
        screenshot(page, "library-1280")

        page.get_by_role("button", name="Play Harbour lights", exact=True).click()
        _wait_playing(page)
        # Mark the audio element: the same element must still be playing after navigating.
        page.evaluate("document.querySelector('[data-player-audio]').dataset.marker = 'kept'")

        page.get_by_role("link", name="Collections", exact=True).first.click()
        page.wait_for_url("**/library/collections/")
        assert page.evaluate("document.querySelector('[data-player-audio]').dataset.marker") == (
            "kept"
        )
        before = page.evaluate(CURRENT_TIME)
        page.wait_for_function(f"() => ({CURRENT_TIME})() > {before + 0.3}", timeout=10000)
        assert page.evaluate(PLAYING)

        screenshot(page, "collections-1280")
        page.get_by_role("link", name="Acme – spring spot").click()
        page.wait_for_url("**/library/collections/*/")
        screenshot(page, "collection-1280")
        page.get_by_role("link", name="Harbour lights").first.click()
        page.wait_for_url(f"**/library/tracks/{library['tracks'][0].code}/")
        assert page.evaluate(PLAYING), "navigating to the track page stopped the player"
        assert page.evaluate("document.querySelector('[data-player-audio]').dataset.marker") == (
            "kept"
        )
        assert page.locator("h1").inner_text() == "Harbour lights"

        # Seek by clicking the middle of the player's waveform.
        wave = page.locator("[data-player-wave]")
        box = wave.bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_function(f"() => Math.abs(({CURRENT_TIME})() - 15) < 2", timeout=10000)

        # Keyboard: arrows skip five seconds, space pauses (the page has focus, not a field).
        page.locator("body").click(position={"x": 5, "y": 300})
        start = page.evaluate(CURRENT_TIME)
        page.keyboard.press("ArrowRight")
        page.wait_for_function(f"() => ({CURRENT_TIME})() > {start + 4}", timeout=5000)
        page.keyboard.press("Space")
        page.wait_for_function("() => !window.soundsitePlayer.ws.isPlaying()", timeout=5000)
        # Typing a space into a field must not start the player.
        page.goto(f"{live_server.url}/library/")
        page.locator("#id_q").click()
        page.keyboard.type("harbour night")
        page.wait_for_timeout(600)
        assert not page.evaluate(PLAYING)
        assert page.locator("#results").get_by_text("Harbour lights").count() == 1
        assert page.locator("#results").get_by_text("Rush hour").count() == 0

        # Next and previous follow the order of the page the track was started from.
        page.goto(f"{live_server.url}/library/")
        page.get_by_role("button", name="Play Paper boats", exact=True).click()
        _wait_playing(page)
        page.get_by_role("button", name="Next track").click()
        page.wait_for_function(
            "() => document.querySelector('[data-player-title]').textContent === 'Rush hour'"
        )
        page.get_by_role("button", name="Previous track").click()
        page.wait_for_function(
            "() => document.querySelector('[data-player-title]').textContent === 'Paper boats'"
        )

        page.goto(f"{live_server.url}/library/tracks/{library['tracks'][0].code}/")
        page.wait_for_selector("[data-stems] [data-stem-wave] div")
        screenshot(page, "track-1280")
        page.goto(f"{live_server.url}/library/tracks/{library['tracks'][0].code}/certificate/")
        screenshot(page, "certificate-1280")
        page.goto(f"{live_server.url}/shares/")
        screenshot(page, "shares-1280")
        context.close()

        phone = signed_in_context(browser, live_server, owner, viewport=PHONE)
        small = errors.watch(phone.new_page())
        small.goto(f"{live_server.url}/library/")
        screenshot(small, "library-390", full_page=False)
        small.get_by_role("button", name="Play Rush hour", exact=True).click()
        _wait_playing(small)
        screenshot(small, "library-390-playing", full_page=False)
        small.goto(f"{live_server.url}/library/tracks/{library['tracks'][0].code}/")
        screenshot(small, "track-390", full_page=False)
        phone.close()
    assert errors.errors == []


def test_stems_play_together_with_mute_and_solo(live_server, owner, library):
    errors = ConsoleErrors()
    with chromium() as browser:
        context = signed_in_context(browser, live_server, owner)
        page = errors.watch(context.new_page())
        audio_requests = []
        page.on("request", lambda r: "/audio/" in r.url and audio_requests.append(r.url))
        page.goto(f"{live_server.url}/library/tracks/{library['tracks'][0].code}/")
        page.wait_for_selector("[data-stems] [data-stem-wave] div")
        page.wait_for_timeout(500)
        # The waveforms come from stored peaks: no stem audio is fetched until Play.
        assert audio_requests == []
        page.get_by_role("button", name="Play together", exact=True).click()
        page.wait_for_function(
            "() => document.querySelector('[data-stems]').soundsiteMixer.rows"
            ".every(r => r.ws.isPlaying() && r.ws.getCurrentTime() > 0.3)",
            timeout=15000,
        )
        page.get_by_role("button", name="Solo Drums").click()
        muted = page.evaluate(
            "document.querySelector('[data-stems]').soundsiteMixer.rows.map(r => r.ws.getMuted())"
        )
        assert muted == [True, False, True, True]  # sorted: bass, drums, other, vocals
        spread = page.evaluate(
            "(() => { const t = document.querySelector('[data-stems]').soundsiteMixer.rows"
            ".map(r => r.ws.getCurrentTime()); return Math.max(...t) - Math.min(...t); })()"
        )
        assert spread < 0.25
        # Starting the bar's player pauses the stems: one thing plays at a time.
        page.get_by_role("button", name="Play Harbour lights", exact=True).click()
        page.wait_for_function(PLAYING, timeout=15000)
        assert not page.evaluate("document.querySelector('[data-stems]').soundsiteMixer.playing()")
        context.close()
    assert errors.errors == []


def test_share_link_plays_in_a_fresh_browser(live_server, owner, library):
    errors = ConsoleErrors()
    with chromium() as browser:
        context = signed_in_context(browser, live_server, owner)
        page = errors.watch(context.new_page())
        collection = library["collection"]
        page.goto(f"{live_server.url}/library/collections/{collection.code}/share/")
        page.get_by_label("Note to the client (optional)").fill("Two options for the spring spot.")
        screenshot(page, "share-form-1280")
        page.get_by_role("button", name="Create link").click()
        page.wait_for_url("**/shares/**")
        link = page.locator("tr.is-new input[data-copy-source]").input_value()
        assert "/s/" in link
        context.close()

        for viewport, name in (
            ({"width": 1280, "height": 900}, "share-1280"),
            (PHONE, "share-390"),
        ):
            visitor = browser.new_context(viewport=viewport)
            public = errors.watch(visitor.new_page())
            public.goto(link)
            assert "Northlight Studio" in public.locator(".share-from").inner_text()
            assert public.get_by_text("Two options for the spring spot.").is_visible()
            assert public.get_by_text("Paper boats").count() == 0
            public.get_by_role("button", name="Play Harbour lights", exact=True).click()
            _wait_playing(public)
            screenshot(public, name)
            visitor.close()
    assert errors.errors == []


def test_password_share_link_in_a_fresh_browser(live_server, owner, library):
    share = make_share(track=library["tracks"][1], user=owner, password="tulips-2027")
    errors = ConsoleErrors()
    with chromium() as browser:
        visitor = browser.new_context(viewport=PHONE)
        page = errors.watch(visitor.new_page())
        response = page.goto(f"{live_server.url}/s/{share.token}/")
        assert response.status == 200
        screenshot(page, "share-password-390")
        page.get_by_label("Password").fill("tulips-2027")
        page.get_by_role("button", name="Open").click()
        page.get_by_role("button", name="Play Rush hour", exact=True).click()
        _wait_playing(page)
        gone = page.goto(f"{live_server.url}/s/{'x' * 32}/")
        assert gone.status == 404
        screenshot(page, "share-unavailable-390")
        visitor.close()
    # The only console line allowed is the browser noting the unknown link's 404 status.
    assert all(f"/s/{'x' * 32}/" in error and "404" in error for error in errors.errors)


def test_delete_then_undo_from_the_message(live_server, owner, library):
    errors = ConsoleErrors()
    track = library["tracks"][2]
    with chromium() as browser:
        context = signed_in_context(browser, live_server, owner)
        page = errors.watch(context.new_page())
        page.goto(f"{live_server.url}/library/tracks/{track.code}/")
        page.get_by_role("button", name="Delete this track").click()
        page.wait_for_url("**/library/")
        assert page.get_by_text("“Paper boats” moved to Recently deleted.").is_visible()
        assert page.locator("#results").get_by_text("Paper boats").count() == 0
        page.get_by_role("button", name="Undo").click()
        page.wait_for_url(f"**/library/tracks/{track.code}/")
        assert page.get_by_text("“Paper boats” is back in the library.").is_visible()
        context.close()
    track.refresh_from_db()
    assert track.deleted_at is None
    assert errors.errors == []
