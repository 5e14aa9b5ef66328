"""The rules for who may join, change and leave a workspace, as plain functions.

Views call these and turn their two kinds of refusal into answers: ``PermissionDenied`` (the
person's role does not allow the action, 403) and ``RuleError`` (the action would break a rule of
the workspace, such as leaving it without an owner; the page is shown again with the message).
Every function either does all of its change or none of it.
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from soundsite.accounts.access import require_role
from soundsite.accounts.models import Invitation, Membership, Role, Workspace


def expiry_choices() -> list[tuple[int, str]]:
    """How long an invitation may last: 1, 7 or 30 days, plus the configured default."""
    days = sorted({1, 7, 30, settings.INVITATION_DAYS})
    return [(n, "1 day" if n == 1 else f"{n} days") for n in days]


class RuleError(Exception):
    """An action that would break a workspace rule; the message says so in plain words."""


def assignable_roles(actor: Membership) -> list[tuple[str, str]]:
    """The roles this member may give to others: owners any, admins any but owner."""
    return [
        (value, label)
        for value, label in Role.choices
        if actor.is_owner or (actor.can_manage and value != Role.OWNER)
    ]


def require_owner_for(actor: Membership, *roles: str) -> None:
    if Role.OWNER in roles and not actor.is_owner:
        raise PermissionDenied("Only owners can make someone an owner or change an owner's role.")


def _lock_workspace(workspace: Workspace) -> None:
    # Serialise membership changes per workspace so that two owners demoting each other at the
    # same moment cannot leave it with none. (SQLite's IMMEDIATE transactions already do this.)
    Workspace.objects.select_for_update().filter(pk=workspace.pk).exists()


def _other_owners(target: Membership) -> int:
    return (
        Membership.objects.filter(workspace_id=target.workspace_id, role=Role.OWNER)
        .exclude(pk=target.pk)
        .count()
    )


def change_role(actor: Membership, target: Membership, role: str) -> bool:
    """Give ``target`` a new role; returns False when it already had it."""
    require_role(actor, Role.ADMIN)
    if role not in Role.values:
        raise RuleError("Choose one of the roles in the list.")
    require_owner_for(actor, role, target.role)
    with transaction.atomic():
        _lock_workspace(target.workspace)
        target.refresh_from_db(fields=["role"])
        require_owner_for(actor, target.role)
        if target.role == role:
            return False
        if target.role == Role.OWNER and _other_owners(target) == 0:
            raise RuleError(
                f"{target.user.name} is the only owner. Make someone else an owner first."
            )
        target.role = role
        target.save(update_fields=["role"])
    return True


def remove_member(actor: Membership, target: Membership) -> None:
    """Take ``target`` out of the workspace (their music and links stay with the workspace)."""
    if target.pk == actor.pk:
        leave(actor)
        return
    require_role(actor, Role.ADMIN)
    require_owner_for(actor, target.role)
    with transaction.atomic():
        _lock_workspace(target.workspace)
        target.refresh_from_db(fields=["role"])
        require_owner_for(actor, target.role)
        if target.role == Role.OWNER and _other_owners(target) == 0:
            raise RuleError(f"{target.user.name} is the only owner and cannot be removed.")
        target.delete()


def leave(membership: Membership) -> None:
    """The member leaves the workspace, unless they are its last owner."""
    with transaction.atomic():
        _lock_workspace(membership.workspace)
        membership.refresh_from_db(fields=["role"])
        if membership.role == Role.OWNER and _other_owners(membership) == 0:
            raise RuleError(
                "You are the only owner of this workspace. Make someone else an owner "
                "before you leave."
            )
        membership.delete()


def create_invitation(actor: Membership, *, role: str, days: int, email: str = "") -> Invitation:
    """Create an invitation by e-mail (``email`` given) or as a link to hand over."""
    require_role(actor, Role.ADMIN)
    require_owner_for(actor, role)
    email = email.strip().lower()
    workspace = actor.workspace
    if email:
        if Membership.objects.filter(workspace=workspace, user__email=email).exists():
            raise RuleError(f"{email} is already a member of this workspace.")
        if pending_invitations(workspace).filter(email=email).exists():
            raise RuleError(f"{email} already has a pending invitation. Resend or revoke it below.")
    return Invitation.objects.create(
        workspace=workspace,
        email=email,
        role=role,
        created_by=actor.user,
        expires_at=timezone.now() + timedelta(days=days),
    )


def pending_invitations(workspace: Workspace):
    return Invitation.objects.filter(
        workspace=workspace,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    )


def revoke_invitation(actor: Membership, invitation: Invitation) -> bool:
    """Revoke a pending invitation; returns False if it was no longer pending."""
    require_role(actor, Role.ADMIN)
    require_owner_for(actor, invitation.role)
    changed = Invitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    return bool(changed)


def invitation_url(invitation: Invitation) -> str:
    return settings.PUBLIC_BASE_URL + reverse("invitation", args=[invitation.token])


def send_invitation_email(invitation: Invitation) -> None:
    inviter = invitation.created_by.name if invitation.created_by else "A teammate"
    context = {
        "invitation": invitation,
        "inviter": inviter,
        "url": invitation_url(invitation),
        "base_url": settings.PUBLIC_BASE_URL,
    }
    subject = f"{inviter} invited you to {invitation.workspace.name} on Soundsite"
    body = render_to_string("accounts/email/invitation.txt", context)
    send_mail(subject, body, None, [invitation.email])


def invitation_problem(invitation: Invitation) -> str | None:
    """Why this invitation can no longer be used, in plain words; None when it can."""
    inviter = invitation.created_by.name if invitation.created_by else "the person who invited you"
    if invitation.revoked_at:
        return f"This invitation was withdrawn. Ask {inviter} to invite you again."
    if invitation.accepted_at:
        return "This invitation has already been used. Each invitation works once."
    if invitation.is_expired:
        return f"This invitation has expired. Ask {inviter} for a new one."
    return None


def wrong_recipient(invitation: Invitation, user) -> bool:
    """An e-mail invitation may only be accepted by the address it was sent to."""
    return bool(invitation.email) and invitation.email.lower() != user.email.lower()


def accept_invitation(invitation: Invitation, user) -> Membership:
    """Make ``user`` a member with the invitation's role, using the invitation up."""
    if wrong_recipient(invitation, user):
        raise PermissionDenied(
            f"This invitation was sent to {invitation.email}. Sign in with that address to "
            "accept it."
        )
    existing = Membership.objects.filter(workspace=invitation.workspace, user=user).first()
    if existing is not None:
        raise RuleError(f"You are already a member of {invitation.workspace.name}.")
    problem = invitation_problem(invitation)
    if problem:
        raise RuleError(problem)
    now = timezone.now()
    try:
        with transaction.atomic():
            # The conditional UPDATE is the single point where an invitation is used, so two
            # people (or two clicks) racing for one link cannot both join with it.
            used = Invitation.objects.filter(
                pk=invitation.pk,
                accepted_at__isnull=True,
                revoked_at__isnull=True,
                expires_at__gt=now,
            ).update(accepted_at=now, accepted_by=user)
            if not used:
                invitation.refresh_from_db()
                raise RuleError(invitation_problem(invitation) or "This invitation is not valid.")
            return Membership.objects.create(
                workspace=invitation.workspace, user=user, role=invitation.role
            )
    except IntegrityError:
        raise RuleError(f"You are already a member of {invitation.workspace.name}.") from None
