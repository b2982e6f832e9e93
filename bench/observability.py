"""Cost of metrics and request-id logging per request: in-process time of `/` with and without them.

Run from the repository root: `python bench/observability.py [--requests N] [--single-process]`.
Two apps on one throwaway SQLite database: the portal as built, and the same with the request hooks of
prometheus-flask-exporter, views/metrics.py and views/logs.py taken out. Requests alternate between
them in blocks, so drift on a shared machine hits both alike. By default PROMETHEUS_MULTIPROC_DIR is
set (as under gunicorn: counts go to mmap files); --single-process keeps them in memory. Also times
one access-log record formatted as JSON and as text (gunicorn writes one per request). It measures,
it does not assert.
"""

from __future__ import annotations

import argparse
import io
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

OBSERVABILITY_MODULES = ("prometheus_flask_exporter", "views.logs", "views.metrics")
BLOCK = 100


def without_observability(app) -> None:
    """Take the exporter's and our request hooks out of a built app."""
    for registry in (app.before_request_funcs, app.after_request_funcs, app.teardown_request_funcs):
        for key, funcs in registry.items():
            registry[key] = [f for f in funcs if not f.__module__.startswith(OBSERVABILITY_MODULES)]


def make_app(tmp: Path, log_format: str):
    from app import create_app

    return create_app({
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.sqlite3'}", "SECRET_KEY": "bench",
        "UPLOAD_DIR": str(tmp), "MAIL_OUTBOX_DIR": str(tmp), "CONTENT_RELOAD_INTERVAL": -1,
        "RATELIMIT_ENABLED": False, "LOG_FORMAT": log_format,
    })


def time_requests(clients: dict, total: int) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {name: [] for name in clients}
    for _ in range(total // BLOCK):
        for name, client in clients.items():
            for _ in range(BLOCK):
                started = time.perf_counter()
                response = client.get("/")
                timings[name].append(time.perf_counter() - started)
                assert response.status_code == 200
    return timings


def time_access_records(kind: str, total: int) -> float:
    """Median seconds to format and write one access-log record (to memory)."""
    from views.logs import formatter

    logger = logging.getLogger(f"bench.access.{kind}")
    logger.propagate = False
    handler = logging.StreamHandler(io.StringIO())
    handler.setFormatter(formatter(kind))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    extra = {"request_id": "3f9c2a1e5b7d4c8e9a0b1c2d3e4f5a6b", "remote_addr": "127.0.0.1", "method": "GET",
             "path": "/", "query": "", "status": 200, "bytes": 18000, "duration_ms": 4.2,
             "user_agent": "Mozilla/5.0", "referer": "-"}
    timings = []
    for _ in range(total):
        started = time.perf_counter()
        logger.info("%s", "GET / HTTP/1.1", extra=extra)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per variant")
    parser.add_argument("--single-process", action="store_true", help="metrics in memory, not in mmap files")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        if not args.single_process:
            (tmp / "metrics").mkdir()
            # Before prometheus_client is imported: it picks its storage then.
            os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(tmp / "metrics")
        from extensions import db

        full, bare = make_app(tmp, "json"), make_app(tmp, "text")
        without_observability(bare)
        with full.app_context():
            db.create_all()
            db.session.remove()
        clients = {"with metrics + request id (JSON logs)": full.test_client(), "without": bare.test_client()}
        time_requests(clients, 2 * BLOCK)  # warm-up
        timings = time_requests(clients, args.requests)
        medians = {name: statistics.median(values) for name, values in timings.items()}
        mode = "in memory" if args.single_process else "multiprocess files"
        print(f"GET / in-process, {args.requests} requests per variant, metrics {mode}:")
        for name, median in medians.items():
            print(f"  {name:40s} median {median * 1000:7.3f} ms")
        with_, without = medians.values()
        print(f"  overhead: {(with_ - without) * 1e6:+.0f} µs per request ({with_ / without:.3f}×)")
        json_record, text_record = time_access_records("json", 20000), time_access_records("text", 20000)
        print(f"one access-log record: JSON {json_record * 1e6:.1f} µs, text {text_record * 1e6:.1f} µs (median)")
        for app in (full, bare):
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


if __name__ == "__main__":
    main()
