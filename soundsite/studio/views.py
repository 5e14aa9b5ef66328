import re
import uuid

from django import forms
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from soundsite.accounts.access import require_role, workspace_required
from soundsite.accounts.models import Role
from soundsite.accounts.views import workspace_has_provider_key
from soundsite.keys.access import usable_keys
from soundsite.lib.ranged import ranged_file_response
from soundsite.library.models import Track
from soundsite.studio import cards, inputs, labels, pipeline
from soundsite.studio import forms as forms_
from soundsite.studio import prefill as prefill_
from soundsite.studio.models import Job, JobState
from soundsite.studio.polling import job_card  # noqa: F401 - routed from here
from soundsite.studio.uploads import SizeCapUploadHandler, size_text
from soundsite.studio.webhooks import public_base_is_reachable

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
    context = {
        "section": "jobs",
        "form": form,
        "page": page,
        "cards": cards_html(page.object_list),
    }
    template = "studio/jobs.html#job-list" if request.htmx else "studio/jobs.html"
    return render(request, template, context)


def card_html(job: Job) -> str:
    """A job's card from the cache, rendering (and caching) it if it is missing."""
    return cards_html([job])[0]


def cards_html(jobs) -> list[str]:
    """The cards of ``jobs`` (of one workspace), rendering those missing from the cache."""
    members = None  # read once for the whole list, and only if a running card is missing
    found = []
    for job in jobs:
        card = cards.read(job.code)
        if card is None:
            if members is None and not job.finished:
                members = cards.members_of(job.workspace_id)
            card = cards.publish(job, members=None if job.finished else members)
        found.append(card.html)
    return found


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
    key = job.key if key_is_usable(request.membership, job.key) else None
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
            inputs=job.inputs,
            source_track=job.source_track,
            license_snapshot=job.license_snapshot,
            estimated_cost=job.estimated_cost,
        )
    url = reverse("jobs") + f"#job-{new_job.code}"
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


def key_is_usable(membership, key) -> bool:
    """Its owner may always use a key; other members only when it is shared."""
    if key is None or key.deleted_at is not None or key.workspace_id != membership.workspace_id:
        return False
    return membership.can_edit and (key.owner_id == membership.user_id or key.shared)


@require_GET
@workspace_required(Role.MEMBER)
def job_edit(request, code):
    job = get_job_for_member(request, code)
    return redirect(reverse("studio_task", args=[job.task]) + f"?from_job={job.code}")


# --- The Studio: task tiles, task forms, the track picker and input files ---------------------
RECENT_JOBS = 6
PICKER_FIELD = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,60}$")


def task_tiles(membership, keys) -> list[dict]:
    """One tile per task, saying what it does and which of the member's keys can do it."""
    tiles = []
    for task, (label, description) in labels.TASKS.items():
        providers = forms_.providers_for(task)
        able = [key for key in keys if key.provider in providers]
        needs = " or ".join(labels.PROVIDERS.get(p, p) for p in providers)
        if able:
            names = [key.label for key in able[:2]]
            more = len(able) - len(names)
            keys_text = "With " + ", ".join(names) + (f" and {more} more" if more else "")
        elif not providers:
            keys_text = "No provider offers this yet"
        else:
            keys_text = f"Needs a {needs} key"
        tiles.append(
            {
                "task": task,
                "label": label,
                "description": description,
                "keys_text": keys_text,
                "ready": bool(able),
            }
        )
    return tiles


@require_GET
@workspace_required()
def studio_home(request):
    membership = request.membership
    keys = sorted(usable_keys(membership), key=forms_.key_order(membership))
    recent = Job.objects.filter(workspace=request.workspace, created_by=request.user)
    context = {
        "section": "studio",
        "tiles": task_tiles(membership, keys),
        "has_keys": bool(keys),
        "workspace_has_keys": bool(keys) or workspace_has_provider_key(request.workspace),
        "can_make": membership.can_edit,
        "sandbox_enabled": settings.SANDBOX_ENABLED,
        "recent_cards": cards_html(recent[:RECENT_JOBS]),
    }
    return render(request, "studio/home.html", context)


