"""Sign-up, sign-in, profile, workspaces, members and invitations."""

import logging
from smtplib import SMTPException

from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from soundsite.accounts import members as rules
from soundsite.accounts import throttle
from soundsite.accounts.access import (
    SESSION_KEY,
    current_membership,
    get_membership_for_user,
    login_required,
    require_role,
    switch_workspace,
    workspace_required,
)
from soundsite.accounts.forms import (
    InviteEmailForm,
    InviteLinkForm,
    PasswordForm,
    ProfileForm,
    ResetPasswordForm,
    ResetRequestForm,
    RoleForm,
    SignInForm,
    SignUpForm,
    WorkspaceForm,
    WorkspaceSettingsForm,
)
from soundsite.accounts.models import ROLE_HELP, Invitation, Membership, Role, User, Workspace
from soundsite.accounts.templatetags.humantime import from_now

log = logging.getLogger(__name__)


def render_form(request, template, context, *, invalid=False, partial="form", status=None):
    """Render a form page, or only its named partial for htmx.

    Invalid input answers 400 to a plain browser request and 200 to htmx, which does not swap
    4xx responses into the page by default.
    """
    if request.htmx:
        template = f"{template}#{partial}"
    if status is None:
        status = 400 if invalid and not request.htmx else 200
    return render(request, template, context, status=status)


def _safe_next(request, default=settings.LOGIN_REDIRECT_URL) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(default)


@require_GET
def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


def workspace_has_provider_key(workspace) -> bool:
    """Whether anyone in the workspace has added a provider key yet.

    The keys app owns the model; until it is installed every workspace counts as having none.
    """
    try:
        provider_key = apps.get_model("keys", "ProviderKey")
    except LookupError:
        return False
    keys = provider_key.objects.filter(workspace=workspace)
    if any(field.name == "deleted_at" for field in provider_key._meta.get_fields()):
        keys = keys.filter(deleted_at__isnull=True)
    return keys.exists()


@require_GET
@workspace_required()
def home(request):
    context = {
        "section": "studio",
        "needs_key": not workspace_has_provider_key(request.workspace),
    }
    return render(request, "accounts/home.html", context)


# --- Signing in and out -----------------------------------------------------------------------


@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def login(request):
    next_url = _safe_next(request)
    if request.method == "GET" and request.user.is_authenticated:
        return redirect(next_url)
    form = SignInForm(request, request.POST if request.method == "POST" else None)
    context = {"form": form, "next": next_url}
    if request.method == "POST":
        if form.is_valid():
            auth_login(request, form.user)
            return redirect(next_url)
        # 429 tells scripts and monitoring that this is throttling, not a typo.
        status = 429 if form.refusal else None
        return render_form(request, "accounts/login.html", context, invalid=True, status=status)
    return render_form(request, "accounts/login.html", context)


@require_POST
def logout(request):
    auth_logout(request)
    messages.success(request, "You have signed out.")
    return redirect("login")


def _invitation_by_token(token: str) -> Invitation | None:
    if not token or len(token) > 64:
        return None
    return Invitation.objects.select_related("workspace", "created_by").filter(token=token).first()


def _invitation_refusal(request, invitation: Invitation | None):
    """The page for a missing or used-up invitation, or None when it can still be accepted."""
    if invitation is None:
        message = (
            "This invitation link is not valid. Check that you copied the whole link, "
            "or ask for a new invitation."
        )
        status = 404
    else:
        message = rules.invitation_problem(invitation)
        status = 410
        if message is None:
            return None
    return render(
        request,
        "accounts/invitation_invalid.html",
        {"message": message, "invitation": invitation},
        status=status,
    )


