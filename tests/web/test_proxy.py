"""Behind a reverse proxy: X-Forwarded-* are honoured only for the configured number of hops."""

from __future__ import annotations

import pytest
from flask import jsonify
from flask import request

from app import create_app

FORWARDED = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "support.example.ru"}


def seen(app) -> dict:
    """What the app sees of the client through a proxy that sent FORWARDED."""
    # A probe route: no page of the portal shows the client address.
    app.add_url_rule("/_seen", "seen", lambda: jsonify(addr=request.remote_addr, scheme=request.scheme, host=request.host))
    return app.test_client().get("/_seen", headers=FORWARDED, environ_base={"REMOTE_ADDR": "10.0.0.2"}).get_json()


def test_forwarded_headers_are_ignored_by_default(app_config):
    assert seen(create_app(app_config)) == {"addr": "10.0.0.2", "scheme": "http", "host": "localhost"}


def test_forwarded_for_and_proto_are_honoured_when_configured(app_config):
    app_config.update(PROXY_FIX_X_FOR=1, PROXY_FIX_X_PROTO=1)
    assert seen(create_app(app_config)) == {"addr": "203.0.113.9", "scheme": "https", "host": "localhost"}


def test_hop_counts_come_from_the_environment(app_config, monkeypatch):
    for name in ("FOR", "PROTO", "HOST"):
        monkeypatch.setenv(f"FLASK_PROXY_FIX_X_{name}", "1")
    assert seen(create_app(app_config)) == {"addr": "203.0.113.9", "scheme": "https", "host": "support.example.ru"}


@pytest.mark.parametrize("hops", [0, "0"])
def test_zero_hops_keep_the_proxy_off(app_config, hops):
    app_config.update(PROXY_FIX_X_FOR=hops, PROXY_FIX_X_PROTO=hops)
    assert seen(create_app(app_config))["addr"] == "10.0.0.2"
