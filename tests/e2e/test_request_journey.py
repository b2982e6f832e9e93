"""Portal foundation: a company files a request on a topic form, with and without JavaScript."""

from __future__ import annotations

import re
import struct
import zlib

import pytest
from playwright.sync_api import Page
from playwright.sync_api import expect

from tests.e2e.conftest import COMPANY_EMAIL
from tests.e2e.conftest import submit_login

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

TOPIC = "/c/chaty-i-rassylki/problema-s-chatami"
CHAT = "3f2b9c1e-8a4d-4f6b-9c2e-1a2b3c4d5e6f"
BAD_CHAT = "не знаю"
CHAT_ERROR = "Идентификатор чата — это число или код"
FILE_NAME = "скриншот.png"


def _png() -> bytes:
    """A real 1×1 PNG, built in memory."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


PNG = _png()


def good_values(summary: str) -> dict[str, str]:
    return {
        "#chat_id": CHAT,
        "#dialog_id": "918273",
        "#author_name": "Ирина, +7 916 000-00-00",
        "#summary": summary,
        "#description": "С утра бот не отвечает на сообщения клиентов в Telegram, в WhatsApp все работает.",
    }


def fill_and_leave(page: Page, selector: str, value: str, live: bool) -> None:
    """Type a value and leave the field; with JavaScript wait for its live check to come back."""
    box = page.locator(selector)
    if not live:
        box.fill(value)
        return
    with page.expect_response(lambda r: "validate=1" in r.url):
        box.fill(value)
        box.blur()
    expect(page.locator(selector)).to_have_value(value)


def fill_request(page: Page, values: dict[str, str], live: bool) -> None:
    for selector, value in values.items():
        fill_and_leave(page, selector, value, live)
    channel = page.get_by_label("Канал коммуникации")
    if live:
        with page.expect_response(lambda r: "validate=1" in r.url):
            channel.select_option("Telegram")
    else:
        channel.select_option("Telegram")


def attach_png(page: Page) -> None:
    page.get_by_label("Вложения").set_input_files(files=[{"name": FILE_NAME, "mimeType": "image/png", "buffer": PNG}])


def expect_kept_after_error(page: Page, values: dict[str, str]) -> None:
    """The failed submit shows the error beside its field and keeps every value and the file."""
    expect(page.get_by_role("alert")).to_contain_text("Проверьте форму")
    expect(page.locator("#field-chat_id .errors")).to_contain_text(CHAT_ERROR)
    expect(page.locator("#chat_id")).to_have_attribute("aria-invalid", "true")
    for selector, value in values.items():
        expect(page.locator(selector)).to_have_value(value)
    expect(page.locator("#channel")).to_have_value("Telegram")
    expect(page.locator("#lk_number")).to_have_value("104527")
    kept = page.get_by_role("group", name="Уже прикреплены")
    expect(kept).to_contain_text(FILE_NAME)
    expect(kept.get_by_role("checkbox")).to_be_checked()


def created_number(page: Page) -> int:
    """The request number on the confirmation page."""
    # A polling assertion, not wait_for_url: a double submit aborts the first navigation, which
    # wait_for_url reports as an error although the second one lands on the same page.
    expect(page).to_have_url(re.compile(r"/requests/\d+/created$"))
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(re.compile(r"^Обращение № \d+ создано$"))
    return int(re.search(r"\d+", heading.inner_text()).group())


def expect_listed_and_shown(page: Page, number: int, summary: str) -> None:
    """«Мои обращения» lists the request; its page shows every field and serves the attached file."""
    page.get_by_role("navigation", name="Основное меню").get_by_role("link", name="Мои обращения").click()
    page.wait_for_url("**/requests/")
    row = page.get_by_role("row").filter(has_text=f"№ {number}")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(summary)
    expect(row).to_contain_text("Проблема с чатами")
    row.get_by_role("link", name=summary).click()
    page.wait_for_url(f"**/requests/{number}")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"№ {number}. {summary}")
    facts = page.locator("dl.facts")
    for text in (CHAT, "918273", "Telegram", "Ирина, +7 916 000-00-00", "104527"):
        expect(facts).to_contain_text(text)
    expect(page.locator(".description")).to_contain_text("С утра бот не отвечает")
    file_link = page.get_by_role("link", name=FILE_NAME)
    expect(file_link).to_be_visible()
    download = page.request.get(file_link.get_attribute("href"))
    assert download.status == 200 and download.body() == PNG
    download.dispose()


def test_request_journey_with_javascript(logged_in_page: Page):
    page = logged_in_page
    page.goto(TOPIC)
    page.evaluate("window.stillTheSamePage = true")

    where = page.locator("#field-chat_id").get_by_role("link", name="Где найти?")
    where.click()
    help_panel = page.locator("#help-chat_id")
    expect(help_panel.get_by_role("heading")).to_have_text("Где найти идентификатор чата")
    expect(help_panel).to_contain_text("Чаты → Настройки")
    expect(where).to_have_attribute("aria-expanded", "true")
    assert page.evaluate("window.stillTheSamePage") is True
    assert page.url.endswith(TOPIC)

    summary = "Бот молчит в Telegram (JS)"
    values = {**good_values(summary), "#chat_id": BAD_CHAT}
    fill_request(page, values, live=True)
    attach_png(page)
    page.get_by_role("button", name="Создать").click()
    expect_kept_after_error(page, values)
    assert page.url.endswith(TOPIC)

    fill_and_leave(page, "#chat_id", CHAT, live=True)
    expect(page.locator("#field-chat_id .errors")).to_have_count(0)
    page.get_by_role("button", name="Создать").click()
    number = created_number(page)
    expect_listed_and_shown(page, number, summary)


def test_request_journey_without_javascript(logged_in_page_nojs: Page):
    page = logged_in_page_nojs
    page.goto(TOPIC)

    page.locator("#field-chat_id").get_by_role("link", name="Где найти?").click()
    page.wait_for_url("**/help/identifikator-chata")
    expect(page.get_by_role("heading", level=1)).to_have_text("Где найти идентификатор чата")
    expect(page.locator("article")).to_contain_text("Чаты → Настройки")
    page.go_back()
    page.wait_for_url(f"**{TOPIC}")

    summary = "Бот молчит в Telegram (без JS)"
    values = {**good_values(summary), "#chat_id": BAD_CHAT}
    fill_request(page, values, live=False)
    attach_png(page)
    with page.expect_navigation() as failed:
        page.get_by_role("button", name="Создать").click()
    assert failed.value.status == 422
    expect_kept_after_error(page, values)

    page.locator("#chat_id").fill(CHAT)
    page.get_by_role("button", name="Создать").click()
    number = created_number(page)
    expect_listed_and_shown(page, number, summary)


def test_leaving_a_field_checks_it_without_submitting(logged_in_page: Page):
    page = logged_in_page
    page.goto(TOPIC)
    fill_and_leave(page, "#chat_id", BAD_CHAT, live=True)
    expect(page.locator("#field-chat_id .errors")).to_contain_text(CHAT_ERROR)
    expect(page.locator("#chat_id")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#chat_id")).to_have_attribute("aria-describedby", re.compile(r"\bchat_id-error\b"))
    # Only that field was checked: no summary of errors, nothing said about the untouched fields.
    expect(page.locator(".error-summary")).to_have_count(0)
    expect(page.locator(".errors")).to_have_count(1)
    assert page.url.endswith(TOPIC)

    fill_and_leave(page, "#chat_id", CHAT, live=True)
    expect(page.locator("#field-chat_id .errors")).to_have_count(0)
    expect(page.locator("#chat_id")).to_have_attribute("aria-invalid", "false")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_double_click_on_create_files_one_request(request, javascript: bool):
    page: Page = request.getfixturevalue("logged_in_page" if javascript else "logged_in_page_nojs")
    summary = f"Двойной щелчок ({'JS' if javascript else 'без JS'})"
    page.goto(TOPIC)
    fill_request(page, good_values(summary), live=javascript)
    page.get_by_role("button", name="Создать").dblclick()
    created_number(page)
    page.wait_for_timeout(300)  # let a second submission, if one was sent, reach the database
    page.goto("/requests/")
    expect(page.get_by_role("row").filter(has_text=summary)).to_have_count(1)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_wrong_password_is_explained_beside_the_field(request, javascript: bool):
    page: Page = request.getfixturevalue("page" if javascript else "page_nojs")
    page.goto("/login")
    submit_login(page, password="not-the-password")
    expect(page.locator("#field-password .errors")).to_have_text("Неверная почта или пароль")
    expect(page.get_by_label("Электронная почта учетной записи")).to_have_value(COMPANY_EMAIL)
    assert page.url.endswith("/login")
