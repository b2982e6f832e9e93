"""Gunicorn settings of the portal (`make run`, bench/load.py); any of them can be overridden on the command line."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

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
# The app's own setting (views/logs.py), so gunicorn's lines and the app's look alike: json or text.
LOG_FORMAT = os.environ.get("FLASK_LOG_FORMAT", "text").strip('"')
# Text: common log format plus the time taken and the request id; %(h)s is the peer, i.e. the proxy's
# address behind one. JSON: the same facts as fields (PortalLogger.access).
access_log_format = '%(h)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s" %({x-request-id}o)s'

# Probes come every few seconds and scrapes every few more: neither belongs in the access log.
QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


class PortalLogger(Logger):
    """Gunicorn's logger without the access lines of probes and scrapes, in JSON when LOG_FORMAT says so."""

    def setup(self, cfg):
        super().setup(cfg)
        if LOG_FORMAT == "json":
            from views.logs import formatter

            for handler in self.error_log.handlers + self.access_log.handlers:
                handler.setFormatter(formatter("json"))

    def access(self, resp, req, environ, request_time):
        if environ.get("PATH_INFO") in QUIET_PATHS:
            return
        if LOG_FORMAT != "json":
            super().access(resp, req, environ, request_time)
            return
        if not self.access_log_enabled:
            return
        atoms = self.atoms(resp, req, environ, request_time)
        self.access_log.info("%s", atoms["r"], extra={
            "request_id": atoms.get("{x-request-id}o"), "remote_addr": atoms["h"], "method": atoms["m"],
            "path": atoms["U"], "query": atoms["q"], "status": int(atoms["s"]), "bytes": atoms["B"],
            "duration_ms": round(atoms["D"] / 1000, 3), "user_agent": atoms["a"], "referer": atoms["f"],
        })


logger_class = PortalLogger

# Prometheus (views/metrics.py): every worker writes its counts to files in one directory, and a scrape
# of any worker adds them up. Set PROMETHEUS_MULTIPROC_DIR to choose it (`make run` does); otherwise
# each server gets a directory of its own for its lifetime. It is set here, before any worker imports
# prometheus_client, which reads it at import.
_OWN_METRICS_DIR = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _OWN_METRICS_DIR:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="portal-metrics-")
METRICS_DIR = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])


def on_starting(server):
    # Files left by a previous run would add its dead workers' counts to this one's.
    METRICS_DIR.mkdir(parents=True, exist_ok=True)
    for stale in METRICS_DIR.glob("*.db"):
        stale.unlink()


def post_worker_init(worker):
    from prometheus_client import Gauge

    # One series per live worker (label pid), sum() for the count: after child_exit below a dead one is gone.
    Gauge("portal_web_workers", "Gunicorn worker processes serving the portal", multiprocess_mode="liveall").set(1)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    # Drops the dead worker's live gauges; its counters stay, so totals never go backwards.
    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    if _OWN_METRICS_DIR:
        shutil.rmtree(METRICS_DIR, ignore_errors=True)

# The control socket's default path is one per user ($HOME/.gunicorn/gunicorn.ctl): a second portal on the
# host (bench/load.py beside `make run`) would take it over. Signals do all we need.
control_socket_disable = True
