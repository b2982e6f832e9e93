"""Health probes: /healthz says the process is up, /readyz checks the database, Redis and S3 (tests/web/test_s3*.py)."""

from __future__ import annotations

import os
import socket

import pytest
import redis

REDIS_URL = os.environ.get("TEST_REDIS_URL") or "redis://127.0.0.1:6379/0"


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def file_store_checks(app) -> dict[str, str]:
    """What /readyz adds for the attachment store: nothing for a folder, "s3" under TEST_S3=1."""
    return {"s3": "ok"} if app.config.get("S3_BUCKET") else {}


@pytest.fixture
def real_redis() -> str:
    """The Redis of TEST_REDIS_URL (CI starts it); without that variable, skip when none answers locally."""
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        if os.environ.get("TEST_REDIS_URL"):
            raise
        pytest.skip("no Redis at 127.0.0.1:6379 and TEST_REDIS_URL is not set")
    return REDIS_URL


def test_healthz_answers_without_cookies(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert "Set-Cookie" not in response.headers


def test_readyz_checks_the_database(app, client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "checks": {"database": "ok", **file_store_checks(app)}}
    assert "Set-Cookie" not in response.headers


@pytest.fixture
def unreachable_database(app_config):
    app_config["SQLALCHEMY_DATABASE_URI"] = f"postgresql://postgres@127.0.0.1:{closed_port()}/test"


def test_readyz_is_503_when_the_database_is_unreachable(unreachable_database, app_config):
    from app import create_app

    app = create_app(app_config)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "fail", "checks": {"database": "fail", **file_store_checks(app)},
                                   "failed": ["database"]}
    assert app.test_client().get("/healthz").status_code == 200


def test_readyz_pings_redis_when_configured(app, client, real_redis):
    app.config["REDIS_URL"] = real_redis
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["checks"] == {"database": "ok", "redis": "ok", **file_store_checks(app)}


def test_readyz_is_503_when_redis_is_unreachable(app, client):
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{closed_port()}/0"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "fail", "checks": {"database": "ok", "redis": "fail", **file_store_checks(app)},
                                   "failed": ["redis"]}


def test_readyz_reads_redis_url_from_the_environment(client, monkeypatch):
    monkeypatch.setenv("REDIS_URL", f"redis://127.0.0.1:{closed_port()}/0")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["failed"] == ["redis"]
