import httpx
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


# --- Studio forms ------------------------------------------------------------------------------
def audio_bytes(seconds=1.0, sample_rate=22050, fmt="FLAC") -> bytes:
    """A short, real audio file (a quiet sine) in memory."""
    import io

    import numpy as np
    import soundfile

    frames = int(seconds * sample_rate)
    wave = 0.2 * np.sin(2 * np.pi * 440 * np.arange(frames) / sample_rate)
    buffer = io.BytesIO()
    soundfile.write(buffer, wave.astype("float32"), sample_rate, format=fmt)
    return buffer.getvalue()


@pytest.fixture
def public_base(settings):
    """A public https address, so real keys may be given stored files."""
    settings.PUBLIC_BASE_URL = "https://studio.example.com"
    return settings.PUBLIC_BASE_URL


@pytest.fixture
def sp_key(workspace, owner):
    from tests.factories import make_key

    return make_key(
        workspace, owner, "soundpiece", label="Agency Soundpiece", plan="Studio", shared=True
    )


@pytest.fixture
def sv_key(workspace, owner):
    from tests.factories import make_key

    return make_key(workspace, owner, "soundverse", label="Agency Soundverse", shared=True)


@pytest.fixture
def library_track(workspace, owner):
    """A track in the workspace's library with a real stored file."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from soundsite.studio.uploads import check_upload, store_upload

    upload = SimpleUploadedFile("Morning theme.flac", audio_bytes(), content_type="audio/flac")
    return store_upload(check_upload(upload), workspace=workspace, user=owner)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Every persona is a user with a password; the real hasher is slow on purpose.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- The pipeline against the sandbox APIs -----------------------------------------------------
@pytest.fixture
def sandbox_pipeline(monkeypatch, tmp_path):
    """Clients reach the sandbox without sockets; archives run inline in ``drive``."""
    from soundsite.asgi import application as asgi_application
    from soundsite.studio import archive, clients, tasks
    from soundsite.wsgi import application as wsgi_application

    clients.transport_override = httpx.ASGITransport(app=asgi_application)
    clients.download_transport_override = httpx.WSGITransport(app=wsgi_application)
    monkeypatch.setattr(tasks, "kick_waiter", lambda: None)
    monkeypatch.setattr(tasks, "enqueue_archive", lambda job_id, delay=0: None)
    temp = tmp_path / "archive-tmp"
    temp.mkdir()
    monkeypatch.setattr(archive, "temp_dir", lambda: str(temp))
    yield temp
    clients.transport_override = None
    clients.download_transport_override = None
    clients.options_override = {}
