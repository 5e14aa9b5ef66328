"""Forms for accounts and workspaces. Errors are written for people, not programmers."""

from django import forms
from django.conf import settings
from django.contrib.auth import authenticate, password_validation
from django.contrib.auth.forms import PasswordChangeForm, PasswordResetForm, SetPasswordForm

from soundsite.accounts import throttle
from soundsite.accounts.members import expiry_choices
from soundsite.accounts.models import Role, User, Workspace

SHARE_LIFETIME_CHOICES = [(1, "1 day"), (7, "7 days"), (30, "30 days"), (0, "Never expire")]
DUPLICATE_EMAIL = (
    "An account with this e-mail address already exists. Sign in, or reset your password."
)


class SignInForm(forms.Form):
    """E-mail and password, with failed attempts throttled per account and per address."""

    email = forms.EmailField(
        label="E-mail",
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
        error_messages={
            "required": "Enter your e-mail address.",
            "invalid": "Enter a whole e-mail address, like name@agency.com.",
        },
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Enter your password."},
    )

    def __init__(self, request, *args, **kwargs):
        self.request = request
        self.user = None
        self.refusal = None
        super().__init__(*args, **kwargs)

    def clean(self):
        email = self.cleaned_data.get("email", "").lower()
        password = self.cleaned_data.get("password")
        if not email or not password:
            return self.cleaned_data
        ip = throttle.client_ip(self.request)
        self.refusal = throttle.refusal_for(email, ip)
        if self.refusal:
            raise forms.ValidationError(self.refusal.message, code="throttled")
        self.user = authenticate(self.request, email=email, password=password)
        if self.user is None or not self.user.is_active:
            throttle.record_failure(email, ip)
            self.refusal = throttle.refusal_for(email, ip)
            if self.refusal:
                raise forms.ValidationError(self.refusal.message, code="throttled")
            raise forms.ValidationError(
                "That e-mail and password do not match. Check them, or reset your password.",
                code="invalid_login",
            )
        throttle.clear_account(email)
        return self.cleaned_data


class NewPasswordMixin:
    def _validate_new_password(self, password, user):
        try:
            password_validation.validate_password(password, user)
        except forms.ValidationError as error:
            self.add_error("password", error)


class SignUpForm(NewPasswordMixin, forms.Form):
    name = forms.CharField(
        label="Your name",
        max_length=80,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"required": "Enter your name, so teammates know who you are."},
    )
    email = forms.EmailField(
        label="Work e-mail",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "required": "Enter your e-mail address.",
            "invalid": "Enter a whole e-mail address, like name@agency.com.",
        },
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        help_text="At least 8 characters; not a common word or only numbers.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Choose a password."},
    )

    def __init__(self, *args, invitation=None, **kwargs):
        self.invitation = invitation
        super().__init__(*args, **kwargs)
        if invitation is not None and invitation.email:
            self.fields["email"].initial = invitation.email
            self.fields["email"].help_text = "The address this invitation was sent to."

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Enter your name, so teammates know who you are.")
        return name

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        invited = self.invitation.email.lower() if self.invitation else ""
        if invited and email != invited:
            raise forms.ValidationError(
                f"This invitation was sent to {self.invitation.email}. Sign up with that "
                "address, or ask for a new invitation."
            )
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(DUPLICATE_EMAIL, code="duplicate")
        return email

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("password")
        if password:
            probe = User(email=cleaned.get("email", ""), display_name=cleaned.get("name", ""))
            self._validate_new_password(password, probe)
        return cleaned

    def save(self) -> User:
        return User.objects.create_user(
            email=self.cleaned_data["email"],
            password=self.cleaned_data["password"],
            display_name=self.cleaned_data["name"],
        )


