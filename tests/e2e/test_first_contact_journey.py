"""A visitor who searches first, logged out: search → topic → login → the form with the words kept → filed."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page
from playwright.sync_api import expect

from extensions import db
from tests.e2e.conftest import submit_login
from tests.e2e.test_request_journey import created_number
from tests.e2e.test_search_journey import OPTION_LINKS
from tests.e2e.test_search_journey import QUERY
from tests.e2e.test_search_journey import wait_for_suggestions_for
from tickets.models import Ticket

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

TOPIC_TITLE = "Проблемы с телефонией"


@pytest.mark.parametrize("width", [1280, 390], ids=["desktop", "phone"])
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_search_first_then_sign_in_and_file(request, live_server, javascript: bool, width: int):
    page: Page = request.getfixturevalue("page" if javascript else "page_nojs")
    page.set_viewport_size({"width": width, "height": 800})
    page.goto("/")
    box = page.get_by_role("combobox", name="Опишите проблему")
    if javascript:
        box.press_sequentially(QUERY, delay=20)
        wait_for_suggestions_for(page, QUERY)
    else:
        box.fill(QUERY)
        page.get_by_role("button", name="Найти").click()
    page.locator(OPTION_LINKS).filter(has_text=TOPIC_TITLE).first.click()

    page.wait_for_url(re.compile(r"/login\?next="))
    submit_login(page)

    # The way back carries Cyrillic: with htmx it comes in the HX-Redirect header.
    expect(page.get_by_role("heading", level=1)).to_have_text(TOPIC_TITLE)
    expect(page.get_by_label("Краткий смысл")).to_have_value(QUERY)
    page.locator("#call_id").fill("5012345")
    page.locator("#author_name").fill("Олег, +7 916 000-00-01")
    page.locator("#description").fill("Обзвон запущен в 10:00, но ни один звонок не ушел, статус «в очереди».")
    page.get_by_role("button", name="Создать").click()

    number = created_number(page)
    with live_server.app.app_context():
        ticket = db.session.get(Ticket, number)
        assert (ticket.summary, ticket.topic_title) == (QUERY, TOPIC_TITLE)
        db.session.remove()
