"""The tickets domain's one window on the running app: the policy, the notifier and the file store, built once by init_app."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from flask import current_app

from tickets.notify import Notifier
from tickets.policy import TicketPolicy
from tickets.storage import FileStore
from tickets.storage import store_from_config

POLICY_KEY = "tickets_policy"
NOTIFIER_KEY = "tickets_notifier"
STORE_KEY = "tickets_store"


def build_policy(app: Flask) -> TicketPolicy:
    """Build the ticket policy and the notifier from the app's config and keep them in app.extensions."""
    policy = app.extensions[POLICY_KEY] = TicketPolicy.from_config(app.config)

    def render(name: str, context: Mapping[str, Any]) -> str:
        # Flask's jinja env without render_template's request context processors and signals:
        # mail needs neither, and close-stale renders thousands of messages in one run.
        return app.jinja_env.get_template(name).render(context)

    app.extensions[NOTIFIER_KEY] = Notifier(policy, str(app.config["PORTAL_BASE_URL"]), render,
                                            reply_by_mail=bool(app.config.get("MAIL_IMAP_HOST")))
    return policy


def build_store(app: Flask) -> FileStore:
    """Choose the attachment store once from the app's config (S3_BUCKET, else UPLOAD_DIR) and keep it."""
    store = app.extensions[STORE_KEY] = store_from_config(app.config)
    return store


def current_policy() -> TicketPolicy:
    """The running app's ticket policy."""
    return current_app.extensions[POLICY_KEY]


def current_notifier() -> Notifier:
    """The running app's notifier."""
    return current_app.extensions[NOTIFIER_KEY]


def current_store() -> FileStore:
    """The running app's attachment store."""
    return current_app.extensions[STORE_KEY]
