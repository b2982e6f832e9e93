"""Health probes for load balancers and orchestrators: liveness and readiness."""

from __future__ import annotations

import os
from collections.abc import Callable

from flask import Blueprint
from flask import current_app
from flask import jsonify
from sqlalchemy import text

from extensions import db
from tickets import current_store

bp = Blueprint("health", __name__)

# Probes come every few seconds; these paths are also skipped by the access log (gunicorn.conf.py).
PATHS = ("/healthz", "/readyz")
REDIS_TIMEOUT = 1.0


@bp.record_once
def _exempt_from_rate_limits(state) -> None:
    # A probe answered 429 would take a healthy instance out of the balancer.
    for limiter in state.app.extensions.get("limiter", ()):
        limiter.exempt(bp)


def redis_url() -> str | None:
    """The Redis the portal uses (config, else the REDIS_URL environment variable), if any."""
    return current_app.config.get("REDIS_URL") or os.environ.get("REDIS_URL") or None


def _database() -> None:
    with db.engine.connect() as conn:
        conn.execute(text("SELECT 1"))


def _redis() -> None:
    import redis

    client = redis.Redis.from_url(redis_url(), socket_connect_timeout=REDIS_TIMEOUT, socket_timeout=REDIS_TIMEOUT)
    try:
        client.ping()
    finally:
        client.close()


def _checks() -> dict[str, Callable[[], None]]:
    checks = {"database": _database}
    if redis_url():
        checks["redis"] = _redis
    store = current_store()
    if store.kind != "local":  # a local folder is this host's disk: nothing else to wait for
        checks[store.kind] = store.check
    return checks


@bp.get("/healthz")
def healthz():
    """Answer that the process is up; touches nothing else."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    """Check every backing service the portal needs; 503 naming the ones that failed."""
    results = {}
    for name, check in _checks().items():
        try:
            check()
            results[name] = "ok"
        except Exception as exc:
            # The reason goes to the log only: the probe is public and must not reveal hosts or users.
            current_app.logger.warning("readiness check %s failed: %s", name, exc)
            results[name] = "fail"
    failed = [name for name, state in results.items() if state != "ok"]
    body = {"status": "fail" if failed else "ok", "checks": results}
    if failed:
        body["failed"] = failed
    return jsonify(body), 503 if failed else 200
