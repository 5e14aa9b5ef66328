"""Journey 3: when the provider fails a job, limits the key, or refuses it, the card says so."""

import pytest
from playwright.sync_api import expect

from soundsite.keys.services import add_sandbox_key
from soundsite.sandbox import faults
from soundsite.studio.models import Job
from tests.e2e._journeys import (
    generate,
    quicken,
    sandbox_account,
    shoot,
    signed_in,
    wait_until_finished,
)
from tests.factories import make_member, make_workspace

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("cluster")]


@pytest.fixture
def producer(new_page):
    """A member with two Soundpiece sandbox keys: the team's, and an old one of their own."""
    workspace = make_workspace("Northlight Studio")
    user = make_member(workspace, "producer@example.com", "owner")
    membership = user.memberships.get()
    team_key = add_sandbox_key(membership, "soundpiece", shared=True, check=False)
    old_key = add_sandbox_key(membership, "soundpiece", check=False)
    old_key.label = "Old Soundpiece key"
    old_key.save(update_fields=["label"])
    for key in (team_key, old_key):
        quicken(key)
    return {"user": user, "team_key": team_key, "old_key": old_key}


def make_effect(page, description, key):
    page.goto("/studio/sound_effect/")
    choice = page.get_by_label("Key", exact=True)
    value = choice.locator("option", has_text=key.label).first.get_attribute("value")
    if choice.input_value() != value:
        # Choosing another key reloads the form's fields; text typed while that request is on
        # its way would be replaced, so wait until htmx has settled the new form.
        page.evaluate(
            "() => { window.formSettled = false; document.body.addEventListener("
            "'htmx:afterSettle', () => { window.formSettled = true }, {once: true}) }"
        )
        choice.select_option(value)
        page.wait_for_function("() => window.formSettled")
    expect(page.get_by_label("Key", exact=True)).to_have_value(value)
    page.get_by_label("Describe the sound").fill(description)
    page.get_by_label("Length").fill("3")
    return generate(page)


def test_each_failure_is_explained_on_its_card(patient_pages, live_server, producer):
    new_page = patient_pages
    page = signed_in(new_page, live_server, producer["user"])
    team_account = sandbox_account(producer["team_key"])

    # 1. The provider fails the job.
    faults.inject(
        team_account, "fail", times=1, code="internal_error", message="Generation failed."
    )
    card = make_effect(page, "glass shatters on a stone floor", producer["team_key"])
    assert wait_until_finished(card) == "failed"
    error = card.locator(".job-error")
    expect(error).to_contain_text("Soundpiece could not finish this job.")
    expect(error).to_contain_text("Soundpiece said: “Generation failed.”")
    expect(error).not_to_contain_text("Try again, or change the input.")
    expect(error).to_contain_text("Choose Run again; if it fails again, change the input.")
    expect(card.get_by_role("button", name="Run again", exact=True)).to_be_visible()
    # The notice in the corner says so too, in letters that stand out from its background.
    notice = page.locator(".toast.toast-bad").first
    expect(notice).to_contain_text("Failed: glass shatters on a stone floor")
    text, background = notice.evaluate(
        "n => [getComputedStyle(n).color, getComputedStyle(n).backgroundColor]"
    )
    assert text != background, (text, background)
    shoot(page, "journey3-01-provider-failed")

    # 2. The provider limits the key: the card says when it resumes, then the job carries on.
    faults.inject(team_account, "rate_limit", times=1, retry_after=4)
    card = make_effect(page, "a soft whoosh for a transition", producer["team_key"])
    expect(card.locator(".job-stage")).to_contain_text(
        "Waiting for the provider's rate limit, resumes at", timeout=20_000
    )
    expect(card.locator(".job-stage")).to_contain_text("carries on by itself, nothing to do")
    shoot(page, "journey3-02-rate-limited")
    assert wait_until_finished(card) == "ready"
    assert Job.objects.filter(state="ready").count() == 1

    # 3. The provider refuses the key.
    faults.inject(sandbox_account(producer["old_key"]), "reject_key", times=None)
    card = make_effect(page, "a bicycle bell rings twice", producer["old_key"])
    assert wait_until_finished(card) == "failed"
    error = card.locator(".job-error")
    expect(error).to_contain_text("Soundpiece did not accept this API key.")
    expect(error).to_contain_text("It may be mistyped or revoked")
    expect(error).to_contain_text(
        "Check or replace the key under Settings → API keys, then choose Run again."
    )
    shoot(page, "journey3-03-key-rejected")
    producer["old_key"].refresh_from_db()
    assert producer["old_key"].health == "rejected"

    # All three, as the Jobs page shows them.
    page.goto("/jobs/")
    expect(page.locator(".job-card.job-failed")).to_have_count(2)
    expect(page.locator(".job-card.job-ready")).to_have_count(1)
    shoot(page, "journey3-04-jobs")
