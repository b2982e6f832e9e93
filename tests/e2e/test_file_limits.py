"""With JavaScript, files over the size or count limits are refused beside the field before anything is sent."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page
from playwright.sync_api import expect

from tests.e2e.test_nothing_is_lost import DESCRIPTION
from tests.e2e.test_nothing_is_lost import fill
from tests.e2e.test_request_journey import PNG
from tests.e2e.test_request_journey import TOPIC
from tests.e2e.test_request_journey import created_number
from tests.e2e.test_request_journey import good_values
from tests.policy_helpers import configure

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

LIMIT = 4096


@pytest.fixture
def small_limits(live_server):
    """Limits of a few kilobytes on the live server, so the test sends no megabytes through the browser."""
    config = live_server.app.config
    saved = {key: config[key] for key in ("MAX_ATTACHMENT_SIZE", "MAX_ATTACHMENTS")}
    configure(live_server.app, MAX_ATTACHMENT_SIZE=LIMIT, MAX_ATTACHMENTS=2)
    yield
    configure(live_server.app, **saved)


def png(name: str, size: int = len(PNG)) -> dict:
    return {"name": name, "mimeType": "image/png", "buffer": PNG + b"\x00" * (size - len(PNG))}


def test_files_over_the_limits_are_refused_before_sending(logged_in_page: Page, small_limits):
    page = logged_in_page
    page.goto(TOPIC)
    fill(page, {**good_values("Бот молчит (большой файл)"), "#description": DESCRIPTION})
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" and "validate=1" not in r.url else None)
    files = page.locator("#attachments")
    check = page.locator("#attachments-check")

    files.set_input_files([png("скриншот.png"), png("большой.png", 2 * LIMIT)])
    expect(check).to_contain_text("Файл «большой.png» весит")
    expect(check).to_contain_text("больше допустимых")
    expect(files).to_have_attribute("aria-invalid", "true")
    page.get_by_role("button", name="Создать").click()
    expect(files).to_be_focused()
    assert posts == []

    files.set_input_files([png(f"{i}.png") for i in range(3)])
    expect(check).to_contain_text("Можно приложить не больше 2 файлов")
    page.get_by_role("button", name="Создать").click()
    expect(files).to_be_focused()
    assert posts == []
    expect(page.locator("#description")).to_have_value(DESCRIPTION)

    files.set_input_files([png("скриншот.png")])
    expect(check).to_have_count(0)
    expect(files).to_have_attribute("aria-invalid", "false")
    page.get_by_role("button", name="Создать").click()
    page.goto(f"/requests/{created_number(page)}")
    expect(page.get_by_role("link", name="скриншот.png")).to_be_visible()
