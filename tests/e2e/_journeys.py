"""Shared pieces of the browser journeys: the background cluster, quick sandboxes, screenshots."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e._cluster import running_cluster
from tests.e2e.conftest import DESKTOP, PHONE, SCREENSHOTS, fits_the_width

PASSWORD = "quiet river 2041"
# Sandbox accounts made from the browser take the provider's usual times (15 s and 90 s songs
# for Soundverse); the journeys shorten them so that each one runs in well under a minute of
# waiting. The sandbox does not measure audio it did not make (a library track sent to it by
# link): ``foreign_seconds`` tells it the length of the songs made here.
QUICK = {
    "soundverse": {"processing_seconds": 1, "output_seconds": 32, "foreign_seconds": 32},
    "soundpiece": {"processing_seconds": 1, "song_seconds": 8, "variations": 1, "wait_cap": 2},
}
# The journeys run beside the rest of the suite on a busy machine: wait generously.
PATIENCE = 30_000
PLAYING = "() => window.soundsitePlayer && window.soundsitePlayer.ws.isPlaying()"
CURRENT_TIME = "() => window.soundsitePlayer.ws.getCurrentTime()"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def patient_pages(new_page):
    """``new_page`` with generous waits for every action and assertion."""
    expect.set_options(timeout=PATIENCE)

    def open_page(viewport=DESKTOP):
        page = new_page(viewport)
        page.set_default_timeout(PATIENCE)
        return page

    yield open_page
    expect.set_options(timeout=5_000)


@pytest.fixture
def cluster(live_server, transactional_db):
    """Background tasks run while the test drives the browser, as ``qcluster`` would run them."""
    from django_q.models import Failure

    with running_cluster():
        yield
    failed = [f"{task.func}: {task.result}" for task in Failure.objects.all()]
    assert not failed, "background tasks failed:\n" + "\n".join(failed)


def quicken(key, **extra) -> None:
    """Shorten the sandbox times of the account behind a sandbox ``key``."""
    account = sandbox_account(key)
    account.options = {**account.options, **QUICK[key.provider], **extra}
    account.save(update_fields=["options"])


def sandbox_account(key):
    from soundsite.sandbox.models import SandboxAccount

    return SandboxAccount.objects.get(provider=key.provider, api_key=key.reveal_secret())


def sign_up(page, name, email):
    page.goto("/signup/")
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Work e-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()


def create_workspace(page, name):
    page.get_by_label("Workspace name").fill(name)
    page.get_by_role("button", name="Create workspace").click()
    expect(page.get_by_text(f"{name} is ready.")).to_be_visible()


def shoot(page, name, *, both=True):
    """Full-page screenshots at 1280 px and at phone width; the phone one must fit the width."""
    SCREENSHOTS.mkdir(exist_ok=True)
    size = page.viewport_size
    page.evaluate("window.scrollTo(0, 0)")
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-1280.png"), full_page=True)
    if both:
        page.set_viewport_size(PHONE)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-390.png"), full_page=True)
        assert fits_the_width(page), f"{name}: sticking out on a phone: " + str(OVERFLOWING(page))
    page.set_viewport_size(size)


def OVERFLOWING(page):
    return page.evaluate(
        """[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right
           > window.innerWidth + 1 && ![...e.children].some(c => c.getBoundingClientRect().right
           > window.innerWidth + 1)).slice(0, 8).map(e => e.tagName + '.' + e.className + ' '
           + Math.round(e.getBoundingClientRect().width) + ' ' + e.textContent.slice(0, 40))"""
    )


def wait_playing(page, timeout=15_000):
    """The player bar's audio is playing and its clock moves."""
    page.wait_for_function(PLAYING, timeout=timeout)
    start = page.evaluate(CURRENT_TIME)
    page.wait_for_function(f"() => ({CURRENT_TIME})() > {start + 0.3}", timeout=timeout)


def signed_in(new_page, live_server, user, viewport=DESKTOP):
    """A page of a fresh browser context carrying a session for ``user``."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    page = new_page(viewport)
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


def generate(page):
    """Press Generate and return the new job's card, once the page shows it."""
    page.get_by_role("button", name="Generate").click()
    notice = page.locator(".started-notice")
    expect(notice).to_be_visible()
    anchor = notice.get_by_role("link", name="See its progress").get_attribute("href")
    card = page.locator(anchor)
    expect(card).to_be_visible()
    return card


def wait_until_finished(card, timeout=60_000):
    """Wait until ``card`` (refreshed by its own polling) shows a finished job; its state."""
    expect(card).to_have_attribute(
        "data-state", re.compile(r"^(ready|failed|canceled)$"), timeout=timeout
    )
    return card.get_attribute("data-state")
