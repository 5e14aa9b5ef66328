from django.utils.functional import SimpleLazyObject

from soundsite.keys.checks import has_rejected_keys, rejected_keys


def key_notices(request):
    """The signed-in user's keys that a provider refused, looked up only if a page asks.

    A page asks once per view (the notice in base.html); that costs one cache read, and the
    list is fetched only when the flag says there is something to show.
    """

    def notices():
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return []
        if not has_rejected_keys(user.pk):
            return []
        return rejected_keys(user.pk)

    return {"rejected_keys": SimpleLazyObject(notices)}
