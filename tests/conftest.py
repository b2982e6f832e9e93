"""Shared fixtures: an app on a throwaway database, its client and CLI runner, accounts."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import g
from flask import request_started
from sqlalchemy import create_engine
from sqlalchemy import text

from app import create_app
from app import sqlalchemy_url
from extensions import db
from tests.s3_fixture import s3_server  # noqa: F401 - the session fixture, for every test module

CHEAP_ARGON2 = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}
PASSWORD = "correct-horse-42"


@contextmanager
def private_schema(server_url: str, prefix: str = "test") -> Iterator[str]:
    """A fresh PostgreSQL schema, dropped afterwards; yields the URL whose search_path points at it."""
    # Runs sharing the server (a developer's and CI's, or xdist workers) must not see each other's rows.
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(sqlalchemy_url(server_url))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in server_url else "?"
    try:
        yield f"{server_url}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> Iterator[str]:
    """SQLite by default; PostgreSQL when TEST_DATABASE_URL says so, in a schema of this run's own."""
    server = os.environ.get("TEST_DATABASE_URL")
    if not server:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
        return
    with private_schema(server) as url:
        yield url


@pytest.fixture(scope="session")
def _schema(database_url, tmp_path_factory):
    app = create_app(_config(database_url, tmp_path_factory.mktemp("schema")))
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


def _config(database_url: str, tmp: Path) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "UPLOAD_DIR": str(tmp / "uploads"),
        "MAIL_OUTBOX_DIR": str(tmp / "outbox"),
        "ARGON2_PARAMS": CHEAP_ARGON2,
        "CONTENT_RELOAD_INTERVAL": -1,
        "PORTAL_BASE_URL": "http://portal.test",
        # Limits are off for tests about something else; tests/web/test_rate_limits.py uses the real ones.
        "RATELIMIT_ENABLED": False,
        # Tests read the search log right after a request: each row is written in it, not by the batch thread.
        "SEARCH_LOG_BATCH_SECONDS": 0,
    }


def _wipe() -> None:
    tables = list(reversed(db.metadata.sorted_tables))
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t.name}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


@pytest.fixture
def app_config(database_url, tmp_path, request) -> dict:
    """Test configuration; a test may change it before asking for `app`. TEST_S3=1: files go to a private S3."""
    config = _config(database_url, tmp_path)
    if os.environ.get("TEST_S3") == "1":
        config.update(request.getfixturevalue("s3_server").config())
    return config


def _forget_login(sender, **extra) -> None:
    # Requests made while the test holds an app context share its `g`, where Flask-Login caches the
    # user: without this, a second test client would be served as whoever asked first.
    g.pop("_login_user", None)


@pytest.fixture
def app(_schema, app_config):
    app = create_app(app_config)
    request_started.connect(_forget_login, app)
    with app.app_context():
        yield app
        db.session.remove()
        _wipe()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def customer(app):
    """A company account."""
    from tickets.accounts import create_company

    return create_company("ООО Ромашка", "support-group@romashka.test", PASSWORD, lk_number="104527")


@pytest.fixture
def other_customer(app):
    from tickets.accounts import create_company

    return create_company("ООО Лютик", "it@lutik.test", PASSWORD, lk_number="200300")


@pytest.fixture
def agent(app):
    from tickets.accounts import create_agent

    return create_agent("agent@twin.test", PASSWORD, "Анна из поддержки")


def login(client, email: str, password: str = PASSWORD):
    return client.post("/login", data={"email": email, "password": password})


@pytest.fixture
def logged_in(client, customer):
    """The test client logged in as the company account."""
    response = login(client, customer.email)
    assert response.status_code == 303
    return client