class ProfileForm(forms.ModelForm):
    """Name and e-mail; changing the e-mail address asks for the current password."""

    current_password = forms.CharField(
        label="Current password",
        required=False,
        strip=False,
        help_text="Needed only when you change your e-mail address.",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    class Meta:
        model = User
        fields = ["display_name", "email"]
        labels = {"display_name": "Your name", "email": "E-mail"}
        error_messages = {
            "display_name": {"required": "Enter your name, so teammates know who you are."},
            "email": {
                "required": "Enter your e-mail address.",
                "invalid": "Enter a whole e-mail address, like name@agency.com.",
            },
        }
        widgets = {
            "display_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["display_name"].required = True
        self.original_email = self.instance.email

    def clean_display_name(self):
        name = self.cleaned_data["display_name"].strip()
        if not name:
            raise forms.ValidationError("Enter your name, so teammates know who you are.")
        return name

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        taken = User.objects.filter(email__iexact=email).exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError("Another account already uses this e-mail address.")
        return email

    def clean(self):
        cleaned = super().clean()
        email = cleaned.get("email")
        if email and email != self.original_email:
            password = cleaned.get("current_password") or ""
            if not self.instance.check_password(password):
                self.add_error(
                    "current_password",
                    "Enter your current password to change your e-mail address.",
                )
        return cleaned


class PasswordForm(PasswordChangeForm):
    """Django's password change, with our labels."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = "Current password"
        self.fields["old_password"].widget.attrs.pop("autofocus", None)
        self.fields["new_password1"].label = "New password"
        self.fields[
            "new_password1"
        ].help_text = "At least 8 characters; not a common word or only numbers."
        self.fields["new_password2"].label = "New password again"
        self.fields["new_password2"].help_text = ""
        self.error_messages = {
            **self.error_messages,
            "password_incorrect": "That is not your current password. Try again.",
            "password_mismatch": "The two new passwords differ. Type the same one twice.",
        }


class ResetRequestForm(PasswordResetForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].label = "Your e-mail address"


class ResetPasswordForm(SetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = "New password"
        self.fields[
            "new_password1"
        ].help_text = "At least 8 characters; not a common word or only numbers."
        self.fields["new_password2"].label = "New password again"
        self.fields["new_password2"].help_text = ""
        self.error_messages = {
            **self.error_messages,
            "password_mismatch": "The two passwords differ. Type the same one twice.",
        }


class WorkspaceForm(forms.ModelForm):
    class Meta:
        model = Workspace
        fields = ["name"]
        labels = {"name": "Workspace name"}
        help_texts = {"name": "Usually your agency or team, e.g. “Harbour Lane Creative”."}
        error_messages = {
            "name": {
                "required": "Give the workspace a name.",
                "max_length": "Keep the name under %(limit_value)d characters.",
            }
        }

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Give the workspace a name.")
        return name


class WorkspaceSettingsForm(WorkspaceForm):
    default_share_days = forms.TypedChoiceField(
        label="New share links last",
        choices=SHARE_LIFETIME_CHOICES,
        coerce=int,
        help_text="Whoever shares can still choose another lifetime for each link.",
    )

    class Meta(WorkspaceForm.Meta):
        fields = ["name", "default_share_days"]


def _role_field(roles):
    return forms.ChoiceField(label="Role", choices=roles, initial=Role.MEMBER)


def _expiry_field():
    return forms.TypedChoiceField(
        label="Invitation expires after",
        choices=expiry_choices(),
        coerce=int,
        initial=settings.INVITATION_DAYS,
    )


class InviteLinkForm(forms.Form):
    """A role and an expiry; the roles offered depend on who is inviting."""

    def __init__(self, *args, roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"] = _role_field(roles)
        self.fields["expires_in"] = _expiry_field()
        self.fields["role"].error_messages["invalid_choice"] = (
            "Choose one of the roles you are allowed to give."
        )


class InviteEmailForm(InviteLinkForm):
    email = forms.EmailField(
        label="E-mail address",
        widget=forms.EmailInput(attrs={"autocomplete": "off", "placeholder": "name@agency.com"}),
        error_messages={
            "required": "Enter the e-mail address of the person to invite.",
            "invalid": "Enter a whole e-mail address, like name@agency.com.",
        },
    )

    field_order = ["email", "role", "expires_in"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_fields(self.field_order)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label="Role", choices=Role.choices)