@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def signup(request):
    token = request.POST.get("invitation") or request.GET.get("invitation") or ""
    invitation = None
    if token:
        invitation = _invitation_by_token(token)
        refusal = _invitation_refusal(request, invitation)
        if refusal is not None:
            return refusal
    if request.user.is_authenticated:
        if invitation is not None:
            return redirect("invitation", token=invitation.token)
        return redirect("home")

    form = SignUpForm(request.POST if request.method == "POST" else None, invitation=invitation)
    context = {"form": form, "invitation": invitation}
    if request.method == "POST":
        if not form.is_valid():
            return render_form(request, "accounts/signup.html", context, invalid=True)
        with transaction.atomic():
            user = form.save()
        auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        if invitation is None:
            messages.success(request, f"Welcome, {user.name}. Now create your workspace.")
            return redirect("workspace_create")
        try:
            membership = rules.accept_invitation(invitation, user)
        except (rules.RuleError, PermissionDenied) as error:
            messages.warning(request, f"Your account is ready, but: {error}")
            return redirect("workspace_create")
        switch_workspace(request, membership.workspace)
        messages.success(request, _welcome(membership))
        return redirect("home")
    return render_form(request, "accounts/signup.html", context)


def _welcome(membership: Membership) -> str:
    return (
        f"Welcome to {membership.workspace.name}. "
        f"You joined as {membership.get_role_display().lower()}."
    )


# --- Password reset (Django's views, our templates and words) ---------------------------------


class PasswordResetView(auth_views.PasswordResetView):
    form_class = ResetRequestForm
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")
    http_method_names = ["get", "post"]

    def form_valid(self, form):
        # Links in e-mails use the public address, never the Host header of the request.
        self.extra_email_context = {"base_url": settings.PUBLIC_BASE_URL}
        return super().form_valid(form)

    def form_invalid(self, form):
        return render_form(self.request, self.template_name, {"form": form}, invalid=True)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = ResetPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")
    http_method_names = ["get", "post"]

    def form_valid(self, form):
        # A new password ends the wait after too many failed sign-ins, as the message promises.
        response = super().form_valid(form)
        throttle.clear_account(form.user.email)
        throttle.clear_ip(throttle.client_ip(self.request))
        return response

    def form_invalid(self, form):
        context = self.get_context_data(form=form)
        return render_form(self.request, self.template_name, context, invalid=True)


password_reset = PasswordResetView.as_view()
password_reset_done = require_GET(
    auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html")
)
# Django's confirm view checks the link before the method, so a PUT with a bad link would get
# the page; refuse other methods first.
password_reset_confirm = require_http_methods(["GET", "POST"])(PasswordResetConfirmView.as_view())
password_reset_complete = require_GET(
    auth_views.PasswordResetCompleteView.as_view(
        template_name="accounts/password_reset_complete.html"
    )
)


# --- Profile ----------------------------------------------------------------------------------


def _profile_page(request, profile_form=None, password_form=None, invalid=False):
    # Bind the profile form to a fresh copy of the user, so invalid input never shows up in
    # the top bar of the page that reports it.
    me = User.objects.get(pk=request.user.pk)
    context = {
        "section": "settings",
        "settings_page": "profile",
        "profile_form": profile_form or ProfileForm(instance=me),
        "password_form": password_form or PasswordForm(request.user),
    }
    return render_form(request, "accounts/profile.html", context, invalid=invalid)


@sensitive_post_parameters("current_password")
@require_http_methods(["GET", "POST"])
@login_required
def profile(request):
    if request.method == "GET":
        return _profile_page(request)
    me = User.objects.get(pk=request.user.pk)
    form = ProfileForm(request.POST, instance=me)
    if not form.is_valid():
        return _profile_page(request, profile_form=form, invalid=True)
    form.save()
    messages.success(request, "Your profile is saved.")
    return redirect("profile")


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@require_POST
@login_required
def password_change(request):
    form = PasswordForm(request.user, request.POST)
    if not form.is_valid():
        return _profile_page(request, password_form=form, invalid=True)
    form.save()
    update_session_auth_hash(request, form.user)
    messages.success(request, "Your password is changed. Your other devices are signed out.")
    return redirect("profile")


# --- Workspaces -------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def workspace_create(request):
    form = WorkspaceForm(request.POST if request.method == "POST" else None)
    first = current_membership(request) is None
    if request.method == "POST":
        if not form.is_valid():
            context = {"form": form, "first": first}
            return render_form(request, "accounts/workspace_create.html", context, invalid=True)
        with transaction.atomic():
            workspace = form.save()
            Membership.objects.create(workspace=workspace, user=request.user, role=Role.OWNER)
        switch_workspace(request, workspace)
        messages.success(request, f"{workspace.name} is ready.")
        return redirect("home")
    return render_form(request, "accounts/workspace_create.html", {"form": form, "first": first})


