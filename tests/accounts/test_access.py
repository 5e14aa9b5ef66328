"""The access helpers every view goes through."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.test import RequestFactory

from soundsite.accounts.access import (
    current_membership,
    get_membership_for_user,
    login_required,
    workspace_required,
)
from soundsite.accounts.models import Membership, Role, Workspace


def _request(user, session=None, htmx=False):
    request = RequestFactory().get("/somewhere/")
    request.user = user
    request.session = session if session is not None else {}
    request.htmx = htmx
    return request


@workspace_required(Role.MEMBER)
def change_something(request):
    return HttpResponse(request.workspace.name)


def test_it_lets_a_member_in_and_sets_the_workspace(owner, teammate):
    assert change_something(_request(teammate)).content == b"Northlight Studio"


def test_a_viewer_gets_403(viewer):
    with pytest.raises(PermissionDenied, match="Viewers can listen"):
        change_something(_request(viewer))


def test_anonymous_pages_redirect_and_htmx_gets_403(db):
    from django.contrib.auth.models import AnonymousUser

    response = change_something(_request(AnonymousUser()))
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/somewhere/"
    with pytest.raises(PermissionDenied):
        login_required(change_something)(_request(AnonymousUser(), htmx=True))


def test_a_user_without_workspace_is_sent_to_create_one(lone_user):
    assert change_something(_request(lone_user))["Location"] == "/workspaces/new/"


def test_a_stale_workspace_in_the_session_falls_back(teammate, workspace):
    request = _request(teammate, {"workspace": "00000000-0000-0000-0000-000000000000"})
    assert current_membership(request).workspace == workspace
    assert request.session["workspace"] == str(workspace.code)


def test_the_session_cannot_point_into_a_strangers_workspace(stranger, workspace):
    request = _request(stranger, {"workspace": str(workspace.code)})
    assert current_membership(request).workspace.name == "Elsewhere Ltd"


def test_get_membership_for_user_is_404_for_strangers(stranger, workspace):
    with pytest.raises(Http404):
        get_membership_for_user(stranger, workspace.code)


def test_get_membership_for_user(owner, workspace):
    assert get_membership_for_user(owner, workspace.code) == Membership.objects.get(user=owner)


def test_the_current_membership_is_computed_once(owner, django_assert_num_queries):
    request = _request(owner)
    with django_assert_num_queries(1):
        current_membership(request)
        current_membership(request)


def test_the_oldest_membership_is_the_default(owner, workspace):
    newer = Workspace.objects.create(name="Newer")
    Membership.objects.create(workspace=newer, user=owner, role=Role.VIEWER)
    assert current_membership(_request(owner)).workspace == workspace
