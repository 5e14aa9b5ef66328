from django.apps import AppConfig
from django.conf import settings


class KeysConfig(AppConfig):
    name = "soundsite.keys"
    default_auto_field = "django.db.models.BigAutoField"

    def seed_demo_workspace(self, workspace, user):
        """Give the demo workspace one shared sandbox key per provider (``make run``).

        The keys are not checked here: the server that answers for the sandbox is not running
        yet when the demo is created. The keys page has a Check button.
        """
        if not settings.SANDBOX_ENABLED:
            return
        from soundsite.accounts.models import Membership
        from soundsite.keys.models import ProviderChoice
        from soundsite.keys.services import add_sandbox_key

        membership = Membership.objects.select_related("workspace", "user").get(
            workspace=workspace, user=user
        )
        for provider in ProviderChoice:
            add_sandbox_key(membership, provider, shared=True, check=False)
