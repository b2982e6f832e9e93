"""Static files under versioned URLs (`?v=<content hash>`), cached by browsers for a year without asking again."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

from flask import Flask
from flask import Response
from flask import request

IMMUTABLE_SECONDS = 365 * 24 * 3600
RECHECK_SECONDS = 2.0  # a page links several files: their time and size are looked at no more often than this


class StaticVersions:
    """The content hash of each static file, recomputed only when the file's size or time changes."""

    def __init__(self, folder: str) -> None:
        self.folder = Path(folder).resolve()
        self._known: dict[str, tuple[tuple[int, int], str]] = {}
        self._checked: dict[str, tuple[float, str | None]] = {}

    def version(self, filename: str) -> str | None:
        now = time.monotonic()
        checked = self._checked.get(filename)
        if checked is not None and now - checked[0] < RECHECK_SECONDS:
            return checked[1]
        version = self._version(filename)
        self._checked[filename] = (now, version)
        return version

    def _version(self, filename: str) -> str | None:
        path = (self.folder / filename).resolve()
        if not path.is_relative_to(self.folder):
            return None
        try:
            stat = os.stat(path)
        except OSError:
            return None
        stamp = (stat.st_mtime_ns, stat.st_size)
        known = self._known.get(filename)
        if known is None or known[0] != stamp:
            known = (stamp, hashlib.blake2b(path.read_bytes(), digest_size=6).hexdigest())
            self._known[filename] = known
        return known[1]


def init_app(app: Flask) -> None:
    """Add the version to every url_for('static', ...) and mark a response to a current versioned URL immutable."""
    versions = StaticVersions(app.static_folder or "static")

    @app.url_defaults
    def _versioned(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "v" not in values and "filename" in values:
            version = versions.version(values["filename"])
            if version:
                values["v"] = version

    @app.after_request
    def _immutable(response: Response) -> Response:
        # An outdated version's URL gets the current file with the usual revalidated caching: it is not that version.
        version = request.args.get("v") if request.endpoint == "static" and response.status_code == 200 else None
        if version and version == versions.version((request.view_args or {}).get("filename", "")):
            response.cache_control.public = True
            response.cache_control.max_age = IMMUTABLE_SECONDS
            response.cache_control.immutable = True
            response.cache_control.no_cache = None
        return response
