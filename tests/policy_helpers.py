"""Changing a running test app's ticket policy and notifier: both are built once, from config, in init_app."""

from __future__ import annotations

from typing import Any

from flask import Flask

from tickets.flask_glue import build_policy


def configure(app: Flask, **config: Any) -> None:
    """Set these config keys and rebuild the ticket policy and notifier from the config."""
    app.config.update(config)
    build_policy(app)
