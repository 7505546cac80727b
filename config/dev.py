"""`make dev`: start what is missing, migrate, and run web (HTTP and websockets), worker and beat
in the foreground.

HTTP is served on PORT (8000), websockets on WS_PORT (PORT + 1): see config/serve.py.
Ctrl-C or SIGTERM stops every process started here, the embedded servers included.
"""

from __future__ import annotations

import os
import subprocess
import sys

import environ

from config import serve
from config.embedded import BASE_DIR, DEFAULT_DATA_DIR, ensure_stack


def _commands(python: str) -> dict[str, list[str]]:
    schedule = str(DEFAULT_DATA_DIR / "celerybeat-schedule")
    host = os.environ.get("HOST", "127.0.0.1")
    return {
        **serve.commands(python=python, host=host),
        "worker": [python, "-m", "celery", "-A", "config", "worker", "-l", "INFO",
                   "--concurrency", os.environ.get("CELERY_CONCURRENCY", "4")],
        "beat": [python, "-m", "celery", "-A", "config", "beat", "-l", "INFO", "-s", schedule],
    }  # fmt: skip


def _announce() -> None:
    port = serve.ports()
    print(f"http:     http://127.0.0.1:{port['http']}/api/v1/\n"
          f"ws:       ws://127.0.0.1:{port['ws']}/ws/events", flush=True)  # fmt: skip
    if not (os.environ.get("CLERK_JWT_KEY") or os.environ.get("CLERK_JWKS_URL")):
        print("token:    .venv/bin/python manage.py dev_token user_demo  (no Clerk key is set)",
              flush=True)  # fmt: skip


def main() -> int:
    serve.die_with_parent()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    environ.Env.read_env(BASE_DIR / ".env")
    stopping = serve.stop_requested()
    serve.metrics_dir_prepare()  # web, worker and beat share it: one scrape sees them all
    stack = ensure_stack()
    print(f"database: {stack.database_url}\nredis:    {stack.redis_url}", flush=True)
    processes: dict[str, subprocess.Popen[bytes]] = {}
    try:
        subprocess.run([sys.executable, "manage.py", "migrate", "--no-input"], cwd=BASE_DIR,
                       check=True)  # fmt: skip
        processes = {
            name: serve.spawn(name, cmd, serve.web_env(name) if name in serve.ROLES else os.environ)
            for name, cmd in _commands(sys.executable).items()
        }
        _announce()
        return serve.supervise(processes, stopping)
    finally:
        serve.stop(processes)
        stack.stop()
        print("stopped", flush=True)


if __name__ == "__main__":
    sys.exit(main())
