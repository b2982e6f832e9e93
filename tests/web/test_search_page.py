"""The search page the home form submits to (and htmx fetches as suggestions)."""

from __future__ import annotations

import re

from kb.catalog import load_catalog
from tests.web.test_search_api import ROOT

HX = {"HX-Request": "true"}


def options(html: str) -> list[str]:
    """The text of each suggestion title, in order."""
    return re.findall(r'<span class="s-title">([^<]+)</span>', html)


def test_best_topic_comes_with_the_help_for_its_ids(client):
    html = client.get("/search", query_string={"q": "не работает обзвон"}, headers=HX).get_data(as_text=True)
    found = options(html)
    assert found[0] == "Проблемы с телефонией"
    # The telephony form asks for a call ID first: its instructions come right after the topics.
    help_at = found.index("Где найти идентификатор звонка")
    assert all(t not in found[help_at:] for t in ("Проблемы с телефонией", "Инцидент"))
    assert found.count("Где найти идентификатор звонка") == 1
    assert "Пригодится в форме «Проблемы с телефонией»" in html


def test_field_help_follows_the_form_of_the_best_topic():
    catalog = load_catalog(ROOT / "content")
    chats = catalog.topic("chaty-i-rassylki", "problema-s-chatami")
    assert [a.slug for a in catalog.field_help(chats)] == ["identifikator-chata", "identifikator-dialoga"]
    assert catalog.field_help(catalog.topic("lichnyj-kabinet", "inoe")) == []


def test_a_topic_without_ids_brings_no_field_help(client):
    html = client.get("/search", query_string={"q": "предложить новую функцию"}).get_data(as_text=True)
    assert options(html)[0] == "Новая функция" and "Понадобится для формы" not in html


def test_a_clear_winner_is_highlighted(client):
    html = client.get("/search", query_string={"q": "кредитный лимит"}).get_data(as_text=True)
    assert options(html)[0] == "Изменение кредитного лимита" and "Лучший вариант" in html
    assert "Где найти идентификатор компании" in html
    vague = client.get("/search", query_string={"q": "не работает обзвон"}).get_data(as_text=True)
    assert "Лучший вариант" not in vague


def test_correction_is_announced_with_a_way_back(client):
    html = client.get("/search", query_string={"q": "yt hf,jnftn j,pdjy"}).get_data(as_text=True)
    assert "Показаны результаты для «<strong>не работает обзвон</strong>»" in html
    assert 'href="/search?q=yt+hf,jnftn+j,pdjy&amp;exact=1"' in html
    exact = client.get("/search", query_string={"q": "yt hf,jnftn j,pdjy", "exact": "1"}).get_data(as_text=True)
    assert "Показаны результаты для" not in exact


def test_nothing_found_offers_categories_tips_and_other(client):
    html = client.get("/search", query_string={"q": "zzqqxx"}).get_data(as_text=True)
    assert "Ничего не нашлось по запросу «zzqqxx»" in html
    assert 'href="/help/spravka-po-poisku"' in html
    assert 'href="/c/lichnyj-kabinet/inoe?q=zzqqxx"' in html
    assert html.count('class="card"') == 11


def test_one_letter_shows_no_suggestions(client):
    assert 'id="search-options"' not in client.get("/search?q=о", headers=HX).get_data(as_text=True)
