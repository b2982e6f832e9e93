"""Gunicorn settings of the portal (`make run`, bench/load.py); any of them can be overridden on the command line."""

from __future__ import annotations

import os

from gunicorn.glogging import Logger

wsgi_app = "app:create_app()"
# Loopback unless told otherwise: in production a reverse proxy on the same host forwards to it.
bind = [os.environ.get("GUNICORN_BIND") or f"127.0.0.1:{os.environ.get('PORT', '5000')}"]

# Search ranking, page rendering and Argon2 password checks are CPU-bound and hold the GIL, so one
# process per core is what adds throughput; more processes would only multiply memory (each loads the
# catalog and builds its own search index) and SQLite writers. Threads cover the waiting instead: the
# database, the busy timeout of SQLite's single writer, slow clients uploading files.
workers = int(os.environ.get("WEB_CONCURRENCY") or max(2, os.cpu_count() or 1))
threads = int(os.environ.get("GUNICORN_THREADS") or 4)
# Uploads of up to 200 MB over a slow line must not be cut by the worker timeout.
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 120)
graceful_timeout = 20
# Keep-alive behind a proxy saves a TCP handshake per request.
keepalive = 5

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None  # empty: no access log
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Common log format plus the time taken; %(h)s is the peer, i.e. the proxy's address behind one.
access_log_format = '%(h)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'

QUIET_PATHS = frozenset({"/healthz", "/readyz"})


class ProbeQuietLogger(Logger):
    """Gunicorn's logger without the access lines of health probes, which come every few seconds."""

    def access(self, resp, req, environ, request_time):
        if environ.get("PATH_INFO") in QUIET_PATHS:
            return
        super().access(resp, req, environ, request_time)


logger_class = ProbeQuietLogger

# The control socket's default path is one per user ($HOME/.gunicorn/gunicorn.ctl): a second portal on the
# host (bench/load.py beside `make run`) would take it over. Signals do all we need.
control_socket_disable = True
