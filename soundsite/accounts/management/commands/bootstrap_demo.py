"""Create the demo owner and workspace on first start; print how to sign in."""

import secrets

from django.core.management.base import BaseCommand
from django.db import transaction

from soundsite.accounts.models import Membership, Role, User, Workspace

DEMO_EMAIL = "demo@soundsite.local"
DEMO_WORKSPACE = "Demo Agency"


class Command(BaseCommand):
    help = "Create a demo owner account and a demo workspace if they do not exist yet."

    def handle(self, **options):
        if User.objects.filter(email=DEMO_EMAIL).exists():
            self.stdout.write(
                f"Demo account: {DEMO_EMAIL} (its password was printed at the first start; "
                f"reset it with `manage.py changepassword {DEMO_EMAIL}`)."
            )
            return
        password = secrets.token_urlsafe(12)
        with transaction.atomic():
            user = User.objects.create_user(
                email=DEMO_EMAIL, password=password, display_name="Demo Producer"
            )
            workspace = Workspace.objects.create(name=DEMO_WORKSPACE)
            Membership.objects.create(workspace=workspace, user=user, role=Role.OWNER)
            self.add_demo_content(workspace, user)
        self.stdout.write(self.style.SUCCESS("Created the demo workspace “Demo Agency”."))
        self.stdout.write(f"  Sign in as:  {DEMO_EMAIL}")
        self.stdout.write(f"  Password:    {password}   (shown only this once)")

    def add_demo_content(self, workspace, user):
        """Hook for the apps that add demo content (sandbox keys) to the demo workspace."""
        from django.apps import apps

        for config in apps.get_app_configs():
            seed = getattr(config, "seed_demo_workspace", None)
            if seed is not None:
                seed(workspace, user)
