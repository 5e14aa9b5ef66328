"""Journey 2: an owner brings in a colleague by link; a viewer listens but changes nothing."""

import re

import pytest
from playwright.sync_api import expect

from soundsite.accounts.models import Membership
from soundsite.keys.models import ProviderKey
from soundsite.keys.services import add_sandbox_key
from soundsite.library.models import CollectionItem, ShareLink, Track
from soundsite.studio.models import Job
from tests.e2e._journeys import (
    PASSWORD,
    generate,
    quicken,
    shoot,
    signed_in,
    wait_playing,
    wait_until_finished,
)
from tests.e2e.conftest import DESKTOP, PHONE
from tests.factories import make_collection, make_key, make_member, make_workspace

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("cluster")]


def change_forms(page):
    """Where the page's forms would post a change to the workspace.

    Marking a favourite and leaving the workspace are the viewer's own business, not changes.
    """
    return page.evaluate(
        r"""[...document.querySelectorAll('main form[method=post]')]
             .map(form => form.getAttribute('action'))
             .filter(action => !/\/(favourite|leave)\/$/.test(action))"""
    )


@pytest.fixture
def team(new_page, live_server):
    """An owner with a shared sandbox key for the team and a private key of their own."""
    workspace = make_workspace("Northlight Studio")
    owner = make_member(workspace, "olive@example.com", "owner")
    membership = owner.memberships.get()
    shared = add_sandbox_key(membership, "soundpiece", shared=True, check=False)
    quicken(shared)
    private = make_key(workspace, owner, "soundverse", label="Olive's own Soundverse")
    return {"workspace": workspace, "owner": owner, "shared": shared, "private": private}


