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


# --- Library -------------------------------------------------------------------------------

DEFAULT_LICENSE = {
    "license": "commercial",
    "plan": "Pro",
    "summary": "Use in paid client work worldwide, for ads, film and online; no attribution.",
    "provider": "soundpiece",
    "key_label": "Agency key",
}


def _flac_bytes(seconds: float, frequency: float, sample_rate: int = 8000) -> bytes:
    key = (seconds, frequency, sample_rate)
    if key not in _FLAC_CACHE:
        _FLAC_CACHE[key] = _encode(seconds, frequency, sample_rate)
    return _FLAC_CACHE[key]


def _encode(seconds, frequency, sample_rate) -> bytes:
    import io

    import numpy as np
    import soundfile

    frames = max(1, int(seconds * sample_rate))
    t = np.arange(frames) / sample_rate
    # A tone whose loudness swells, so the peaks have a shape worth drawing.
    signal = (0.2 + 0.7 * np.sin(np.pi * t / max(seconds, 0.01)) ** 2) * np.sin(
        2 * np.pi * frequency * t
    )
    buffer = io.BytesIO()
    soundfile.write(buffer, signal.astype("float32"), sample_rate, format="FLAC")
    return buffer.getvalue()


_FLAC_CACHE: dict = {}
_ANALYSIS_CACHE: dict = {}


def make_track(
    workspace: Workspace,
    title: str = "Morning light",
    *,
    user: User | None = None,
    seconds: float = 1.0,
    frequency: float = 440.0,
    parent=None,
    relation: str = "original",
    task: str = "song",
    provider: str = "soundpiece",
    stem_kind: str = "",
    prompt: str = "",
    lyrics: str = "",
    tags: list | None = None,
    license: dict | None = None,
    parameters: dict | None = None,
    job=None,
    created_at=None,
    deleted_at=None,
):
    """A library track with a real short FLAC in storage and peaks from ``analyse``."""
    import hashlib
    import tempfile

    from django.utils import timezone

    from soundsite.lib.audio import analyse
    from soundsite.library.models import Track
    from soundsite.library.tracks import readable_file_name, save_track_with_file

    data = _flac_bytes(seconds, frequency)
    with tempfile.NamedTemporaryFile(suffix=".flac") as handle:
        handle.write(data)
        handle.flush()
        key = (seconds, frequency)
        if key not in _ANALYSIS_CACHE:
            _ANALYSIS_CACHE[key] = analyse(handle.name)
        info, peaks = _ANALYSIS_CACHE[key]
        track = Track(
            workspace=workspace,
            job=job,
            parent=parent,
            relation=relation,
            created_by=user,
            title=title,
            task=task,
            provider=provider,
            stem_kind=stem_kind,
            format=info.format,
            content_type=info.content_type,
            duration=info.duration,
            sample_rate=info.sample_rate,
            channels=info.channels,
            bytes=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            peaks=peaks,
            prompt=prompt,
            lyrics=lyrics,
            tags=tags or [],
            parameters=parameters if parameters is not None else {"prompt": prompt},
            license_snapshot=DEFAULT_LICENSE | {"provider": provider}
            if license is None
            else license,
            created_at=created_at or timezone.now(),
            deleted_at=deleted_at,
        )
        track.file_name = readable_file_name(title, track.code, info.format)
        return save_track_with_file(track, handle.name)


def make_stems(parent, kinds=("vocals", "drums", "bass", "other")) -> list:
    """Stems as the studio would file them: children of ``parent``, as long as it is."""
    return [
        make_track(
            parent.workspace,
            f"{parent.title} — {kind.capitalize()}",
            user=parent.created_by,
            parent=parent,
            relation="stem",
            task="stems",
            stem_kind=kind,
            seconds=round(parent.duration, 3),
            frequency=220.0 + 110 * index,
        )
        for index, kind in enumerate(kinds)
    ]


def make_collection(workspace: Workspace, name: str = "Acme – spring", tracks=(), user=None):
    from soundsite.library.models import Collection, CollectionItem

    collection = Collection.objects.create(workspace=workspace, name=name, created_by=user)
    for position, track in enumerate(tracks, start=1):
        CollectionItem.objects.create(collection=collection, track=track, position=position)
    return collection


def make_share(*, track=None, collection=None, user=None, password: str = "", **fields):
    from django.contrib.auth.hashers import make_password

    from soundsite.library.models import ShareLink

    workspace = (track or collection).workspace
    return ShareLink.objects.create(
        workspace=workspace,
        track=track,
        collection=collection,
        created_by=user,
        password_hash=make_password(password) if password else "",
        **fields,
    )


def make_sandbox_pipeline_key(workspace: Workspace, owner: User, provider: str, account, base_url):
    """A shared key of ``workspace`` for ``account`` of the provider stand-in at ``base_url``."""
    from soundsite.keys.models import ProviderKey

    key = ProviderKey(
        workspace=workspace,
        owner=owner,
        provider=provider,
        label=f"{provider} sandbox",
        base_url=f"{base_url}/sandbox/{provider}",
        is_sandbox=True,
        plan="Growth" if provider == "soundverse" else "Sandbox",
        license="Royalty-Free",
        shared=True,
    )
    key.set_secret(account.api_key)
    key.save()
    return key
