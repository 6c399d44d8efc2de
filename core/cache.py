"""Django's Redis cache, with one Redis client per connection pool instead of one per operation.

Django's RedisCacheClient.get_client builds a new `redis.Redis` for every cache call, and redis-py's
constructor fills a table of some 200 reply callbacks each time: 8 such clients in a tick's request were
a measurable part of it (issue 19). A `redis.Redis` over a connection pool is safe to share between
threads (redis-py takes a connection from the pool per command), so each pool keeps one.
"""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class SharedClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = SharedClient
