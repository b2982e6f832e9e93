"""The tickets domain's one window on the running app: the policy built once by tickets.init_app."""

from __future__ import annotations

from flask import Flask
from flask import current_app

from tickets.policy import TicketPolicy

POLICY_KEY = "tickets_policy"


def build_policy(app: Flask) -> TicketPolicy:
    """Build the ticket policy from the app's config and keep it in app.extensions."""
    app.extensions[POLICY_KEY] = TicketPolicy.from_config(app.config)
    return app.extensions[POLICY_KEY]


def current_policy() -> TicketPolicy:
    """The running app's ticket policy."""
    return current_app.extensions[POLICY_KEY]
