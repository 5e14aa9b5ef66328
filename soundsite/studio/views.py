from django import forms
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from soundsite.accounts.access import workspace_required
from soundsite.accounts.models import Role
from soundsite.keys.access import can_use_key
from soundsite.studio import cards, labels, pipeline
from soundsite.studio.models import Job, JobState
from soundsite.studio.polling import job_card  # noqa: F401 - routed from here

JOBS_PER_PAGE = 20


def get_job_for_member(request, code) -> Job:
    """A job of the current workspace, or 404 (strangers never learn it exists)."""
    return get_object_or_404(
        Job.objects.select_related("key", "source_track"), code=code, workspace=request.workspace
    )


class JobFilterForm(forms.Form):
    state = forms.ChoiceField(required=False, choices=[("", "Any state"), *JobState.choices])
    task = forms.ChoiceField(
        required=False,
        choices=[("", "Any task")] + [(k, v[0]) for k, v in labels.TASKS.items()],
    )
    provider = forms.ChoiceField(
        required=False, choices=[("", "Any provider"), *labels.PROVIDERS.items()]
    )
    member = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        members = workspace.memberships.select_related("user").order_by("user__email")
        self.fields["member"].choices = [("", "Anyone")] + [
            (m.user_id, m.user.name) for m in members
        ]


@require_GET
@workspace_required()
def jobs(request):
    form = JobFilterForm(request.GET or None, workspace=request.workspace)
    queryset = Job.objects.filter(workspace=request.workspace).select_related("created_by")
    if form.is_valid():
        data = form.cleaned_data
        if data["state"]:
            queryset = queryset.filter(state=data["state"])
        if data["task"]:
            queryset = queryset.filter(task=data["task"])
        if data["provider"]:
            queryset = queryset.filter(provider=data["provider"])
        if data["member"]:
            queryset = queryset.filter(created_by_id=data["member"])
    page = Paginator(queryset.order_by("-created_at"), JOBS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    cards_html = [card_html(job) for job in page.object_list]
    context = {"section": "jobs", "form": form, "page": page, "cards": cards_html}
    template = "studio/jobs.html#job-list" if request.htmx else "studio/jobs.html"
    return render(request, template, context)


def card_html(job: Job) -> str:
    """A job's card from the cache, rendering (and caching) it if it is missing."""
    from django.core.cache import cache

    entry = cache.get(cards.cache_key(job.code))
    if entry is None:
        entry = cards.publish(job)
    return entry[1]


@require_GET
@workspace_required()
def job_tray(request):
    """How many jobs are running in this workspace, for the tray in the top bar."""
    count = Job.objects.filter(
        workspace=request.workspace, state__in=pipeline.ACTIVE_STATES
    ).count()
    return render(request, "studio/_job_tray.html", {"running_count": count})


@require_POST
@workspace_required(Role.MEMBER)
def job_cancel(request, code):
    job = get_job_for_member(request, code)
    pipeline.cancel(job)
    if request.htmx:
        return HttpResponse(card_html(job))
    return redirect("jobs")


@require_POST
@workspace_required(Role.MEMBER)
def job_rerun(request, code):
    """Run a finished job again with the same settings, as a new job with a new key."""
    job = get_job_for_member(request, code)
    if not job.finished:
        return HttpResponse("This job is still running.", status=409)
    key = job.key if job.key and can_use_key(request.membership, job.key) else None
    if key is None:
        return HttpResponse(
            "The key this job used is no longer available to you. Choose Edit and run again "
            "to pick another key.",
            status=409,
        )
    with transaction.atomic():
        new_job = pipeline.create_job(
            workspace=request.workspace,
            created_by=request.user,
            key=key,
            provider=job.provider,
            operation=job.operation,
            version=job.version,
            task=job.task,
            title=job.title,
            parameters=job.parameters,
            source_track=job.source_track,
            license_snapshot=job.license_snapshot,
            estimated_cost=job.estimated_cost,
        )
    url = reverse("jobs") + f"#job-{new_job.code}"
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


@require_GET
@workspace_required(Role.MEMBER)
def job_edit(request, code):
    job = get_job_for_member(request, code)
    return redirect(reverse("studio_task", args=[job.task]) + f"?from_job={job.code}")


@require_GET
@workspace_required()
def task_form(request, task):
    if task not in labels.TASKS:
        from django.http import Http404

        raise Http404("No such task.")
    return render(request, "studio/task.html", {"section": "studio", "task": task})