def test_a_colleague_joins_by_link_and_a_viewer_only_listens(patient_pages, live_server, team):
    new_page = patient_pages
    owner = signed_in(new_page, live_server, team["owner"])
    owner.goto("/settings/members/")
    owner.locator("#id_link-role").select_option("member")
    owner.get_by_role("button", name="Create link").click()
    link = owner.locator("#new-link").input_value()
    shoot(owner, "journey2-01-owner-invites")

    # The colleague opens the link, signs up, and lands in the workspace as a member.
    colleague = new_page(DESKTOP)
    colleague.goto(link)
    expect(colleague.get_by_role("heading", name="Join Northlight Studio")).to_be_visible()
    shoot(colleague, "journey2-02-invitation")
    colleague.get_by_role("button", name="Create an account and join").click()
    colleague.get_by_label("Your name").fill("Cal Colleague")
    colleague.get_by_label("Work e-mail").fill("cal@example.com")
    colleague.get_by_label("Password").fill(PASSWORD)
    colleague.get_by_role("button", name="Create account and join").click()
    expect(
        colleague.get_by_text("Welcome to Northlight Studio. You joined as member.")
    ).to_be_visible()
    assert Membership.objects.get(user__email="cal@example.com").role == "member"

    # They make a sound effect with the team's shared key.
    colleague.get_by_role("link", name="Make a sound effect").first.click()
    colleague.wait_for_url("**/studio/sound_effect/")
    expect(colleague.locator(".made-with")).to_contain_text("Soundpiece")
    colleague.get_by_label("Describe the sound").fill("a door creaks open in an old house")
    colleague.get_by_label("Length").fill("4")
    shoot(colleague, "journey2-03-colleague-form")
    card = generate(colleague)
    assert wait_until_finished(card) == "ready"
    job = Job.objects.get()
    assert job.key == team["shared"] and job.created_by.email == "cal@example.com"
    effect = Track.objects.get(job=job)
    shoot(colleague, "journey2-04-colleague-made")

    # The owner's private key is nowhere in the colleague's view, and roles stay the owner's.
    colleague.goto("/settings/keys/")
    expect(colleague.get_by_text(team["shared"].label).first).to_be_visible()
    assert colleague.get_by_text("Olive's own Soundverse").count() == 0
    shoot(colleague, "journey2-05-colleague-keys")
    colleague.goto("/studio/song/")
    assert colleague.get_by_text("Olive's own Soundverse").count() == 0
    colleague.goto("/settings/members/")
    expect(colleague.get_by_text("olive@example.com")).to_be_visible()
    assert colleague.locator("select[name=role]").count() == 0
    assert colleague.get_by_role("button", name="Remove").count() == 0
    assert colleague.get_by_role("button", name="Send invitation").count() == 0
    shoot(colleague, "journey2-06-colleague-members")

    # A viewer listens to it, and sees no control that would change anything.
    viewer_user = make_member(team["workspace"], "vic@example.com", "viewer")
    collection = make_collection(team["workspace"], "Client picks", [effect], user=team["owner"])
    viewer = signed_in(new_page, live_server, viewer_user, PHONE)
    viewer.goto("/")
    expect(viewer.get_by_role("heading", name="You can listen, not make")).to_be_visible()
    assert viewer.get_by_role("button", name="Generate").count() == 0
    shoot(viewer, "journey2-07-viewer-studio")

    viewer.goto(effect.get_absolute_url())
    viewer.get_by_role("button", name=f"Play {effect.title}", exact=True).click()
    wait_playing(viewer)
    for name in ("Split into stems", "Cut to…", "Extend", "Remix", "Loop", "Share"):
        assert viewer.get_by_role("button", name=name, exact=True).count() == 0, name
    for name in ("Delete this track", "Save tags", "Add", "Save"):
        assert viewer.get_by_role("button", name=name, exact=True).count() == 0, name
    assert viewer.get_by_text("Rename").count() == 0
    assert change_forms(viewer) == []
    # Listening and downloading stay open to viewers.
    expect(viewer.get_by_role("button", name=re.compile(r"^Download ")).first).to_be_visible()
    shoot(viewer, "journey2-08-viewer-track")

    viewer.goto(f"/library/collections/{collection.code}/")
    assert change_forms(viewer) == []
    shoot(viewer, "journey2-09-viewer-collection")
    for path in ("/settings/members/", "/settings/keys/", "/shares/", "/library/"):
        viewer.goto(path)
        assert change_forms(viewer) == [], path
    assert viewer.get_by_text("Olive's own Soundverse").count() == 0

    # Posting anyway, with the viewer's own session and CSRF token, is refused.
    token = viewer.evaluate("document.querySelector('[name=csrfmiddlewaretoken]').value")
    owner_membership = team["owner"].memberships.get()
    attempts = {
        f"/library/tracks/{effect.code}/rename/": {"title": "Renamed by a viewer"},
        f"/library/tracks/{effect.code}/tags/": {"tags": "viewer"},
        f"/library/tracks/{effect.code}/delete/": {},
        f"/library/tracks/{effect.code}/share/": {"expires_in": "7"},
        f"/library/collections/{collection.code}/remove/": {"track": str(effect.code)},
        f"/library/collections/{collection.code}/share/": {"expires_in": "7"},
        f"/settings/members/{owner_membership.code}/role/": {"role": "viewer"},
        "/settings/members/invite-link/": {"link-role": "owner", "link-expires_in": "7"},
        "/settings/keys/sandbox/soundverse/": {},
        "/studio/sound_effect/": {"prompt": "a viewer's sound", "duration": "3"},
    }
    for path, data in attempts.items():
        response = viewer.context.request.post(
            path,
            form={"csrfmiddlewaretoken": token, **data},
            headers={"X-CSRFToken": token, "Referer": live_server.url + path},
        )
        assert response.status == 403, (path, response.status)
    effect.refresh_from_db()
    assert effect.title != "Renamed by a viewer" and effect.tags != ["viewer"]
    assert effect.deleted_at is None
    assert list(CollectionItem.objects.values_list("track", flat=True)) == [effect.pk]
    assert not ShareLink.objects.exists()
    owner_membership.refresh_from_db()
    assert owner_membership.role == "owner"
    assert ProviderKey.objects.count() == 2
    assert Job.objects.count() == 1
