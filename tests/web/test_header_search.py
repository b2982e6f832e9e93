"""The search box in the header: on every page except the one that already has the big search box."""

from __future__ import annotations

import re

import pytest

from tests.conftest import login

HEADER_FORM = '<form class="site-search" action="/search" method="get" role="search">'


def header_search(html: str) -> str | None:
    start = html.find(HEADER_FORM)
    return html[start:html.index("</form>", start)] if start >= 0 else None


@pytest.mark.parametrize(
    "path", ["/help/", "/help/identifikator-zvonka", "/no-such-page", "/c/telefoniya-i-zvonki", "/login"]
)
def test_public_pages_have_a_search_box(client, path):
    form = header_search(client.get(path).get_data(as_text=True))
    assert form is not None, path
    assert '<label for="site-q" class="visually-hidden">Поиск по темам и справке</label>' in form
    assert re.search(r'<input id="site-q" name="q" type="search"', form)
    assert '<button type="submit">Найти</button>' in form


def test_my_requests_and_the_topic_form_have_a_search_box(client, customer):
    login(client, customer.email)
    assert header_search(client.get("/requests/").get_data(as_text=True)) is not None
    assert header_search(client.get("/c/telefoniya-i-zvonki/problemy-s-telefoniej").get_data(as_text=True))


@pytest.mark.parametrize("path", ["/", "/search?q=обзвон", "/search?q=рецепт борща"])
def test_the_big_search_box_is_not_doubled(client, path):
    html = client.get(path).get_data(as_text=True)
    assert header_search(html) is None and html.count('role="search"') == 1


def test_the_header_box_submits_to_the_search_page(client):
    """The form is plain GET: what it sends is the search page's own URL, a full page."""
    html = client.get("/search", query_string={"q": "не работает обзвон"}).get_data(as_text=True)
    assert "<h1 id=\"search-title\">Чем помочь?</h1>" in html and 'value="не работает обзвон"' in html
    assert 'id="search-options"' in html
