"""Request throttles on the cache (Redis), each check one round trip.

DRF's SimpleRateThrottle keeps a list of timestamps per client and costs a GET then a SET (two
round trips, and a race between them). These count in fixed windows instead: one pipelined
INCR + EXPIRE, atomic in Redis. A window may let through up to twice the rate across its edge,
which is the accepted price of the single round trip. Limits come from `API_THROTTLE_<SCOPE>`
settings; an empty one switches that scope off. If Redis cannot be reached, requests are let
through: throttling must never turn a cache outage into an API outage, nor into a wait on every
request, so a failure opens a circuit breaker and the checks stop for a few seconds (core.breaker).
"""

import time
from typing import Any

import redis
from django.conf import settings
from django.core.cache import cache
from redis.exceptions import RedisError
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle

from core.breaker import CircuitBreaker
from core.clients import process_client

# A throttle check is one round trip on a local network: past this, Redis is taken as stalled.
SOCKET_TIMEOUT_SECONDS = 0.25
breaker = CircuitBreaker(name="The throttles' Redis")


@process_client
def _redis() -> redis.Redis:
    """The default cache's Redis through redis-py's own client (thread-safe, and it reconnects
    after a fork): Django's cache keeps its client private, and has no pipelines."""
    location = settings.CACHES["default"]
    options = {**location.get("OPTIONS", {}), "socket_timeout": SOCKET_TIMEOUT_SECONDS}
    options["socket_connect_timeout"] = SOCKET_TIMEOUT_SECONDS
    return redis.Redis.from_url(location["LOCATION"], **options)


class FixedWindowThrottle(SimpleRateThrottle):
    """A counter per client and window, kept in the default cache's Redis."""

    cache_format = "throttle:%(scope)s:%(ident)s"
    retry_after: float | None = None

    def get_rate(self) -> str | None:
        return getattr(settings, f"API_THROTTLE_{self.scope.upper()}", None) or None

    def allow_request(self, request: Any, view: Any) -> bool:
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        now = time.time()
        window = int(now // self.duration)
        count = self._count(f"{key}:{window}")
        if count is None or count <= self.num_requests:
            return True
        self.retry_after = (window + 1) * self.duration - now
        return False

    def _count(self, key: str) -> int | None:
        """The window's count so far, this request included; None when Redis is out of reach."""
        if not breaker.allow():
            return None
        cache_key = cache.make_and_validate_key(key)
        try:
            pipe = _redis().pipeline(transaction=False)
            pipe.incr(cache_key)
            pipe.expire(cache_key, self.duration + 1)
            count, _ = pipe.execute()
        except RedisError as exc:
            breaker.failed(exc)
            return None
        breaker.succeeded()
        return count

    def wait(self) -> float | None:
        return self.retry_after


class AnonThrottle(FixedWindowThrottle, AnonRateThrottle):
    """Unauthenticated requests, per client IP (`API_THROTTLE_ANON`)."""


class UserThrottle(FixedWindowThrottle, UserRateThrottle):
    """Authenticated requests, per user (`API_THROTTLE_USER`); anonymous ones are AnonThrottle's."""

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if not (request.user and request.user.is_authenticated):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class WebhookThrottle(FixedWindowThrottle, AnonRateThrottle):
    """Deliveries to a webhook route, per sender IP, with a generous limit of their own
    (`API_THROTTLE_WEBHOOKS`): a backlog replayed by Svix comes in bursts."""

    scope = "webhooks"
