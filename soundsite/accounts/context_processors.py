from django.utils.functional import SimpleLazyObject

from soundsite.accounts.access import current_membership


def workspace(request):
    """The current membership and the user's workspaces, computed only if a template asks."""

    def memberships():
        if not request.user.is_authenticated:
            return []
        return list(request.user.memberships.select_related("workspace").order_by("created_at"))

    return {
        "membership": SimpleLazyObject(lambda: current_membership(request)),
        "my_memberships": SimpleLazyObject(memberships),
    }
