from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from soundsite.accounts import views as account_views
from soundsite.studio import polling
from soundsite.studio import views as studio_views

urlpatterns = [
    # The job-card poll is the most frequent request (every open card, every 2 s), so it is
    # matched first instead of after some thirty other patterns.
    path("jobs/<uuid:code>/card/", polling.job_card, name="job_card"),
    path("", studio_views.studio_home, name="home"),
    path("healthz/", account_views.healthz, name="healthz"),
    path("", include("soundsite.accounts.urls")),
    path("", include("soundsite.studio.urls")),
    path("", include("soundsite.library.urls")),
    path("settings/", include("soundsite.keys.urls")),
    path("admin/", admin.site.urls),
]

if settings.SANDBOX_ENABLED:
    urlpatterns.append(path("sandbox/", include("soundsite.sandbox.urls")))
