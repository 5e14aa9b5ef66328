"""The sandbox's stand-ins for the provider APIs, mounted under /sandbox/."""

from django.urls import include, path

from soundsite.sandbox import files

urlpatterns = [
    path("files/<str:signature>/<str:name>", files.download, name="sandbox_file"),
    path("soundpiece/", include("soundsite.sandbox.soundpiece_urls")),
    path("soundverse/", include("soundsite.sandbox.soundverse_urls")),
]
