from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_search_index(sender, using="default", **kwargs):
    from django.db import connections

    from soundsite.library.search import ensure_search_index

    ensure_search_index(connections[using])


class LibraryConfig(AppConfig):
    name = "soundsite.library"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        post_migrate.connect(_ensure_search_index, sender=self)
