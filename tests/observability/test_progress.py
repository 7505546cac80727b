"""Long commands show their progress: tqdm's bar on a terminal, plain lines elsewhere, and
their summary at the end."""

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios

import pytest
from django.core.management import call_command

from memories.services import memory_create
from tests.support.factories import UserFactory
from tests.support.processes import BASE_DIR, subprocess_env

pytestmark = pytest.mark.django_db


def test_consolidation_prints_plain_progress_lines_and_a_summary_off_a_terminal(settings, capsys):
    settings.COMMAND_PROGRESS_SECONDS = 0
    users = UserFactory.create_batch(3)
    for user in users:
        memory_create(user=user, content=f"User {user.pk} has a cat.")
    for user in users:
        call_command("consolidate_memories", "--user", user.clerk_user_id)
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert lines[0].startswith("consolidate: 1/1 users (")
    assert lines[-1].endswith(", done")
    assert "Consolidated 1 users: 0 promoted, 0 expired, 0 merged, 0 decayed." in captured.out
    assert "\r" not in captured.err


def _read_all(fd: int) -> str:
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the terminal's other side is closed: all is read
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks).decode(errors="replace")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_on_a_terminal_a_command_draws_a_bar_with_counts_and_rate(user):
    for number in range(3):
        memory_create(user=user, content=f"User likes fruit number {number}.")
    terminal, its_other_side = pty.openpty()
    # A terminal 100 columns wide (a new pseudo-terminal has none, and tqdm draws nothing).
    fcntl.ioctl(its_other_side, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    try:
        done = subprocess.run(
            [sys.executable, "manage.py", "reembed_memories", "--batch-size", "1"],
            cwd=BASE_DIR, env=subprocess_env() | {"EMBEDDING_PROVIDER": "hashing"},
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=its_other_side, timeout=180,
        )  # fmt: skip
    finally:
        os.close(its_other_side)
    drawn = _read_all(terminal)
    os.close(terminal)
    assert done.returncode == 0
    assert "Re-embedded 3 of 3 memories" in done.stdout.decode()
    assert "\r" in drawn  # redrawn in place
    assert "re-embed: 100%" in drawn
    assert "3/3" in drawn
    assert "memories/s" in drawn
