"""Access helpers: every workspace object is reached through one of these.

Strangers get 404 (they must not learn that a thing exists), members whose role is too weak
get 403, and anonymous htmx requests get 403 instead of a login page swapped into the page.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect

from soundsite.accounts.models import Membership, Role, Workspace

SESSION_KEY = "workspace"


def login_required(view):
    """Like Django's, but an anonymous htmx request gets 403 rather than a redirect."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            if getattr(request, "htmx", False):
                raise PermissionDenied("Your session has ended. Sign in again.")
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapper


def current_membership(request) -> Membership | None:
    """The signed-in user's membership in the workspace they are working in, if any."""
    if hasattr(request, "_membership"):
        return request._membership
    membership = None
    if request.user.is_authenticated:
        memberships = Membership.objects.filter(user=request.user).select_related("workspace")
        code = request.session.get(SESSION_KEY)
        if code:
            membership = memberships.filter(workspace__code=code).first()
        if membership is None:
            membership = memberships.order_by("created_at").first()
            if membership is not None:
                request.session[SESSION_KEY] = str(membership.workspace.code)
    request._membership = membership
    return membership


def switch_workspace(request, workspace: Workspace) -> None:
    request.session[SESSION_KEY] = str(workspace.code)
    if hasattr(request, "_membership"):
        del request._membership


def workspace_required(role: str = Role.VIEWER):
    """Decorate a view that works in the current workspace.

    Sets ``request.membership`` and ``request.workspace``; answers 403 when the member's role is
    weaker than ``role``. A signed-in user with no workspace is sent to create one.
    """

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(request, *args, **kwargs):
            membership = current_membership(request)
            if membership is None:
                return redirect("workspace_create")
            require_role(membership, role)
            request.membership = membership
            request.workspace = membership.workspace
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def require_role(membership: Membership, role: str) -> None:
    if not membership.has_role(role):
        raise PermissionDenied(ROLE_REFUSALS.get(role, "Your role does not allow this."))


ROLE_REFUSALS = {
    Role.MEMBER: "Viewers can listen and download but not change anything.",
    Role.ADMIN: "Only owners and admins can do this.",
    Role.OWNER: "Only owners can do this.",
}


def get_membership_for_user(user, workspace_code) -> Membership:
    """The user's membership of the workspace with this code, or 404."""
    try:
        return Membership.objects.select_related("workspace").get(
            user=user, workspace__code=workspace_code
        )
    except Membership.DoesNotExist:
        raise Http404("No such workspace.") from None
