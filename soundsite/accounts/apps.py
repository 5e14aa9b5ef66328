from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


def _forget_cached_membership(sender, instance, created=True, **kwargs):
    from soundsite.accounts.access import forget_membership
    from soundsite.studio import cards

    forget_membership(instance.user_id, instance.workspace_id)
    if created:  # joined (or, from post_delete, left): running cards name their readers
        cards.forget_workspace(instance.workspace_id)


class AccountsConfig(AppConfig):
    name = "soundsite.accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        membership = self.get_model("Membership")
        post_save.connect(_forget_cached_membership, sender=membership)
        post_delete.connect(_forget_cached_membership, sender=membership)
