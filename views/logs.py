"""Logs: one handler on the root logger (JSON or text, LOG_FORMAT) and a request id on every record of a request."""

from __future__ import annotations

import logging
import re
import secrets
import sys
from contextvars import ContextVar

from flask import Flask
from flask import Response
from flask import request
from flask.logging import default_handler

HEADER = "X-Request-ID"
# What a proxy or a client may hand us as a request id (UUIDs, nginx's $request_id, hex, short tokens).
# Anything else, say a line break meant to forge a log line, is replaced by an id of our own.
_SANE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_HANDLER_NAME = "portal"
FORMATS = ("json", "text")

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request being served in this thread, if any."""
    return _request_id.get()


def request_id_from(header: str | None) -> str:
    """The incoming X-Request-ID when it is a sane token, else a new random one."""
    if header and _SANE_ID.fullmatch(header):
        return header
    return secrets.token_hex(16)


class RequestIdFilter(logging.Filter):
    """Puts the current request id (None outside a request) on each record that has none."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _request_id.get()
        return True


def formatter(kind: str) -> logging.Formatter:
    """The formatter for LOG_FORMAT: one JSON object per line, or plain text for people."""
    if kind == "json":
        from pythonjsonlogger.json import JsonFormatter

        return JsonFormatter(["levelname", "name", "message", "request_id"], timestamp="time",
                             rename_fields={"levelname": "level", "name": "logger"}, json_ensure_ascii=False)
    return logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
                             defaults={"request_id": "-"})


class _StderrHandler(logging.StreamHandler):
    # Writes to whatever sys.stderr is when a record comes: test runners swap it for each test.
    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass


def configure(kind: str, level: str | int = "INFO") -> logging.Handler:
    """Install (once per process) or re-format the portal's handler on the root logger; return it."""
    if kind not in FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(FORMATS)}, not {kind!r}")
    root = logging.getLogger()
    handler = next((h for h in root.handlers if h.get_name() == _HANDLER_NAME), None)
    if handler is None:
        handler = _StderrHandler()
        handler.set_name(_HANDLER_NAME)
        handler.addFilter(RequestIdFilter())
        root.addHandler(handler)
    handler.setFormatter(formatter(kind))
    root.setLevel(level)
    return handler


def _take_request_id() -> None:
    _request_id.set(request_id_from(request.headers.get(HEADER)))


def _echo_request_id(response: Response) -> Response:
    request_id = _request_id.get()
    if request_id:
        response.headers[HEADER] = request_id
    return response


def _forget_request_id(exc: BaseException | None) -> None:
    # Worker threads serve one request after another: the next one must not inherit this id.
    _request_id.set(None)


def init_app(app: Flask) -> None:
    """Configure logging from LOG_FORMAT/LOG_LEVEL and give every request an id (first hook of all)."""
    configure(app.config["LOG_FORMAT"], app.config["LOG_LEVEL"])
    # Records reach the root handler; Flask's own stderr handler would print them a second time.
    app.logger.removeHandler(default_handler)
    app.before_request_funcs.setdefault(None, []).insert(0, _take_request_id)
    app.after_request(_echo_request_id)
    app.teardown_request(_forget_request_id)
