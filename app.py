"""Application factory of the support portal."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from tickets.policy import DEFAULT_TIMEZONE

BASE_DIR = Path(__file__).resolve().parent


def sqlalchemy_url(url: str) -> str:
    """The database URL with the PostgreSQL driver we install spelled out."""
    # psycopg 3 is the driver we install; plain postgres URLs would ask SQLAlchemy for psycopg2.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def upload_hard_limit(config) -> int:
    """Bytes one request may carry at all: three times every allowed file, plus room for the text."""
    return 3 * config["MAX_ATTACHMENTS"] * config["MAX_ATTACHMENT_SIZE"] + 1024 * 1024


def _secret_key(instance_path: Path) -> str:
    # A stable key per instance keeps sessions valid across restarts of `make run`.
    path = instance_path / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
    return path.read_text().strip()


def _behind_proxy(app: Flask) -> None:
    # X-Forwarded-* can be forged by anyone: trust exactly as many proxy hops as configured, none by default.
    hops = {key: int(app.config.get(f"PROXY_FIX_X_{key.upper()}") or 0) for key in ("for", "proto", "host", "port", "prefix")}
    if any(hops.values()):
        app.wsgi_app = ProxyFix(app.wsgi_app, **{f"x_{key}": count for key, count in hops.items()})


def create_app(test_config: dict | None = None) -> Flask:
    """Create and configure the portal."""
    app = Flask(__name__, instance_relative_config=True, static_folder="static")
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{instance / 'portal.sqlite3'}",
        CONTENT_DIR=str(BASE_DIR / "content"),
        CONTENT_RELOAD_INTERVAL=5.0,
        UPLOAD_DIR=str(instance / "uploads"),
        MAIL_OUTBOX_DIR=str(instance / "outbox"),
        # Upload policy: files per form, bytes per file, and what one account may keep unsent (drafts).
        MAX_ATTACHMENTS=10,
        MAX_ATTACHMENT_SIZE=20 * 1024 * 1024,
        DRAFT_MAX_FILES=30,
        DRAFT_MAX_BYTES=200 * 1024 * 1024,
        DRAFT_TTL_HOURS=24,
        PORTAL_TIMEZONE=DEFAULT_TIMEZONE,
        AUTO_CLOSE_HOURS=48,
        REOPEN_WINDOW_DAYS=30,
        PORTAL_BASE_URL="http://127.0.0.1:5000",
        SEARCH_LOG=True,
        WTF_CSRF_TIME_LIMIT=None,
        # Flask-WTF would look for Flask-Babel; PortalForm.Meta picks WTForms' Russian messages itself.
        WTF_I18N_ENABLED=False,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_HTTPONLY=True,
        # The signed-in session rows in the database expire with the remember-me cookie.
        REMEMBER_COOKIE_DURATION=timedelta(days=30),
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        # Flask-Limiter: the limits themselves are in views/limits.py; RATELIMIT_ENABLED=false turns them off.
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI="memory://",
        RATELIMIT_STRATEGY="moving-window",
        RATELIMIT_STORAGE_OPTIONS={"socket_connect_timeout": 2, "socket_timeout": 2},
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
        # Logs (views/logs.py): "json" (one object per line, `make run`) or "text"; the root logger's level.
        LOG_FORMAT="text",
        LOG_LEVEL="INFO",
        # /metrics (views/metrics.py): readable from these networks, or with this bearer token from anywhere.
        METRICS_ALLOWED_NETWORKS=["127.0.0.0/8", "::1/128"],
        METRICS_TOKEN="",
    )
    if os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    if os.environ.get("REDIS_URL"):
        app.config["RATELIMIT_STORAGE_URI"] = os.environ["REDIS_URL"]
    app.config.from_prefixed_env()
    if test_config:
        app.config.from_mapping(test_config)
    if app.config.get("MAX_CONTENT_LENGTH") is None:
        # The last resort only: files over the limits are read and discarded, and the form comes back.
        app.config["MAX_CONTENT_LENGTH"] = upload_hard_limit(app.config)
    app.config["SQLALCHEMY_DATABASE_URI"] = sqlalchemy_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(instance)
    # One setting says whether the portal is served over HTTPS: links in mail, HSTS and Secure cookies follow it.
    https = urlsplit(str(app.config["PORTAL_BASE_URL"])).scheme == "https"
    app.config["PREFERRED_URL_SCHEME"] = "https" if https else "http"
    app.config["SESSION_COOKIE_SECURE"] = app.config["REMEMBER_COOKIE_SECURE"] = https
    app.json.ensure_ascii = False  # the API speaks Russian: readable UTF-8, not \u escapes

    from views import logs
    from views import metrics

    # First of all hooks: every later one logs with the request id, and the latency covers them all.
    logs.init_app(app)
    metrics.init_app(app)

    from extensions import csrf
    from extensions import db
    from extensions import htmx
    from extensions import limiter
    from extensions import login_manager
    from extensions import migrate
    from extensions import tune_sqlite

    db.init_app(app)
    with app.app_context():
        tune_sqlite(db.engine)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"))
    csrf.init_app(app)
    htmx.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)

    import kb
    import search
    import tickets
    import views

    kb.init_app(app)
    tickets.init_app(app)
    search.init_app(app)
    views.init_app(app)
    _behind_proxy(app)
    return app
