from django.shortcuts import render
from django.views.decorators.http import require_GET

from soundsite.accounts.access import workspace_required


@require_GET
@workspace_required()
def library(request):
    return render(request, "library/library.html", {"section": "library"})


@require_GET
@workspace_required()
def share_links(request):
    return render(request, "library/share_links.html", {"section": "shares"})
