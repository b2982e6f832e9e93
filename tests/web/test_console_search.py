"""The console search page: tables, the period filter, CSV for Excel, removing a pair with CSRF."""

from __future__ import annotations

import itertools
import re
from datetime import timedelta

import pytest

from extensions import db
from kb import current_catalog
from search.models import SearchLog
from tests.conftest import PASSWORD
from tests.conftest import login
from tests.web.test_fragments import assert_contract
from tickets.models import utcnow
from tickets.service import NewRequest
from tickets.service import create_ticket

TOPIC = "chaty-i-rassylki/problema-s-chatami"


def log(query: str, times: int = 1, days_ago: float = 0, found: bool = True, corrected: str | None = None) -> None:
    for _ in range(times):
        db.session.add(SearchLog(query=query, corrected=corrected, had_results=found, result_count=int(found),
                                 created_at=utcnow() - timedelta(days=days_ago)))
    db.session.commit()


_companies = itertools.count(700000)


def filed_from_search(phrase: str, companies: int, days_ago: float = 0) -> None:
    from tickets.accounts import create_company

    catalog = current_catalog()
    for n in range(companies):
        lk = next(_companies)
        user = create_company(f"ООО {lk}", f"{lk}@c.test", PASSWORD, lk_number=str(lk))
        request = NewRequest(catalog.category("chaty-i-rassylki"), catalog.topic(*TOPIC.split("/")), "Бот молчит",
                             "Подробности", "Ирина", f"s-{n}", search_phrase=phrase)
        create_ticket(user, request, [], now=utcnow() - timedelta(days=days_ago))


@pytest.fixture
def agent_client(client, agent):
    login(client, agent.email)
    return client


def test_only_agents_see_it_and_the_queue_links_to_it(client, logged_in, agent):
    assert logged_in.get("/console/search/").status_code == 403
    assert logged_in.get("/console/search/queries?format=csv").status_code == 403
    login(client, agent.email)
    assert 'href="/console/search/"' in client.get("/console/").get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_log_in(app):
    assert app.test_client().get("/console/search/").status_code == 302


def test_the_tables_and_the_period(agent_client):
    log("обзвон", 3)
    log("рецепт борща", 2, found=False)
    log("старый запрос", 1, days_ago=20)
    log("j,pdjy", 2, corrected="обзвон")
    filed_from_search("бот молчит", 3)
    page = agent_client.get("/console/search/").get_data(as_text=True)
    for row in ("<td>обзвон</td><td>3</td><td>0</td>", "<td>рецепт борща</td><td>2</td><td>2</td>",
                "<td>рецепт борща</td><td>2</td></tr>", "<td>j,pdjy</td><td>обзвон</td><td>2</td>",
                "<td>старый запрос</td>", "<td>бот молчит</td><td>Чаты и рассылки › Проблема с чатами</td><td>3</td>"):
        assert row in page
    week = agent_client.get("/console/search/?days=7").get_data(as_text=True)
    assert "старый запрос" not in week and "<td>обзвон</td><td>3</td>" in week
    assert '<option value="7" selected>' in week
    # Anything but 7, 30 or 90 is the default month.
    assert '<option value="30" selected>' in agent_client.get("/console/search/?days=1000").get_data(as_text=True)


def test_pairs_show_whether_they_count(agent_client):
    filed_from_search("бот молчит", 2)
    filed_from_search("рассылка не ушла", 3, days_ago=100)
    page = agent_client.get("/console/search/?days=90").get_data(as_text=True)
    assert re.search(r"<td>бот молчит</td>.*?<td>2</td><td>2</td>\s*<td>[^<]+</td><td>нет</td><td>0.0</td>", page, re.S)
    assert "рассылка не ушла" not in page  # last filed before the period
    page = agent_client.get("/console/search/pairs?days=90").get_data(as_text=True)
    assert "бот молчит" in page and "Скачать CSV" in page


def test_each_table_downloads_as_csv_for_excel(agent_client):
    log("=HYPERLINK(\"http://evil\")", 2)
    log("обзвон", 1)
    for name in ("queries", "zero", "pairs", "corrections", "deflection"):
        response = agent_client.get(f"/console/search/{name}?format=csv&days=7")
        assert response.status_code == 200 and response.mimetype == "text/csv"
        assert response.headers["Content-Disposition"] == f'attachment; filename="search-{name}-7d.csv"'
        assert response.data.startswith("\ufeff".encode())
    body = agent_client.get("/console/search/queries?format=csv").data.decode("utf-8-sig")
    lines = body.splitlines()
    assert lines[0] == "Запрос;Сколько раз;Из них без результатов"
    # A query Excel would run as a formula is written as text.
    assert lines[1] == '"\'=HYPERLINK(""http://evil"")";2;0'
    assert "обзвон;1;0" in lines


def test_a_bad_remove_is_422_with_a_message(agent_client):
    response = agent_client.post("/console/search/pairs/remove", data={"phrase": "", "topic": TOPIC})
    assert response.status_code == 422 and "Не указан запрос" in response.get_data(as_text=True)


def test_the_report_keeps_the_fragment_contract(agent_client):
    assert_contract(agent_client, "GET", "/console/search/?days=7", None, '<div id="search_report"')


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_removing_a_pair_needs_the_csrf_token(app, agent_client):
    client = agent_client
    filed_from_search("бот молчит", 3)
    app.config["WTF_CSRF_ENABLED"] = True
    page = client.get("/console/search/").get_data(as_text=True)
    assert "Убрать пару «бот молчит» → «Чаты и рассылки › Проблема с чатами»" in page
    data = {"phrase": "бот молчит", "topic": TOPIC, "days": "30"}
    assert client.post("/console/search/pairs/remove", data=data).status_code == 400
    removed = client.post("/console/search/pairs/remove", data={**data, "csrf_token": _token(page)})
    assert removed.status_code == 303
    page = client.get("/console/search/").get_data(as_text=True)
    assert "<td>удалена</td>" in page and "Убрать пару «бот молчит»" not in page


def test_the_search_log_keeps_the_correction_taken(client):
    client.get("/api/search", query_string={"q": "j,pdjy"})
    row = db.session.scalar(db.select(SearchLog))
    assert (row.query, row.corrected) == ("j,pdjy", "обзвон")
    client.get("/api/search", query_string={"q": "обзвон"})  # nothing to correct: typed as meant
    assert db.session.scalar(db.select(SearchLog).order_by(SearchLog.id.desc())).corrected is None
