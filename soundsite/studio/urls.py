from django.urls import path

from soundsite.studio import views

urlpatterns = [
    path("jobs/", views.jobs, name="jobs"),
]
