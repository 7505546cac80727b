"""A process's clients are built once even when threads race for the first one, so that no
client left to the garbage collector closes the connections of a request in flight."""

import gc
import threading
import time
from types import SimpleNamespace

from rest_framework.test import APIRequestFactory

from core.api import throttles
from core.clients import process_client

THREADS = 8
ROUNDS = 30


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


def test_throttle_checks_racing_at_a_processs_start_all_get_an_answer(settings):
    settings.API_THROTTLE_USER = "1000000/min"
    request = APIRequestFactory().get("/api/v1/users/me")
    request.user = SimpleNamespace(pk=1, is_authenticated=True)
    collecting = threading.Event()

    def collect() -> None:  # the finalizers of any client built twice run meanwhile
        while not collecting.is_set():
            gc.collect()

    collector = threading.Thread(target=collect)
    collector.start()
    try:
        for _ in range(ROUNDS):
            throttles._redis.cache_clear()  # as at a fresh process's first requests
            answers = _at_once(lambda: throttles.UserThrottle().allow_request(request, None))
            assert answers == [True] * THREADS
    finally:
        collecting.set()
        collector.join()
