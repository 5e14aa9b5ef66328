from django import forms
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from soundsite.accounts.access import (
    get_membership_for_user,
    login_required,
    switch_workspace,
    workspace_required,
)
from soundsite.accounts.models import Membership, Role, Workspace


@require_GET
def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


@require_GET
@workspace_required()
def home(request):
    return render(request, "accounts/home.html")


class WorkspaceForm(forms.ModelForm):
    class Meta:
        model = Workspace
        fields = ["name"]
        labels = {"name": "Workspace name"}
        help_texts = {"name": "Usually your agency or team, e.g. “Northlight Studio”."}


@require_http_methods(["GET", "POST"])
@login_required
def workspace_create(request):
    form = WorkspaceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            workspace = form.save()
            Membership.objects.create(workspace=workspace, user=request.user, role=Role.OWNER)
        switch_workspace(request, workspace)
        return redirect("home")
    status = 400 if form.errors and not request.htmx else 200
    return render(request, "accounts/workspace_create.html", {"form": form}, status=status)


@require_http_methods(["POST"])
@login_required
def workspace_switch(request, code):
    membership = get_membership_for_user(request.user, code)
    switch_workspace(request, membership.workspace)
    return redirect("home")


@require_GET
@login_required
def profile(request):
    return render(request, "accounts/profile.html", {"section": "settings"})


@require_GET
@workspace_required()
def settings_home(request):
    return render(request, "accounts/settings.html", {"section": "settings"})
