"""Tickets domain: accounts, requests, attachments, statuses and notifications."""

from __future__ import annotations

from flask import Flask

from tickets.flask_glue import POLICY_KEY
from tickets.flask_glue import current_notifier
from tickets.flask_glue import current_policy
from tickets.flask_glue import current_store


def init_app(app: Flask) -> None:
    """Build the ticket policy and the file store, bind the login loader and register the domain's CLI groups."""
    from extensions import login_manager
    from tickets import accounts
    from tickets import sessions
    from tickets.cli import accounts_cli
    from tickets.flask_glue import build_policy
    from tickets.flask_glue import build_store
    from tickets.lifecycle_cli import mail_cli
    from tickets.lifecycle_cli import requests_cli
    from tickets.models import User

    build_policy(app)
    build_store(app)
    if app.config.get("ARGON2_PARAMS"):
        accounts.configure_hasher(**app.config["ARGON2_PARAMS"])

    @login_manager.user_loader
    def load_user(session_id: str) -> User | None:
        return sessions.resume(session_id)

    login_manager.login_view = "auth.login"
    login_manager.login_message = "Войдите, чтобы создать обращение или посмотреть свои обращения."
    login_manager.login_message_category = "info"
    app.cli.add_command(accounts_cli)
    app.cli.add_command(requests_cli)
    app.cli.add_command(mail_cli)


__all__ = ["POLICY_KEY", "current_notifier", "current_policy", "current_store", "init_app"]
