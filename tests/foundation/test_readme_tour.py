"""The README's five-minute tour, run as written against live servers: the blocks are read from
README.md, so a tour that stops working fails here.

The servers are those `make dev` starts (config/serve.py), under the local settings with no Clerk
key, so they verify with the dev key pair as `make dev` does; a real Celery worker runs the
ingestion and the reply. Only the two addresses are rewritten, to the ports the test picked."""

import re
import subprocess

import pytest

from config import serve
from tests.support.processes import (
    BASE_DIR,
    WORKER_START_TIMEOUT,
    CeleryWorker,
    free_port,
    server_answers,
    subprocess_env,
    wait_for,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

TOUR = re.compile(r"^## A five-minute tour$(.*?)^## ", re.MULTILINE | re.DOTALL)
BLOCK = re.compile(r"^```sh\n(.*?)^```$", re.MULTILINE | re.DOTALL)
HTTP, WS = "http://127.0.0.1:8000", "ws://127.0.0.1:8001"


def tour_blocks() -> list[str]:
    tour = TOUR.search((BASE_DIR / "README.md").read_text())
    assert tour, "README.md has no '## A five-minute tour' section"
    return BLOCK.findall(tour.group(1))


@pytest.fixture
def local_env(tmp_path):
    env = {k: v for k, v in subprocess_env().items() if not k.startswith("CLERK_")}
    return env | {
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "CLERK_DEV_KEY_FILE": str(tmp_path / "dev-clerk-key.pem"),
        "DJANGO_LOG_LEVEL": "WARNING",
        "PORT": str(free_port()),
        "WS_PORT": str(free_port()),
    }


@pytest.fixture
def dev_servers(local_env):
    processes = [
        subprocess.Popen(command, cwd=BASE_DIR, env=serve.web_env(role, local_env))
        for role, command in serve.commands(env=local_env).items()
    ]
    worker = CeleryWorker(env=local_env)
    worker.start()
    port = serve.ports(local_env)
    urls = {HTTP: f"http://127.0.0.1:{port['http']}", WS: f"ws://127.0.0.1:{port['ws']}"}
    try:
        wait_for(lambda: server_answers(urls[HTTP]) and server_answers(f"http://127.0.0.1:{port['ws']}"),
                 timeout=WORKER_START_TIMEOUT)  # fmt: skip
        yield urls
    finally:
        worker.stop()
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(20)


def _script(urls: dict[str, str]) -> str:
    script = "\n".join(tour_blocks())
    for written, live in urls.items():
        script = script.replace(written, live)
    # The socket watcher runs in the background: stopped at the end, however the script ends.
    return f"set -e\ntrap 'kill $(jobs -p) 2>/dev/null' EXIT\n{script}\nsleep 2\n"


def test_the_tour_has_the_steps_the_readme_promises():
    script = "\n".join(tour_blocks())
    for step in ("manage.py dev_token", "/memories ", "/memories/search", "/memories/ingest",
                 "/conversations/$CHAT/messages", "/ws/events"):  # fmt: skip
        assert step in script, step


def test_the_readme_tour_works_as_written(dev_servers, local_env):
    done = subprocess.run(["bash", "-c", _script(dev_servers)], cwd=BASE_DIR, env=local_env,
                          capture_output=True, text=True, timeout=240)  # fmt: skip
    out = done.stdout
    assert done.returncode == 0, done.stderr
    assert '"clerk_user_id":"user_demo"' in out
    assert out.count("My sister Ana lives in Lisbon") >= 2  # created, then found
    assert '"status":"succeeded"' in out
    assert "Miso" in out
    assert '"type":"memory.created"' in out.replace(" ", "")
    assert '"type":"message.completed"' in out.replace(" ", "")
    assert '"code":' not in out, out  # no error answer anywhere on the way
