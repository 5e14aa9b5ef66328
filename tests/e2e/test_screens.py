"""The first journey: sign up, create a workspace, invite people, adjust the settings."""

import re

import pytest
from playwright.sync_api import expect

from soundsite.accounts.models import Invitation, Workspace
from tests.e2e.conftest import DESKTOP, PHONE, fits_the_width

pytestmark = pytest.mark.e2e

PASSWORD = "quiet river 2041"


def sign_up(page, name="Ana Producer", email="ana@example.com"):
    page.goto("/signup/")
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Work e-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()


def create_workspace(page, name):
    page.get_by_label("Workspace name").fill(name)
    page.get_by_role("button", name="Create workspace").click()
    expect(page.get_by_text(f"{name} is ready.")).to_be_visible()


def test_sign_up_create_workspace_members_and_settings(new_page, screenshot):
    # The sign-up page, before anyone is signed in, at both widths.
    phone = new_page(PHONE)
    phone.goto("/signup/")
    expect(phone.get_by_role("heading", name="Create your account")).to_be_visible()
    assert fits_the_width(phone)
    screenshot(phone, "signup-390")

    page = new_page(DESKTOP)
    page.goto("/signup/")
    screenshot(page, "signup-1280")

    # A bad password is explained beside its field, and nothing is created.
    page.problems.allow(400)
    page.get_by_label("Your name").fill("Ana Producer")
    page.get_by_label("Work e-mail").fill("ana@example.com")
    page.get_by_label("Password").fill("12345")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator("#id_password_error")).to_contain_text("too short")
    expect(page.get_by_label("Password")).to_have_attribute("aria-invalid", "true")
    screenshot(page, "signup-error-1280")

    sign_up(page)
    expect(page).to_have_url(re.compile(r"/workspaces/new/$"))
    expect(page.get_by_role("heading", name="Create your workspace")).to_be_visible()
    create_workspace(page, "Harbour Lane Creative")

    # Studio home with the first-run panel.
    expect(page.get_by_role("heading", name="Studio")).to_be_visible()
    expect(
        page.get_by_text("Add your Soundpiece or Soundverse key — or try the sandbox")
    ).to_be_visible()

    # The workspace switcher opens and shows the workspace.
    page.get_by_label("Workspace: Harbour Lane Creative. Switch workspace").click()
    expect(page.get_by_role("button", name="Harbour Lane Creative Owner")).to_be_visible()
    screenshot(page, "switcher-1280")
    page.keyboard.press("Escape")

    # Settings → Members: invite by e-mail, then create a link and copy it.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    page.get_by_role("navigation", name="Settings").get_by_role("link", name="Members").click()
    expect(page.get_by_role("heading", name="Members")).to_be_visible()

    page.get_by_label("E-mail address").fill("sam@example.com")
    page.locator("#id_email-role").select_option("admin")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("Invitation sent to sam@example.com.")).to_be_visible()

    page.locator("#id_link-role").select_option("viewer")
    page.locator("#id_link-expires_in").select_option("30")
    page.get_by_role("button", name="Create link").click()
    expect(page.get_by_role("heading", name="Invitation link ready")).to_be_visible()
    link = Invitation.objects.get(email="")
    assert page.locator("#new-link").input_value().endswith(f"/invitations/{link.token}/")
    page.get_by_role("button", name="Copy link").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.endswith(f"/invitations/{link.token}/")
    expect(page.locator(".invitation")).to_have_count(2)
    screenshot(page, "members-1280")

    # Workspace settings: the default share-link lifetime.
    page.get_by_role("navigation", name="Settings").get_by_role("link", name="Workspace").click()
    page.get_by_label("New share links last").select_option("30")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Workspace settings saved.")).to_be_visible()
    assert Workspace.objects.get(name="Harbour Lane Creative").default_share_days == 30
    screenshot(page, "settings-1280")

    # The same pages at phone width: nothing sticks out sideways.
    page.set_viewport_size(PHONE)
    page.goto("/settings/members/")
    screenshot(page, "members-390")
    overflowing = page.evaluate(
        """[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right
           > window.innerWidth + 1).slice(0, 5).map(e => e.tagName + '.' + e.className)"""
    )
    assert fits_the_width(page), overflowing
    page.goto("/settings/")
    assert fits_the_width(page)
    screenshot(page, "settings-390")
    page.goto("/profile/")
    assert fits_the_width(page)
    screenshot(page, "profile-390")


def test_an_invited_person_signs_up_and_lands_in_the_workspace(new_page, screenshot):
    owner = new_page(DESKTOP)
    sign_up(owner, "Olive Owner", "olive@example.com")
    create_workspace(owner, "Northlight Studio")
    owner.goto("/settings/members/")
    owner.get_by_role("button", name="Create link").click()
    expect(owner.locator("#new-link")).to_be_visible()
    link = owner.locator("#new-link").input_value()

    guest = new_page(PHONE)
    guest.goto(link)
    expect(guest.get_by_role("heading", name="Join Northlight Studio")).to_be_visible()
    screenshot(guest, "invitation-390")
    guest.get_by_role("button", name="Create an account and join").click()
    guest.get_by_label("Your name").fill("Gus Guest")
    guest.get_by_label("Work e-mail").fill("gus@example.com")
    guest.get_by_label("Password").fill(PASSWORD)
    guest.get_by_role("button", name="Create account and join").click()
    expect(guest.get_by_text("Welcome to Northlight Studio. You joined as member.")).to_be_visible()
    assert fits_the_width(guest)

    # The link is used up: opening it again says so plainly.
    guest.problems.allow(410)
    guest.goto(link)
    expect(guest.get_by_text("This invitation has already been used.")).to_be_visible()


def test_every_main_page_renders_cleanly_at_both_widths(new_page, screenshot):
    page = new_page(DESKTOP)
    sign_up(page)
    create_workspace(page, "Harbour Lane Creative")
    for viewport, suffix in ((DESKTOP, "1280"), (PHONE, "390")):
        page.set_viewport_size(viewport)
        for path, name, words in [
            ("/", "studio", "Add your Soundpiece or Soundverse key"),
            ("/library/", "library", "No tracks yet."),
            ("/jobs/", "jobs", "No jobs yet."),
            ("/shares/", "shares", "No share links yet."),
        ]:
            page.goto(path)
            expect(page.get_by_text(words)).to_be_visible()
            assert fits_the_width(page), (path, suffix)
            screenshot(page, f"{name}-{suffix}")

    # Keyboard users see where they are: the first Tab lands on the skip link, then the brand,
    # and the focused control has a visible outline.
    page.set_viewport_size(DESKTOP)
    page.goto("/library/")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    expect(page.get_by_role("link", name="Skip to content")).to_be_in_viewport()
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none")
