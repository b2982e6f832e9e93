"""Mixed load against the `make run` server (gunicorn + worker), then checks that nothing was lost or doubled.

Run from the repository root: `python bench/load.py [--clients 32] [--duration 60] [--database-url URL]`.
Starts the portal the way `make run` does (migrate, load content, demo accounts, the background worker and
gunicorn with gunicorn.conf.py) on a free loopback port against a throwaway database: a SQLite file in a
temporary folder, or a private schema on a loopback PostgreSQL server (`--database-url
postgresql://postgres@127.0.0.1:5432/test`), dropped at the end. Clients log in as a company made for the
run and do search API 50%, pages 30%, filing 15% (GET the form, POST it with its CSRF token and an own
submission_id), replies 5%. Then: 0 errors, every filing answered 303 stored exactly once, every reply
stored once, one "created" mail per request, all of it delivered by the worker. `--kill-worker-at S`
kills one gunicorn worker with SIGKILL S seconds in; a POST cut off by it is retried with the same
submission_id, as a browser would. Exit status 1 when a check fails.
"""

from __future__ import annotations

import argparse
import http.client
import http.cookiejar
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine  # noqa: E402
from sqlalchemy import text  # noqa: E402

from app import sqlalchemy_url  # noqa: E402

MIX = (("search", 50), ("page", 30), ("filing", 15), ("reply", 5))
EMAIL, PASSWORD, LK = "load@bench.test", "bench-password-42", "900900"
CATEGORY = "/c/chaty-i-rassylki"
TOPIC = f"{CATEGORY}/problema-s-chatami"
STATIC_PAGES = ("/", CATEGORY, TOPIC, "/help/identifikator-chata", "/requests/")
LOOPBACK = {"127.0.0.1", "localhost", "::1", ""}
TIMEOUT = 30.0
CSRF = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')
SUBMISSION = re.compile(r'<input[^>]*name="submission_id"[^>]*value="([^"]*)"')
CREATED = re.compile(r"^/requests/(\d+)/created$")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Report 3xx as they are: the bench checks the 303 of a post itself."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


