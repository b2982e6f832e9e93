"""Requests per second of the portal's pages beside a Flask «hello» and django-helpdesk 2.6.1, one set of gunicorn flags.

Run from the repository root: `python bench/compare.py [--duration 10] [--runs 3]` (`make compare`).
Starts three servers on free loopback ports, each under gunicorn with the same flags (2 sync workers, no
access log, no config file): bench/hello_app.py, the portal (a throwaway SQLite database, migrated, content
loaded, the demo company; rate limits off, since every request comes from 127.0.0.1) and django-helpdesk
2.6.1 (bench/helpdesk_site/, its own venv in bench/.helpdesk-venv installed from the pinned
bench/helpdesk_site/requirements.txt). Then `wrk` (16 connections, 2 threads) loads each URL for
--duration seconds, --runs times, the runs interleaved; it prints the median req/s per page and its ratio
to hello and to django-helpdesk's public submit page, and how busy the machine was with other work.
The topic form needs a signed-in company: it is loaded with the session cookie of the demo company.
`--baseline DIR` also serves the portal from another checkout (say a worktree of main) the same way and loads
its pages in the same interleaved runs, so a change is measured against its base under the same machine load.
It measures, it does not assert. Never run it beside other heavy work: two cores are shared by all three.
"""

from __future__ import annotations

import argparse
import hashlib
import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import ExitStack
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
HELPDESK_DIR = BENCH / "helpdesk_site"
HELPDESK_VENV = BENCH / ".helpdesk-venv"
HELPDESK_REQUIREMENTS = HELPDESK_DIR / "requirements.txt"
# The same flags for every server; the empty config file keeps gunicorn from reading ./gunicorn.conf.py.
GUNICORN_FLAGS = ("--workers", "2", "--worker-class", "sync", "--log-level", "warning")
CONNECTIONS, THREADS = 16, 2
DEMO_EMAIL, DEMO_PASSWORD = "demo@example.com", "demo-password"
CSRF = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')
SEARCH_TEXT = "не работает обзвон"


@dataclass(frozen=True)
class Page:
    """One URL to load: which server, the label in the table, and whether it is loaded signed in."""

    server: str
    label: str
    path: str
    signed_in: bool = False


PAGES = (
    Page("hello", "Flask hello", "/"),
    Page("helpdesk", "django-helpdesk submit", "/tickets/submit/"),
    Page("portal", "home", "/"),
    Page("portal", "help article", "/help/identifikator-chata"),
    Page("portal", "category", "/c/telefoniya-i-zvonki"),
    Page("portal", "topic form (signed in)", "/c/chaty-i-rassylki/problema-s-chatami", signed_in=True),
    Page("portal", "search page", "/search?q=" + urllib.parse.quote(SEARCH_TEXT)),
    Page("portal", "api search", "/api/search?q=" + urllib.parse.quote(SEARCH_TEXT)),
    Page("portal", "home (signed in)", "/", signed_in=True),
)


@dataclass
class Server:
    """A gunicorn master in its own process group."""

    name: str
    port: int
    process: subprocess.Popen
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        workers = [int(pid) for pid in children.read_text().split()] if children.exists() else []
        return [self.process.pid, *workers]


