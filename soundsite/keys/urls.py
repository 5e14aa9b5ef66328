"""Mounted at /settings/: the API keys pages and the usage page."""

from django.urls import path

from soundsite.keys import views

urlpatterns = [
    path("keys/", views.keys_list, name="keys_list"),
    path("keys/new/<str:provider>/", views.key_add, name="key_add"),
    path(
        "keys/new/<str:provider>/licenses/",
        views.key_license_options,
        name="key_license_options",
    ),
    path("keys/sandbox/<str:provider>/", views.key_add_sandbox, name="key_add_sandbox"),
    path("keys/<uuid:code>/edit/", views.key_edit, name="key_edit"),
    path("keys/<uuid:code>/secret/", views.key_replace_secret, name="key_replace_secret"),
    path("keys/<uuid:code>/delete/", views.key_delete, name="key_delete"),
    path("keys/<uuid:code>/check/", views.key_check, name="key_check"),
    path("usage/", views.usage_page, name="usage"),
    path("usage/export.csv", views.usage_export, name="usage_export"),
]
