"""Real-browser fixtures: the portal served on 127.0.0.1 and one headless Debian Chromium per session.

Every test module here marks itself `e2e` and joins the xdist group "e2e", so `pytest -n 2 --dist loadgroup`
runs the whole browser suite in one worker against one server and one browser.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

import pytest
from flask import Flask
from flask import got_request_exception
from werkzeug.serving import make_server

from app import create_app
from extensions import db
from tests.conftest import CHEAP_ARGON2
from tests.conftest import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
COMPANY_EMAIL = "support-group@romashka.test"
COMPANY_LK = "104527"
AGENT_EMAIL = "agent@twin.test"
TIMEOUT_MS = 5_000


@dataclass
class LiveServer:
    """The running portal: its base URL, its app and the exceptions its views raised."""

    url: str
    app: Flask
    errors: list[BaseException] = field(default_factory=list)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    """The portal on its own SQLite file, CSRF on, with one company and one agent account."""
    from tickets.accounts import create_agent
    from tickets.accounts import create_company

    tmp = tmp_path_factory.mktemp("e2e-server")
    app = create_app({
        "SECRET_KEY": "e2e-secret",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'e2e.sqlite3'}",
        "WTF_CSRF_ENABLED": True,
        "UPLOAD_DIR": str(tmp / "uploads"),
        "MAIL_OUTBOX_DIR": str(tmp / "outbox"),
        "ARGON2_PARAMS": CHEAP_ARGON2,
        "CONTENT_RELOAD_INTERVAL": -1,
        # The journeys file dozens of requests a minute from one account; the limits have their own tests.
        "RATELIMIT_ENABLED": False,
    })
    with app.app_context():
        db.create_all()
        create_company("ООО Ромашка", COMPANY_EMAIL, PASSWORD, lk_number=COMPANY_LK)
        create_agent(AGENT_EMAIL, PASSWORD, "Анна из поддержки")
        db.session.remove()

    server = make_server("127.0.0.1", 0, app, threaded=True)
    live = LiveServer(f"http://127.0.0.1:{server.server_port}", app)
    app.config["PORTAL_BASE_URL"] = live.url

    def record(sender, exception, **extra):
        live.errors.append(exception)

    got_request_exception.connect(record, app)
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    try:
        yield live
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        got_request_exception.disconnect(record, app)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    """Debian's Chromium, headless, kept away from $HOME and from outside hosts."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: run `make chromium` (Debian package) to get the browser tests")
    from playwright.sync_api import sync_playwright

    home = tmp_path_factory.mktemp("e2e-home")
    env = {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"), "XDG_CACHE_HOME": str(home / ".cache")}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True,
                                             env=env)
        try:
            yield browser
        finally:
            browser.close()


def _context(browser, live_server: LiveServer, javascript: bool):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=javascript, locale="ru-RU")
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    return context


@pytest.fixture(autouse=True)
def _no_server_errors(live_server: LiveServer) -> Iterator[None]:
    """Fail the test when a view raised: a 500 page is never an expected outcome."""
    live_server.errors.clear()
    yield
    assert not live_server.errors, f"the portal raised: {live_server.errors!r}"


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context with JavaScript on; its page fails the test on uncaught JS errors."""
    context = _context(browser, live_server, javascript=True)
    page = context.new_page()
    js_errors: list = []
    page.on("pageerror", lambda error: js_errors.append(error))
    # Chromium reports what the Content-Security-Policy blocked only on the console.
    page.on("console", lambda msg: js_errors.append(msg.text) if "Content Security Policy" in msg.text else None)
    try:
        yield page
    finally:
        context.close()
    assert not js_errors, f"JavaScript errors: {[str(e) for e in js_errors]}"


@pytest.fixture
def page_nojs(browser, live_server):
    """A fresh browser context with JavaScript off: plain links and forms only."""
    context = _context(browser, live_server, javascript=False)
    try:
        yield context.new_page()
    finally:
        context.close()


def submit_login(page, email: str = COMPANY_EMAIL, password: str = PASSWORD) -> None:
    """Fill and send the login form shown on the current page."""
    page.get_by_label("Электронная почта учетной записи").fill(email)
    page.get_by_label("Пароль").fill(password)
    page.get_by_role("button", name="Войти").click()


def log_in(page, email: str = COMPANY_EMAIL, password: str = PASSWORD, landing: str = "**/requests/"):
    """Log in through the login form, as a person would; works with and without JavaScript."""
    page.goto("/login")
    submit_login(page, email, password)
    page.wait_for_url(landing)
    return page


@pytest.fixture
def logged_in_page(page):
    """The JavaScript page, logged in as the company account."""
    return log_in(page)


@pytest.fixture
def logged_in_page_nojs(page_nojs):
    """The no-JavaScript page, logged in as the company account."""
    return log_in(page_nojs)
