from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "soundsite.sandbox"
    default_auto_field = "django.db.models.BigAutoField"
