"""The public search API, the search log and the `flask search` commands."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlalchemy import select

from extensions import db
from search import current_index
from search.log import scrub
from search.models import SearchLog
from search.text import MAX_QUERY_LENGTH

ROOT = Path(__file__).resolve().parents[2]


def log_rows() -> list[SearchLog]:
    return list(db.session.scalars(select(SearchLog).order_by(SearchLog.id)))


def test_answer_has_the_contract_shape(client):
    response = client.get("/api/search", query_string={"q": "не работает обзвон"})
    assert response.status_code == 200
    data = response.get_json()
    assert data["query"] == "не работает обзвон"
    assert data["corrected"] is None
    assert isinstance(data["confident"], bool)
    assert {"title", "url", "score"} <= set(data["categories"][0])
    assert {"category", "title", "url", "score"} <= set(data["topics"][0])
    assert {"title", "url", "score"} <= set(data["articles"][0])
    assert all(len(data[key]) <= 5 for key in ("categories", "topics", "articles"))


def test_answer_is_readable_utf8(client):
    response = client.get("/api/search", query_string={"q": "обзвон"})
    assert response.content_type == "application/json"
    assert "Телефония и звонки".encode() in response.data and b"\\u04" not in response.data


def test_titles_and_urls_come_from_the_catalog(client, app):
    data = client.get("/api/search", query_string={"q": "yt hf,jnftn j,pdjy"}).get_json()
    assert data["corrected"] == "не работает обзвон"
    catalog = app.extensions["kb"].catalog
    topic = data["topics"][0]
    category = next(c for c in catalog.categories if c.title == topic["category"])
    found = next(t for t in category.topics if t.title == topic["title"])
    assert topic["url"].startswith(f"/c/{category.slug}/{found.slug}?q=")
    assert data["categories"][0]["url"] == f"/c/{catalog.categories[2].slug}"
    assert data["categories"][0]["title"] == "Телефония и звонки"
    article = data["articles"][0]
    assert article["url"].startswith("/help/")
    assert article["title"] in {a.title for a in catalog.articles.values()}


@pytest.mark.parametrize(
    ("limit", "expected"), [("1", 1), ("3", 3), ("0", 1), ("-4", 1), ("100", 20), (" 2 ", 2)]
)
def test_limit_is_clamped(client, limit, expected):
    data = client.get("/api/search", query_string={"q": "бот", "limit": limit}).get_json()
    assert max(len(data["topics"]), len(data["articles"]), len(data["categories"])) == expected


@pytest.mark.parametrize("limit", ["abc", "1.5", "1e3", "５x"])
def test_bad_limit_is_a_400_with_a_russian_message(client, limit):
    response = client.get("/api/search", query_string={"q": "бот", "limit": limit})
    assert response.status_code == 400
    assert "limit" in response.get_json()["error"]
    assert "целым" in response.get_json()["error"]


@pytest.mark.parametrize(
    "q",
    ["", "   ", "😀", "'; DROP TABLE search_log; --", "\x00\x07\x1b", "а" * 1000, "%00%ff", "\ufffe"],
)
def test_odd_queries_never_fail(client, q):
    response = client.get("/api/search", query_string={"q": q, "limit": "20"})
    assert response.status_code == 200
    assert len(response.get_json()["query"]) <= MAX_QUERY_LENGTH


def test_missing_q_is_an_empty_answer(client):
    data = client.get("/api/search").get_json()
    assert data["topics"] == data["articles"] == data["categories"] == []


def test_each_search_is_logged_without_personal_data(client):
    personal = "Отчёт 1234567 не приходит на ivan@romashka.ru, +7 (912) 345-67-89"
    client.get("/api/search", query_string={"q": personal})
    client.get("/api/search", query_string={"q": "zzzqqq"})
    client.get("/api/search", query_string={"q": "   "})
    first, second = log_rows()
    assert first.query == "отчет <number> не приходит на <email> <phone>"
    assert first.had_results and first.result_count > 0
    assert first.top_result.startswith(("topic:", "article:", "category:"))
    assert second.query == "zzzqqq"
    assert not second.had_results and second.top_result is None and second.result_count == 0


def test_scrub_removes_phones_emails_links_and_long_numbers():
    assert scrub("Звонок  89123456789 и 8 912 345 67 89") == "звонок <phone> и <phone>"
    assert scrub("лк 104527, чат https://x.ru/a?b=1 a.b@c.d") == "лк <number>, чат <url> <email>"
    assert scrub("бот v2 код 1234") == "бот v2 код 1234"


def test_search_log_can_be_switched_off(app_config, request):
    app_config["SEARCH_LOG"] = False
    client = request.getfixturevalue("client")
    client.get("/api/search", query_string={"q": "отчет"})
    assert db.session.scalar(select(func.count(SearchLog.id))) == 0


def test_index_is_rebuilt_when_content_reloads(app_config, tmp_path):
    from app import create_app

    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    # No `app` fixture here, so nothing would wipe log rows this app wrote.
    app = create_app(dict(app_config, CONTENT_DIR=str(content), SEARCH_LOG=False))
    with app.app_context():
        before = current_index()
        assert not app.test_client().get("/api/search", query_string={"q": "гипершлюз"}).get_json()["topics"]
        (content / "synonyms.yaml").write_text("groups:\n  - [гипершлюз, транк]\n", encoding="utf-8")
        app.extensions["kb"].reload()
        assert current_index() is not before
        topics = app.test_client().get("/api/search", query_string={"q": "гипершлюз"}).get_json()["topics"]
        assert topics[0]["title"] == "Подключение транка телефонии"
        db.session.remove()
        db.engine.dispose()


def test_cli_query_prints_the_ranking(runner):
    result = runner.invoke(args=["search", "query", "yt hf,jnftn j,pdjy"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Показаны результаты для: не работает обзвон"
    assert lines[1].startswith(" 1.")
    assert "Проблем" in result.output and "телефони" in result.output


def test_cli_query_says_when_nothing_is_found(runner):
    result = runner.invoke(args=["search", "query", "zzzqqq"])
    assert result.exit_code == 0
    assert "Ничего не найдено." in result.output


def test_cli_eval_prints_metrics_per_kind_and_overall(runner, tmp_path):
    rows = [
        {"query": "не работает обзвон", "kind": "topic",
         "accept": [{"category": "Телефония и звонки", "topic": "Проблемы с телефонией"},
                    {"category": "TWIN", "topic": "Проблема с телефонией"},
                    {"category": "ГлобалТелеком", "topic": "Ошибка в телефонии"}]},
        {"query": "id чата", "kind": "article", "accept": ["идентификатор чата"]},
        {"query": "звонки", "kind": "category", "accept": ["Телефония и звонки"]},
        {"query": "zzzqqq", "kind": "category", "accept": ["Телефония и звонки"]},
    ]
    path = tmp_path / "queries.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    result = runner.invoke(args=["search", "eval", str(path)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[-1] == "hit@1=0.750 hit@3=0.750 MRR=0.750 (n=4)"
    assert "topic: hit@1=1.000 hit@3=1.000 MRR=1.000 (n=1)" in lines
    assert "category: hit@1=0.500 hit@3=0.500 MRR=0.500 (n=2)" in lines
    assert log_rows() == []


def test_cli_eval_rejects_a_broken_file(runner, tmp_path):
    path = tmp_path / "broken.jsonl"
    path.write_text("{not json", encoding="utf-8")
    result = runner.invoke(args=["search", "eval", str(path)])
    assert result.exit_code != 0
    assert "JSON" in result.output


def test_cli_report_lists_frequent_zero_result_queries(app, runner):
    assert "Запросов без результатов нет." in runner.invoke(args=["search", "report"]).output
    for q in ("zzzqqq", "ZZZQQQ", "xyxyxy", "отчет"):
        app.test_client().get("/api/search", query_string={"q": q})
    result = runner.invoke(args=["search", "report"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[1].split() == ["2", "zzzqqq"]
    assert lines[2].split() == ["1", "xyxyxy"]
    assert "отчет" not in result.output


def test_typing_one_search_logs_it_once(app, client):
    for q in ("не р", "не раб", "не работает", "не работает обзв", "не работает обзвон"):
        client.get("/search", query_string={"q": q}, headers={"HX-Request": "true"})
    client.get("/search", query_string={"q": "не работает обз"})
    (row,) = log_rows()
    assert row.query == "не работает обз" and row.had_results

    client.get("/api/search", query_string={"q": "кредитный лимит"})
    app.test_client().get("/api/search", query_string={"q": "кредитный лимит"})
    assert [r.query for r in log_rows()] == ["не работает обз", "кредитный лимит", "кредитный лимит"]


def test_a_pause_starts_a_new_search(client):
    client.get("/api/search", query_string={"q": "отчет"})
    with client.session_transaction() as session:
        row_id, text, _ = session["last_search"]
        session["last_search"] = [row_id, text, "2020-01-01T00:00:00+00:00"]
    client.get("/api/search", query_string={"q": "отчет не формируется"})
    assert [r.query for r in log_rows()] == ["отчет", "отчет не формируется"]


def test_a_broken_session_value_does_not_break_search(client):
    with client.session_transaction() as session:
        session["last_search"] = "garbage"
    assert client.get("/api/search", query_string={"q": "отчет"}).status_code == 200
    assert [r.query for r in log_rows()] == ["отчет"]


def test_run_search_passes_a_prior_through(app):
    from search import run_search

    app.config["SEARCH_LOG"] = False
    with app.test_request_context("/api/search"):
        base = run_search("не приходят сообщения", 10)
        last = base.topics[-1].topic.key
        assert run_search("не приходят сообщения", 10, prior=None) == base
        boosted = run_search("не приходят сообщения", 10, prior={last: 1.0})
    assert [h.topic.key for h in boosted.topics].index(last) < len(base.topics) - 1


def test_cli_eval_is_not_stopped_by_the_api_rate_limit(app_config, _schema, tmp_path):
    """Measuring 150 queries must not meet the search API's per-client limit (120 a minute)."""
    from app import create_app

    app = create_app(dict(app_config, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://"))
    row = {"query": "не работает обзвон", "kind": "topic",
           "accept": [{"category": "Телефония и звонки", "topic": "Проблемы с телефонией"}]}
    path = tmp_path / "queries.jsonl"
    path.write_text("\n".join(json.dumps(row, ensure_ascii=False) for _ in range(150)), encoding="utf-8")
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["search", "eval", str(path)])
        db.session.remove()
        db.engine.dispose()
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "hit@1=1.000 hit@3=1.000 MRR=1.000 (n=150)"