@dataclass
class Stats:
    """Latencies and failures of the timed window, shared by the clients."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    latency: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    cut: int = 0  # requests cut off by the killed worker (kill mode only)
    filed: set[str] = field(default_factory=set)
    replied: set[str] = field(default_factory=set)
    tickets: list[int] = field(default_factory=list)
    timing: bool = False

    def record(self, kind: str, seconds: float) -> None:
        if self.timing:
            with self.lock:
                self.latency[kind].append(seconds * 1000)

    def error(self, what: str) -> None:
        with self.lock:
            self.errors.append(what)


class Client:
    """One browser: its own cookie jar, logged in as the bench company."""

    def __init__(self, base: str, stats: Stats, queries: list[str], rnd: random.Random, killing: threading.Event):
        self.base, self.stats, self.queries, self.rnd, self.killing = base, stats, queries, rnd, killing
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                                  NoRedirect())

    def call(self, kind: str, path: str, form: dict | None = None) -> tuple[int, str, str]:
        """One request; (status, body, Location). Raises OSError or HTTPException when the connection fails."""
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        started = time.perf_counter()
        try:
            with self.opener.open(self.base + path, data=data, timeout=TIMEOUT) as response:
                status, body, location = response.status, response.read().decode(), response.headers.get("Location", "")
        except urllib.error.HTTPError as exc:
            status, body, location = exc.code, exc.read().decode(errors="replace"), exc.headers.get("Location", "")
            exc.close()
        self.stats.record(kind, time.perf_counter() - started)
        if not 200 <= status < 400:
            self.stats.error(f"{kind} {'POST' if form is not None else 'GET'} {path}: HTTP {status}")
        return status, body, location

    def guarded(self, kind: str, path: str, form: dict | None = None) -> tuple[int, str, str] | None:
        try:
            return self.call(kind, path, form)
        except (OSError, http.client.HTTPException) as exc:  # refused, reset, or cut off mid-answer
            if self.killing.is_set():
                with self.stats.lock:
                    self.stats.cut += 1
            else:
                self.stats.error(f"{kind} {path}: {exc!r}")
            return None

    def post_until_answered(self, kind: str, path: str, form: dict) -> tuple[int, str, str] | None:
        # A worker killed mid-request drops the connection: post the same submission again, like a browser.
        for _ in range(3):
            answer = self.guarded(kind, path, form)
            if answer is not None:
                return answer
        return None

    def login(self) -> None:
        _, body, _ = self.call("login", "/login")
        status, _, _ = self.call("login", "/login", {"csrf_token": CSRF.search(body).group(1), "email": EMAIL,
                                                     "password": PASSWORD})
        if status != 303:
            raise SystemExit(f"login failed: HTTP {status}")

    def search(self) -> None:
        self.guarded("search", "/api/search?" + urllib.parse.urlencode({"q": self.rnd.choice(self.queries)}))

    def page(self) -> None:
        with self.stats.lock:
            own = self.stats.tickets and self.rnd.choice(self.stats.tickets)
        pages = [*STATIC_PAGES, f"/requests/{own}"] if own else list(STATIC_PAGES)
        self.guarded("page", self.rnd.choice(pages))

    def filing(self) -> None:
        answer = self.guarded("form", TOPIC)
        if answer is None or answer[0] != 200:
            return
        submission = uuid.uuid4().hex
        form = {"csrf_token": CSRF.search(answer[1]).group(1), "submission_id": submission, "lk_number": LK,
                "chat_id": "3f2b9c1e-8a4d-4f6b-9c2e-1a2b3c4d5e6f", "dialog_id": str(self.rnd.randint(1, 10**6)),
                "channel": "Telegram", "author_name": "Нагрузочный тест, +7 916 000-00-00",
                "summary": f"Бот не отвечает в Telegram {submission[:6]}",
                "description": "С утра бот не отвечает на сообщения клиентов в Telegram, в WhatsApp все работает."}
        answer = self.post_until_answered("filing", TOPIC, form)
        if answer is None or answer[0] != 303:
            return
        created = CREATED.match(answer[2])
        with self.stats.lock:
            self.stats.filed.add(submission)
            if created:
                self.stats.tickets.append(int(created.group(1)))

    def reply(self) -> None:
        with self.stats.lock:
            own = self.stats.tickets and self.rnd.choice(self.stats.tickets)
        if not own:
            return self.filing()
        answer = self.guarded("form", f"/requests/{own}")
        if answer is None or answer[0] != 200:
            return None
        submission = SUBMISSION.search(answer[1]).group(1)
        form = {"csrf_token": CSRF.search(answer[1]).group(1), "submission_id": submission,
                "author_name": "Нагрузочный тест", "body": f"Проверили еще раз, не работает ({submission[:6]})."}
        answer = self.post_until_answered("reply", f"/requests/{own}/reply", form)
        if answer is not None and answer[0] == 303:
            with self.stats.lock:
                self.stats.replied.add(submission)
        return None

    def run(self, deadline: float) -> None:
        kinds, weights = zip(*MIX, strict=True)
        while time.monotonic() < deadline:
            kind = self.rnd.choices(kinds, weights)[0]
            try:
                getattr(self, kind)()
            except Exception as exc:  # e.g. a form without its CSRF field: count it, keep the load going
                self.stats.error(f"{kind}: {exc!r}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def queries() -> list[str]:
    found = []
    for path in sorted((ROOT / "tests" / "data").glob("*.jsonl")):
        found += [json.loads(line)["query"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return found


def flask(env: dict, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    if done.returncode:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def server_env(url: str, tmp: Path, port: int) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_MAIL_", "GUNICORN_"))}
    env.update(DATABASE_URL=url, GUNICORN_BIND=f"127.0.0.1:{port}", FLASK_SECRET_KEY=uuid.uuid4().hex,
               FLASK_PORTAL_BASE_URL=f"http://127.0.0.1:{port}", FLASK_UPLOAD_DIR=str(tmp / "uploads"),
               FLASK_MAIL_OUTBOX_DIR=str(tmp / "outbox"),
               # One client address for every simulated browser would trip the per-client rate limits.
               FLASK_RATELIMIT_ENABLED="false")
    return env


def wait_until_up(base: str, processes: list[subprocess.Popen], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/readyz", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if any(p.poll() is not None for p in processes):
            break
        time.sleep(0.2)
    raise SystemExit("the portal did not start:\n" + log.read_text())


def gunicorn_workers(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def check_database(url: str, stats: Stats, outbox_dir: Path) -> list[str]:
    """Compare what the clients were told with what the database holds; return the failed checks."""
    engine = create_engine(sqlalchemy_url(url))
    failed = []
    with engine.connect() as conn:
        user_id, company_id = conn.execute(text("SELECT id, company_id FROM user_account WHERE email = :e"),
                                           {"e": EMAIL}).one()
        stored = [r[0] for r in conn.execute(text("SELECT submission_id FROM ticket WHERE company_id = :c"),
                                             {"c": company_id})]
        replies = [r[0] for r in conn.execute(text("SELECT submission_id FROM comment WHERE author_id = :u"),
                                              {"u": user_id})]
        mail = conn.execute(text(
            "SELECT count(*), count(sent_at), count(CASE WHEN dedupe_key LIKE 'created:%' THEN 1 END) "
            "FROM outbox_message WHERE ticket_id IN (SELECT id FROM ticket WHERE company_id = :c)"),
            {"c": company_id}).one()
        all_sent = conn.execute(text("SELECT count(sent_at) FROM outbox_message")).scalar_one()
    engine.dispose()
    eml = len(list(outbox_dir.glob("*.eml")))
    print(f"filed (303): {len(stats.filed)}, stored: {len(stored)} ({len(set(stored))} distinct submissions)")
    print(f"replies (303): {len(stats.replied)}, stored: {len(replies)}")
    print(f"mail for the bench requests: {mail[0]} queued ({mail[2]} «created»), {mail[1]} sent; .eml files: {eml}")
    if len(stored) != len(set(stored)) or set(stored) != stats.filed:
        failed.append(f"filed != stored: lost {len(stats.filed - set(stored))}, "
                      f"not confirmed {len(set(stored) - stats.filed)}, doubled {len(stored) - len(set(stored))}")
    if sorted(replies) != sorted(stats.replied):
        failed.append(f"replies: {len(stats.replied)} answered 303, {len(replies)} stored")
    if not mail[0] == mail[2] == len(stored):
        failed.append(f"mail: {mail[0]} queued, {mail[2]} «created», {len(stored)} requests")
    if mail[1] != mail[0] or eml != all_sent:
        failed.append(f"mail delivery: {mail[1]} of {mail[0]} sent, {eml} .eml files for {all_sent} sent")
    return failed


def wait_for_mail(url: str, seconds: float = 30) -> None:
    engine = create_engine(sqlalchemy_url(url))
    deadline = time.monotonic() + seconds
    with engine.connect() as conn:
        while time.monotonic() < deadline:
            if not conn.execute(text("SELECT count(*) FROM outbox_message WHERE sent_at IS NULL")).scalar_one():
                break
            conn.rollback()
            time.sleep(0.5)
    engine.dispose()


def loopback_only(url: str) -> str:
    host = urllib.parse.urlsplit(url).hostname or ""
    if not url.startswith(("postgres://", "postgresql://")) or host not in LOOPBACK:
        raise SystemExit("--database-url must be a PostgreSQL server on 127.0.0.1 (the bench stays on loopback)")
    return url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=32, help="simulated browsers, at most 128")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load, at most 600")
    parser.add_argument("--database-url", default=None, help="PostgreSQL on loopback; default: a temporary SQLite file")
    parser.add_argument("--kill-worker-at", type=float, default=None, metavar="S",
                        help="kill -9 one gunicorn worker S seconds into the run")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    duration = min(max(args.duration, 1.0), 600.0)
    args.clients = min(max(args.clients, 1), 128)
    server = loopback_only(args.database_url) if args.database_url else None

    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="portal-load-")))
        if server:
            from tests.conftest import private_schema

            url = stack.enter_context(private_schema(server, "load"))
        else:
            url = f"sqlite:///{tmp / 'portal.sqlite3'}"
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = server_env(url, tmp, port)
        print(f"database: {'PostgreSQL (private schema)' if server else 'SQLite'}; portal: {base}; "
              f"{args.clients} clients x {duration:g} s")
        print("rate limiting is off for this run (FLASK_RATELIMIT_ENABLED=false): every client comes from "
              "127.0.0.1, and per-client limits would refuse most of the load")
        flask(env, "db", "upgrade")
        flask(env, "content", "load")
        flask(env, "accounts", "demo")
        flask(env, "accounts", "create-company", "--name", "ООО Нагрузка", "--email", EMAIL, "--password", PASSWORD,
              "--lk-number", LK)
        log = tmp / "server.log"
        out = stack.enter_context(log.open("w"))
        processes = [
            subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "requests", "worker"], cwd=ROOT, env=env,
                             stdout=out, stderr=subprocess.STDOUT, start_new_session=True),
            subprocess.Popen([sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py"], cwd=ROOT, env=env,
                             stdout=out, stderr=subprocess.STDOUT, start_new_session=True),
        ]
        stack.callback(stop, processes)
        wait_until_up(base, processes, log)
        print(f"gunicorn workers: {len(gunicorn_workers(processes[1].pid))}")

        stats = Stats()
        killing = threading.Event()
        rnd = random.Random(args.seed)
        clients = [Client(base, stats, queries(), random.Random(rnd.random()), killing) for _ in range(args.clients)]
        with ThreadPoolExecutor(args.clients) as pool:
            list(pool.map(Client.login, clients))
            list(pool.map(Client.filing, clients))  # every client has a request of its own to reply to
        stats.timing = True
        started = time.monotonic()
        deadline = started + duration
        killer = None
        if args.kill_worker_at is not None:
            killer = threading.Timer(args.kill_worker_at, kill_one_worker, (processes[1].pid, killing))
            killer.start()
        with ThreadPoolExecutor(args.clients) as pool:
            for future in [pool.submit(c.run, deadline) for c in clients]:
                future.result()
        elapsed = time.monotonic() - started
        stats.timing = False
        if killer:
            killer.cancel()
        wait_for_mail(url)
        stop(processes)
        failed = report(stats, elapsed) + check_database(url, stats, tmp / "outbox")
    print("OK" if not failed else "FAILED:\n- " + "\n- ".join(failed))
    sys.exit(1 if failed else 0)


def kill_one_worker(master: int, killing: threading.Event) -> None:
    workers = gunicorn_workers(master)
    if workers:
        killing.set()
        os.kill(workers[0], signal.SIGKILL)
        print(f"killed gunicorn worker {workers[0]} with SIGKILL")


def report(stats: Stats, elapsed: float) -> list[str]:
    everything = [v for values in stats.latency.values() for v in values]
    print(f"\n{'kind':<8} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8}")
    for kind in (*(k for k, _ in MIX), "form"):
        values = stats.latency.get(kind, [])
        print(f"{kind:<8} {len(values):>8} {percentile(values, 0.5):>8.1f} {percentile(values, 0.95):>8.1f}")
    print(f"{'overall':<8} {len(everything):>8} {percentile(everything, 0.5):>8.1f} {percentile(everything, 0.95):>8.1f}")
    print(f"throughput: {len(everything) / elapsed:.1f} requests/s over {elapsed:.1f} s "
          f"(«form» is the GET of a form before its POST)")
    # The clients share the machine with the server: a busy machine shows in every figure above.
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    if stats.cut:
        print(f"requests cut off by the killed worker (retried): {stats.cut}")
    print(f"errors: {len(stats.errors)}")
    for line in stats.errors[:10]:
        print(f"  {line}")
    return [f"{len(stats.errors)} errors"] if stats.errors else []


if __name__ == "__main__":
    main()
