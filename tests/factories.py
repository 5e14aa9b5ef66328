"""Small, explicit factories (no magic): each makes exactly what its name says."""

from soundsite.accounts.models import Membership, User, Workspace

PASSWORD = "correct horse battery staple"


def make_user(email: str, name: str = "") -> User:
    return User.objects.create_user(email=email, password=PASSWORD, display_name=name)


def make_workspace(name: str = "Northlight Studio") -> Workspace:
    return Workspace.objects.create(name=name)


def make_member(workspace: Workspace, email: str, role: str) -> User:
    user = make_user(email)
    Membership.objects.create(workspace=workspace, user=user, role=role)
    return user


def make_key(
    workspace: Workspace,
    owner: User,
    provider: str = "soundverse",
    secret: str = "",
    **fields,
):
    """A provider key with an encrypted secret (a Soundverse Starter key unless told)."""
    from soundsite.keys.models import ProviderKey

    defaults = {
        "label": f"{provider.title()} key",
        "plan": "starter" if provider == "soundverse" else "Studio",
        "license": "royalty_free",
    }
    defaults.update(fields)
    webhook_secret = defaults.pop("webhook_secret", "")
    key = ProviderKey(workspace=workspace, owner=owner, provider=provider, **defaults)
    if not secret:
        secret = ("spk_" if provider == "soundpiece" else "sv_") + "test0123456789abcdefXYZ1"
    key.set_secret(secret)
    key.set_webhook_secret(webhook_secret)
    key.save()
    return key


def make_job(workspace: Workspace, user: User | None = None, key=None, **fields):
    """A plain Job row, as the studio would record it."""
    from soundsite.studio.models import Job

    defaults = {
        "provider": key.provider if key else "soundverse",
        "operation": "song_v5",
        "version": "v5",
        "task": "song",
        "state": "ready",
        "submit_attempts": 1,
        "result_count": 2,
    }
    defaults.update(fields)
    return Job.objects.create(workspace=workspace, created_by=user, key=key, **defaults)
