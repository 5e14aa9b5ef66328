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


@require_GET
@workspace_required()
def track(request, code):
    from django.shortcuts import get_object_or_404

    from soundsite.library.models import Track

    item = get_object_or_404(Track, code=code, workspace=request.workspace, deleted_at=None)
    return render(request, "library/track.html", {"section": "library", "track": item})
