from django.apps import AppConfig


class KeysConfig(AppConfig):
    name = "soundsite.keys"
    default_auto_field = "django.db.models.BigAutoField"
