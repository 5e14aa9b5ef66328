"""Times in the words people use: "in 6 days", "in 3 hours"."""

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def from_now(moment) -> str:
    """How far ``moment`` is from now, rounded to the unit that matters ("in 6 days")."""
    if moment is None:
        return ""
    seconds = (moment - timezone.now()).total_seconds()
    if seconds <= 0:
        return "now"
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        count = round(seconds / size)
        if count >= 2 or (unit == "minute" and count >= 1):
            return f"in {count} {unit}s" if count != 1 else f"in 1 {unit}"
    return "in less than a minute"
