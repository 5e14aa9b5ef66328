"""The library's pages as people see them, at 1280 px and at phone width.

Each page is opened with realistic content (long titles, stems, a family of versions, links
with passwords, expired and revoked links), checked for sideways overflow on a phone, and
saved under tests/e2e/screenshots/ for a person to look at.
"""

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from soundsite.library.models import ShareLink
from soundsite.studio.models import Job
from tests.e2e.conftest import DESKTOP, PHONE, fits_the_width
from tests.factories import make_collection, make_share, make_stems, make_track

pytestmark = [pytest.mark.e2e]

# What sticks out past the right edge, to name the culprit when a page is too wide.
STICKING_OUT = """() => [...document.querySelectorAll("body *")]
  .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1)
  .slice(0, 8).map((el) => `${el.tagName}.${el.className}`)"""


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _sign_in(page, user, live_server):
    from django.db import connections

    client = Client()
    client.force_login(user)
    connections.close_all()
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


@pytest.fixture
def content(workspace, owner, teammate):
    job = Job.objects.create(
        workspace=workspace,
        created_by=owner,
        provider="soundpiece",
        operation="create.new_song",
        version="v1",
        task="song",
    )
    main = make_track(
        workspace,
        "Harbour lights",
        user=owner,
        job=job,
        seconds=40,
        prompt="warm synth pads over a slow harbour night, soft piano, 80 bpm",
        lyrics="lights on the water\nboats coming home",
        tags=["calm", "night", "spring campaign"],
        parameters={"prompt": "warm synth pads", "duration": 40, "instrumental": False},
    )
    make_stems(main)
    cut = make_track(
        workspace, "Harbour lights – 30 s", user=teammate, parent=main, relation="cut", task="cut"
    )
    make_track(workspace, "Harbour lights – loop", user=owner, parent=cut, relation="loop")
    long_title = make_track(
        workspace,
        "A very long working title for the autumn campaign radio spot, second pass with vocals",
        user=teammate,
        provider="soundverse",
        task="sample",
        license={"license": "royalty_free", "plan": "starter", "summary": "Use anywhere."},
    )
    make_track(
        workspace,
        "Client brief reference",
        user=owner,
        relation="upload",
        task="upload",
        provider="",
        license={},
    )
    gone = timezone.now() - timedelta(days=3)
    demo = make_track(workspace, "Old demo for Acme", user=owner, deleted_at=gone)
    for stem in make_stems(demo, kinds=("vocals", "drums")):
        type(stem).objects.filter(pk=stem.pk).update(deleted_at=gone)
    collection = make_collection(workspace, "Acme – spring spot", [main, long_title], user=owner)
    open_link = make_share(
        collection=collection, user=owner, note="Two directions for the spring spot."
    )
    ShareLink.objects.filter(pk=open_link.pk).update(
        visit_count=4,
        last_visit_at=timezone.now() - timedelta(hours=3),
        expires_at=timezone.now() + timedelta(days=6),
    )
    make_share(track=main, user=teammate, password="tulips-2027", allow_download=False)
    make_share(track=long_title, user=owner, expires_at=timezone.now() - timedelta(days=2))
    make_share(track=cut, user=owner, revoked_at=timezone.now() - timedelta(days=1))
    return {"main": main, "collection": collection, "open_link": open_link}


@pytest.mark.parametrize(("viewport", "suffix"), [(DESKTOP, "1280"), (PHONE, "390")])
def test_library_pages_at_both_widths(
    new_page, screenshot, live_server, owner, content, viewport, suffix
):
    page = new_page(viewport)
    _sign_in(page, owner, live_server)
    main = content["main"]
    pages = [
        ("/library/?view=list", "lib-library"),
        ("/library/?view=grid", "lib-library-grid"),
        ("/library/?q=harbour&with_stems=on", "lib-library-search"),
        (f"/library/tracks/{main.code}/", "lib-track"),
        (f"/library/tracks/{main.code}/certificate/", "lib-certificate"),
        (f"/library/tracks/{main.code}/share/", "lib-share-form"),
        (f"/library/collections/{content['collection'].code}/", "lib-collection"),
        ("/library/deleted/", "lib-deleted"),
        ("/shares/", "lib-shares"),
        ("/shares/?show=ended", "lib-shares-ended"),
    ]
    too_wide = []
    for path, name in pages:
        response = page.goto(path)
        assert response.status == 200, path
        screenshot(page, f"{name}-{suffix}")
        if not fits_the_width(page):
            too_wide.append((path, page.evaluate(STICKING_OUT)))

    visitor = new_page(viewport)
    visitor.problems.allow(404)
    visitor.problems.allow(410)
    visitor.goto(f"/s/{content['open_link'].token}/")
    if not fits_the_width(visitor):
        too_wide.append("public share")
    screenshot(visitor, f"lib-public-share-{suffix}")
    locked = ShareLink.objects.get(password_hash__gt="")
    visitor.goto(f"/s/{locked.token}/")
    screenshot(visitor, f"lib-public-password-{suffix}")
    assert visitor.goto(f"/s/{'x' * 32}/").status == 404
    screenshot(visitor, f"lib-public-unavailable-{suffix}")
    visitor.goto(f"/verify/{main.sha256}/")
    if not fits_the_width(visitor):
        too_wide.append("verify")
    screenshot(visitor, f"lib-verify-{suffix}")
    assert too_wide == [], too_wide


def test_revoking_a_link_asks_once(new_page, live_server, owner, content):
    page = new_page(DESKTOP)
    _sign_in(page, owner, live_server)
    page.goto("/shares/")
    row = page.locator(f"#share-{content['open_link'].code}")
    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    row.get_by_role("button", name="Revoke").click()
    page.wait_for_timeout(300)
    assert questions and "cannot be undone" in questions[0]
    content["open_link"].refresh_from_db()
    assert content["open_link"].revoked_at is None  # said no: nothing changed
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Revoke").click()
    page.wait_for_selector("text=Link revoked.")
    content["open_link"].refresh_from_db()
    assert content["open_link"].revoked_at is not None
