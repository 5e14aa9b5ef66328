"""The two cache backends: Redis for several machines, diskcache on one.

**Redis.** Django's Redis cache, with one Redis client per connection pool instead of one per
call.

Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` for every cache
operation. With redis-py 8 that construction costs about as much CPU as the GET itself, and
the job-card poll (the hottest request) makes three cache reads: the session, the membership
and the card. A ``redis.Redis`` over a connection pool is safe to share between threads (each
command borrows a connection from the pool, which also notices a fork), so one per pool is
kept and reused. Everything else is Django's backend unchanged.

**diskcache** (the embedded default). SQLite files in ``VAR_DIR``, shared by the web server's
and the task cluster's processes, read without a network hop or a directory walk: a read is
one indexed SELECT on a connection each thread keeps open. Django closes every cache at the
end of every request; for diskcache that would mean a new SQLite connection (and its
pragmas) per request, so ``close`` leaves the thread's connection open, as Django's file and
local-memory caches do. diskcache notices a fork and reconnects by itself.
"""

from __future__ import annotations

from diskcache import DjangoCache
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
    def close(self, **kwargs):
        """Keep this thread's SQLite connection for the next request."""

    def validate_key(self, key):
        """diskcache takes any string as a key: memcached's limits do not apply here."""
