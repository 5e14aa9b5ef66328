from django.contrib.auth import views as auth_views
from django.urls import path

from soundsite.accounts import views

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="accounts/login.html"),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("profile/", views.profile, name="profile"),
    path("settings/", views.settings_home, name="settings"),
    path("workspaces/new/", views.workspace_create, name="workspace_create"),
    path("workspaces/<uuid:code>/switch/", views.workspace_switch, name="workspace_switch"),
]
