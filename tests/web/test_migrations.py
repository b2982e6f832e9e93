"""Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade
from flask_migrate import upgrade
from sqlalchemy import create_engine

from app import create_app
from app import sqlalchemy_url
from extensions import db
from tests.conftest import private_schema


@pytest.fixture
def empty_database(tmp_path) -> Iterator[str]:
    """A database with no tables: a file on SQLite, a fresh schema on PostgreSQL."""
    server = os.environ.get("TEST_DATABASE_URL")
    if not server:
        yield f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
        return
    with private_schema(server, "migrate") as url:
        yield url


def test_migrations_match_models(empty_database):
    url = empty_database
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x", "TESTING": True})
    with app.app_context():
        upgrade()
        engine = create_engine(sqlalchemy_url(url))
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
        engine.dispose()
        assert diff == []
        downgrade(revision="base")
        db.engine.dispose()
