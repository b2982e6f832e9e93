"""Search-first home: describe the problem, pick a suggestion, land on its form with the summary filled."""

from __future__ import annotations

import re
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page
from playwright.sync_api import expect

from tests.e2e.conftest import log_in
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


def test_typing_replaces_the_history_entry_and_back_leaves_the_search(page: Page, live_server):
    page.goto("/help/")
    page.goto("/")
    box = page.get_by_role("combobox", name="Опишите проблему")
    box.press_sequentially(QUERY, delay=40)
    wait_for_suggestions_for(page, QUERY)
    assert query_of(page.url) == QUERY
    assert page.evaluate("() => history.length") == 3  # about:blank, /help/, this page: no entry per keystroke
    page.go_back()
    page.wait_for_url(f"{live_server.url}/help/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Справка")


def test_clearing_the_box_puts_the_home_page_back_in_the_address_bar(page: Page, live_server):
    page.goto("/")
    box = page.get_by_role("combobox", name="Опишите проблему")
    box.press_sequentially("обзвон", delay=20)
    wait_for_suggestions_for(page, "обзвон")
    box.fill("")
    page.wait_for_url(f"{live_server.url}/")
    expect(page.locator(OPTIONS)).to_have_count(0)
    expect(box).to_have_attribute("aria-expanded", "false")


def test_two_letters_ask_for_more_words(page: Page):
    page.goto("/")
    box = page.get_by_role("combobox", name="Опишите проблему")
    box.press_sequentially("не", delay=40)
    expect(page.locator("#search_results")).to_contain_text("Опишите проблему подробнее")
    expect(page.locator(OPTIONS)).to_have_count(0)
    box.press_sequentially(" работает обзвон", delay=20)
    wait_for_suggestions_for(page, QUERY)
    expect(page.locator("#search_results .more-words")).to_have_count(0)


def test_look_alike_topics_are_one_choice_of_category(logged_in_page: Page):
    """The three telephony look-alikes are one result; the arrow keys walk through its categories."""
    page = logged_in_page
    page.goto("/")
    box = page.get_by_role("combobox", name="Опишите проблему")
    box.press_sequentially(QUERY, delay=20)
    wait_for_suggestions_for(page, QUERY)
    group = page.get_by_role("group", name=re.compile("Лучшее совпадение Проблемы с телефонией"))
    expect(group.get_by_role("option")).to_have_count(3)
    expect(group).to_contain_text("если не уверены — «Телефония и звонки»")
    box.press("ArrowDown")
    box.press("ArrowDown")
    expect(group.get_by_role("option").nth(1)).to_have_attribute("aria-selected", "true")
    box.press("Enter")
    page.wait_for_url(re.compile(r"/c/twin/problema-s-telefoniej\?"))
    expect(page.get_by_label("Краткий смысл")).to_have_value(QUERY)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_the_header_search_box_on_other_pages(request, javascript: bool):
    page: Page = request.getfixturevalue("page" if javascript else "page_nojs")
    page.goto("/help/identifikator-zvonka")
    box = page.get_by_role("searchbox", name="Поиск по темам и справке")
    box.fill(QUERY)
    box.press("Enter")
    page.wait_for_url(re.compile(r"/search\?q="))
    assert query_of(page.url) == QUERY
    expect(page.get_by_role("combobox", name="Опишите проблему")).to_have_value(QUERY)
    expect(page.locator(OPTIONS).first).to_be_visible()
    expect(page.get_by_role("searchbox", name="Поиск по темам и справке")).to_have_count(0)


def test_a_nonsense_query_without_javascript_lands_on_help(page_nojs: Page):
    page = page_nojs
    page.goto("/")
    page.get_by_role("combobox", name="Опишите проблему").fill("рецепт борща")
    page.get_by_role("button", name="Найти").click()
    expect(page.get_by_role("heading", name="Если вы не знаете, что делать")).to_be_visible()
    expect(page.get_by_role("heading", name="Как выбрать категорию")).to_be_visible()
    page.get_by_role("link", name="Иное — Чаты и рассылки").click()
    page.wait_for_url(re.compile(r"/login\?next="))
    assert "/c/chaty-i-rassylki/inoe" in parse_qs(urlsplit(page.url).query)["next"][0]


@pytest.mark.parametrize(
    "path", ["/help/", "/help/identifikator-zvonka", "/no-such-page", "/search?q=не работает обзвон",
             "/search?q=рецепт борща", "/search?q=не", "/login"],
)
def test_nothing_overflows_a_phone_screen(browser, live_server, path):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844}, locale="ru-RU")
    try:
        page = context.new_page()
        page.goto(path)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390, path
    finally:
        context.close()


def test_my_requests_fit_a_phone_screen_with_the_search_box(browser, live_server):
    from tests.e2e.test_lifecycle_journey import file_request

    file_request(live_server, "Обзвон не запускается с утра, задание стоит в очереди")
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844}, locale="ru-RU")
    try:
        page = log_in(context.new_page())
        expect(page.get_by_role("table")).to_be_visible()
        search = page.get_by_role("searchbox", name="Поиск по темам и справке")
        expect(search).to_be_visible()
        box = search.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    finally:
        context.close()
