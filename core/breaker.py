"""A circuit breaker for a dependency a request can do without (the throttle's Redis, the live
events' channel layer): after a failure it stops calling it for a few seconds, so that an outage
costs one timeout per opening instead of one per request.

Per process and thread-safe. Open: every caller skips the call. Once the pause is over one caller
(and only one) tries again: success closes the breaker, failure opens it for another pause
(CIRCUIT_BREAKER_SECONDS). The opening and the closing are logged once each, not every skipped
call.
"""

import logging
import threading
import time

from django.conf import settings

logger = logging.getLogger(__name__)


class CircuitBreaker:
    """`allow()` before the call, then `succeeded()` or `failed(error)` after it."""

    def __init__(self, *, name: str) -> None:
        self.name = name
        self._lock = threading.Lock()
        self._open = False
        self._retry_at = 0.0

    @property
    def is_open(self) -> bool:
        return self._open

    def allow(self) -> bool:
        """Whether to make the call now; while open, True for one trial caller per pause."""
        if not self._open:
            return True
        with self._lock:
            now = time.monotonic()
            if now < self._retry_at:
                return False
            # The trial: the others go on skipping while this caller tries.
            self._retry_at = now + settings.CIRCUIT_BREAKER_SECONDS
            return True

    def succeeded(self) -> None:
        if not self._open:
            return
        with self._lock:
            if self._open:
                self._open = False
                logger.warning("%s is reachable again: calls resume", self.name)

    def failed(self, error: BaseException) -> None:
        with self._lock:
            self._retry_at = time.monotonic() + settings.CIRCUIT_BREAKER_SECONDS
            if self._open:
                return
            self._open = True
        logger.warning(
            "%s failed (%s: %s): not called for %.0f s at a time until it answers",
            self.name, type(error).__name__, error, settings.CIRCUIT_BREAKER_SECONDS,
        )  # fmt: skip