def task_or_404(task: str) -> str:
    if task not in labels.TASKS:
        raise Http404("No such task.")
    return task


def build_form(request, task, offers, data=None, files=None, initial=None):
    return forms_.TaskForm(
        data,
        files,
        task=task,
        membership=request.membership,
        offers=offers,
        initial=initial,
        oversized=getattr(request, "oversized_uploads", ()),
        public_base_ok=public_base_is_reachable(),
        fields_url=reverse("studio_task_fields", args=[task]),
        estimate_url=reverse("studio_task_estimate", args=[task]),
    )


def form_context(request, task, form, **extra) -> dict:
    outlook = None
    if form.chosen_key is not None and form.chosen_operation is not None:
        outlook = forms_.outlook(
            form.chosen_key, form.chosen_operation, form.license_id, estimate_params(form)
        )
    label, description = labels.TASKS[task]
    context = {
        "section": "studio",
        "task": task,
        "task_label": label,
        "task_description": description,
        "form": form,
        "outlook": outlook,
        "upload_limit": size_text(settings.UPLOAD_MAX_BYTES),
        "public_base_url": settings.PUBLIC_BASE_URL,
    }
    context.update(extra)
    return context


def estimate_params(form) -> dict:
    """The values that change a price (lengths, model), as typed so far."""
    if form.chosen_operation is None:
        return {}
    names = {f.name for f in form.chosen_operation.fields}
    source = form.data if form.is_bound else form.initial
    return {name: source.get(name) for name in names if source.get(name) not in (None, "")}


def values_of(data) -> dict:
    """Posted values as starting values for a fresh form (one value per name)."""
    return {name: data.get(name) for name in data if not name.endswith("__file")}


@csrf_exempt
@require_http_methods(["GET", "POST"])
def task_form(request, task):
    """A task's form. POST makes the job (CSRF is checked in ``_task_form``, see below)."""
    if request.method == "POST":
        # The size cap must be in place before the body is read, which CSRF checking does;
        # so CSRF is checked by ``csrf_protect`` on the inner view instead of the middleware.
        request.upload_handlers.insert(0, SizeCapUploadHandler(request))
    return _task_form(request, task)


@csrf_protect
@workspace_required()
def _task_form(request, task):
    task = task_or_404(task)
    membership = request.membership
    if request.method == "POST":
        require_role(membership, Role.MEMBER)
    offers = forms_.offers_for(task, membership)
    recent = Job.objects.filter(workspace=request.workspace, created_by=request.user, task=task)
    page = {
        "recent_cards": cards_html(recent[:RECENT_JOBS]),
        "can_make": membership.can_edit,
        "providers": forms_.providers_for(task),
        "sandbox_enabled": settings.SANDBOX_ENABLED,
    }
    if request.method == "GET":
        prefill = prefill_.build(request, task, offers)
        form = build_form(request, task, offers, initial=prefill.initial)
        context = form_context(request, task, form, notes=prefill.notes, **page)
        return render(request, "studio/task.html", context)

    existing = job_for_token(request, request.POST.get("form_token"))
    if existing is not None:
        return job_started(request, task, offers, existing, page)
    form = build_form(request, task, offers, request.POST, request.FILES)
    valid = form.is_valid()
    form.keep_uploads(user=request.user)
    if not valid:
        context = form_context(request, task, form, **page)
        template = "studio/task.html#task-form" if request.htmx else "studio/task.html"
        return render(request, template, context, status=200 if request.htmx else 400)
    job = create_job_from_form(request, form)
    # form.data shows kept uploads as library tracks, ready for another go.
    return job_started(request, task, offers, job, page, data=form.data)


def job_for_token(request, token) -> Job | None:
    try:
        token = uuid.UUID(str(token))
    except (TypeError, ValueError, AttributeError):
        return None
    return Job.objects.filter(
        workspace=request.workspace, form_token=token, created_by=request.user
    ).first()


