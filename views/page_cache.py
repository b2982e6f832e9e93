"""Pages every anonymous visitor sees alike, rendered once per content version and served with a strong ETag."""

from __future__ import annotations

import functools
import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask
from flask import Response
from flask import current_app
from flask import request
from flask import session
from flask_login.config import COOKIE_NAME as REMEMBER_COOKIE

from kb import current_catalog
from search.memo import Memo
from views.rendering import wants_fragment

CACHE_KEY = "page_cache"
RENDERED_KEY = "rendered_pages"
MAX_RENDERED = 512  # the most recent search pages (full and fragment) kept rendered
# Anonymous copies may sit in the browser but are checked with If-None-Match before every use; no shared cache
# (a proxy) keeps them, and the page at the same URL differs once the visitor signs in.
CACHE_CONTROL = "private, no-cache"
MAX_PAGES = 1024  # well above every cacheable URL of the catalog; a bound against memory growth all the same


@dataclass(frozen=True)
class CachedPage:
    """One rendered response: body, the headers it was rendered with, and its ETag."""

    body: bytes
    headers: tuple[tuple[str, str], ...]
    etag: str

    def response(self) -> Response:
        """A fresh response with the stored body, or 304 when the browser already holds this version."""
        if request.if_none_match.contains_weak(self.etag):
            response = Response(status=304, headers=[h for h in self.headers if h[0] == "Vary"])
        else:
            response = Response(self.body, headers=self.headers)
        response.set_etag(self.etag)
        response.headers["Cache-Control"] = CACHE_CONTROL
        return response


class PageCache:
    """The rendered anonymous pages of one process for one content revision."""

    def __init__(self, max_pages: int = MAX_PAGES) -> None:
        self.max_pages = max_pages
        self.revision: str | None = None
        self.pages: dict[tuple[str, bool], CachedPage] = {}
        self._lock = threading.Lock()

    def get(self, revision: str, key: tuple[str, bool]) -> CachedPage | None:
        return self.pages.get(key) if revision == self.revision else None

    def put(self, revision: str, key: tuple[str, bool], response: Response) -> CachedPage:
        body = response.get_data()
        page = CachedPage(body, tuple(response.headers.items()), hashlib.blake2b(body, digest_size=16).hexdigest())
        with self._lock:
            if revision != self.revision:
                self.revision, self.pages = revision, {}
            if len(self.pages) < self.max_pages:
                self.pages[key] = page
        return page


def is_anonymous_request() -> bool:
    """True when the request can only be an anonymous visitor's: no account in its session, no remember cookie."""
    if current_app.config.get("REMEMBER_COOKIE_NAME", REMEMBER_COOKIE) in request.cookies:
        return False
    if current_app.config["SESSION_COOKIE_NAME"] not in request.cookies:
        return True
    # A flash waiting to be shown makes this visit's page its own.
    return "_user_id" not in session and "_flashes" not in session


def cached_for_anonymous(view: Callable[..., Response]) -> Callable[..., Response]:
    """Serve the view's 200 page from the process's cache to anonymous visitors; everyone else gets it rendered."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs) -> Response:
        if request.method not in ("GET", "HEAD") or request.query_string or not is_anonymous_request():
            return view(*args, **kwargs)
        cache: PageCache = current_app.extensions[CACHE_KEY]
        revision, key = current_catalog().revision, (request.path, wants_fragment())
        page = cache.get(revision, key)
        if page is None:
            response = view(*args, **kwargs)
            # Only a plain page is shared: never one that set a cookie or was marked personal while rendering.
            if response.status_code != 200 or session.modified or "Set-Cookie" in response.headers:
                return response
            response.vary.add("Cookie")
            page = cache.put(revision, key, response)
        return page.response()

    return wrapper


def rendered_for_anonymous(source: object, render_page: Callable[[], Response]) -> Response:
    """For anonymous visitors, this URL's body as rendered from `source`, reused while the same `source` comes back.

    `source` is what the page shows (a remembered search result): a new object means the answer may have changed.
    """
    if request.method not in ("GET", "HEAD") or not is_anonymous_request():
        return render_page()
    store: Memo = current_app.extensions[RENDERED_KEY]
    generation, key = (current_catalog(),), (request.full_path, wants_fragment())
    kept = store.get(generation, key, lambda: None)
    if kept is not None and kept[0] is source:
        return Response(kept[1], headers=kept[2])
    response = render_page()
    if response.status_code == 200:
        store.put(generation, key, (source, response.get_data(), tuple(response.headers.items())))
    return response


def init_app(app: Flask) -> None:
    app.extensions[CACHE_KEY] = PageCache()
    app.extensions[RENDERED_KEY] = Memo(MAX_RENDERED)
