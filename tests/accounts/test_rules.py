"""The membership rules as plain functions, including the paths views rarely reach."""

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from soundsite.accounts import members as rules
from soundsite.accounts.models import Invitation, Membership, Role
from tests.factories import make_member, make_user


def m(workspace, user):
    return Membership.objects.select_related("user", "workspace").get(
        workspace=workspace, user=user
    )


def test_assignable_roles(workspace, owner, admin_user, teammate):
    assert [r for r, _ in rules.assignable_roles(m(workspace, owner))] == [
        "owner",
        "admin",
        "member",
        "viewer",
    ]
    assert [r for r, _ in rules.assignable_roles(m(workspace, admin_user))] == [
        "admin",
        "member",
        "viewer",
    ]
    assert rules.assignable_roles(m(workspace, teammate)) == []


def test_change_role_to_the_same_role_reports_no_change(workspace, owner, teammate):
    assert rules.change_role(m(workspace, owner), m(workspace, teammate), Role.MEMBER) is False


def test_change_role_rechecks_the_target_inside_the_transaction(workspace, owner, admin_user):
    # The admin loaded the target while it was a member; meanwhile an owner promoted it.
    target = m(workspace, make_member(workspace, "t@example.com", "member"))
    Membership.objects.filter(pk=target.pk).update(role=Role.OWNER)
    with pytest.raises(PermissionDenied):
        rules.change_role(m(workspace, admin_user), target, Role.VIEWER)
    assert Membership.objects.get(pk=target.pk).role == Role.OWNER


def test_two_owners_cannot_both_step_down(workspace, owner):
    second = make_member(workspace, "second@example.com", "owner")
    first_view, second_view = m(workspace, owner), m(workspace, second)
    rules.change_role(first_view, first_view, Role.ADMIN)
    with pytest.raises(rules.RuleError):
        rules.change_role(second_view, second_view, Role.ADMIN)
    assert Membership.objects.filter(workspace=workspace, role=Role.OWNER).count() == 1


def test_an_invitation_is_used_once_even_when_loaded_twice(workspace, owner):
    invitation = Invitation.objects.create(workspace=workspace, role=Role.MEMBER)
    first, second = make_user("a@example.com"), make_user("b@example.com")
    stale_copy = Invitation.objects.get(pk=invitation.pk)
    rules.accept_invitation(invitation, first)
    # The second person's request read the invitation before it was used.
    with pytest.raises(rules.RuleError, match="already been used"):
        rules.accept_invitation(stale_copy, second)
    assert not Membership.objects.filter(user=second).exists()


def test_accepting_twice_as_the_same_person_keeps_one_membership(workspace, owner):
    one = Invitation.objects.create(workspace=workspace, role=Role.MEMBER)
    two = Invitation.objects.create(workspace=workspace, role=Role.OWNER)
    person = make_user("p@example.com")
    rules.accept_invitation(one, person)
    with pytest.raises(rules.RuleError, match="already a member"):
        rules.accept_invitation(two, person)
    assert Membership.objects.get(user=person).role == Role.MEMBER
    two.refresh_from_db()
    assert two.accepted_at is None


def test_email_invitations_compare_addresses_without_case(workspace, owner):
    invitation = Invitation.objects.create(
        workspace=workspace, email="Mixed@Example.com", role=Role.MEMBER
    )
    person = make_user("mixed@example.com")
    assert rules.accept_invitation(invitation, person).role == Role.MEMBER


def test_revoke_only_changes_a_pending_invitation(workspace, owner):
    invitation = Invitation.objects.create(workspace=workspace, role=Role.MEMBER)
    actor = m(workspace, owner)
    assert rules.revoke_invitation(actor, invitation) is True
    first_revocation = Invitation.objects.get(pk=invitation.pk).revoked_at
    assert rules.revoke_invitation(actor, invitation) is False
    assert Invitation.objects.get(pk=invitation.pk).revoked_at == first_revocation


def test_invitation_problem_words(workspace):
    invitation = Invitation(workspace=workspace, role=Role.MEMBER)
    assert rules.invitation_problem(invitation) is None
    invitation.revoked_at = timezone.now()
    assert "withdrawn" in rules.invitation_problem(invitation)


def test_removing_a_member_keeps_the_workspace(workspace, owner, teammate):
    rules.remove_member(m(workspace, owner), m(workspace, teammate))
    assert list(Membership.objects.filter(workspace=workspace).values_list("user", flat=True)) == [
        owner.pk
    ]
