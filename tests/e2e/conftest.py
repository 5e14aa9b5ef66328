"""Browser fixtures: headless Debian Chromium driven by Playwright against the live server.

Every page opened through the ``page`` fixture is watched: a console error, an uncaught script
error, a request that fails or an answer of 400 or more ends the test as a failure, unless the
test expects that status with ``page.problems.allow(status)``.
"""

import os
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).parent / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


CANCELLABLE = ("media", "fetch", "xhr")


class Problems:
    """What went wrong in the browser while a test ran."""

    def __init__(self):
        self.found = []
        self.allowed = set()

    def allow(self, status: int) -> None:
        self.allowed.add(status)

    def console(self, message):
        if message.type != "error":
            return
        # htmx logs a poll that leaving the page cancelled as two errors ("htmx:afterRequest",
        # then "htmx:sendAbort"). A request that really fails logs "htmx:sendError",
        # "htmx:timeout" or "htmx:responseError" besides, and those still count.
        if message.text in ("htmx:afterRequest", "htmx:sendAbort") or message.text.startswith(
            ("htmx:afterRequest,", "htmx:sendAbort,")
        ):
            return
        # Chromium also logs every 4xx/5xx answer on the console; expected ones are fine.
        for status in self.allowed:
            if message.text.startswith(
                f"Failed to load resource: the server responded with a status of {status} "
            ):
                return
        self.found.append(f"console error: {message.text} at {message.location['url']}")

    def page_error(self, error):
        self.found.append(f"script error: {error}")

    def request_failed(self, request):
        # Leaving a page cancels its audio downloads and its polls still in flight, and
        # Chromium cancels audio downloads itself when it switches to range requests. A cancel
        # is not a failure: a request that really fails has another reason, or shows as an
        # error answer or a console error.
        if request.failure == "net::ERR_ABORTED" and request.resource_type in CANCELLABLE:
            return
        # The same for the tab's icon: Chromium fetches it after the page and drops the fetch
        # when the test moves on at once (seen once in a full run).
        if request.failure == "net::ERR_ABORTED" and request.url.endswith("/favicon.svg"):
            return
        self.found.append(f"request failed: {request.method} {request.url} ({request.failure})")

    def response(self, response):
        if response.status >= 400 and response.status not in self.allowed:
            self.found.append(f"HTTP {response.status}: {response.request.method} {response.url}")


@pytest.fixture(scope="session")
def _media_url_for_the_live_server(django_db_setup):
    # Settings leave MEDIA_URL unset on purpose (media is served only by views that check
    # access), but Django's live server wraps itself in a media handler that needs a string.
    # Give it a prefix that no page links to, only while the server starts. Depending on the
    # test database here also makes the server stop (and drop its connections) before the
    # test database is destroyed.
    from django.conf import settings

    saved = settings.MEDIA_URL
    settings.MEDIA_URL = "/__live-server-media__/"
    yield
    settings.MEDIA_URL = saved


@pytest.fixture(scope="session")
def live_server(_media_url_for_the_live_server, live_server):
    from django.conf import settings

    settings.MEDIA_URL = None
    return live_server


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module.

    Not per session: while Playwright runs, its event loop runs in this thread, and database
    tests that pytest-django orders after the browser tests would then run inside that loop.
    """
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: run `make chromium`.")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; Django refuses ORM calls from a
    # thread with a running loop unless told that this is deliberate (it is, and only in tests).
    saved = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()
    finally:
        if saved is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = saved


@pytest.fixture
def new_page(browser, live_server, transactional_db, settings):
    """Open a page in a fresh browser context (its own cookies) at the given viewport."""
    # Links in e-mails and invitation panels point at the public address: here, this server.
    settings.PUBLIC_BASE_URL = live_server.url
    contexts = []
    watchers = []

    def open_page(viewport=DESKTOP):
        context = browser.new_context(viewport=viewport, base_url=live_server.url)
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
        context.set_default_timeout(10_000)
        page = context.new_page()
        problems = Problems()
        page.on("console", problems.console)
        page.on("pageerror", problems.page_error)
        page.on("requestfailed", problems.request_failed)
        page.on("response", problems.response)
        page.problems = problems
        contexts.append(context)
        watchers.append(problems)
        return page

    yield open_page
    for context in contexts:
        context.close()
    found = [problem for problems in watchers for problem in problems.found]
    assert not found, "The browser reported problems:\n" + "\n".join(found)


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def screenshot():
    """Save a full-page screenshot under tests/e2e/screenshots/ and return its path."""
    SCREENSHOTS.mkdir(exist_ok=True)

    def take(page, name):
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def fits_the_width(page) -> bool:
    """True when nothing sticks out sideways (no horizontal scrolling on a phone)."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
