"""py-spy on a live server process while it serves one endpoint: where its time goes.

py-spy (a dev dependency) samples the process from outside, GIL-holding samples only, and
writes collapsed stacks; the summary is the share of samples under each function (inclusive)
and at the top of the stack (self), project code and libraries alike.
"""

from __future__ import annotations

import asyncio
import collections
import re
import subprocess
import sys
from collections.abc import Awaitable
from pathlib import Path

FRAME = re.compile(r"(?P<function>.*) \((?P<path>.*):\d+\)$")


def _short(frame: str) -> str:
    match = FRAME.match(frame)
    if match is None:
        return frame
    path = match["path"].split("site-packages/")[-1].split("/lib/python3")[-1]
    return f"{match['function']} ({path})"


def summarise(collapsed: Path, top: int) -> str:
    inclusive: collections.Counter[str] = collections.Counter()
    leaf: collections.Counter[str] = collections.Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        frames = [_short(frame) for frame in stack.split(";")]
        total += int(count)
        leaf[frames[-1]] += int(count)
        for frame in set(frames):
            inclusive[frame] += int(count)
    share = lambda n: f"{100 * n / max(total, 1):5.1f}%"  # noqa: E731
    lines = [f"  {total} samples; inclusive:"]
    lines += [f"  {share(n)} {name}" for name, n in inclusive.most_common(top)]
    lines += ["  self:"] + [f"  {share(n)} {name}" for name, n in leaf.most_common(top)]
    return "\n".join(lines)


async def profile(pid: int, load: Awaitable[object], out: Path, seconds: int, top: int) -> str:
    """Sample `pid` while `load` runs (it should last about `seconds`)."""
    spy = subprocess.Popen(
        [str(Path(sys.executable).with_name("py-spy")), "record", "-p", str(pid), "-d",
         str(seconds), "-r", "200", "--gil", "--nonblocking", "-f", "raw", "-o", str(out)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    await asyncio.sleep(0.5)
    await load
    await asyncio.to_thread(spy.wait, seconds + 30)
    return summarise(out, top) if out.exists() else "  (py-spy wrote nothing: is it permitted?)"
