"""`make run`'s server: gunicorn with gunicorn.conf.py boots the app factory and keeps probes out of the access log."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status


@pytest.fixture
def server(tmp_path):
    port = free_port()
    log = tmp_path / "gunicorn.log"
    env = {**os.environ, "GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "1",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite3'}", "FLASK_SECRET_KEY": "test-secret",
           "FLASK_CONTENT_RELOAD_INTERVAL": "-1"}
    env.pop("REDIS_URL", None)
    with log.open("w") as out:
        process = subprocess.Popen([sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py"], cwd=ROOT,
                                   env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                get(f"http://127.0.0.1:{port}/healthz")
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(log.read_text()) from None
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}", log
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_probes_answer_and_stay_out_of_the_access_log(server):
    base, log = server
    assert get(f"{base}/readyz") == 200
    assert get(f"{base}/healthz") == 200
    assert get(f"{base}/help/") == 200
    time.sleep(0.5)
    text = log.read_text()
    assert '"GET /help/ HTTP/1.1" 200' in text
    assert "/healthz" not in text and "/readyz" not in text
