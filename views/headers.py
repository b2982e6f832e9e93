"""Headers every response carries: URLs as ASCII URIs, and the browser-side protections of a site with accounts."""

from __future__ import annotations

import json

from flask import Flask
from flask import Response
from flask import current_app
from flask import g
from werkzeug.urls import iri_to_uri

# Response headers whose value is a URL (HX-Location may also be a JSON object with a "path").
URL_HEADERS = ("Location", "Content-Location", "Refresh", "HX-Redirect", "HX-Location", "HX-Push-Url",
               "HX-Replace-Url")

# No inline script or style anywhere: htmx, app.js and portal.css come from our own origin.
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
))

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
HSTS = "max-age=31536000"


def uri_header(value: str) -> str:
    """A header value carrying a URL, percent-encoded to ASCII (IRI → URI); JSON values keep their shape."""
    if value.isascii():
        return value
    if value.lstrip().startswith("{"):
        try:
            data = json.loads(value)
        except ValueError:
            return iri_to_uri(value)
        if isinstance(data, dict) and isinstance(data.get("path"), str):
            data["path"] = iri_to_uri(data["path"])
        return json.dumps(data, ensure_ascii=True)
    return iri_to_uri(value)


def secure_headers(response: Response) -> Response:
    """Encode URL headers; add CSP, framing, sniffing and referrer rules; keep signed-in pages out of caches."""
    for name in URL_HEADERS:
        if name in response.headers:
            response.headers[name] = uri_header(response.headers[name])
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if current_app.config.get("PREFERRED_URL_SCHEME") == "https":
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    # Only where the view already loaded the account: static files never pay for a user lookup.
    user = g.get("_login_user")
    if user is not None and user.is_authenticated:
        response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    app.after_request(secure_headers)
