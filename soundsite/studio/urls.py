from django.urls import path

from soundsite.studio import views, webhooks

urlpatterns = [
    path("jobs/", views.jobs, name="jobs"),
    path("hooks/soundpiece/<uuid:code>/", webhooks.soundpiece_webhook, name="soundpiece_webhook"),
]
