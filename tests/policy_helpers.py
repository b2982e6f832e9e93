"""Changing the ticket policy of a running test app: the policy is built once, from config, in init_app."""

from __future__ import annotations

from typing import Any

from flask import Flask

from tickets import POLICY_KEY
from tickets.policy import TicketPolicy


def configure(app: Flask, **config: Any) -> None:
    """Set these config keys and rebuild the ticket policy from the config."""
    app.config.update(config)
    app.extensions[POLICY_KEY] = TicketPolicy.from_config(app.config)
