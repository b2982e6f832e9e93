"""Every catalog and help page renders from content."""

from __future__ import annotations

import pytest

from kb.catalog import load_catalog
from tests.conftest import login

CATALOG = load_catalog("content")
TOPICS = [(t.category_slug, t.slug) for t in CATALOG.topics()]


def test_home_lists_the_eleven_categories(client):
    html = client.get("/").get_data(as_text=True)
    for category in CATALOG.categories:
        assert category.title.replace(",", "") in html.replace(",", "")
        assert category.summary in html
    assert 'role="search"' in html


@pytest.mark.parametrize("category", [c.slug for c in CATALOG.categories])
def test_category_page_lists_its_topics(client, category):
    response = client.get(f"/c/{category}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for topic in CATALOG.category(category).topics:
        assert topic.title in html
        assert topic.description.replace("'", "&#39;").replace('"', "&#34;") in html


@pytest.mark.parametrize(("category", "topic"), TOPICS)
def test_every_topic_form_renders(logged_in, category, topic):
    response = logged_in.get(f"/c/{category}/{topic}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    found = CATALOG.topic(category, topic)
    assert found.title in html
    assert 'name="lk_number"' in html and 'name="summary"' in html and 'name="attachments"' in html
    assert '="None"' not in html
    for topic_field in found.fields:
        assert f'name="{topic_field.field.key}"' in html
        assert f'<label for="{topic_field.field.key}">{topic_field.field.label}' in html
        if topic_field.field.help:
            assert f'href="/help/{topic_field.field.help}"' in html


@pytest.mark.parametrize("slug", sorted(CATALOG.articles))
def test_every_article_renders(client, slug):
    response = client.get(f"/help/{slug}")
    assert response.status_code == 200
    assert CATALOG.article(slug).title in response.get_data(as_text=True)


def test_help_index_lists_field_and_guide_articles(client):
    html = client.get("/help/").get_data(as_text=True)
    for article in CATALOG.articles.values():
        assert f'href="/help/{article.slug}"' in html


@pytest.mark.parametrize("url", ["/c/nope", "/c/twin/nope", "/help/nope", "/requests/999"])
def test_unknown_pages_are_404_in_russian(logged_in, url):
    response = logged_in.get(url)
    assert response.status_code == 404
    assert "Страница не найдена" in response.get_data(as_text=True)


def test_topic_form_needs_login_and_comes_back(client, customer):
    response = client.get("/c/chaty-i-rassylki/problema-s-chatami?q=бот молчит")
    assert response.status_code == 302
    assert "/login?next=" in response.location
    next_url = response.location.split("next=", 1)[1]
    back = client.post("/login", data={"email": customer.email, "password": "correct-horse-42",
                                       "next": __import__("urllib.parse").parse.unquote(next_url)})
    assert back.status_code == 303
    assert back.location.startswith("/c/chaty-i-rassylki/problema-s-chatami")
    form = client.get(back.location).get_data(as_text=True)
    assert 'value="бот молчит"' in form
    assert 'value="104527"' in form


def test_login_rejects_foreign_next(client, customer):
    response = client.post("/login", data={"email": customer.email, "password": "correct-horse-42",
                                           "next": "https://evil.example/phish"})
    assert response.location == "/requests/"


def test_wrong_password_is_422_with_email_kept(client, customer):
    response = login(client, customer.email, "wrong")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Неверная почта или пароль" in html
    assert f'value="{customer.email}"' in html
