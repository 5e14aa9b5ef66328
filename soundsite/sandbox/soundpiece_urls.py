"""Routes of the Soundpiece stand-in, mounted at /sandbox/soundpiece/ (the key's base URL)."""

from django.urls import path, re_path

from soundsite.sandbox import soundpiece

urlpatterns = [
    path("v1/<str:action>", soundpiece.action_view, name="sandbox_soundpiece_action"),
    re_path(r"^(?P<rest>.*)$", soundpiece.not_found, name="sandbox_soundpiece_not_found"),
]
