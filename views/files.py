"""Sending stored files, after the caller's permission check: streamed through the portal, or a short-lived link."""

from __future__ import annotations

from flask import Response
from flask import current_app
from flask import redirect
from flask import request
from werkzeug.exceptions import RequestedRangeNotSatisfiable
from werkzeug.wsgi import wrap_file

from tickets import current_store
from tickets.storage import PRESIGN_TTL
from tickets.storage import content_disposition


def send_stored(key: str, filename: str, content_type: str, inline: bool, etag: str | None = None) -> Response:
    """The stored file with its type and (Cyrillic) name; with S3_PRESIGNED_DOWNLOADS, a redirect to the bucket."""
    store = current_store()
    if current_app.config.get("S3_PRESIGNED_DOWNLOADS"):
        ttl = int(current_app.config.get("S3_PRESIGN_TTL") or PRESIGN_TTL)
        url = store.presigned_url(key, filename, content_type, inline, ttl)
        if url is not None:
            response = redirect(url, 302)
            response.headers["Cache-Control"] = "private, no-store"
            return response
    stored = store.open(key)
    response = Response(wrap_file(request.environ, stored.stream), mimetype=content_type, direct_passthrough=True)
    response.content_length = stored.size
    response.headers["Content-Disposition"] = content_disposition(filename, inline)
    # User files are served from our origin: never let a browser sniff them into HTML.
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    if etag:
        response.set_etag(etag)
    try:
        return response.make_conditional(request, accept_ranges=True, complete_length=stored.size)
    except RequestedRangeNotSatisfiable:
        stored.stream.close()
        raise
