"""Progress of a long management command, on stderr: tqdm's bar (count, rate, time left when
the total is known) on a terminal; elsewhere (a container's log, cron) a plain line at most
every COMMAND_PROGRESS_SECONDS, since a bar redrawn with carriage returns is unreadable there,
and a last line with the count, the time and the rate. The command prints its own summary too.

    with progress(total=len(users), unit="users", label="consolidate") as bar:
        for user in users:
            ...
            bar.update()
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from django.conf import settings
from tqdm import tqdm


class PlainProgress:
    """`update()` like tqdm's, printing `label: done/total unit (rate/s)` now and then."""

    def __init__(self, *, total: int | None, unit: str, label: str, out: TextIO) -> None:
        self.total, self.unit, self.label, self.out = total, unit, label, out
        self.done = 0
        self.started = self.last = time.monotonic()

    def update(self, count: int = 1) -> None:
        self.done += count
        now = time.monotonic()
        if now - self.last >= settings.COMMAND_PROGRESS_SECONDS:
            self.last = now
            self.print_line(now)

    def print_line(self, now: float, *, final: bool = False) -> None:
        elapsed = now - self.started
        rate = self.done / max(elapsed, 1e-9)
        of = f"/{self.total}" if self.total is not None else ""
        end = f" in {elapsed:.1f}s, done" if final else ""
        self.out.write(f"{self.label}: {self.done}{of} {self.unit} ({rate:.1f}/s){end}\n")
        self.out.flush()


@contextmanager
def progress(
    *, total: int | None, unit: str, label: str, out: TextIO | None = None
) -> Iterator[tqdm | PlainProgress]:
    out = out or sys.stderr
    if out.isatty():
        with tqdm(total=total, unit=unit, desc=label, file=out) as bar:
            yield bar
        return
    plain = PlainProgress(total=total, unit=unit, label=label, out=out)
    yield plain
    plain.print_line(time.monotonic(), final=True)
