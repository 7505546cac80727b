"""A Redis that stalls (SIGSTOP on the suite's own embedded Redis) costs one short timeout per
breaker opening, not one per request: the throttles let requests through at full speed and the
live events are dropped, until Redis answers again and the breaker closes."""

import logging
import os
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.core.cache import cache
from rest_framework.test import APIRequestFactory

from core.api import throttles
from memories import events
from tests.support.factories import UserFactory
from tests.support.processes import RedisControl

pytestmark = pytest.mark.django_db

FAST_SECONDS = 0.1  # a skipped check or publish, with room for a loaded machine


@pytest.fixture
def stalled_redis() -> Iterator[Callable[[], None]]:
    """The session's Redis frozen (it keeps its socket and its data); yields what resumes it,
    which the end of the test does in any case."""
    pid = int(Path(RedisControl.data_dir, "redis", "redis.pid").read_text())
    os.kill(pid, signal.SIGSTOP)

    def resume() -> None:
        os.kill(pid, signal.SIGCONT)

    try:
        yield resume
    finally:
        resume()


@pytest.fixture(autouse=True)
def short_pause(settings) -> Iterator[None]:
    settings.CIRCUIT_BREAKER_SECONDS = 1.0
    settings.API_THROTTLE_USER = "1000/day"
    yield
    for breaker in (throttles.breaker, events.breaker):
        breaker.succeeded()


def _check(user) -> tuple[bool, float]:
    request = APIRequestFactory().get("/api/v1/users/me")
    request.user = user
    began = time.perf_counter()
    allowed = throttles.UserThrottle().allow_request(request, None)
    return allowed, time.perf_counter() - began


def _window_count(user) -> int:
    throttle = throttles.UserThrottle()
    key = cache.make_and_validate_key(
        f"throttle:user:{user.pk}:{int(time.time() // throttle.duration)}"
    )
    return int(throttles._redis().get(key) or 0)


def test_the_throttle_breaker_opens_on_a_stalled_redis_and_closes_when_it_is_back(
    stalled_redis, caplog
):
    user = UserFactory()
    caplog.set_level(logging.WARNING, logger="core.breaker")

    first_allowed, first = _check(user)
    later = [_check(user) for _ in range(20)]

    assert first_allowed
    assert all(allowed for allowed, _ in later)
    assert first >= throttles.SOCKET_TIMEOUT_SECONDS * 0.9
    assert max(seconds for _, seconds in later) < FAST_SECONDS
    assert throttles.breaker.is_open
    assert len(caplog.records) == 1  # logged once per opening, not per request

    stalled_redis()
    time.sleep(1.1)  # the breaker's pause
    before = _window_count(user)
    assert _check(user)[0]

    assert not throttles.breaker.is_open
    assert _window_count(user) == before + 1
    assert "reachable again" in caplog.records[-1].getMessage()


def test_a_stalled_channel_layer_drops_live_events_quickly(stalled_redis, caplog):
    caplog.set_level(logging.WARNING, logger="core.breaker")

    timings = []
    for n in range(5):
        began = time.perf_counter()
        events._send(1, {"type": "memory.created", "n": n})
        timings.append(time.perf_counter() - began)

    assert timings[0] < events.SEND_TIMEOUT_SECONDS + FAST_SECONDS
    assert max(timings[1:]) < FAST_SECONDS
    assert events.breaker.is_open
    assert len(caplog.records) == 1
