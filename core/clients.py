"""Clients kept for the life of a process (Redis, the broker's producers, HTTP APIs).

`functools.cache` alone builds a second client when two threads ask for the first one at the
same moment (the threads of a web process, at its first requests). The one not kept is left to
the garbage collector, and its finalizer closes its connections, which the thread that got it
may still be using: a request then fails inside the client library ("Bad file descriptor",
"I/O operation on closed file") instead of with the library's own error.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, TypeVar

Client = TypeVar("Client")


def process_client(build: Callable[..., Client]) -> Callable[..., Client]:
    """`functools.cache` for a client, built once per process (per arguments) even when threads
    race for it; `cache_clear()` as functools.cache has."""
    cached = functools.cache(build)
    lock = threading.Lock()

    @functools.wraps(build)
    def client(*args: Any, **kwargs: Any) -> Client:
        with lock:
            return cached(*args, **kwargs)

    client.cache_clear = cached.cache_clear  # type: ignore[attr-defined]
    return client