def create_job_from_form(request, form) -> Job:
    """Record the job the form describes; the same form posted twice gives the same job."""
    operation, key = form.chosen_operation, form.chosen_key
    params = form.wire_parameters()
    outlook = forms_.outlook(key, operation, form.license_id, params)
    fields = dict(
        workspace=request.workspace,
        created_by=request.user,
        key=key,
        provider=str(operation.provider),
        operation=operation.key,
        version=operation.version,
        task=form.task,
        title=form.job_title(),
        parameters=params,
        inputs=form.inputs(),
        source_track=form.source_track(),
        license_snapshot=forms_.license_snapshot(key, form.license_id),
        estimated_cost=outlook.cost,
        form_token=form.cleaned_data.get("form_token"),
    )
    try:
        with transaction.atomic():
            return pipeline.create_job(**fields)
    except IntegrityError:
        pass
    # The same form arrived twice at once and the first one made the job; or, absurdly, a
    # teammate sent a token already used, which then simply does not count as a token.
    existing = Job.objects.filter(
        workspace=request.workspace, form_token=fields["form_token"]
    ).first()
    if existing is not None and existing.created_by_id == request.user.pk:
        return existing
    fields["form_token"] = None
    return pipeline.create_job(**fields)


def job_started(request, task, offers, job, page, data=None):
    """After Generate: htmx gets a fresh form and the new card; a browser goes to Jobs."""
    if not request.htmx:
        return redirect(reverse("jobs") + f"#job-{job.code}")
    initial = values_of(data if data is not None else request.POST)
    initial.pop("form_token", None)
    form = build_form(request, task, offers, initial=initial)
    context = form_context(request, task, form, started=job, started_card=card_html(job), **page)
    response = render(request, "studio/task.html#task-started", context)
    # Bring the "Started" notice at the top of the form into view (on a phone the button that
    # was pressed is far below it).
    response["HX-Reswap"] = "outerHTML show:top"
    return response


@require_POST
@workspace_required(Role.MEMBER)
def task_fields(request, task):
    """The form again for another provider, version or key (htmx swaps it in)."""
    task = task_or_404(task)
    offers = forms_.offers_for(task, request.membership)
    form = build_form(request, task, offers, initial=values_of(request.POST))
    return render(request, "studio/task.html#task-form", form_context(request, task, form))


@require_POST
@workspace_required(Role.MEMBER)
def task_estimate(request, task):
    """The license, cost and limits beside Generate, for the values chosen so far."""
    task = task_or_404(task)
    offers = forms_.offers_for(task, request.membership)
    form = build_form(request, task, offers, initial=values_of(request.POST))
    return render(request, "studio/task.html#outlook", form_context(request, task, form))


@require_GET
@workspace_required()
def track_picker(request):
    """Library tracks matching the search, as choices for one audio field of a task form."""
    name = request.GET.get("field", "")
    if not PICKER_FIELD.match(name):
        return HttpResponseBadRequest("Unknown field.")
    query = request.GET.get(forms_.audio_part(name, "q")) or request.GET.get("q") or ""
    selected_code = request.GET.get(forms_.audio_part(name, "track"), "")
    picker = forms_.picker_context(request.workspace, name, query.strip()[:100], selected_code)
    return render(request, "studio/_track_picker.html", {"picker": picker})


@require_http_methods(["GET", "HEAD"])
def input_file(request, token, name):
    """A stored track's file for a provider to fetch, by a signed, expiring link (no login)."""
    try:
        code = inputs.track_code_from_token(token)
    except inputs.InvalidToken:
        raise Http404("This link is not valid or has expired.") from None
    track = Track.objects.filter(code=code, deleted_at=None).first()
    if track is None or not track.file:
        raise Http404("This file is gone.")
    content_type = track.content_type
    if not content_type.startswith("audio/"):
        content_type = "application/octet-stream"  # never rendered by a browser
    try:
        response = ranged_file_response(
            request,
            default_storage,
            track.file.name,
            content_type=content_type,
            size=track.bytes,
            etag=track.sha256,
            filename=inputs.url_file_name(track),
            cache_control="private, no-store",
        )
    except FileNotFoundError:
        raise Http404("This file is gone.") from None
    response["X-Robots-Tag"] = "noindex"
    return response
