"""The web processes' commands: one source for `make dev`, the Docker image and the live tests."""

import pytest

from config import dev, serve


def test_websockets_take_the_port_after_http_unless_ws_port_is_set():
    assert serve.ports({"PORT": "9000"}) == {"http": 9000, "ws": 9001}
    assert serve.ports({"PORT": "9000", "WS_PORT": "7000"}) == {"http": 9000, "ws": 7000}
    assert serve.ports({}) == {"http": 8000, "ws": 8001}


def test_http_is_served_by_granian_wsgi_and_websockets_by_uvicorn_asgi():
    commands = serve.commands(python="py", env={"PORT": "9000", "WEB_CONCURRENCY": "2"})
    assert commands["http"][:6] == [
        "py",
        "-m",
        "granian",
        "--interface",
        "wsgi",
        "config.wsgi:application",
    ]
    assert commands["http"][commands["http"].index("--port") + 1] == "9000"
    assert commands["http"][commands["http"].index("--workers") + 1] == "2"
    assert commands["ws"][:4] == ["py", "-m", "uvicorn", "config.asgi:application"]
    assert commands["ws"][commands["ws"].index("--port") + 1] == "9001"


def test_serve_role_picks_one_process_and_rejects_anything_else():
    assert list(serve.commands(env={"SERVE_ROLE": "ws"})) == ["ws"]
    assert list(serve.commands(env={"SERVE_ROLE": "http"})) == ["http"]
    with pytest.raises(SystemExit):
        serve.commands(env={"SERVE_ROLE": "websockets"})


def test_make_dev_starts_both_web_processes_the_worker_and_beat(monkeypatch):
    monkeypatch.delenv("SERVE_ROLE", raising=False)
    assert list(dev._commands("py")) == ["http", "ws", "worker", "beat"]


def test_websockets_use_the_pool_and_http_threads_their_own_connections_unless_told():
    assert serve.web_env("ws", {})["DATABASE_POOL"] == "true"
    assert serve.web_env("http", {})["DATABASE_POOL"] == "false"
    assert serve.web_env("ws", {"DATABASE_POOL": "false"})["DATABASE_POOL"] == "false"


def test_the_metrics_folder_is_emptied_at_start_and_given_to_the_children(tmp_path):
    (tmp_path / "counter_123.db").write_bytes(b"old samples")
    (tmp_path / "keep.txt").write_text("not ours")
    env = {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "")}
    assert serve.metrics_dir_prepare(env) == tmp_path
    assert [path.name for path in tmp_path.iterdir()] == ["keep.txt"]
    assert env["PROMETHEUS_MULTIPROC_DIR"] == str(tmp_path)