@require_POST
@login_required
def workspace_switch(request, code):
    membership = get_membership_for_user(request.user, code)
    switch_workspace(request, membership.workspace)
    return redirect("home")


@require_http_methods(["GET", "POST"])
@workspace_required()
def workspace_settings(request):
    workspace = Workspace.objects.get(pk=request.workspace.pk)
    data = None
    if request.method == "POST":
        require_role(request.membership, Role.ADMIN)
        data = request.POST
    form = WorkspaceSettingsForm(data, instance=workspace)
    context = {"section": "settings", "settings_page": "workspace", "form": form}
    if request.method == "POST":
        if not form.is_valid():
            return render_form(request, "accounts/workspace_settings.html", context, invalid=True)
        form.save()
        messages.success(request, "Workspace settings saved.")
        return redirect("settings")
    return render_form(request, "accounts/workspace_settings.html", context)


@require_POST
@login_required
def workspace_leave(request, code):
    membership = get_membership_for_user(request.user, code)
    try:
        rules.leave(membership)
    except rules.RuleError as error:
        return _members_page(request, membership, error=str(error))
    # The session may still point at the workspace just left; forget it.
    request.session.pop(SESSION_KEY, None)
    messages.success(request, f"You left {membership.workspace.name}.")
    return redirect("home")


# --- Members and invitations ------------------------------------------------------------------


def _members_page(request, membership, *, invite_form=None, link_form=None, error=None):
    """The members page of ``membership``'s workspace, optionally with a refusal or bad form."""
    workspace = membership.workspace
    roles = rules.assignable_roles(membership)
    people = list(
        Membership.objects.filter(workspace=workspace).select_related("user").order_by("created_at")
    )
    for person in people:
        person.manageable = membership.can_manage and (
            membership.is_owner or person.role != Role.OWNER
        )
    context = {
        "section": "settings",
        "settings_page": "members",
        "workspace": workspace,
        "me": membership,
        "people": people,
        "roles": roles,
        "role_help": [(Role(value).label, ROLE_HELP[value]) for value in Role.values],
        "error": error,
    }
    if membership.can_manage:
        pending = list(rules.pending_invitations(workspace).select_related("created_by"))
        for invitation in pending:
            # An admin must not see (and so cannot use) the link of an owner invitation.
            invitation.manageable = membership.is_owner or invitation.role != Role.OWNER
            invitation.url = rules.invitation_url(invitation) if invitation.manageable else ""
        context.update(
            invite_form=invite_form or InviteEmailForm(roles=roles, prefix="email"),
            link_form=link_form or InviteLinkForm(roles=roles, prefix="link"),
            pending=pending,
            created=request.GET.get("created", ""),
        )
    invalid = bool(
        error or (invite_form and invite_form.errors) or (link_form and link_form.errors)
    )
    return render_form(
        request, "accounts/members.html", context, invalid=invalid, partial="members"
    )


@require_GET
@workspace_required()
def members(request):
    return _members_page(request, request.membership)


def _send_invitation(request, invitation) -> None:
    try:
        rules.send_invitation_email(invitation)
    except (OSError, SMTPException):
        log.exception("Could not send the invitation e-mail to %s", invitation.email)
        messages.warning(
            request,
            f"The invitation for {invitation.email} is ready, but the e-mail could not be sent. "
            "Copy its link from the list below and send it yourself.",
        )
        return
    messages.success(
        request,
        f"Invitation sent to {invitation.email}. It expires {from_now(invitation.expires_at)}.",
    )


@require_POST
@workspace_required(Role.ADMIN)
def invite_email(request):
    actor = request.membership
    form = InviteEmailForm(request.POST, roles=rules.assignable_roles(actor), prefix="email")
    if form.is_valid():
        try:
            invitation = rules.create_invitation(
                actor,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                days=form.cleaned_data["expires_in"],
            )
        except rules.RuleError as error:
            form.add_error("email", str(error))
        else:
            _send_invitation(request, invitation)
            return redirect("members")
    return _members_page(request, actor, invite_form=form)


