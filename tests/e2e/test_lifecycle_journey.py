"""After filing: an agent answers from the console and waits, the customer sees it and replies."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page
from playwright.sync_api import expect

from extensions import db
from kb import current_catalog
from tests.e2e.conftest import AGENT_EMAIL
from tests.e2e.conftest import COMPANY_EMAIL
from tests.e2e.conftest import log_in
from tickets.models import User
from tickets.service import NewRequest
from tickets.service import create_ticket

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

QUESTION = "Пришлите, пожалуйста, идентификатор звонка и время, когда это случилось."
NOTE = "Похоже на сбой у оператора связи, проверить транк."
ANSWER = "Звонок 8f1c2d, сегодня в 10:15 по Москве."


def file_request(live_server, summary: str) -> int:
    """A request of the test company, filed through the domain (the form has its own journeys)."""
    with live_server.app.app_context():
        catalog = current_catalog()
        user = db.session.scalar(db.select(User).filter_by(email=COMPANY_EMAIL))
        request = NewRequest(
            category=catalog.category("telefoniya-i-zvonki"),
            topic=catalog.topic("telefoniya-i-zvonki", "problemy-s-telefoniej"),
            summary=summary, description="С утра обзвон не запускается.", author_name="Ирина",
            submission_id=uuid.uuid4().hex,
        )
        ticket, _ = create_ticket(user, request, [])
        number = ticket.id
        db.session.remove()
    return number


def agent_answers_and_waits(page: Page, number: int, summary: str) -> None:
    log_in(page, AGENT_EMAIL, landing="**/console/")
    row = page.get_by_role("row").filter(has_text=summary)
    expect(row).to_contain_text("Новое")
    row.get_by_role("link", name=summary).click()
    page.wait_for_url(f"**/console/requests/{number}")

    page.get_by_label("Текст").fill(NOTE)
    page.get_by_label("Внутренняя заметка (клиент не увидит)").check()
    page.get_by_role("button", name="Отправить").click()
    expect(page.locator(".thread")).to_contain_text(NOTE)

    page.get_by_label("Текст").fill(QUESTION)
    page.get_by_label("Ответить и ждать ответа клиента").check()
    page.get_by_role("button", name="Отправить").click()
    expect(page.locator(".thread")).to_contain_text(QUESTION)
    expect(page.locator("dl.facts")).to_contain_text("Ждет клиента")


def customer_replies(page: Page, number: int) -> None:
    log_in(page)
    page.goto(f"/requests/{number}")
    expect(page.get_by_role("status").filter(has_text="Специалист ждет вашего ответа")).to_contain_text(
        re.compile(r"Закроется автоматически через 4[78] ч, если не ответить"))
    expect(page.locator(".thread")).to_contain_text(QUESTION)
    expect(page.locator("body")).not_to_contain_text(NOTE)

    page.get_by_label("Кто пишет").fill("Ирина, +7 916 000-00-00")
    page.get_by_label("Ваш ответ").fill(ANSWER)
    page.get_by_label("Вложения").set_input_files(files=[{"name": "лог.txt", "mimeType": "text/plain",
                                                          "buffer": "10:15 вызов 8f1c2d сброшен".encode()}])
    page.get_by_role("button", name="Отправить ответ").click()
    page.wait_for_url(re.compile(rf"/requests/{number}#comment-\d+$"))
    expect(page.locator(".thread")).to_contain_text(ANSWER)
    expect(page.locator(".thread").get_by_role("link", name="лог.txt")).to_be_visible()
    expect(page.locator("dl.facts")).to_contain_text("В работе у специалиста")
    expect(page.locator(".countdown")).to_have_count(0)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_agent_answers_and_customer_replies(browser, live_server, javascript: bool):
    summary = f"Не запускается обзвон ({'JS' if javascript else 'без JS'})"
    number = file_request(live_server, summary)
    contexts = [browser.new_context(base_url=live_server.url, java_script_enabled=javascript, locale="ru-RU")
                for _ in range(2)]
    try:
        agent, customer = (context.new_page() for context in contexts)
        agent_answers_and_waits(agent, number, summary)
        customer_replies(customer, number)

        agent.reload()
        expect(agent.locator(".thread")).to_contain_text(ANSWER)
        expect(agent.locator("dl.facts")).to_contain_text("В работе")
        assert not live_server.errors
    finally:
        for context in contexts:
            context.close()
