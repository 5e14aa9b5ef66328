"""Template helpers for the library: waveforms, durations, labels and license badges."""

import json
from functools import lru_cache

from django import template
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe

from soundsite.lib.waveform import waveform_svg
from soundsite.library import labels, thumbnails

register = template.Library()

_PLACEHOLDER = "00000000-0000-0000-0000-000000000000"


@register.simple_tag
def waveform(peaks, bars=100, css_class="wave", key=None):
    """Inline SVG of ``peaks``; with ``key`` (the track's code) drawn once and remembered."""
    if key is None:
        return waveform_svg(peaks or [], bars=int(bars), css_class=css_class)
    return thumbnails.draw(peaks, key, bars=int(bars), css_class=css_class)


@lru_cache(maxsize=32)
def _icon_markup(name: str) -> str:
    return get_template(f"library/icons/{name}.svg").render().strip()


@register.simple_tag
def icon(name: str):
    """One of the library's inline SVG icons, read once."""
    return mark_safe(_icon_markup(name))  # noqa: S308 - our own files, not user input


@lru_cache(maxsize=64)
def _url_pattern(name: str) -> str:
    return reverse(name, args=[_PLACEHOLDER])


@register.filter
def track_url(code, name: str) -> str:
    """``reverse(name, args=[code])`` for URLs that take one code, without resolving each time."""
    return _url_pattern(name).replace(_PLACEHOLDER, str(code))


@register.filter
def duration(seconds) -> str:
    """3:07 for short pieces, 1:02:03 past an hour."""
    try:
        total = int(round(float(seconds)))
    except (TypeError, ValueError):
        return ""
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@register.filter
def duration_words(seconds) -> str:
    """'3 min 7 s' for screen readers and details."""
    try:
        total = int(round(float(seconds)))
    except (TypeError, ValueError):
        return ""
    minutes, secs = divmod(total, 60)
    if minutes and secs:
        return f"{minutes} min {secs} s"
    return f"{minutes} min" if minutes else f"{secs} s"


@register.filter
def task_label(task) -> str:
    return labels.task_label(task or "")


@register.filter
def provider_label(provider) -> str:
    return labels.provider_label(provider or "")


@register.filter
def operation_label(job) -> str:
    """What the job's operation is called in the studio ("Make a song"), or '' if unknown."""
    from soundsite.providers.catalog import get_operation

    try:
        return get_operation(job.provider, job.operation).label
    except (KeyError, AttributeError, ValueError):
        return ""


@register.filter
def version_words(version) -> str:
    """ "v1" or "1" → "version 1": providers spell versions differently."""
    value = str(version or "").strip()
    if value[:1] in ("v", "V") and value[1:2].isdigit():
        value = value[1:]
    return f"version {value}" if value else ""


@register.filter
def relation_label(track) -> str:
    if track.relation == "stem" and track.stem_kind:
        return f"Stem: {labels.STEM_LABELS.get(track.stem_kind, track.stem_kind)}"
    return labels.RELATION_LABELS.get(track.relation, track.relation)


@register.filter
def license_name(snapshot) -> str:
    return labels.license_name(snapshot)


@register.filter
def license_summary(snapshot) -> str:
    return labels.license_summary(snapshot)


@register.filter
def plan_name(snapshot) -> str:
    return labels.plan_name(snapshot)


@register.filter
def expires_words(share) -> str:
    """'Never', 'in 6 days', 'expired 2 days ago', 'revoked'."""
    from django.utils.timesince import timesince, timeuntil

    if share.revoked_at:
        return "Revoked"
    if share.expires_at is None:
        return "Never expires"
    now = timezone.now()
    if share.expires_at <= now:
        return f"Expired {timesince(share.expires_at, now, depth=1)} ago"
    left = share.expires_at - now
    if left >= timezone.timedelta(days=1):
        # Rounded, so a link made "for 7 days" reads "in 7 days", not "in 6 days" a minute on.
        days = round(left / timezone.timedelta(days=1))
        return f"Expires in {days}\xa0day{'s' if days != 1 else ''}"
    return f"Expires in {timeuntil(share.expires_at, now, depth=1)}"


@register.filter
def jsonify(value) -> str:
    """JSON for a data attribute; autoescaping makes it safe inside the quotes."""
    return json.dumps(value, separators=(",", ":"))


@register.filter
def get_item(mapping, key):
    return (mapping or {}).get(key)


@register.simple_tag(takes_context=True)
def audio_url(context, code) -> str:
    """The player's address for a track's audio, with a short-lived key (library/playback.py)."""
    from soundsite.library.playback import audio_url_maker

    request = context.get("request")
    return audio_url_maker(request)(code) if request else track_url(code, "track_audio")
