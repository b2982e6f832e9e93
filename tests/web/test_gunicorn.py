"""`make run`'s server: gunicorn with gunicorn.conf.py boots the app factory, keeps probes out of the access log,
adds up the metrics of all its workers and logs in JSON."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status


@contextmanager
def gunicorn(tmp_path: Path, **env: str) -> Iterator[tuple[str, Path, subprocess.Popen]]:
    """gunicorn.conf.py on a free port and a SQLite file in tmp_path; yields (base URL, its log, the master)."""
    port = free_port()
    log = tmp_path / "gunicorn.log"
    env = {**os.environ, "GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "1",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite3'}", "FLASK_SECRET_KEY": "test-secret",
           "FLASK_CONTENT_RELOAD_INTERVAL": "-1", **env}
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
        yield f"http://127.0.0.1:{port}", log, process
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture
def server(tmp_path):
    with gunicorn(tmp_path) as (base, log, _):
        yield base, log


def test_probes_answer_and_stay_out_of_the_access_log(server):
    base, log = server
    assert get(f"{base}/readyz") == 200
    assert get(f"{base}/healthz") == 200
    assert get(f"{base}/help/") == 200
    time.sleep(0.5)
    text = log.read_text()
    assert '"GET /help/ HTTP/1.1" 200' in text
    assert "/healthz" not in text and "/readyz" not in text


def children(pid: int) -> set[int]:
    """The live child processes of pid (gunicorn's workers)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.add(int(stat.parent.name))
    return found


def scrape(base: str) -> dict[tuple[str, frozenset], float]:
    with urllib.request.urlopen(f"{base}/metrics", timeout=10) as response:
        text = response.read().decode()
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def worker_pids(scraped: dict) -> set[int]:
    return {int(dict(labels)["pid"]) for (name, labels) in scraped if name == "portal_web_workers"}


def workers_reported(base: str, pids: set[int]) -> dict:
    """Scrape until these workers report themselves (each does once it has loaded the app)."""
    deadline = time.monotonic() + 30
    while True:
        scraped = scrape(base)
        if pids <= worker_pids(scraped) or time.monotonic() > deadline:
            return scraped
        time.sleep(0.2)


HELP_COUNT = ("flask_http_request_duration_seconds_count",
              frozenset({"method": "GET", "endpoint": "help.index", "status": "200"}.items()))


def schema(database_url: str) -> None:
    from app import create_app
    from extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "test-secret", "CONTENT_RELOAD_INTERVAL": -1})
    with app.app_context():
        db.create_all()
        db.session.remove()
        db.engine.dispose()


@pytest.mark.slow
def test_metrics_of_all_workers_add_up_and_logs_are_json(tmp_path):
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    (metrics_dir / "counter_1.db").write_bytes(b"left by a previous run")
    schema(f"sqlite:///{tmp_path / 'portal.sqlite3'}")
    with gunicorn(tmp_path, WEB_CONCURRENCY="2", PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
                  FLASK_LOG_FORMAT="json") as (base, log, master):
        assert not (metrics_dir / "counter_1.db").exists()
        workers = children(master.pid)
        assert len(workers) == 2
        assert worker_pids(workers_reported(base, workers)) == workers
        for i in range(20):
            request = urllib.request.Request(f"{base}/help/", headers={"X-Request-ID": f"req-{i}"})
            with urllib.request.urlopen(request, timeout=10) as response:
                assert response.headers["X-Request-ID"] == f"req-{i}"
        # Whichever worker answers the scrape, it reports the requests of both.
        for _ in range(4):
            scraped = scrape(base)
            assert scraped[HELP_COUNT] == 20
            assert worker_pids(scraped) == workers
            assert scraped[("portal_figures_up", frozenset())] == 1

        # A worker dies: gunicorn starts another; its count stays, and it no longer counts as a worker.
        victim = min(workers)
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while (victim in children(master.pid) or len(children(master.pid)) < 2) and time.monotonic() < deadline:
            time.sleep(0.2)
        now_serving = children(master.pid)
        assert len(now_serving) == 2 and victim not in now_serving
        scraped = workers_reported(base, now_serving)
        # Without child_exit the dead worker would still be listed.
        assert worker_pids(scraped) == now_serving
        assert scraped[HELP_COUNT] == 20

    records = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    access = [r for r in records if r["logger"] == "gunicorn.access"]
    assert sorted(r["request_id"] for r in access) == sorted(f"req-{i}" for i in range(20))
    assert {(r["method"], r["path"], r["status"]) for r in access} == {("GET", "/help/", 200)}
    assert all(r["message"] == "GET /help/ HTTP/1.1" and r["duration_ms"] >= 0 for r in access)
    assert any(r["logger"] == "gunicorn.error" and "Booting worker" in r["message"] for r in records)
    # Nothing but JSON objects: the app's lines, gunicorn's and the access log alike.
    assert not [line for line in log.read_text().splitlines() if line and not line.startswith("{")]