@require_POST
@workspace_required(Role.ADMIN)
def invite_link(request):
    actor = request.membership
    form = InviteLinkForm(request.POST, roles=rules.assignable_roles(actor), prefix="link")
    if not form.is_valid():
        return _members_page(request, actor, link_form=form)
    invitation = rules.create_invitation(
        actor, role=form.cleaned_data["role"], days=form.cleaned_data["expires_in"]
    )
    messages.success(request, "Invitation link created. Copy it and send it to your teammate.")
    return redirect(f"{reverse('members')}?created={invitation.code}#invitation-{invitation.code}")


def _get_invitation(request, code) -> Invitation:
    """A pending or past invitation of the current workspace, or 404."""
    try:
        return Invitation.objects.select_related("workspace").get(
            workspace=request.workspace, code=code
        )
    except Invitation.DoesNotExist:
        raise Http404("No such invitation.") from None


@require_POST
@workspace_required(Role.ADMIN)
def invitation_revoke(request, code):
    invitation = _get_invitation(request, code)
    if rules.revoke_invitation(request.membership, invitation):
        messages.success(request, "Invitation withdrawn. Its link no longer works.")
    else:
        messages.info(request, "That invitation was already used or withdrawn.")
    return redirect("members")


@require_POST
@workspace_required(Role.ADMIN)
def invitation_resend(request, code):
    invitation = _get_invitation(request, code)
    rules.require_owner_for(request.membership, invitation.role)
    if not invitation.email or not invitation.is_usable:
        return _members_page(
            request,
            request.membership,
            error="Only a pending e-mail invitation can be sent again.",
        )
    _send_invitation(request, invitation)
    return redirect("members")


def _get_member(request, code) -> Membership:
    """A membership of the current workspace, or 404."""
    try:
        return Membership.objects.select_related("user", "workspace").get(
            workspace=request.workspace, code=code
        )
    except Membership.DoesNotExist:
        raise Http404("No such member.") from None


@require_POST
@workspace_required(Role.ADMIN)
def member_role(request, code):
    target = _get_member(request, code)
    form = RoleForm(request.POST)
    if not form.is_valid():
        return _members_page(request, request.membership, error="Choose one of the roles.")
    try:
        changed = rules.change_role(request.membership, target, form.cleaned_data["role"])
    except rules.RuleError as error:
        return _members_page(request, request.membership, error=str(error))
    if changed:
        messages.success(request, f"{target.user.name} is now {target.get_role_display().lower()}.")
    return redirect("members")


@require_POST
@workspace_required(Role.ADMIN)
def member_remove(request, code):
    target = _get_member(request, code)
    leaving = target.pk == request.membership.pk
    try:
        rules.remove_member(request.membership, target)
    except rules.RuleError as error:
        return _members_page(request, request.membership, error=str(error))
    if leaving:
        request.session.pop(SESSION_KEY, None)
        messages.success(request, f"You left {target.workspace.name}.")
        return redirect("home")
    messages.success(request, f"{target.user.name} was removed from {target.workspace.name}.")
    return redirect("members")


# --- Accepting an invitation ------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def invitation(request, token):
    invitation = _invitation_by_token(token)
    refusal = _invitation_refusal(request, invitation)
    if refusal is not None:
        return refusal
    if not request.user.is_authenticated:
        if request.method == "POST":
            if request.htmx:
                raise PermissionDenied("Your session has ended. Sign in again.")
            return redirect_to_login(request.path)
        return render(request, "accounts/invitation.html", {"invitation": invitation})

    already = Membership.objects.filter(workspace=invitation.workspace, user=request.user).exists()
    wrong_recipient = rules.wrong_recipient(invitation, request.user)
    if request.method == "POST":
        try:
            membership = rules.accept_invitation(invitation, request.user)
        except rules.RuleError as error:
            context = {"invitation": invitation, "error": str(error), "already": already}
            return render(request, "accounts/invitation.html", context, status=400)
        switch_workspace(request, membership.workspace)
        messages.success(request, _welcome(membership))
        return redirect("home")
    context = {"invitation": invitation, "already": already, "wrong_recipient": wrong_recipient}
    return render(request, "accounts/invitation.html", context)
