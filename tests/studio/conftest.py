import pytest

from soundsite.keys.models import ProviderKey
from soundsite.studio.models import Job


@pytest.fixture
def key(workspace, owner):
    return ProviderKey.objects.create(
        workspace=workspace,
        owner=owner,
        provider="soundpiece",
        label="Agency key",
        secret_encrypted="x",
        secret_last4="abcd",
        plan="Studio",
        license="Royalty-Free",
        shared=True,
    )


@pytest.fixture
def make_job(workspace, owner, key):
    def make(**fields):
        defaults = dict(
            workspace=workspace,
            created_by=owner,
            key=key,
            provider=key.provider,
            operation="create.new_song",
            task="song",
            title="Summer spot",
            parameters={"prompt": "bright summer pop"},
            license_snapshot={"license": "Royalty-Free"},
        )
        defaults.update(fields)
        return Job.objects.create(**defaults)

    return make
