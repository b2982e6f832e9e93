"""Web views: one blueprint per area."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register blueprints, template helpers and error pages."""
    from views import account
    from views import api
    from views import auth
    from views import catalog
    from views import console
    from views import console_search
    from views import errors
    from views import headers
    from views import health
    from views import help
    from views import inbound_mail
    from views import inputs
    from views import metrics
    from views import page_cache
    from views import password
    from views import requests
    from views import search
    from views import static_files
    from views import template_helpers

    inputs.init_app(app)
    page_cache.init_app(app)
    for module in (catalog, help, auth, password, account, requests, console, console_search, inbound_mail, search,
                   api, health, metrics):
        app.register_blueprint(module.bp)
    errors.init_app(app)
    headers.init_app(app)
    template_helpers.init_app(app)
    static_files.init_app(app)
