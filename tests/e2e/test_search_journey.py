"""Search-first home: describe the problem, pick a suggestion, land on its form with the summary filled."""

from __future__ import annotations

import re
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page
from playwright.sync_api import expect

from tests.e2e.conftest import submit_login

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

QUERY = "не работает обзвон"
WRONG_LAYOUT = "yt hf,jnftn j,pdjy"
OPTIONS = "#search-options [role=option]"
OPTION_LINKS = "#search-options a[href]"
TELEPHONY_TOPIC = re.compile(r"/c/[a-z-]+/[a-z-]*telefon[a-z-]*\?")


def query_of(url: str) -> str:
    return parse_qs(urlsplit(url).query).get("q", [""])[0]


def wait_for_suggestions_for(page: Page, text: str) -> None:
    """Wait until the results region shows the suggestions of exactly `text` (not of a prefix)."""
    page.wait_for_function(
        """text => {
            const link = document.querySelector('#search-options a[href]');
            return link !== null && new URL(link.href).searchParams.get('q') === text;
        }""",
        arg=text,
    )


def test_search_with_javascript(logged_in_page: Page):
    page = logged_in_page
    page.goto("/")
    box = page.get_by_role("combobox", name="Опишите проблему")
    expect(box).to_be_focused()
    box.press_sequentially(QUERY, delay=40)

    wait_for_suggestions_for(page, QUERY)
    expect(page).to_have_url(re.compile(r"/search\?q="))
    assert query_of(page.url) == QUERY
    expect(box).to_have_attribute("aria-expanded", "true")
    first = page.locator(OPTIONS).first
    first_href = page.locator(OPTION_LINKS).first.get_attribute("href")
    assert TELEPHONY_TOPIC.search(first_href), first_href

    box.press("ArrowDown")
    expect(first).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", first.get_attribute("id"))
    expect(box).to_be_focused()
    box.press("Enter")

    page.wait_for_url(first_href)
    assert urlsplit(page.url).path == urlsplit(first_href).path
    expect(page.get_by_role("heading", level=1)).to_contain_text("телефон")
    expect(page.get_by_label("Краткий смысл")).to_have_value(QUERY)


def test_escape_closes_the_suggestions(page: Page):
    page.goto("/")
    box = page.get_by_role("combobox", name="Опишите проблему")
    box.press_sequentially("обзвон", delay=20)
    wait_for_suggestions_for(page, "обзвон")
    box.press("Escape")
    expect(page.locator(OPTIONS)).to_have_count(0)
    expect(box).to_have_attribute("aria-expanded", "false")


def test_search_without_javascript_logs_in_and_comes_back(page_nojs: Page):
    page = page_nojs
    page.goto("/")
    page.get_by_role("combobox", name="Опишите проблему").fill(QUERY)
    page.get_by_role("button", name="Найти").click()

    page.wait_for_url(re.compile(r"/search\?q="))
    assert query_of(page.url) == QUERY
    expect(page.get_by_role("heading", level=1)).to_have_text("Чем помочь?")
    expect(page.get_by_role("combobox", name="Опишите проблему")).to_have_value(QUERY)
    first_link = page.locator(OPTION_LINKS).first
    first_href = first_link.get_attribute("href")
    assert TELEPHONY_TOPIC.search(first_href), first_href

    first_link.click()
    page.wait_for_url(re.compile(r"/login\?next="))
    way_back = parse_qs(urlsplit(page.url).query)["next"][0]
    assert urlsplit(way_back).path == urlsplit(first_href).path and query_of(way_back) == QUERY
    submit_login(page)

    page.wait_for_url(first_href)
    expect(page.get_by_role("heading", level=1)).to_contain_text("телефон")
    expect(page.get_by_label("Краткий смысл")).to_have_value(QUERY)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_wrong_keyboard_layout_is_corrected(request, javascript: bool):
    page: Page = request.getfixturevalue("page" if javascript else "page_nojs")
    page.goto("/")
    box = page.get_by_role("combobox", name="Опишите проблему")
    box.fill(WRONG_LAYOUT)
    if javascript:
        # The suggestions carry the repaired words to the form, not what was typed.
        wait_for_suggestions_for(page, QUERY)
    else:
        page.get_by_role("button", name="Найти").click()
    expect(page.locator("#search_results .corrected")).to_have_text(
        re.compile(r"Показаны результаты для «не работает обзвон»")
    )
    first_href = page.locator(OPTION_LINKS).first.get_attribute("href")
    assert TELEPHONY_TOPIC.search(first_href), first_href


def test_corrected_query_fills_the_summary(logged_in_page: Page):
    """A suggestion found through the layout fix carries the corrected words, not the gibberish typed."""
    page = logged_in_page
    page.goto("/")
    box = page.get_by_role("combobox", name="Опишите проблему")
    box.fill(WRONG_LAYOUT)
    page.wait_for_selector(OPTIONS)
    expect(page.locator("#search_results .corrected")).to_be_visible()
    box.press("ArrowDown")
    box.press("Enter")
    page.wait_for_url(TELEPHONY_TOPIC)
    expect(page.get_by_label("Краткий смысл")).to_have_value(QUERY)
