"""Accessibility: axe-core finds no serious or critical violations on the pages of the core journeys."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page
from playwright.sync_api import expect

from tests.e2e.conftest import AGENT_EMAIL
from tests.e2e.conftest import log_in
from tests.e2e.test_lifecycle_journey import file_request

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = {"serious", "critical"}
TOPIC = "/c/chaty-i-rassylki/problema-s-chatami"


@pytest.fixture(autouse=True)
def _axe_installed():
    if not AXE.exists():
        pytest.skip(f"{AXE} is missing: run `npm ci` to install axe-core")


def blocking_violations(page: Page) -> list[dict]:
    """Run axe on the page as it is now; return the serious and critical violations."""
    # Evaluated by the test driver, so the page's CSP (no inline script) doesn't apply to it.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v["impact"] in BLOCKING]


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:5]:
            lines.append(f"    {' '.join(node['target'])}: {node['html'][:160]}")
            lines.append(f"      {node['failureSummary'].splitlines()[-1].strip()}")
        if len(v["nodes"]) > 5:
            lines.append(f"    … and {len(v['nodes']) - 5} more")
    return "\n".join(lines)


def assert_accessible(page: Page) -> None:
    violations = blocking_violations(page)
    assert not violations, "axe found serious/critical violations on " + page.url + ":\n" + describe(violations)


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/", id="home"),
        pytest.param("/c/telefoniya-i-zvonki", id="category"),
        pytest.param("/help/identifikator-chata", id="help-article"),
        pytest.param("/search?q=обзвон", id="search-results"),
        pytest.param("/search?q=zzqqxx", id="no-results"),
        pytest.param("/search?q=yt+hf,jnftn+j,pdjy", id="corrected"),
        pytest.param("/help/", id="help-index"),
        pytest.param("/login", id="login"),
        pytest.param("/search?q=не+работает+обзвон", id="grouped-results"),
        pytest.param("/search?q=yt+hf,jnftn", id="grouped-incident"),
        pytest.param("/search?q=рецепт+борща", id="nonsense"),
        pytest.param("/search?q=не", id="too-little"),
        pytest.param("/no-such-page", id="not-found"),
    ],
)
def test_public_page(page: Page, path: str):
    page.goto(path)
    assert_accessible(page)


def test_topic_form(logged_in_page: Page):
    page = logged_in_page
    page.goto(TOPIC)
    assert_accessible(page)


def test_account_page(logged_in_page: Page):
    page = logged_in_page
    page.goto("/account/")
    expect(page.locator("#timezone")).to_have_value("Europe/Moscow")
    assert_accessible(page)


def test_topic_form_with_inline_help_open(logged_in_page: Page):
    page = logged_in_page
    page.goto(TOPIC)
    page.locator("#field-chat_id").get_by_role("link", name="Где найти?").click()
    expect(page.locator("#help-chat_id")).to_contain_text("Чаты → Настройки")
    assert_accessible(page)


def test_topic_form_after_failed_submit(logged_in_page: Page):
    page = logged_in_page
    page.goto(TOPIC)
    page.locator("#chat_id").fill("не знаю")
    # A native submission (form.submit() fires no submit event, so htmx stays out): the 422 page is the
    # same form block htmx would swap in, with every error rendered.
    with page.expect_navigation() as failed:
        page.evaluate("() => document.querySelector('form.request-form').submit()")
    assert failed.value.status == 422
    expect(page.get_by_role("alert")).to_contain_text("Проверьте форму")
    assert_accessible(page)


def test_request_page_and_my_requests(live_server, logged_in_page: Page):
    page = logged_in_page
    number = file_request(live_server, "Проверка доступности страницы обращения")
    page.goto(f"/requests/{number}")
    assert_accessible(page)
    page.goto("/requests/")
    assert_accessible(page)


def test_console_queue_and_request(live_server, page: Page):
    number = file_request(live_server, "Проверка доступности консоли")
    log_in(page, AGENT_EMAIL, landing="**/console/")
    assert_accessible(page)
    page.goto(f"/console/requests/{number}")
    assert_accessible(page)


def test_telephony_form_asking_for_either_id(live_server, page: Page):
    # An account of its own: the company account's filing limit (posts per minute) is the journeys'.
    from extensions import db
    from tests.conftest import PASSWORD
    from tickets.accounts import create_company

    email = "axe-telephony@vasilek.test"
    with live_server.app.app_context():
        create_company("ООО Василек", email, PASSWORD, lk_number="204527")
        db.session.remove()
    log_in(page, email)
    page.goto("/c/telefoniya-i-zvonki/problemy-s-telefoniej")
    with page.expect_navigation() as failed:
        page.evaluate("() => document.querySelector('form.request-form').submit()")
    assert failed.value.status == 422
    expect(page.locator("#field-call_id")).to_contain_text("Заполните хотя бы одно из полей")
    assert_accessible(page)
