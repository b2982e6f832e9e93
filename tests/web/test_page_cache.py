"""Anonymous pages come from the per-process cache with a strong ETag; signed-in pages never do."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import login

ROOT = Path(__file__).resolve().parents[2]
CACHED = ("/", "/c/telefoniya-i-zvonki", "/help/", "/help/identifikator-chata")


@pytest.mark.parametrize("path", CACHED)
def test_anonymous_page_has_an_etag_and_answers_304_when_it_matches(client, path):
    first = client.get(path)
    assert first.status_code == 200
    assert first.headers["Cache-Control"] == "private, no-cache"
    assert "Cookie" in first.headers["Vary"] and "HX-Request" in first.headers["Vary"]
    assert "Set-Cookie" not in first.headers
    etag = first.headers["ETag"]
    assert not etag.startswith("W/")
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == etag
    assert "HX-Request" in again.headers["Vary"]
    assert client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200


def test_cached_page_is_the_page_itself(client):
    first = client.get("/help/identifikator-chata")
    second = client.get("/help/identifikator-chata")
    assert first.data == second.data
    assert "Content-Security-Policy" in second.headers
    assert second.headers["Content-Type"].startswith("text/html")


def test_fragment_and_full_page_are_cached_apart(client):
    page = client.get("/help/identifikator-chata")
    fragment = client.get("/help/identifikator-chata", headers={"HX-Request": "true"})
    boosted = client.get("/help/identifikator-chata", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert b"<html" in page.data and b"<html" not in fragment.data
    assert boosted.data == page.data
    assert fragment.headers["ETag"] != page.headers["ETag"]


def test_anonymous_page_has_no_csrf_token_and_sets_no_cookie(client):
    response = client.get("/")
    assert b"X-CSRFToken" not in response.data
    assert "Set-Cookie" not in response.headers


def test_query_string_is_rendered_not_cached(client):
    response = client.get("/", query_string={"utm_source": "mail"})
    assert response.status_code == 200
    assert "ETag" not in response.headers


def test_signed_in_page_is_never_the_cached_one(client, customer, app):
    anonymous = client.get("/")
    etag = anonymous.headers["ETag"]
    assert customer.company.name not in anonymous.get_data(as_text=True)
    login(client, customer.email)
    signed_in = client.get("/", headers={"If-None-Match": etag})
    assert signed_in.status_code == 200
    assert "ETag" not in signed_in.headers
    assert signed_in.headers["Cache-Control"] == "no-store"
    assert customer.company.name in signed_in.get_data(as_text=True)
    assert b"X-CSRFToken" in signed_in.data
    # Another browser, never signed in, still gets the anonymous page: nothing personal went into the cache.
    other = app.test_client().get("/")
    assert other.headers["ETag"] == etag
    assert customer.company.name not in other.get_data(as_text=True)


def test_page_rendered_for_a_signed_in_account_is_not_cached(client, customer, app):
    login(client, customer.email)
    client.get("/c/telefoniya-i-zvonki")
    other = app.test_client().get("/c/telefoniya-i-zvonki")
    assert customer.company.name not in other.get_data(as_text=True)
    assert "Войти" in other.get_data(as_text=True)


def test_remember_cookie_alone_is_not_taken_for_anonymous(client, customer, app):
    login(client, customer.email)
    client.post("/logout")
    response = client.get("/")
    assert "Войти" in response.get_data(as_text=True)
    stranger = app.test_client()
    stranger.set_cookie("remember_token", "1.forged")
    page = stranger.get("/")
    assert page.status_code == 200 and "ETag" not in page.headers


def test_flash_message_is_shown_not_cached(client, app):
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "Проверочное сообщение")]
    shown = client.get("/")
    assert "Проверочное сообщение" in shown.get_data(as_text=True)
    assert "ETag" not in shown.headers
    assert "Проверочное сообщение" not in client.get("/").get_data(as_text=True)


def test_changed_content_replaces_the_cached_page(app, client, tmp_path):
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    holder = app.extensions["kb"]
    holder.content_dir = content
    holder.reload()
    first = client.get("/help/nomer-lk")
    assert "Где найти номер ЛК" in first.get_data(as_text=True)
    article = content / "articles" / "nomer-lk.md"
    article.write_text(article.read_text(encoding="utf-8").replace("Где найти номер ЛК", "Где взять номер ЛК"),
                       encoding="utf-8")
    holder.check_interval = 0
    changed = client.get("/help/nomer-lk", headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200
    assert "Где взять номер ЛК" in changed.get_data(as_text=True)
    assert changed.headers["ETag"] != first.headers["ETag"]


def test_missing_page_is_not_cached(client):
    assert client.get("/help/no-such-article").status_code == 404
    assert "ETag" not in client.get("/help/no-such-article").headers


def test_static_files_have_versioned_urls_cached_for_good(client):
    page = client.get("/").get_data(as_text=True)
    for name in ("portal.css", "app.js", "vendor/htmx.min.js"):
        url = next(part.split('"')[0] for part in page.split('="')[1:] if part.startswith(f"/static/{name}?v="))
        response = client.get(url)
        assert response.status_code == 200
        assert response.cache_control.immutable and response.cache_control.max_age == 365 * 24 * 3600
        response.close()
    stale = client.get("/static/portal.css?v=000000000000")
    assert not stale.cache_control.immutable
    stale.close()
    plain = client.get("/static/portal.css")
    assert not plain.cache_control.immutable
    plain.close()


def test_search_page_is_rendered_once_for_anonymous_visitors_and_logged_every_time(app, client):
    from sqlalchemy import func
    from sqlalchemy import select

    from extensions import db
    from search.models import SearchLog

    first = client.get("/search", query_string={"q": "не работает обзвон"})
    again = app.test_client().get("/search", query_string={"q": "не работает обзвон"})
    assert first.status_code == again.status_code == 200
    assert first.data == again.data
    assert "Set-Cookie" in again.headers  # this visitor's search, for folding what it types next
    assert db.session.scalar(select(func.count(SearchLog.id))) == 2
    fragment = client.get("/search", query_string={"q": "не работает обзвон"}, headers={"HX-Request": "true"})
    assert b"<html" not in fragment.data and b"<html" in first.data


def test_signed_in_search_page_is_not_the_anonymous_one(client, customer, app):
    app.test_client().get("/search", query_string={"q": "кредитный лимит"})
    login(client, customer.email)
    page = client.get("/search", query_string={"q": "кредитный лимит"})
    assert customer.company.name in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    other = app.test_client().get("/search", query_string={"q": "кредитный лимит"})
    assert customer.company.name not in other.get_data(as_text=True)


def test_repeated_api_search_answers_the_same_and_logs_each(app, client):
    from sqlalchemy import func
    from sqlalchemy import select

    from extensions import db
    from search.models import SearchLog

    answers = [app.test_client().get("/api/search", query_string={"q": "нет звука"}).get_json() for _ in range(3)]
    assert answers[0] == answers[1] == answers[2]
    assert answers[0]["topics"]
    assert db.session.scalar(select(func.count(SearchLog.id))) == 3