@dataclass
class Measured:
    """The runs of one page."""

    page: Page
    rates: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    others: list[float] = field(default_factory=list)  # cores busy with other work during each run

    @property
    def median(self) -> float:
        return statistics.median(self.rates) if self.rates else 0.0


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Report 3xx as they are: a page answering with a redirect to the login is a setup error."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(argv: list[str], cwd: Path, env: dict | None = None) -> str:
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    if done.returncode:
        raise SystemExit(f"{' '.join(argv)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def clean_env(**extra: str) -> dict:
    """The environment without settings that would change a server's flags or the portal's config."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("FLASK_", "GUNICORN_", "DATABASE_URL", "REDIS_URL", "WEB_CONCURRENCY"))}
    env.update(extra)
    return env


def helpdesk_python() -> Path:
    """django-helpdesk's own venv, (re)built from the pinned requirements when they changed."""
    python = HELPDESK_VENV / "bin" / "python"
    marker = HELPDESK_VENV / ".installed"
    digest = hashlib.sha256(HELPDESK_REQUIREMENTS.read_bytes()).hexdigest()
    if python.exists() and marker.exists() and marker.read_text() == digest:
        return python
    print(f"installing django-helpdesk into {HELPDESK_VENV.relative_to(ROOT)} ...", flush=True)
    shutil.rmtree(HELPDESK_VENV, ignore_errors=True)
    base = getattr(sys, "_base_executable", sys.executable)
    run([base, "-m", "venv", str(HELPDESK_VENV)], ROOT)
    run([str(python), "-m", "pip", "install", "--quiet", "-r", str(HELPDESK_REQUIREMENTS)], ROOT)
    marker.write_text(digest)
    return python


def start(name: str, argv: list[str], cwd: Path, env: dict, tmp: Path, config: Path) -> Server:
    port = free_port()
    log = tmp / f"{name}.log"
    with log.open("w") as out:
        process = subprocess.Popen([*argv, "--config", str(config), "--bind", f"127.0.0.1:{port}", *GUNICORN_FLAGS],
                                   cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    return Server(name, port, process, log)


def wait_until_up(server: Server, path: str) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(server.base + path, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if server.process.poll() is not None:
            break
        time.sleep(0.2)
    raise SystemExit(f"{server.name} did not start:\n" + server.log.read_text())


def stop(servers: list[Server]) -> None:
    for server in servers:
        if server.process.poll() is None:
            os.killpg(server.process.pid, signal.SIGTERM)
    for server in servers:
        try:
            server.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.process.pid, signal.SIGKILL)
            server.process.wait()


def start_portal(tmp: Path, config: Path, root: Path = ROOT, name: str = "portal") -> Server:
    data = tmp / name
    data.mkdir()
    env = clean_env(DATABASE_URL=f"sqlite:///{data / 'portal.sqlite3'}", FLASK_SECRET_KEY="compare-bench",
                    FLASK_UPLOAD_DIR=str(data / "uploads"), FLASK_MAIL_OUTBOX_DIR=str(data / "outbox"),
                    # wrk's connections all come from 127.0.0.1: per-client limits would refuse most requests.
                    FLASK_RATELIMIT_ENABLED="false")
    flask = [sys.executable, "-m", "flask", "--app", "app"]
    run([*flask, "db", "upgrade"], root, env)
    run([*flask, "content", "load"], root, env)
    run([*flask, "accounts", "demo"], root, env)
    server = start(name, [sys.executable, "-m", "gunicorn", "app:create_app()"], root, env, tmp, config)
    wait_until_up(server, "/healthz")
    return server


def start_helpdesk(tmp: Path, config: Path) -> Server:
    python = helpdesk_python()
    env = clean_env(HELPDESK_BENCH_DIR=str(tmp / "helpdesk"), DJANGO_SETTINGS_MODULE="helpdesk_site.settings")
    (tmp / "helpdesk").mkdir()
    manage = [str(python), "manage.py"]
    run([*manage, "migrate", "--verbosity", "0"], HELPDESK_DIR, env)
    # One queue open to public submission, as a help desk that takes requests from its customers has.
    run([*manage, "shell", "--verbosity", "0", "-c",
         "from helpdesk.models import Queue; Queue.objects.get_or_create(slug='support', "
         "defaults={'title': 'Техподдержка', 'allow_public_submission': True})"], HELPDESK_DIR, env)
    server = start("helpdesk", [str(python), "-m", "gunicorn", "helpdesk_site.wsgi:application"], HELPDESK_DIR, env,
                   tmp, config)
    wait_until_up(server, "/tickets/submit/")
    return server


def start_hello(tmp: Path, config: Path) -> Server:
    server = start("hello", [sys.executable, "-m", "gunicorn", "hello_app:app"], BENCH, clean_env(), tmp, config)
    wait_until_up(server, "/")
    return server


def sign_in(base: str) -> str:
    """The Cookie header of the demo company signed in through the login form."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    with opener.open(base + "/login", timeout=10) as response:
        token = CSRF.search(response.read().decode()).group(1)
    data = urllib.parse.urlencode({"csrf_token": token, "email": DEMO_EMAIL, "password": DEMO_PASSWORD}).encode()
    try:
        opener.open(base + "/login", data=data, timeout=10)
    except urllib.error.HTTPError as exc:
        if exc.code not in (302, 303):
            raise
    cookies = "; ".join(f"{c.name}={c.value}" for c in jar)
    if "remember_token" not in cookies and "session" not in cookies:
        raise SystemExit("signing in to the portal failed")
    return cookies


def check(url: str, cookie: str | None) -> None:
    """The page answers 200 itself (not a redirect to the login page) before it is loaded."""
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=10) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    if status != 200:
        raise SystemExit(f"{url} answered {status}, not 200")


def cpu_busy() -> float:
    """Seconds the machine's CPUs spent running processes (user, nice, system) since boot.

    Interrupt time is left out: it is mostly the loopback traffic of the run itself, charged to no process.
    """
    user, nice, system = (int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:4])
    return (user + nice + system) / os.sysconf("SC_CLK_TCK")


def cpu_of(pids: list[int]) -> float:
    """Seconds of CPU the processes used so far."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def wrk(url: str, seconds: float, cookie: str | None, server: Server) -> tuple[float, str | None, float]:
    """Requests/s, an error summary if any request failed, and cores busy with other work meanwhile."""
    argv = ["wrk", "-t", str(THREADS), "-c", str(CONNECTIONS), "-d", f"{seconds:g}s", "--latency"]
    if cookie:
        argv += ["-H", f"Cookie: {cookie}"]
    pids = server.pids()
    busy, ours, started = cpu_busy(), cpu_of(pids), time.monotonic()
    before = os.times()
    done = subprocess.run([*argv, url], capture_output=True, text=True, timeout=seconds + 60)
    after = os.times()
    elapsed = time.monotonic() - started
    wrk_cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    others = max(0.0, (cpu_busy() - busy) - (cpu_of(pids) - ours) - wrk_cpu) / elapsed
    out = done.stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    problems = []
    if non_2xx := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        problems.append(f"{non_2xx.group(1)} non-2xx")
    if sockets := re.search(r"Socket errors: (.*)", out):
        problems.append("socket errors: " + sockets.group(1))
    if done.returncode or rate is None:
        problems.append(f"wrk failed: {done.stderr.strip() or out.strip()}")
    return (float(rate.group(1)) if rate else 0.0), ("; ".join(problems) or None), others


def table(results: list[Measured]) -> list[str]:
    hello = next(m.median for m in results if m.page.server == "hello")
    helpdesk = next((m.median for m in results if m.page.server == "helpdesk"), 0.0)
    lines = [f"{'page':28} {'median req/s':>12}  {'runs':26} {'× hello':>8} {'× helpdesk':>10}  other load",
             "-" * 100]
    for m in results:
        runs = " ".join(f"{r:.0f}" for r in m.rates)
        vs_helpdesk = f"{m.median / helpdesk:10.2f}" if helpdesk else f"{'—':>10}"
        other = f"{statistics.median(m.others):.2f} cores" if m.others else ""
        lines.append(f"{m.page.label:28} {m.median:12.0f}  {runs:26} {m.median / hello:8.2f} {vs_helpdesk}  {other}")
        for error in dict.fromkeys(m.errors):
            lines.append(f"{'':28} ! {error}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of wrk per URL and run")
    parser.add_argument("--runs", type=int, default=3, help="runs per URL (interleaved); the median is reported")
    parser.add_argument("--only", default="", help="load only the pages whose label contains this (hello always)")
    parser.add_argument("--no-helpdesk", action="store_true", help="skip django-helpdesk (no venv needed)")
    parser.add_argument("--json", type=Path, default=None, help="also write the results to this file")
    parser.add_argument("--baseline", type=Path, default=None,
                        help="another checkout of the portal whose pages are loaded in the same runs")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: `make wrk` installs Debian's package")
    pages = [p for p in PAGES if p.server == "hello" or (args.only.lower() in p.label.lower())]
    if args.no_helpdesk:
        pages = [p for p in pages if p.server != "helpdesk"]
    if args.baseline:
        pages += [Page("baseline", f"{p.label} [baseline]", p.path, p.signed_in) for p in pages if p.server == "portal"]
    load_before = os.getloadavg()
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="portal-compare-")))
        config = tmp / "empty.conf.py"
        config.write_text("")
        servers: dict[str, Server] = {}
        stack.callback(lambda: stop(list(servers.values())))
        servers["hello"] = start_hello(tmp, config)
        if any(p.server == "portal" for p in pages):
            servers["portal"] = start_portal(tmp, config)
        if any(p.server == "helpdesk" for p in pages):
            servers["helpdesk"] = start_helpdesk(tmp, config)
        if args.baseline:
            servers["baseline"] = start_portal(tmp, config, args.baseline.resolve(), "baseline")
        cookies = {name: sign_in(servers[name].base) for name in ("portal", "baseline") if name in servers}
        results = [Measured(p) for p in pages]
        for m in results:
            url = servers[m.page.server].base + m.page.path
            cookie = cookies.get(m.page.server) if m.page.signed_in else None
            check(url, cookie)
            wrk(url, 2, cookie, servers[m.page.server])  # warm-up
        print(f"gunicorn {' '.join(GUNICORN_FLAGS)}; wrk -t{THREADS} -c{CONNECTIONS} -d{args.duration:g}s "
              f"x {args.runs} runs; load average before: {load_before[0]:.2f}", flush=True)
        for number in range(args.runs):
            for m in results:
                signed = cookies.get(m.page.server) if m.page.signed_in else None
                rate, error, others = wrk(servers[m.page.server].base + m.page.path, args.duration, signed,
                                          servers[m.page.server])
                m.rates.append(rate)
                m.others.append(others)
                if error:
                    m.errors.append(error)
            print(f"run {number + 1}/{args.runs} done", flush=True)
    print()
    print("\n".join(table(results)))
    print(f"load average after: {os.getloadavg()[0]:.2f}; «other load» is the median CPU other processes used "
          "during the runs of that page (of 2 cores)")
    if args.json:
        args.json.write_text(json.dumps([{"page": m.page.label, "path": m.page.path, "signed_in": m.page.signed_in,
                                          "rates": m.rates, "median": m.median, "errors": m.errors,
                                          "others": m.others} for m in results], ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
