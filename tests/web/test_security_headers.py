"""Browser-side protections: CSP without inline code, no framing, no sniffing, private pages never cached."""

from __future__ import annotations

import re

import pytest

from views.headers import CONTENT_SECURITY_POLICY
from views.headers import uri_header

PUBLIC = ["/", "/c/telefoniya-i-zvonki", "/help/", "/search?q=обзвон", "/login", "/no-such-page"]


@pytest.mark.parametrize("path", PUBLIC)
def test_every_page_carries_the_protections(client, path):
    headers = client.get(path).headers
    assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in headers


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=|\son[a-z]+=", re.IGNORECASE)


@pytest.mark.parametrize("path", [*PUBLIC, "/requests/", "/account/", "/c/chaty-i-rassylki/problema-s-chatami"])
def test_pages_have_no_inline_script_or_style(logged_in, path):
    page = logged_in.get(path).get_data(as_text=True)
    assert not INLINE_SCRIPT.search(page)
    assert not INLINE_STYLE.search(page)


def test_pages_of_a_signed_in_account_are_never_stored(logged_in):
    for path in ("/", "/requests/", "/account/"):
        assert logged_in.get(path).headers["Cache-Control"] == "no-store", path


def test_anonymous_pages_and_static_files_may_be_cached(client):
    assert client.get("/").headers.get("Cache-Control") != "no-store"
    assert client.get("/static/portal.css").headers.get("Cache-Control") != "no-store"


def test_hsts_when_served_over_https(app_config, _schema):
    from app import create_app

    app = create_app(dict(app_config, PORTAL_BASE_URL="https://support.example.ru"))
    assert app.test_client().get("/").headers["Strict-Transport-Security"].startswith("max-age=")


def test_json_location_header_keeps_its_shape():
    assert uri_header('{"path": "/c/x?q=обзвон", "target": "#main"}') == \
        '{"path": "/c/x?q=%D0%BE%D0%B1%D0%B7%D0%B2%D0%BE%D0%BD", "target": "#main"}'
    assert uri_header("/plain") == "/plain"
