"""The API keys and Usage pages under Settings."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from soundsite.accounts.access import workspace_required
from soundsite.accounts.models import Role
from soundsite.keys import plans, usage
from soundsite.keys.access import (
    can_change_key,
    can_use_key,
    get_key_for_editor,
    get_key_for_user,
    visible_keys,
)
from soundsite.keys.checks import check_key, check_secret
from soundsite.keys.forms import AddKeyForm, KeySettingsForm, ReplaceSecretForm
from soundsite.keys.models import KeyHealth, ProviderChoice
from soundsite.keys.services import (
    add_sandbox_key,
    apply_settings,
    create_key,
    delete_key,
    replace_secret,
)

SECRET_FIELDS = ("secret", "webhook_secret")


def _provider_or_404(provider: str) -> str:
    if provider not in ProviderChoice.values:
        raise Http404("No such provider.")
    return provider


def _status(form, request) -> int:
    return 400 if form.errors and not request.htmx else 200


def _key_rows(membership, keys):
    return [
        {
            "key": key,
            "can_change": can_change_key(membership, key),
            "can_use": can_use_key(membership, key),
        }
        for key in keys
    ]


def _saved_message(request, outcome) -> None:
    if outcome.health == KeyHealth.VALID:
        messages.success(request, f"Saved. {outcome.message}")
    else:
        messages.warning(request, f"Saved, but it could not be checked. {outcome.message}")


@require_GET
@workspace_required()
def keys_list(request):
    keys = visible_keys(request.membership).order_by("provider", "label")
    context = {
        "section": "settings",
        "settings_page": "keys",
        "rows": _key_rows(request.membership, keys),
        "can_add": request.membership.has_role(Role.MEMBER),
        "sandbox_enabled": settings.SANDBOX_ENABLED,
        "providers": ProviderChoice.choices,
        "soundpiece_note": plans.SOUNDPIECE_LICENSE_NOTE,
        "common_prohibitions": plans.COMMON_PROHIBITIONS,
    }
    return render(request, "keys/keys.html", context)


def _license_context(provider, plan_id, upgraded, selected, errors=None):
    """What the license chooser shows: each license, whether the plan gives it, its summary."""
    plan = plans.get_plan(provider, plan_id)
    if provider == ProviderChoice.SOUNDPIECE:
        ids = granted = plans.SOUNDPIECE_LICENSES
    else:
        ids = plans.SOUNDVERSE_LICENSES
        # Until a plan is chosen nothing is marked as missing from it.
        granted = plans.granted_licenses(provider, plan_id, upgraded) if plan else ids
    if plan and not plan.pay_as_you_go and not selected:
        selected = plan.default_license
    return {
        "provider": provider,
        "plan": plan,
        "upgraded": upgraded,
        "license_errors": errors or [],
        "license_options": [
            {
                "license": plans.LICENSES[i],
                "granted": i in granted,
                "checked": i == selected,
                "default": plan is not None and i == plan.default_license,
            }
            for i in ids
        ],
        "soundpiece_note": plans.SOUNDPIECE_LICENSE_NOTE,
        "common_prohibitions": plans.COMMON_PROHIBITIONS,
    }


def _form_context(request, form, provider, **extra):
    if provider == ProviderChoice.SOUNDVERSE:
        # Changing the plan re-draws the license chooser; only these fields travel (never
        # the secret, which must not end up in a URL).
        form.fields["plan"].widget.attrs.update(
            {
                "hx-get": reverse("key_license_options", args=[provider]),
                "hx-target": "#license-field",
                "hx-swap": "outerHTML",
                "hx-include": "[name='plan'],[name='license'],[name='license_upgrade']",
            }
        )
    data = form.data if form.is_bound else form.initial
    upgraded = str(data.get("license_upgrade", "")).lower() in ("on", "true", "1")
    context = {
        "section": "settings",
        "settings_page": "keys",
        "form": form,
        "provider": provider,
        "provider_label": ProviderChoice(provider).label,
        **_license_context(
            provider,
            data.get("plan", ""),
            upgraded,
            data.get("license", ""),
            form.errors.get("license") if form.is_bound else None,
        ),
    }
    context.update(extra)
    return context


@require_http_methods(["GET", "POST"])
@sensitive_post_parameters(*SECRET_FIELDS)
@workspace_required(Role.MEMBER)
@sensitive_variables()
def key_add(request, provider):
    provider = _provider_or_404(provider)
    form = AddKeyForm(request.POST or None, provider=provider, membership=request.membership)
    if request.method == "POST" and form.is_valid():
        cleaned = form.cleaned_data
        outcome = check_secret(provider, cleaned["secret"], cleaned["base_url"])
        if outcome.health == KeyHealth.REJECTED:
            form.add_error("secret", outcome.message)
        else:
            create_key(request.membership, provider, cleaned, outcome)
            _saved_message(request, outcome)
            return redirect("keys_list")
    context = _form_context(request, form, provider, mode="add")
    return render(request, "keys/key_form.html", context, status=_status(form, request))


@require_GET
@workspace_required(Role.MEMBER)
def key_license_options(request, provider):
    """The license chooser for the chosen plan (htmx swaps it in when the plan changes)."""
    provider = _provider_or_404(provider)
    upgraded = request.GET.get("license_upgrade", "") in ("on", "true", "1")
    context = _license_context(
        provider, request.GET.get("plan", ""), upgraded, request.GET.get("license", "")
    )
    return render(request, "keys/key_form.html#license-field", context)


@require_POST
@workspace_required(Role.MEMBER)
def key_add_sandbox(request, provider):
    provider = _provider_or_404(provider)
    if not settings.SANDBOX_ENABLED:
        raise Http404("The sandbox is switched off.")
    key = add_sandbox_key(request.membership, provider)
    messages.success(
        request,
        f"Added “{key.label}”: a sandbox key that makes test music here, with no bill. "
        f"{key.health_message}".strip(),
    )
    return redirect("keys_list")


@require_http_methods(["GET", "POST"])
@workspace_required(Role.MEMBER)
def key_edit(request, code):
    key = get_key_for_editor(request, code)
    initial = {
        "label": key.label,
        "plan": key.plan,
        "license": key.license,
        "license_upgrade": key.license_upgrade,
        "shared": key.shared,
        "base_url": key.base_url,
    }
    form = KeySettingsForm(
        request.POST or None, initial=initial, provider=key.provider, membership=request.membership
    )
    if key.shared and not request.membership.can_manage:
        # A member cannot share; their own key can stay shared only if an admin shared it.
        form.fields["shared"].disabled = True
    if request.method == "POST" and form.is_valid():
        address_changed = form.cleaned_data["base_url"] != key.base_url
        apply_settings(key, form.cleaned_data)
        key.save()
        if address_changed:
            _saved_message(request, check_key(key))
        else:
            messages.success(request, f"Saved “{key.label}”.")
        return redirect("keys_list")
    context = _form_context(request, form, key.provider, mode="edit", key=key)
    return render(request, "keys/key_form.html", context, status=_status(form, request))


@require_http_methods(["GET", "POST"])
@sensitive_post_parameters(*SECRET_FIELDS)
@workspace_required(Role.MEMBER)
@sensitive_variables()
def key_replace_secret(request, code):
    key = get_key_for_editor(request, code)
    form = ReplaceSecretForm(request.POST or None, key=key)
    if request.method == "POST" and form.is_valid():
        outcome = check_secret(key.provider, form.cleaned_data["secret"], key.base_url)
        if outcome.health == KeyHealth.REJECTED:
            form.add_error("secret", outcome.message)
        else:
            replace_secret(key, form.cleaned_data, outcome)
            _saved_message(request, outcome)
            return redirect("keys_list")
    context = {"section": "settings", "settings_page": "keys", "form": form, "key": key}
    return render(request, "keys/key_secret.html", context, status=_status(form, request))


@require_http_methods(["GET", "POST"])
@workspace_required(Role.MEMBER)
def key_delete(request, code):
    key = get_key_for_editor(request, code)
    if request.method == "POST":
        delete_key(key)
        messages.success(
            request,
            f"Deleted “{key.label}”. Jobs and tracks made with it keep their records.",
        )
        return redirect("keys_list")
    context = {"section": "settings", "settings_page": "keys", "key": key}
    return render(request, "keys/key_delete.html", context)


@require_POST
@workspace_required(Role.MEMBER)
def key_check(request, code):
    key = get_key_for_user(request, code)
    outcome = check_key(key)
    if request.htmx:
        return render(request, "keys/keys.html#key-health", {"key": key, "just_checked": True})
    if outcome.accepted:
        messages.success(request, outcome.message)
    else:
        messages.warning(request, outcome.message)
    return redirect("keys_list")


@require_GET
@workspace_required()
def usage_page(request):
    report = usage.build_report(request.membership, request.GET)
    context = {"section": "settings", "settings_page": "usage", "report": report}
    return render(request, "keys/usage.html", context, status=400 if report.invalid else 200)


@require_GET
@workspace_required()
def usage_export(request):
    report = usage.build_report(request.membership, request.GET, tables=False)
    if report.invalid:
        context = {"section": "settings", "settings_page": "usage", "report": report}
        return render(request, "keys/usage.html", context, status=400)
    return usage.csv_response(report)
