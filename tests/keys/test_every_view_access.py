"""One table for every view of accounts and keys: who gets what, and what wrong requests get.

For each route the table gives the answer to each persona (owner, admin, teammate — a member —,
viewer, and a stranger from another workspace), and the file checks for every route that an
anonymous visitor is sent to sign in (pages) or refused with 403 (htmx), that a wrong HTTP
method gets 405 and that a POST without a CSRF token gets 403 and changes nothing. A new route
in either app that is not in the table fails ``test_the_table_covers_every_route``.

The detailed behaviour of each view is tested beside it (test_members.py, test_key_edit.py…);
this file is the safety net that no view forgets its access check.
"""

import pytest
from django.test import Client
from django.urls import get_resolver, reverse

from soundsite.accounts import urls as account_urls
from soundsite.accounts.models import Invitation, Membership, Workspace
from soundsite.keys import urls as key_urls
from soundsite.keys.models import ProviderKey
from tests.factories import make_key

HTMX = {"HX-Request": "true"}
PERSONAS = ("owner", "admin_user", "teammate", "viewer", "stranger")


@pytest.fixture
def world(workspace, owner, admin_user, teammate, viewer, stranger):
    """Objects of the Northlight workspace that the routes point at."""
    key = make_key(workspace, owner, label="Shared by the owner", shared=True)
    return {
        "workspace": workspace,
        "key": key,
        "member": Membership.objects.get(user=teammate),
        "invitation": Invitation.objects.create(
            workspace=workspace, email="new@example.com", role="member", created_by=owner
        ),
        "link": Invitation.objects.create(workspace=workspace, role="member", created_by=owner),
    }


def url(name, world):
    arguments = {
        "member_role": {"code": world["member"].code},
        "member_remove": {"code": world["member"].code},
        "invitation_revoke": {"code": world["invitation"].code},
        "invitation_resend": {"code": world["invitation"].code},
        "workspace_switch": {"code": world["workspace"].code},
        "workspace_leave": {"code": world["workspace"].code},
        "invitation": {"token": world["link"].token},
        "password_reset_confirm": {"uidb64": "MQ", "token": "forged-token"},
        "key_add": {"provider": "soundverse"},
        "key_license_options": {"provider": "soundverse"},
        "key_add_sandbox": {"provider": "soundverse"},
        "key_edit": {"code": world["key"].code},
        "key_replace_secret": {"code": world["key"].code},
        "key_delete": {"code": world["key"].code},
        "key_check": {"code": world["key"].code},
    }.get(name, {})
    return reverse(name, kwargs=arguments)


# name: (method probed, form data, {persona: status}, signed-in only?, methods refused with 405)
#
# The personas' statuses for the probe: 200 the page, 302 done (or sent on), 403 the role is
# too weak, 404 the object is not theirs to see. A stranger's own-workspace answer (settings,
# invitations) is a 302 that leaves Northlight untouched: checked in test_strangers_...
ALL_200 = dict.fromkeys(PERSONAS, 200)
ADMINS_ONLY = {"owner": 302, "admin_user": 302, "teammate": 403, "viewer": 403, "stranger": 404}
ROUTES = {
    # --- Public pages: signing in, signing up, resetting a password, invitations -------------
    "login": ("get", None, dict.fromkeys(PERSONAS, 302), False, ("put", "delete")),
    "signup": ("get", None, dict.fromkeys(PERSONAS, 302), False, ("put", "delete")),
    "password_reset": ("get", None, ALL_200, False, ("put", "delete")),
    "password_reset_done": ("get", None, ALL_200, False, ("post", "put")),
    "password_reset_confirm": ("get", None, ALL_200, False, ("put", "delete")),
    "password_reset_complete": ("get", None, ALL_200, False, ("post", "put")),
    "invitation": ("get", None, ALL_200, False, ("put", "delete")),
    "logout": ("post", {}, dict.fromkeys(PERSONAS, 302), False, ("get", "put")),
    # --- Your own account ----------------------------------------------------------------
    "profile": ("get", None, ALL_200, True, ("put", "delete")),
    "password_change": ("post", {}, dict.fromkeys(PERSONAS, 400), True, ("get", "put")),
    "workspace_create": ("get", None, ALL_200, True, ("put", "delete")),
    # --- The workspace ----------------------------------------------------------------------
    "settings": (
        "post",
        {"name": "Renamed", "default_share_days": "7"},
        {"owner": 302, "admin_user": 302, "teammate": 403, "viewer": 403, "stranger": 302},
        True,
        ("put", "delete"),
    ),
    "members": ("get", None, ALL_200, True, ("post", "put")),
    "invite_email": (
        "post",
        {"email-email": "guest@example.com", "email-role": "member", "email-expires_in": "7"},
        {"owner": 302, "admin_user": 302, "teammate": 403, "viewer": 403, "stranger": 302},
        True,
        ("get", "put"),
    ),
    "invite_link": (
        "post",
        {"link-role": "viewer", "link-expires_in": "7"},
        {"owner": 302, "admin_user": 302, "teammate": 403, "viewer": 403, "stranger": 302},
        True,
        ("get", "put"),
    ),
    "member_role": ("post", {"role": "viewer"}, ADMINS_ONLY, True, ("get", "put")),
    "member_remove": ("post", {}, ADMINS_ONLY, True, ("get", "put")),
    "invitation_revoke": ("post", {}, ADMINS_ONLY, True, ("get", "put")),
    "invitation_resend": ("post", {}, ADMINS_ONLY, True, ("get", "put")),
    "workspace_switch": (
        "post",
        {},
        {"owner": 302, "admin_user": 302, "teammate": 302, "viewer": 302, "stranger": 404},
        True,
        ("get", "put"),
    ),
    "workspace_leave": (
        "post",
        {},
        # The only owner may not leave: the members page answers with the reason.
        {"owner": 400, "admin_user": 302, "teammate": 302, "viewer": 302, "stranger": 404},
        True,
        ("get", "put"),
    ),
    # --- Provider keys and usage (the key is the owner's, shared with the workspace) --------
    "keys_list": ("get", None, ALL_200, True, ("post", "put")),
    "key_add": (
        "get",
        None,
        {"owner": 200, "admin_user": 200, "teammate": 200, "viewer": 403, "stranger": 200},
        True,
        ("put", "delete"),
    ),
    "key_license_options": (
        "get",
        None,
        {"owner": 200, "admin_user": 200, "teammate": 200, "viewer": 403, "stranger": 200},
        True,
        ("post", "put"),
    ),
    "key_add_sandbox": (
        "post",
        {},
        {"owner": 302, "admin_user": 302, "teammate": 302, "viewer": 403, "stranger": 302},
        True,
        ("get", "put"),
    ),
    "key_edit": (
        "get",
        None,
        {"owner": 200, "admin_user": 200, "teammate": 403, "viewer": 403, "stranger": 404},
        True,
        ("put", "delete"),
    ),
    "key_replace_secret": (
        "get",
        None,
        {"owner": 200, "admin_user": 200, "teammate": 403, "viewer": 403, "stranger": 404},
        True,
        ("put", "delete"),
    ),
    "key_delete": (
        "post",
        {},
        {"owner": 302, "admin_user": 302, "teammate": 403, "viewer": 403, "stranger": 404},
        True,
        ("put", "delete"),
    ),
    "key_check": (
        "post",
        {},
        # Anyone who may use the shared key may check it; a viewer may not use keys.
        {"owner": 302, "admin_user": 302, "teammate": 302, "viewer": 403, "stranger": 404},
        True,
        ("get", "put"),
    ),
    "usage": ("get", None, ALL_200, True, ("post", "put")),
    "usage_export": ("get", None, ALL_200, True, ("post", "put")),
}


