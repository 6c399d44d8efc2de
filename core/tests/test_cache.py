"""core/cache.py: Django's Redis cache keeping one Redis client per connection pool (issue 19)."""

import os
import threading

import pytest

from core.cache import RedisCache

REDIS_TEST_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/14"


@pytest.fixture
def cache():
    import redis

    try:
        redis.Redis.from_url(REDIS_TEST_URL).ping()
    except redis.ConnectionError:
        pytest.fail(f"Redis is not running at {REDIS_TEST_URL}: start redis-server (.ci/run does)")
    cache = RedisCache(REDIS_TEST_URL, {"KEY_PREFIX": "kpi-test-cache"})
    yield cache
    cache.delete_many(["ตัวชี้วัด", "n"])


def test_one_client_serves_every_call_and_thread(cache):
    """The cache answers as Django's does, through the same client for reads and writes, from any thread."""
    first = cache._cache.get_client(write=True)
    assert cache._cache.get_client("x") is first
    cache.set("ตัวชี้วัด", {"ระดับ": 3}, 60)
    cache.set("n", 0, 60)
    errors = []

    def work():
        try:
            for _ in range(50):
                cache.incr("n")
            assert cache.get("ตัวชี้วัด") == {"ระดับ": 3}
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and cache.get("n") == 200
    assert cache._cache.get_client() is first
