"""Search latency during a wrong-password login flood, against a real server on loopback.

Run from the repository root: `python bench/login_flood.py [--seconds 15] [--flooders 16] [--limits on|off]`.
Starts the portal under gunicorn (a werkzeug threaded server when gunicorn is missing) on 127.0.0.1 with
production Argon2 parameters and a throwaway SQLite database, measures /api/search p50 alone, then while
the flooders post wrong passwords (from one client address, or spread over --addresses 127.0.2.x
addresses), and prints both medians and their ratio. Bounded: loopback only, a fixed duration of at most 20 s, then it
stops the server itself. The rate-limit counters live in memory per worker, or in Redis when REDIS_URL
is set. It measures, it does not assert.
"""

from __future__ import annotations

import argparse
import collections
import http.client
import itertools
import multiprocessing
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

HOST = "127.0.0.1"
MAX_SECONDS = 20.0
FLOODER_NICENESS = 10
QUERIES = ("не работает обзвон", "отчет не выгружается", "чат не открывается", "ошибка в личном кабинете")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _prepare(tmp: Path) -> dict[str, str]:
    from app import create_app
    from extensions import db
    from tickets.accounts import create_company

    env = {"DATABASE_URL": f"sqlite:///{tmp / 'flood.sqlite3'}", "FLASK_SECRET_KEY": "bench-login-flood",
           "FLASK_UPLOAD_DIR": str(tmp / "uploads"), "FLASK_MAIL_OUTBOX_DIR": str(tmp / "outbox"),
           "FLASK_CONTENT_RELOAD_INTERVAL": "-1"}
    app = create_app({"SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"], "SECRET_KEY": "x"})
    with app.app_context():
        db.create_all()
        create_company("ООО Мишень", "target@example.test", "the-real-password-1", lk_number="555111")
        db.engine.dispose()
    return env


SERVER_CPUS: set[int] | None = None   # --pin: the server's cores; the clients get the others


def _pin(cpus: set[int] | None) -> None:
    if cpus:
        os.sched_setaffinity(0, cpus)


def _start(port: int, env: dict[str, str], workers: int) -> subprocess.Popen:
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or shutil.which("gunicorn")
    if gunicorn:
        command = [gunicorn, "--bind", f"{HOST}:{port}", "--workers", str(workers), "--worker-class", "gthread",
                   "--threads", "4", "--log-level", "warning", "app:create_app()"]
    else:
        command = [sys.executable, "-c", "from werkzeug.serving import run_simple; from app import create_app; "
                   f"run_simple('{HOST}', {port}, create_app(), threaded=True)"]
    server = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL,
                              preexec_fn=lambda: _pin(SERVER_CPUS))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the server did not start")


def _request(port: int, source: str, method: str, path: str, body: str = "", headers: dict | None = None):
    conn = http.client.HTTPConnection(HOST, port, timeout=30, source_address=(source, 0))
    try:
        conn.request(method, path, body=body.encode(), headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read(), response.getheader("Set-Cookie", "")
    finally:
        conn.close()


def _search_p50(port: int, seconds: float) -> list[float]:
    # Rotating source addresses keep each "visitor" far below the search API's own limit.
    sources = itertools.cycle(f"127.0.1.{n}" for n in range(1, 200))
    queries = itertools.cycle(QUERIES)
    timings: list[float] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.perf_counter()
        status, _, _ = _request(port, next(sources), "GET", "/api/search?q=" + quote(next(queries)))
        timings.append((time.perf_counter() - started) * 1000)
        assert status == 200, status
        time.sleep(0.02)
    return timings


def _flooder(port: int, source: str, stop, counts, cpus: set[int] | None) -> None:
    # Its own process, at a lower priority (and with --pin on other cores): an attacker's CPU is not the server's.
    _pin(cpus)
    os.nice(FLOODER_NICENESS)
    status, page, cookie = _request(port, source, "GET", "/login")
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page)
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie.split(";")[0]}
    seen: collections.Counter = collections.Counter()
    for n in itertools.count():
        if stop.is_set():
            break
        body = urlencode({"csrf_token": token.group(1).decode() if token else "",
                          "email": f"victim{n % 50}@example.test", "password": f"guess-{n}"})
        status, _, _ = _request(port, source, "POST", "/login", body, headers)
        seen[status] += 1
    counts.put(dict(seen))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15.0, help=f"flood duration, at most {MAX_SECONDS:.0f}")
    parser.add_argument("--flooders", type=int, default=16)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))
    parser.add_argument("--addresses", type=int, default=1, help="client addresses the flooders share")
    parser.add_argument("--limits", choices=("on", "off"), default="on")
    parser.add_argument("--pin", action="store_true",
                        help="server on the first half of the cores, clients on the rest, as remote clients would be")
    args = parser.parse_args()
    global SERVER_CPUS
    cpus = sorted(os.sched_getaffinity(0))
    client_cpus = None
    if args.pin and len(cpus) >= 2:
        half = len(cpus) // 2
        SERVER_CPUS, client_cpus = set(cpus[:half]), set(cpus[half:])
    seconds = min(args.seconds, MAX_SECONDS)
    with tempfile.TemporaryDirectory() as tmp:
        env = _prepare(Path(tmp))
        env["FLASK_RATELIMIT_ENABLED"] = "true" if args.limits == "on" else "false"
        port = _free_port()
        server = _start(port, env, args.workers)
        _pin(client_cpus)
        try:
            _search_p50(port, 2.0)  # warm up every worker
            alone = _search_p50(port, min(8.0, seconds))
            stop, results = multiprocessing.Event(), multiprocessing.Queue()
            flooders = [multiprocessing.Process(target=_flooder, args=(port, f"127.0.2.{n % args.addresses + 1}", stop, results,
                                                                       client_cpus))
                        for n in range(args.flooders)]
            for process in flooders:
                process.start()
            time.sleep(1.0)  # let the flood reach the server first
            during = _search_p50(port, seconds - 1.0)
            stop.set()
            counts: collections.Counter = collections.Counter()
            for _ in flooders:
                counts.update(results.get(timeout=35))
            for process in flooders:
                process.join(timeout=35)
        finally:
            server.terminate()
            server.wait(timeout=15)
    p50_alone, p50_during = statistics.median(alone), statistics.median(during)
    storage = "Redis" if os.environ.get("REDIS_URL") else "memory (per worker)"
    print(f"limits {args.limits}, storage {storage}, {args.workers} workers, {args.flooders} flooders "
          f"from {args.addresses} address(es), {seconds:.0f} s"
          + (f", server on CPUs {sorted(SERVER_CPUS)}, clients on {sorted(client_cpus)}" if client_cpus else ""))
    print(f"/api/search p50 alone        {p50_alone:7.1f} ms  ({len(alone)} requests)")
    print(f"/api/search p50 during flood {p50_during:7.1f} ms  ({len(during)} requests)")
    print(f"ratio {p50_during / p50_alone:.2f}x (goal <= 2x); login answers: "
          + ", ".join(f"{status}: {n}" for status, n in sorted(counts.items())))


if __name__ == "__main__":
    main()
