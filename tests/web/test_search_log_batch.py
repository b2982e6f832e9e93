"""The search log off the request path: rows written in batches keep the same data, and none is lost at shutdown."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import select

from extensions import db
from search.flask_glue import LOG_WRITER
from search.models import SearchLog

ROOT = Path(__file__).resolve().parents[2]


def rows() -> list[tuple[str, bool, str | None]]:
    return [(r.query, r.had_results, r.top_result)
            for r in db.session.scalars(select(SearchLog).order_by(SearchLog.id))]


@pytest.fixture
def batched(app_config):
    """A second app whose search log waits for its batch writer (as in production)."""
    from app import create_app

    app = create_app(dict(app_config, SEARCH_LOG_BATCH_SECONDS=3600))
    yield app
    with app.app_context():
        app.extensions[LOG_WRITER].close()
        db.session.execute(db.delete(SearchLog))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def test_search_answers_before_its_row_is_written(app, batched):
    client = batched.test_client()
    assert client.get("/api/search", query_string={"q": "не работает обзвон"}).status_code == 200
    assert client.get("/search", query_string={"q": "кредитный лимит"}).status_code == 200
    writer = batched.extensions[LOG_WRITER]
    assert writer.waiting() == 2 and rows() == []
    writer.flush()
    db.session.commit()  # the test's own snapshot
    assert [q for q, _, _ in rows()] == ["не работает обзвон", "кредитный лимит"]
    assert all(found for _, found, _ in rows())


def test_typing_one_search_is_one_row_across_batches(app, batched):
    client = batched.test_client()
    writer = batched.extensions[LOG_WRITER]
    for q in ("не р", "не раб", "не работает"):
        client.get("/search", query_string={"q": q}, headers={"HX-Request": "true"})
    writer.flush()
    for q in ("не работает обзв", "не работает обзвон"):
        client.get("/search", query_string={"q": q}, headers={"HX-Request": "true"})
    writer.flush()
    db.session.commit()
    (row,) = rows()
    assert row[0] == "не работает обзвон" and row[1]


def test_a_later_state_written_first_is_not_overwritten_by_an_earlier_one(app, app_config, batched):
    """Two workers, one browser: each keeps its own batch; whichever writes last, the row ends in the last state."""
    from app import create_app

    other = create_app(dict(app_config, SEARCH_LOG_BATCH_SECONDS=3600))
    try:
        first, second = batched.test_client(), other.test_client()
        first.get("/search", query_string={"q": "не работает"}, headers={"HX-Request": "true"})
        second.set_cookie("session", first.get_cookie("session").value)
        second.get("/search", query_string={"q": "не работает обзвон"}, headers={"HX-Request": "true"})
        other.extensions[LOG_WRITER].flush()
        batched.extensions[LOG_WRITER].flush()
        db.session.commit()
        (row,) = rows()
        assert row[0] == "не работает обзвон"
    finally:
        with other.app_context():
            other.extensions[LOG_WRITER].close()
            db.session.remove()
            db.engine.dispose()


def test_close_writes_what_waits(app, batched):
    batched.test_client().get("/api/search", query_string={"q": "отчет не формируется"})
    batched.extensions[LOG_WRITER].close()
    db.session.commit()
    assert [q for q, _, _ in rows()] == ["отчет не формируется"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_gunicorn_shutdown_writes_the_waiting_rows(tmp_path):
    """A worker stopped by SIGTERM writes its batch before it exits: a clean shutdown loses no search."""
    database = tmp_path / "portal.sqlite3"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "GUNICORN_"))}
    env.update(DATABASE_URL=f"sqlite:///{database}", FLASK_SECRET_KEY="test-secret", FLASK_RATELIMIT_ENABLED="false",
               FLASK_CONTENT_RELOAD_INTERVAL="-1", FLASK_SEARCH_LOG_BATCH_SECONDS="3600")
    env.pop("REDIS_URL", None)
    subprocess.run([sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    port = free_port()
    config = tmp_path / "empty.conf.py"
    config.write_text("")
    log = tmp_path / "gunicorn.log"
    with log.open("w") as out:
        server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--config", str(config), "--workers", "2",
                                   "--bind", f"127.0.0.1:{port}", "app:create_app()"], cwd=ROOT, env=env, stdout=out,
                                  stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5).close()
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        queries = ["не работает обзвон", "кредитный лимит", "отчет не формируется", "нет звука", "смс не приходят"]
        for q in queries:
            url = f"http://127.0.0.1:{port}/api/search?q={urllib.parse.quote(q)}"
            urllib.request.urlopen(url, timeout=10).close()
        with sqlite3.connect(database) as conn:
            assert conn.execute("select count(*) from search_log").fetchone()[0] == 0
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    with sqlite3.connect(database) as conn:
        logged = sorted(q for (q,) in conn.execute("select query from search_log"))
    assert logged == sorted(queries), log.read_text()
