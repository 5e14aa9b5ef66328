"""Library fixtures: a few real tracks (short FLAC files in storage) and their relations."""

import pytest

from tests.factories import make_collection, make_share, make_stems, make_track


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Personas are made with a password; the production hasher takes half a second each.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _private_cache(settings):
    # Parallel test workers share the file or Redis cache, and each test clears it; the
    # password throttle counts in the cache, so each worker gets a cache of its own.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "library-tests",
        }
    }
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def track(workspace, owner):
    return make_track(
        workspace,
        "Harbour lights",
        user=owner,
        prompt="warm synth pads over a slow harbour night",
        lyrics="lights on the water\nboats coming home",
        tags=["calm", "night"],
        parameters={"prompt": "warm synth pads", "duration": 30, "instrumental": True},
    )


@pytest.fixture
def stems(track):
    return make_stems(track)


@pytest.fixture
def collection(workspace, owner, track):
    return make_collection(workspace, "Acme – spring spot", [track], user=owner)


@pytest.fixture
def share(track, owner):
    return make_share(track=track, user=owner)


@pytest.fixture
def deleted_track(workspace, owner):
    from django.utils import timezone

    return make_track(workspace, "Old demo", user=owner, deleted_at=timezone.now())


@pytest.fixture
def stranger_track(stranger):
    return make_track(stranger.memberships.get().workspace, "Not yours", user=stranger)
