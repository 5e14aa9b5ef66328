from django.shortcuts import render
from django.views.decorators.http import require_GET

from soundsite.accounts.access import workspace_required


@require_GET
@workspace_required()
def jobs(request):
    return render(request, "studio/jobs.html", {"section": "jobs"})
