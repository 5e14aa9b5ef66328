"""The API keys and Usage pages in the browser, at desktop and phone width.

Nothing here reaches a provider: bad input is refused before any check, and the sandbox key is
checked against the stand-in this very server runs.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from soundsite.accounts.models import Membership
from soundsite.keys.models import ProviderKey
from tests.e2e.conftest import DESKTOP, PHONE, fits_the_width
from tests.factories import PASSWORD, make_job, make_key, make_member, make_workspace

pytestmark = pytest.mark.e2e


def overflowing(page) -> list[str]:
    return page.evaluate(
        """[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right
           > window.innerWidth + 1).slice(0, 8).map(e => e.tagName + '.' + e.className)"""
    )


def top(page):
    # Full-page screenshots of a scrolled page show the sticky top bar half-way down.
    page.evaluate("window.scrollTo(0, 0)")
    return page


def sign_in(page, email):
    page.goto("/login/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()


def test_keys_pages_at_both_widths(new_page, screenshot):
    workspace = make_workspace("Harbour Lane Creative")
    make_member(workspace, "ana@example.com", "owner")
    page = new_page(DESKTOP)
    sign_in(page, "ana@example.com")

    page.goto("/settings/keys/")
    expect(page.get_by_text("No keys yet")).to_be_visible()
    screenshot(top(page), "keys-empty-1280")

    # A malformed secret and a non-web address are explained beside their fields.
    page.get_by_role("button", name="Add a Soundverse key", exact=True).click()
    expect(page.get_by_role("heading", name="Add a Soundverse key")).to_be_visible()
    page.get_by_label("Label", exact=True).fill("Agency Soundverse")
    page.get_by_label("API key", exact=True).fill("abc")
    page.get_by_label("Plan", exact=True).select_option("growth")
    expect(page.get_by_text("The Growth plan gives the Sample license")).to_be_visible()
    page.get_by_text("More options").click()
    page.get_by_label("Base URL").fill("ftp://api.soundverse.ai")
    page.problems.allow(400)
    page.get_by_role("button", name="Save and check the key").click()
    expect(page.locator("#id_secret_error")).to_be_visible()
    expect(page.locator("#id_base_url_error")).to_contain_text("https://")
    assert not ProviderKey.objects.exists()
    assert fits_the_width(page)
    screenshot(top(page), "key-add-errors-1280")
    page.set_viewport_size(PHONE)
    assert fits_the_width(page)
    screenshot(top(page), "key-add-errors-390")
    page.set_viewport_size(DESKTOP)

    # A sandbox key: badged, its last four characters only, checked against the stand-in.
    page.goto("/settings/keys/")
    page.get_by_role("button", name="Add a Soundverse sandbox key").click()
    card = page.locator(".key-card")
    expect(card.get_by_text("Sandbox", exact=True)).to_be_visible()
    key = ProviderKey.objects.get()
    assert key.reveal_secret() not in page.content()
    expect(card.get_by_text(f"…{key.secret_last4}")).to_be_visible()
    card.get_by_role("button", name="Check key").click()
    expect(card.locator(".key-health .badge")).to_have_text("Accepted")
    screenshot(top(page), "keys-1280")
    page.set_viewport_size(PHONE)
    screenshot(top(page), "keys-390")
    assert fits_the_width(page), overflowing(page)

    page.set_viewport_size(DESKTOP)
    card.get_by_role("button", name="Edit").click()
    expect(page.get_by_role("heading", name=f"Edit “{key.label}”")).to_be_visible()
    screenshot(top(page), "key-edit-1280")


def test_usage_page_at_both_widths(new_page, screenshot):
    workspace = make_workspace("Harbour Lane Creative")
    owner = make_member(workspace, "ana@example.com", "owner")
    teammate = make_member(workspace, "sam@example.com", "member")
    Membership.objects.filter(user=teammate).update()
    key = make_key(workspace, owner, label="Agency Soundverse", shared=True, plan="growth")
    now = timezone.now()
    for days, user, cost in [(0, owner, "0.21"), (3, teammate, "0.14"), (40, owner, "0.42")]:
        job = make_job(workspace, user, key, estimated_cost=Decimal(cost))
        type(job).objects.filter(pk=job.pk).update(created_at=now - timedelta(days=days))
    page = new_page(DESKTOP)
    sign_in(page, "ana@example.com")
    page.goto("/settings/usage/")
    expect(page.get_by_role("heading", name="Usage")).to_be_visible()
    expect(page.locator(".stats")).to_contain_text("3")
    expect(page.locator("svg[role=img]")).to_be_visible()
    screenshot(top(page), "usage-1280")
    page.set_viewport_size(PHONE)
    assert fits_the_width(page), overflowing(page)
    # Every column, the estimated spend included, is on screen without scrolling sideways.
    for table in page.locator(".usage-tables table").all():
        assert table.evaluate("t => t.scrollWidth <= t.parentElement.clientWidth")
    screenshot(top(page), "usage-390")
    # One month, per day, filtered to one member.
    page.get_by_label("Member", exact=True).select_option(label="ana")
    page.get_by_label("Month", exact=True).fill(now.strftime("%Y-%m"))
    page.get_by_role("button", name="Show").click()
    expect(page.locator(".chart figcaption")).to_contain_text("per day")
    assert fits_the_width(page), overflowing(page)
    screenshot(top(page), "usage-month-390")
