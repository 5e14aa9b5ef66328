"""The Redis cache backend keeps one client per connection pool (runs when REDIS_URL is set)."""

import threading

import pytest
from django.conf import settings
from django.core.cache import caches

pytestmark = pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL")


def test_the_redis_client_is_built_once_and_shared():
    backend = caches["default"]
    assert type(backend).__module__ == "soundsite.lib.cache"
    client = backend._cache.get_client("a")
    assert backend._cache.get_client("b") is client
    assert backend._cache.get_client("c", write=True) is client  # one server: one pool


def test_the_shared_client_serves_many_threads():
    backend = caches["default"]
    failures = []

    def work(number):
        try:
            for step in range(50):
                key = f"thread-{number}-{step}"
                backend.set(key, (number, step), 30)
                assert backend.get(key) == (number, step)
                backend.delete(key)
        except Exception as error:  # collected and reported below
            failures.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    assert all(not thread.is_alive() for thread in threads)
