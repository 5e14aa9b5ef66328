"""The two cache backends: Redis for several machines, diskcache on one.

**Redis.** Django's Redis cache, with one Redis client per connection pool instead of one per
call.

Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` for every cache
operation. With redis-py 8 that construction costs about as much CPU as the GET itself, and
the job-card poll (the hottest request) makes two cache reads: the session and the card. A
``redis.Redis`` over a connection pool is safe to share between threads (each command borrows
a connection from the pool, which also notices a fork), so one per pool is kept and reused.
Everything else is Django's backend unchanged.

**diskcache** (the embedded default). SQLite files in ``VAR_DIR``, shared by the web server's
and the task cluster's processes, read without a network hop or a directory walk: a read is
one indexed SELECT on a connection each thread keeps open. Django closes every cache at the
end of every request; for diskcache that would mean a new SQLite connection (and its
pragmas) per request, so ``close`` leaves the thread's connection open, as Django's file and
local-memory caches do. diskcache notices a fork and reconnects by itself.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from diskcache import DjangoCache, FanoutCache
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class ReusedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            if index not in self._pools:
                self._pools[index] = self._pool_class.from_url(
                    self._servers[index], **self._pool_options
                )
            client = self._clients[index] = self._client(connection_pool=self._pools[index])
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient


class DiskCache(DjangoCache):
    """diskcache's Django backend over one ``FanoutCache`` per process and location.

    Django keeps a cache backend per thread and per async context: an ASGI server or an
    asyncio task calling ``sync_to_async`` builds a fresh backend for nearly every request or
    call. For Django's file cache that cost nothing; for diskcache it would open a new SQLite
    connection per shard each time. ``FanoutCache`` is safe to share between threads (each
    keeps its own connection), so the backends of one process share it. The few most recent
    locations are kept (tests give each test a cache of its own).
    """

    _shared: OrderedDict = OrderedDict()
    _shared_lock = threading.Lock()
    KEEP_LOCATIONS = 4

    def __init__(self, directory, params):
        BaseCache.__init__(self, params)
        options = params.get("OPTIONS", {})
        shards = params.get("SHARDS", 8)
        timeout = params.get("DATABASE_TIMEOUT", 0.010)
        key = (str(directory), shards, timeout, tuple(sorted(options.items())))
        with self._shared_lock:
            cache = self._shared.get(key)
            if cache is None:
                cache = FanoutCache(str(directory), shards, timeout, **options)
                self._shared[key] = cache
                while len(self._shared) > self.KEEP_LOCATIONS:
                    self._shared.popitem(last=False)[1].close()
            self._shared.move_to_end(key)
        self._cache = cache

    def close(self, **kwargs):
        """Keep this thread's SQLite connection for the next request."""

    def validate_key(self, key):
        """diskcache takes any string as a key: memcached's limits do not apply here."""
