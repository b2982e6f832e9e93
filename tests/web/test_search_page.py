"""The search page the home form submits to (and htmx fetches as suggestions)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func
from sqlalchemy import select

from extensions import db
from kb.catalog import load_catalog
from search.models import SearchLog
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
    assert options(html)[0] == "Изменение кредитного лимита" and html.count("Лучшее совпадение") == 1
    assert "Где найти идентификатор компании" in html
    # Two needs close together («Проблемы с телефонией», «Помощь в настройке телефонии»): no winner.
    vague = client.get("/search", query_string={"q": "обзвон"}).get_data(as_text=True)
    assert "Лучшее совпадение" not in vague


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


def group_links(html: str, title: str) -> list[str]:
    """The topic-form paths offered inside the result group titled `title`."""
    head = html.index(f'<span class="s-title">{title}</span>')
    group = html[head:html.index("</ul>", head)]
    return re.findall(r'href="(/c/[a-z-]+/[a-z0-9-]+)\?q=', group)


def test_look_alike_topics_are_one_result_naming_their_categories(client):
    html = client.get("/search", query_string={"q": "не работает обзвон"}, headers=HX).get_data(as_text=True)
    found = options(html)
    assert found[0] == "Проблемы с телефонией"
    assert "Проблема с телефонией" not in found and "Ошибка в телефонии" not in found
    assert group_links(html, "Проблемы с телефонией") == [
        "/c/telefoniya-i-zvonki/problemy-s-telefoniej", "/c/twin/problema-s-telefoniej",
        "/c/globaltelekom/oshibka-v-telefonii",
    ]
    # Each category is named, with the guide's words on it and the need's advice on choosing.
    for words in ("Телефония и звонки", "TWIN", "ГлобалТелеком", "«Ошибка в телефонии»",
                  "Поддержка пользователей по вопросам, связанным с платформой ГлобалТелеком.",
                  "если не уверены — «Телефония и звонки»", "есть в 3 категориях"):
        assert words in html
    assert html.count("Лучшее совпадение") == 1 and 'class="suggestion-group best"' in html


def test_a_need_in_two_categories_is_shown_once(client):
    html = client.get("/search", query_string={"q": "настройка обзвона"}, headers=HX).get_data(as_text=True)
    assert options(html).count("Помощь в настройке телефонии") == 1
    assert group_links(html, "Помощь в настройке телефонии") == [
        "/c/twin/pomoshch-v-nastrojke-telefonii", "/c/globaltelekom/pomoshch-v-nastrojke-telefonii",
    ]


def test_a_vague_complaint_in_the_wrong_layout_shows_incident_once(client):
    html = client.get("/search", query_string={"q": "yt hf,jnftn"}, headers=HX).get_data(as_text=True)
    assert "Показаны результаты для «<strong>не работает</strong>»" in html
    assert options(html).count("Инцидент") == 1
    assert len(group_links(html, "Инцидент")) == 8
    assert "Выберите раздел, где случился сбой" in html


def test_every_option_is_a_real_topic_link_and_ids_are_unique(client, app):
    html = client.get("/search", query_string={"q": "не работает"}).get_data(as_text=True)
    ids = re.findall(r'role="option" id="([^"]+)"', html)
    assert ids and len(ids) == len(set(ids))
    for path in re.findall(r'href="(/c/[a-z-]+/[a-z0-9-]+)\?q=', html):
        assert client.get(path).status_code in (200, 302), path


@pytest.mark.parametrize("q", ["не", "не ", "у", "как", "что и", "не р", "rfr", "лк", "12345"])
def test_too_little_to_search_shows_a_hint(client, q):
    html = client.get("/search", query_string={"q": q}, headers=HX).get_data(as_text=True)
    assert 'id="search-options"' not in html and "Ничего не нашлось" not in html
    assert "Опишите проблему подробнее" in html
    assert db.session.scalar(select(func.count(SearchLog.id))) == 0
    data = client.get("/api/search", query_string={"q": q}).get_json()
    assert data["enough"] is False and data["hint"].startswith("Опишите проблему подробнее")
    assert data["topics"] == data["articles"] == data["categories"] == data["groups"] == []


def test_one_meaningful_word_of_three_letters_is_enough(client):
    assert 'id="search-options"' in client.get("/search?q=не раб", headers=HX).get_data(as_text=True)
    data = client.get("/api/search", query_string={"q": "смс"}).get_json()
    assert data["enough"] is True and data["hint"] is None and data["topics"]


def test_api_groups_topics_by_need_and_keeps_its_fields(client):
    data = client.get("/api/search", query_string={"q": "не работает обзвон"}).get_json()
    assert data["topics"][0]["title"] == "Проблемы с телефонией"
    first = data["groups"][0]
    assert first["need"] == "telephony-problem" and first["best"] is True and first["choose"]
    assert [t["category"] for t in first["topics"]] == ["Телефония и звонки", "TWIN", "ГлобалТелеком"]
    assert first["topics"][0]["url"].startswith("/c/telefoniya-i-zvonki/problemy-s-telefoniej?q=")
    assert not any(g["best"] for g in data["groups"][1:])


def test_an_emptied_box_puts_the_home_page_in_the_address_bar(client):
    response = client.get("/search?q=", headers=HX)
    assert response.headers["HX-Replace-Url"] == "/"
    assert 'id="search-options"' not in response.get_data(as_text=True)
    assert "HX-Replace-Url" not in client.get("/search?q=обзвон", headers=HX).headers


def test_live_search_replaces_the_history_entry(client):
    html = client.get("/").get_data(as_text=True)
    form = html[html.index('<form class="search"'):html.index("</form>", html.index('<form class="search"'))]
    assert 'hx-replace-url="true"' in form and "hx-push-url" not in form


def test_a_nonsense_query_lands_on_a_helpful_page(client, app):
    html = client.get("/search", query_string={"q": "рецепт борща"}).get_data(as_text=True)
    assert "Ничего не нашлось по запросу «рецепт борща»" in html
    help_block = html[html.index('class="no-results"'):html.index('<section aria-labelledby="cats-title">')]
    # The guide's advice, how to choose a category, each category with its icon, and «Иное».
    assert "Если вы не знаете, что делать" in help_block and "краткую фразу" in help_block
    assert "Как выбрать категорию" in help_block
    catalog = app.extensions["kb"].catalog
    for category in catalog.categories:
        assert f'href="/c/{category.slug}"' in help_block
    others = re.findall(r'href="/c/([a-z-]+)/inoe\?q=([^"]+)"', help_block)
    assert len(others) == 7 and all(q == "%D1%80%D0%B5%D1%86%D0%B5%D0%BF%D1%82+%D0%B1%D0%BE%D1%80%D1%89%D0%B0"
                                    for _, q in others)
    assert help_block.count("<svg") == 11
    assert 'href="/help/spravka-po-poisku"' in help_block
