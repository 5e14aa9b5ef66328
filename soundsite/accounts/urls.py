from django.urls import path

from soundsite.accounts import views

urlpatterns = [
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    path("signup/", views.signup, name="signup"),
    path("password-reset/", views.password_reset, name="password_reset"),
    path("password-reset/sent/", views.password_reset_done, name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        views.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path("password-reset/done/", views.password_reset_complete, name="password_reset_complete"),
    path("profile/", views.profile, name="profile"),
    path("profile/password/", views.password_change, name="password_change"),
    path("settings/", views.workspace_settings, name="settings"),
    path("settings/members/", views.members, name="members"),
    path("settings/members/invite/", views.invite_email, name="invite_email"),
    path("settings/members/invite-link/", views.invite_link, name="invite_link"),
    path("settings/members/<uuid:code>/role/", views.member_role, name="member_role"),
    path("settings/members/<uuid:code>/remove/", views.member_remove, name="member_remove"),
    path(
        "settings/invitations/<uuid:code>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path(
        "settings/invitations/<uuid:code>/resend/",
        views.invitation_resend,
        name="invitation_resend",
    ),
    path("workspaces/new/", views.workspace_create, name="workspace_create"),
    path("workspaces/<uuid:code>/switch/", views.workspace_switch, name="workspace_switch"),
    path("workspaces/<uuid:code>/leave/", views.workspace_leave, name="workspace_leave"),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
]
