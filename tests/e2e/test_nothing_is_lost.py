"""With JavaScript, a failed post says so beside the form and the text survives a reload."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page
from playwright.sync_api import expect

from tests.e2e.test_request_journey import TOPIC
from tests.e2e.test_request_journey import created_number
from tests.e2e.test_request_journey import good_values

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

DESCRIPTION = "Бот перестал отвечать в Telegram после обновления сценария, в WhatsApp все работает."


def is_filing(route_request) -> bool:
    return route_request.method == "POST" and "validate=1" not in route_request.url


def fill(page: Page, values: dict[str, str]) -> None:
    for selector, value in values.items():
        page.locator(selector).fill(value)
    page.get_by_label("Канал коммуникации").select_option("Telegram")


def test_server_error_keeps_the_text_and_a_reload_brings_it_back(logged_in_page: Page):
    page = logged_in_page
    page.goto(TOPIC)
    values = {**good_values("Бот молчит (сбой сервера)"), "#description": DESCRIPTION}
    fill(page, values)

    page.route(re.compile(re.escape(TOPIC) + "$"),
               lambda route: route.fulfill(status=500, body="boom") if is_filing(route.request) else route.continue_())
    page.get_by_role("button", name="Создать").click()
    expect(page.get_by_role("alert")).to_contain_text("ошибка на сервере")
    expect(page.locator("#description")).to_have_value(DESCRIPTION)
    page.unroute(re.compile(re.escape(TOPIC) + "$"))

    page.reload()
    expect(page.get_by_role("status").filter(has_text="Мы вернули в форму текст")).to_be_visible()
    for selector, value in values.items():
        expect(page.locator(selector)).to_have_value(value)
    expect(page.locator("#channel")).to_have_value("Telegram")

    page.get_by_role("button", name="Создать").click()
    created_number(page)
    page.goto(TOPIC)
    expect(page.locator("#description")).to_have_value("")
    expect(page.locator(".draft-note")).to_have_count(0)


def test_lost_connection_is_explained(logged_in_page: Page):
    page = logged_in_page
    page.goto(TOPIC)
    fill(page, {**good_values("Бот молчит (нет сети)"), "#description": DESCRIPTION})
    page.route(re.compile(re.escape(TOPIC) + "$"),
               lambda route: route.abort() if is_filing(route.request) else route.continue_())
    page.get_by_role("button", name="Создать").click()
    expect(page.get_by_role("alert")).to_contain_text("Нет связи с сервером")
    expect(page.locator("#description")).to_have_value(DESCRIPTION)
    page.unroute(re.compile(re.escape(TOPIC) + "$"))
    page.get_by_role("button", name="Создать").click()
    created_number(page)
