"""Who may see, use and change which provider key.

* A key's owner may always use it.
* Other members (and admins, and owners) may use it only when it is shared with the workspace.
* Viewers never use keys; they see the shared keys listed, read-only.
* A key is changed (edited, secret replaced, deleted) by its owner; a shared key also by the
  workspace's owners and admins, so a shared key outlives the person who added it.
* A key that is neither yours nor shared does not exist for you: 404. A key you can see but
  not change: 403.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from soundsite.accounts.access import current_membership
from soundsite.accounts.models import Membership, Role
from soundsite.keys.models import ProviderKey


def _live(workspace) -> QuerySet[ProviderKey]:
    return ProviderKey.objects.filter(workspace=workspace, deleted_at__isnull=True)


def visible_keys(membership: Membership) -> QuerySet[ProviderKey]:
    """The keys this member sees on the keys page: their own and the shared ones."""
    keys = _live(membership.workspace).select_related("owner")
    if not membership.has_role(Role.MEMBER):
        return keys.filter(shared=True)
    return keys.filter(Q(owner=membership.user) | Q(shared=True))


def usable_keys(membership: Membership | None, provider: str | None = None):
    """The keys this member may make music with (none for viewers)."""
    if membership is None or not membership.has_role(Role.MEMBER):
        return ProviderKey.objects.none()
    keys = _live(membership.workspace).filter(Q(owner=membership.user) | Q(shared=True))
    if provider:
        keys = keys.filter(provider=provider)
    return keys.select_related("owner")


def can_use_key(membership: Membership | None, key: ProviderKey) -> bool:
    return (
        membership is not None
        and membership.workspace_id == key.workspace_id
        and membership.has_role(Role.MEMBER)
        and key.deleted_at is None
        and (key.owner_id == membership.user_id or key.shared)
    )


def can_change_key(membership: Membership | None, key: ProviderKey) -> bool:
    if membership is None or membership.workspace_id != key.workspace_id:
        return False
    if not membership.has_role(Role.MEMBER) or key.deleted_at is not None:
        return False
    return key.owner_id == membership.user_id or (key.shared and membership.can_manage)


def _membership(request) -> Membership | None:
    return getattr(request, "membership", None) or current_membership(request)


def get_key_for_member(request, code) -> ProviderKey:
    """The key with this code if the current member may see it, else 404."""
    membership = _membership(request)
    if membership is None:
        raise Http404("No such key.")
    try:
        return visible_keys(membership).get(code=code)
    except ProviderKey.DoesNotExist:
        raise Http404("No such key.") from None


def get_key_for_user(request, code) -> ProviderKey:
    """The key if the current member may make music with it: 404 unseen, 403 for viewers."""
    key = get_key_for_member(request, code)
    if not can_use_key(_membership(request), key):
        raise PermissionDenied("Viewers can listen and download but not use provider keys.")
    return key


def get_key_for_editor(request, code) -> ProviderKey:
    """The key if the current member may change it: 404 when unseen, 403 when only seen."""
    key = get_key_for_member(request, code)
    membership = _membership(request)
    if not can_change_key(membership, key):
        if not membership.has_role(Role.MEMBER):
            raise PermissionDenied("Viewers can listen and download but not change anything.")
        raise PermissionDenied(
            "Only the person who added this key, or an owner or admin of the workspace, "
            "can change it."
        )
    return key
