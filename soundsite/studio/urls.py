from django.urls import path

from soundsite.studio import views, webhooks

urlpatterns = [
    path("studio/tracks/pick/", views.track_picker, name="studio_track_picker"),
    path("studio/files/<str:token>/<str:name>", views.input_file, name="studio_input_file"),
    path("studio/<slug:task>/", views.task_form, name="studio_task"),
    path("studio/<slug:task>/fields/", views.task_fields, name="studio_task_fields"),
    path("studio/<slug:task>/estimate/", views.task_estimate, name="studio_task_estimate"),
    path("jobs/", views.jobs, name="jobs"),
    path("jobs/tray/", views.job_tray, name="job_tray"),
    path("jobs/<uuid:code>/cancel/", views.job_cancel, name="job_cancel"),
    path("jobs/<uuid:code>/rerun/", views.job_rerun, name="job_rerun"),
    path("jobs/<uuid:code>/edit/", views.job_edit, name="job_edit"),
    path("hooks/soundpiece/<uuid:code>/", webhooks.soundpiece_webhook, name="soundpiece_webhook"),
]
