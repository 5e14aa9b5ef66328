"""The admin shows keys read-only and never their secrets (not even encrypted)."""

from django.contrib import admin

from soundsite.keys.models import ProviderKey


@admin.register(ProviderKey)
class ProviderKeyAdmin(admin.ModelAdmin):
    list_display = ["label", "provider", "workspace", "owner", "ending", "plan", "license"]
    list_filter = ["provider", "is_sandbox", "shared", "health"]
    search_fields = ["label", "workspace__name", "owner__email"]
    fields = [
        "code",
        "workspace",
        "owner",
        "provider",
        "label",
        "ending",
        "has_webhook_secret",
        "base_url",
        "is_sandbox",
        "plan",
        "license",
        "license_upgrade",
        "shared",
        "health",
        "health_message",
        "checked_at",
        "created_at",
        "deleted_at",
    ]
    readonly_fields = fields

    @admin.display(description="Ends with")
    def ending(self, key):
        return f"…{key.secret_last4}"

    @admin.display(boolean=True, description="Webhook secret")
    def has_webhook_secret(self, key):
        return key.has_webhook_secret

    def has_add_permission(self, request):
        # Keys are added on the key pages, where the secret is checked and encrypted.
        return False

    def has_change_permission(self, request, obj=None):
        return False
