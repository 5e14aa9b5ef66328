"""Forms for adding and changing provider keys.

Secrets are typed into password fields that are never filled back in, and error messages
never repeat what was typed.
"""

from django import forms
from django.views.decorators.debug import sensitive_variables

from soundsite.keys import plans
from soundsite.keys.models import ProviderChoice
from soundsite.keys.validators import clean_base_url, clean_secret, clean_webhook_secret

SHARING_REFUSED = "Only owners and admins can share a key with the workspace."


def _license_choices(provider: str):
    if provider == ProviderChoice.SOUNDPIECE:
        ids = plans.SOUNDPIECE_LICENSES
    else:
        ids = plans.SOUNDVERSE_LICENSES
    return [(i, plans.LICENSES[i].label) for i in ids]


class SecretInput(forms.PasswordInput):
    """A password box that is never filled back in and that browsers should not remember."""

    def __init__(self, attrs=None):
        defaults = {"autocomplete": "off", "spellcheck": "false", "autocapitalize": "off"}
        super().__init__(attrs={**defaults, **(attrs or {})}, render_value=False)


class KeySettingsForm(forms.Form):
    """Label, plan, license, sharing and base URL: what can change without a new secret."""

    label = forms.CharField(
        max_length=80,
        help_text="A name your team recognises, e.g. “Agency Soundverse (Growth)”.",
    )
    base_url = forms.CharField(
        label="Base URL",
        required=False,
        max_length=300,
        help_text="Leave empty for the provider's usual address. Set it only if the provider "
        "told you to use another one.",
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
    )
    license = forms.ChoiceField(widget=forms.RadioSelect, label="License")
    license_upgrade = forms.BooleanField(
        required=False,
        label="My contract upgrades the plan's license",
        help_text="Tick this only if you bought a license upgrade from Soundverse.",
    )
    shared = forms.BooleanField(
        required=False,
        label="Share with the whole workspace",
        help_text="Every member (not viewers) can then make music with this key.",
    )

    def __init__(self, *args, provider: str, membership, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.provider = provider
        self.membership = membership
        self.can_share = membership.can_manage
        self.fields["label"].error_messages["required"] = "Give the key a name your team knows."
        if provider == ProviderChoice.SOUNDVERSE:
            self.fields["plan"] = forms.ChoiceField(
                label="Plan",
                choices=[("", "Choose your plan…")]
                + [(p.id, p.label) for p in plans.SOUNDVERSE_PLANS.values()],
                help_text="The plan you bought from Soundverse. It sets the license, prices "
                "and limits.",
                error_messages={
                    "invalid_choice": "Choose one of the Soundverse plans.",
                    "required": "Choose the plan you bought from Soundverse.",
                },
            )
        else:
            self.fields["plan"] = forms.CharField(
                label="Plan",
                max_length=80,
                required=False,
                help_text="The plan name as your Soundpiece account shows it (Soundpiece "
                "publishes no plans or prices).",
            )
            del self.fields["license_upgrade"]
        self.fields["license"].choices = _license_choices(provider)
        self.fields["license"].error_messages["invalid_choice"] = "Choose one of the licenses."
        self.fields["license"].error_messages["required"] = "Choose the license of this key."
        self.order_fields(["label", "plan", "license", "license_upgrade", "shared", "base_url"])

    def clean_plan(self):
        return (self.cleaned_data.get("plan") or "").strip()

    def clean_base_url(self):
        return clean_base_url(self.cleaned_data.get("base_url", ""))

    def clean_shared(self):
        if self.fields["shared"].disabled:
            return bool(self.initial.get("shared", False))
        shared = self.cleaned_data.get("shared", False)
        if shared and not self.can_share:
            raise forms.ValidationError(SHARING_REFUSED)
        return shared

    def clean(self):
        cleaned = super().clean()
        plan_id, license_id = cleaned.get("plan"), cleaned.get("license")
        if self.provider == ProviderChoice.SOUNDVERSE and plan_id and license_id:
            plan = plans.SOUNDVERSE_PLANS[plan_id]
            upgraded = cleaned.get("license_upgrade", False)
            if license_id not in plans.granted_licenses(self.provider, plan_id, upgraded):
                granted = plans.LICENSES[plan.default_license].label
                wanted = plans.LICENSES[license_id].label
                ladder = plans.SOUNDVERSE_LICENSES
                if ladder.index(license_id) > ladder.index(plan.default_license):
                    message = (
                        f"The {plan.label} plan gives the {granted} license, not {wanted}. "
                        "If your contract includes an upgrade, tick the box below."
                    )
                else:
                    message = (
                        f"The {plan.label} plan gives the {granted} license; {wanted} is not "
                        "part of it."
                    )
                self.add_error("license", message)
        return cleaned


class AddKeyForm(KeySettingsForm):
    secret = forms.CharField(
        label="API key",
        max_length=1000,
        widget=SecretInput(),
        help_text="Stored encrypted. After saving, only its last four characters are shown.",
    )
    webhook_secret = forms.CharField(
        label="Webhook signing secret (optional)",
        required=False,
        max_length=1000,
        widget=SecretInput(attrs={"placeholder": "whsec_…"}),
        help_text="From Soundpiece's dashboard (Developer → Webhook signing secrets). With it, "
        "Soundpiece tells Soundsite the moment a job is done.",
    )

    def __init__(self, *args, provider: str, membership, **kwargs):
        super().__init__(*args, provider=provider, membership=membership, **kwargs)
        name = ProviderChoice(provider).label
        self.fields["secret"].error_messages["required"] = (
            f"Paste the API key from your {name} dashboard."
        )
        if provider != ProviderChoice.SOUNDPIECE:
            del self.fields["webhook_secret"]
        order = ["label", "secret", "webhook_secret", "plan", "license", "license_upgrade"]
        self.order_fields([*order, "shared", "base_url"])

    @sensitive_variables()
    def clean_secret(self):
        return clean_secret(self.provider, self.cleaned_data.get("secret", ""))

    @sensitive_variables()
    def clean_webhook_secret(self):
        return clean_webhook_secret(self.cleaned_data.get("webhook_secret", ""))


class ReplaceSecretForm(forms.Form):
    secret = forms.CharField(
        label="New API key",
        max_length=1000,
        widget=SecretInput(),
        help_text="The old key is forgotten once the new one is saved.",
    )
    webhook_secret = forms.CharField(
        label="New webhook signing secret (optional)",
        required=False,
        max_length=1000,
        widget=SecretInput(attrs={"placeholder": "whsec_…"}),
        help_text="Leave empty to keep the current one.",
    )
    remove_webhook_secret = forms.BooleanField(
        required=False, label="Remove the webhook signing secret"
    )

    def __init__(self, *args, key, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.provider = key.provider
        self.fields["secret"].error_messages["required"] = (
            f"Paste the new API key from your {key.get_provider_display()} dashboard."
        )
        if key.provider != ProviderChoice.SOUNDPIECE:
            del self.fields["webhook_secret"]
            del self.fields["remove_webhook_secret"]
        elif not key.has_webhook_secret:
            del self.fields["remove_webhook_secret"]

    @sensitive_variables()
    def clean_secret(self):
        return clean_secret(self.provider, self.cleaned_data.get("secret", ""))

    @sensitive_variables()
    def clean_webhook_secret(self):
        return clean_webhook_secret(self.cleaned_data.get("webhook_secret", ""))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("webhook_secret") and cleaned.get("remove_webhook_secret"):
            self.add_error(
                "remove_webhook_secret",
                "Either give a new webhook signing secret or remove it, not both.",
            )
        return cleaned
