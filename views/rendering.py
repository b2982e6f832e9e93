"""The one place that decides between a full page and an htmx fragment."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Response
from flask import make_response
from flask import redirect
from flask import render_template
from flask_htmx import make_response as htmx_make_response
from jinja2_fragments.flask import render_block

from extensions import htmx

VARY = ("HX-Request", "HX-Boosted", "HX-History-Restore-Request")


def wants_fragment() -> bool:
    """True for an htmx request that is neither boosted nor a history restore."""
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render(template: str, block: str | None = None, status: int = 200, **context) -> Response:
    """Render the page, or only `block` when htmx asked for a fragment; always set Vary."""
    fragment = block and wants_fragment()
    body = render_block(template, block, **context) if fragment else render_template(template, **context)
    response = make_response(body, status)
    response.vary.update(VARY)
    return response


def redirect_to(url: str) -> Response:
    """Redirect after a successful POST: 303 for browsers, HX-Redirect for htmx requests."""
    if htmx:
        # Going to the page we are on (say to #comment-5) only moves to the anchor: ask for a reload.
        response = htmx_make_response(redirect=url, refresh=_same_document(url, htmx.current_url or ""))
    else:
        response = redirect(url, 303)
    response.vary.update(VARY)
    return response


def _same_document(url: str, current: str) -> bool:
    target, here = urlsplit(url), urlsplit(current)
    return (target.path, target.query) == (here.path, here.query)