def _route_names(module):
    return {pattern.name for pattern in module.urlpatterns}


def test_the_table_covers_every_route():
    assert _route_names(account_urls) | _route_names(key_urls) == set(ROUTES)
    resolver = get_resolver()
    assert all(name in resolver.reverse_dict for name in ROUTES)


def _snapshot():
    """Everything an access mistake could change."""
    return (
        sorted(Workspace.objects.values_list("name", "default_share_days")),
        sorted(Membership.objects.values_list("user__email", "role", "workspace__name")),
        sorted(Invitation.objects.values_list("code", "accepted_at", "revoked_at")),
        Invitation.objects.count(),
        sorted(ProviderKey.objects.values_list("label", "deleted_at", "health", "shared")),
        ProviderKey.objects.count(),
    )


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", sorted(ROUTES))
def test_each_persona_gets_the_expected_answer(request, client, world, name, persona):
    method, data, expected, _, _ = ROUTES[name]
    client.force_login(request.getfixturevalue(persona))
    before = _snapshot()
    response = getattr(client, method)(url(name, world), data)
    assert response.status_code == expected[persona], (name, persona)
    if response.status_code in (403, 404):
        assert _snapshot() == before, f"a refused {name} changed something"


SIGNED_IN = sorted(name for name, route in ROUTES.items() if route[3])
PUBLIC = sorted(name for name, route in ROUTES.items() if not route[3])


@pytest.mark.parametrize("name", SIGNED_IN)
def test_anonymous_visitors_sign_in_first_and_htmx_gets_403(client, world, name):
    method, data, *_ = ROUTES[name]
    before = _snapshot()
    response = getattr(client, method)(url(name, world), data)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")
    assert getattr(client, method)(url(name, world), data, headers=HTMX).status_code == 403
    assert _snapshot() == before


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_a_wrong_method_gets_405(client, world, owner, name):
    *_, refused = ROUTES[name]
    client.force_login(owner)
    before = _snapshot()
    for method in refused:
        assert getattr(client, method)(url(name, world)).status_code == 405, (name, method)
    assert _snapshot() == before


@pytest.mark.parametrize("name", sorted(name for name, r in ROUTES.items() if r[0] == "post"))
def test_a_post_without_csrf_token_gets_403_and_changes_nothing(world, owner, name):
    _, data, *_ = ROUTES[name]
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(owner)
    before = _snapshot()
    response = browser.post(url(name, world), data)
    assert response.status_code == 403
    assert b"form has expired" in response.content or b"CSRF" in response.content
    assert _snapshot() == before


def test_strangers_change_only_their_own_workspace(client, world, stranger):
    client.force_login(stranger)
    client.post(url("settings", world), {"name": "Hijacked", "default_share_days": "7"})
    client.post(url("invite_link", world), {"link-role": "owner", "link-expires_in": "7"})
    assert Workspace.objects.filter(name="Northlight Studio").exists()
    assert not Invitation.objects.filter(workspace=world["workspace"], role="owner").exists()


@pytest.mark.parametrize("name", PUBLIC)
def test_public_routes_answer_anonymous_visitors(client, world, name):
    method, data, *_ = ROUTES[name]
    response = getattr(client, method)(url(name, world), data)
    if name == "logout":
        assert (response.status_code, response["Location"]) == (302, "/login/")
    else:
        assert response.status_code == 200, name
