from django.utils import timezone

from soundsite.accounts.models import Membership
from soundsite.keys.access import can_change_key, can_use_key, usable_keys, visible_keys
from tests.factories import make_key


def membership(user):
    return Membership.objects.select_related("workspace", "user").get(user=user)


def test_owners_always_use_their_keys_others_only_shared(workspace, owner, teammate, viewer):
    own = make_key(workspace, teammate, label="Teammate's")
    shared = make_key(workspace, owner, label="Shared", shared=True, provider="soundpiece")
    private = make_key(workspace, owner, label="Owner's private")
    assert set(usable_keys(membership(teammate))) == {own, shared}
    assert set(usable_keys(membership(owner))) == {shared, private}
    assert list(usable_keys(membership(viewer))) == []
    assert list(usable_keys(membership(teammate), provider="soundpiece")) == [shared]
    assert list(usable_keys(None)) == []


def test_deleted_keys_are_never_usable(workspace, teammate):
    make_key(workspace, teammate, deleted_at=timezone.now())
    assert not usable_keys(membership(teammate)).exists()


def test_keys_of_other_workspaces_are_never_usable(workspace, stranger, teammate):
    other = membership(stranger).workspace
    make_key(other, stranger, shared=True)
    assert not usable_keys(membership(teammate)).exists()
    key = make_key(other, stranger, shared=True)
    assert not can_use_key(membership(teammate), key)


def test_viewers_see_shared_keys_but_cannot_use_them(workspace, owner, viewer):
    shared = make_key(workspace, owner, shared=True)
    make_key(workspace, owner, label="private")
    assert list(visible_keys(membership(viewer))) == [shared]
    assert not can_use_key(membership(viewer), shared)
    assert not can_change_key(membership(viewer), shared)


def test_who_may_change_a_key(workspace, owner, admin_user, teammate):
    own = make_key(workspace, teammate)
    shared = make_key(workspace, teammate, shared=True)
    admins_shared = make_key(workspace, admin_user, shared=True)
    assert can_change_key(membership(teammate), own)
    assert not can_change_key(membership(admin_user), own)  # private: only its owner
    assert can_change_key(membership(admin_user), shared)
    assert can_change_key(membership(owner), admins_shared)
    assert not can_change_key(membership(teammate), admins_shared)
