from django import template

from soundsite.studio import errors, labels

register = template.Library()

STATE_BADGES = {
    "ready": "badge-ok",
    "failed": "badge-bad",
    "canceled": "badge-muted",
    "queued": "badge-muted",
}


@register.filter
def job_task_label(job) -> str:
    return labels.task_label(getattr(job, "task", "") or str(job))


@register.filter
def provider_label(provider: str) -> str:
    return labels.PROVIDERS.get(provider, provider)


@register.filter
def state_badge(state: str) -> str:
    return STATE_BADGES.get(state, "")


@register.filter
def error_advice(job) -> tuple[str, str, str]:
    """(headline, next step, what the stored message adds) for a failed job's card."""
    headline, next_step = errors.explain(job.error_code, labels.PROVIDERS.get(job.provider, ""))
    return headline, next_step, errors.details(job.error_message, headline)


@register.filter
def duration(seconds) -> str:
    """3 min 12 s, 45 s, 1 h 2 min."""
    if seconds is None:
        return ""
    total = int(round(float(seconds)))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    return f"{secs} s"


@register.filter
def track_origin(track) -> str:
    """Where a track came from, in a word or two: "Upload", "Made with Soundpiece"."""
    from soundsite.studio.forms import audio_relation_label

    return audio_relation_label(track)


@register.filter
def version_number(version: str) -> str:
    """ "v1" and "1" both read "1" after the word "version"."""
    text = str(version or "")
    return text[1:] if text[:1] in ("v", "V") and text[1:2].isdigit() else text


@register.inclusion_tag("studio/_job_tray.html", takes_context=True)
def job_tray(context):
    """The running-jobs tray for the top bar, counted while the page renders (one query).

    Rendering it in place, rather than loading it after the page, means a page left quickly
    never leaves a half-made request behind; the tray then refreshes itself every few seconds.
    """
    from soundsite.studio.models import Job
    from soundsite.studio.pipeline import ACTIVE_STATES

    membership = context.get("membership")
    if not membership:
        return {"running_count": 0}
    count = Job.objects.filter(
        workspace_id=membership.workspace_id, state__in=ACTIVE_STATES
    ).count()
    return {"running_count": count}
