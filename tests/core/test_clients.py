"""A process's clients are built once even when threads race for the first one, so that no
client left to the garbage collector closes the connections of a request in flight."""

import threading
import time

import redis

from core.api import throttles
from core.clients import process_client

THREADS = 8


def _at_once(work) -> list:
    """`work()` on THREADS threads released together; what each returned or raised."""
    start, results = threading.Barrier(THREADS), []

    def run() -> None:
        start.wait()
        try:
            results.append(work())
        except Exception as exc:  # what a request would have died of
            results.append(exc)

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_threads_asking_for_the_first_client_at_once_get_the_same_one():
    builds = []

    @process_client
    def client(name: str) -> object:
        builds.append(name)
        time.sleep(0.01)  # long enough for every thread to ask before it is built
        return object()

    got = _at_once(lambda: client("redis"))
    assert len(builds) == 1
    assert len({id(one) for one in got}) == 1
    client.cache_clear()
    assert client("redis") is not got[0]


def test_the_throttles_share_one_redis_client_however_many_threads_start_at_once(monkeypatch):
    from_url = redis.Redis.from_url

    def slow_from_url(*args, **kwargs) -> redis.Redis:
        time.sleep(0.01)  # long enough for every thread to ask before it is built
        return from_url(*args, **kwargs)

    monkeypatch.setattr(redis.Redis, "from_url", slow_from_url)
    throttles._redis.cache_clear()  # as at a fresh process's first requests
    try:
        clients = _at_once(throttles._redis)
        assert len({id(client) for client in clients}) == 1
        assert all(isinstance(client, redis.Redis) for client in clients)
    finally:
        throttles._redis.cache_clear()
