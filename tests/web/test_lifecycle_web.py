"""The whole request loop through the web, with mail over a real SMTP server."""

from __future__ import annotations

import io
import re
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest

from extensions import db
from tests.conftest import login
from tests.lifecycle_helpers import file_request
from tests.smtp_fixture import smtp_server  # noqa: F401
from tests.web.test_request_filing import URL
from tests.web.test_request_filing import good_form
from tickets.models import Ticket

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def mail_app(app, smtp_server):  # noqa: F811
    app.config.update(smtp_server.config)
    return app


def send_mail(runner):
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output


def ticket() -> Ticket:
    db.session.expire_all()
    return db.session.scalar(db.select(Ticket))


def test_file_wait_autoclose_reopen(mail_app, client, runner, customer, agent, smtp_server):  # noqa: F811
    login(client, customer.email)
    assert client.post(URL, data=good_form()).status_code == 303
    number = ticket().id
    client.post("/logout")

    login(client, agent.email)
    assert f"№ {number}" in client.get("/console/").get_data(as_text=True)
    client.post(f"/console/requests/{number}/take")
    client.post(f"/console/requests/{number}/reply", data={"body": "Внутренне: похоже на сбой канала", "mode": "internal"})
    data = {"body": "Пришлите, пожалуйста, время последнего сообщения.", "mode": "wait",
            "attachments": [(io.BytesIO(PNG), "инструкция.png")]}
    assert client.post(f"/console/requests/{number}/reply", data=data, content_type="multipart/form-data").status_code == 303
    assert ticket().status == "waiting_customer"
    client.post("/logout")

    send_mail(runner)
    subjects = [m.message["Subject"] for m in smtp_server.messages]
    assert subjects == [f"[#{number}] Бот перестал отвечать в Telegram"] * 2
    assert all(m.rcpt_tos == [customer.email] for m in smtp_server.messages)
    mail_text = smtp_server.messages[1].message.get_body(("plain",)).get_content()
    assert "время последнего сообщения" in mail_text and f"http://portal.test/requests/{number}" in mail_text
    assert all("похоже на сбой канала" not in m.message.as_string() for m in smtp_server.messages)

    login(client, customer.email)
    page = client.get(f"/requests/{number}").get_data(as_text=True)
    assert "Закроется автоматически через 48 ч, если не ответить" in page
    assert "время последнего сообщения" in page and "инструкция.png" in page
    assert "похоже на сбой канала" not in page

    t = ticket()
    t.waiting_since = datetime.now(UTC) - timedelta(hours=49)
    db.session.commit()
    result = runner.invoke(args=["requests", "close-stale"])
    assert result.exit_code == 0, result.output
    assert ticket().status == "closed"
    again = runner.invoke(args=["requests", "close-stale"])
    assert again.exit_code == 0
    send_mail(runner)
    assert len(smtp_server.messages) == 3 and f"Обращение №{number}" in smtp_server.messages[2].body()
    assert "закрыто" in smtp_server.messages[2].body()

    closed_page = client.get(f"/requests/{number}").get_data(as_text=True)
    assert "напишите ответ ниже" in closed_page
    reply = client.post(f"/requests/{number}/reply", data={"author_name": "Ирина", "body": "Последнее сообщение в 10:42",
                                                           "submission_id": "r1"})
    assert reply.status_code == 303 and reply.location.startswith(f"/requests/{number}#comment-")
    assert ticket().status == "reopened"
    history = client.get(f"/requests/{number}").get_data(as_text=True)
    assert "Клиент ответил в закрытое обращение" in history


def test_reply_errors_keep_text_and_files(logged_in, customer):
    number = file_request(customer).id
    data = {"author_name": "", "body": "Вот лог звонка", "submission_id": "s1",
            "attachments": [(io.BytesIO(b"2026-11-25 call dropped\n"), "call.log")]}
    response = logged_in.post(f"/requests/{number}/reply", data=data, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Укажите имя и контакт" in html and "Вот лог звонка" in html and "call.log" in html
    kept = re.search(r'name="keep" value="(\d+)"', html).group(1)
    ok = logged_in.post(f"/requests/{number}/reply",
                        data={"author_name": "Ирина", "body": "Вот лог звонка", "submission_id": "s1", "keep": kept})
    assert ok.status_code == 303
    assert "call.log" in logged_in.get(f"/requests/{number}").get_data(as_text=True)
    again = logged_in.post(f"/requests/{number}/reply",
                           data={"author_name": "Ирина", "body": "Вот лог звонка", "submission_id": "s1"})
    assert again.location == ok.location


def test_customer_closes_own_request(logged_in, customer):
    number = file_request(customer).id
    assert logged_in.post(f"/requests/{number}/close").status_code == 303
    assert ticket().status == "closed"
    assert "Клиент отметил: вопрос решен" in logged_in.get(f"/requests/{number}").get_data(as_text=True)


def test_queue_order_priority_then_age(client, customer, agent):
    now = datetime.now(UTC)
    other = file_request(customer, "telefoniya-i-zvonki/inoe", "Иное старое", now - timedelta(days=5))
    normal_new = file_request(customer, "telefoniya-i-zvonki/problemy-s-telefoniej", "Обычное новое", now - timedelta(hours=1))
    normal_old = file_request(customer, "telefoniya-i-zvonki/problemy-s-telefoniej", "Обычное старое", now - timedelta(days=2))
    incident = file_request(customer, "telefoniya-i-zvonki/incident", "Инцидент", now)
    login(client, agent.email)
    html = client.get("/console/").get_data(as_text=True)
    order = [int(n) for n in re.findall(r'href="/console/requests/(\d+)">№', html)]
    assert order == [incident.id, normal_old.id, normal_new.id, other.id]
    filtered = client.get("/console/?topic=incident").get_data(as_text=True)
    assert re.findall(r'href="/console/requests/(\d+)">№', filtered) == [str(incident.id)]
    assert "Новое: <strong>4</strong>" in html


def test_queue_is_paged_in_queue_order(client, customer, agent):
    start = datetime.now(UTC) - timedelta(days=30)
    filed = [file_request(customer, summary=f"Запрос {n}", created_at=start + timedelta(minutes=n)).id
             for n in range(120)]
    login(client, agent.email)

    def page(query: str) -> tuple[list[int], str]:
        html = client.get(f"/console/{query}").get_data(as_text=True)
        return [int(n) for n in re.findall(r'href="/console/requests/(\d+)">№', html)], html

    first, html = page("?status=new")
    assert first == filed[:50] and "Показаны 1–50 из 120" in html
    assert 'href="/console/?status=new&amp;page=2"' in html and "Предыдущие" not in html
    last, html = page("?status=new&page=3")
    assert last == filed[100:] and "Показаны 101–120 из 120" in html
    assert "Следующие" not in html and 'href="/console/?status=new&amp;page=2"' in html
    assert page("?page=oops")[0] == filed[:50]


def test_customer_cannot_act_as_agent(logged_in, customer):
    number = file_request(customer).id
    assert logged_in.get("/console/").status_code == 403
    assert logged_in.get(f"/console/requests/{number}").status_code == 403
    assert logged_in.post(f"/console/requests/{number}/reply", data={"body": "x", "mode": "public"}).status_code == 403
    assert logged_in.post(f"/console/requests/{number}/status", data={"target": "closed"}).status_code == 403


def test_other_company_cannot_reply_or_close(client, customer, other_customer):
    number = file_request(customer).id
    login(client, other_customer.email)
    assert client.post(f"/requests/{number}/reply", data={"author_name": "X", "body": "взлом"}).status_code == 404
    assert client.post(f"/requests/{number}/close").status_code == 404
    assert ticket().status == "new"


def test_agent_status_change_is_enforced(client, customer, agent):
    number = file_request(customer).id
    login(client, agent.email)
    bad = client.post(f"/console/requests/{number}/status", data={"target": "reopened"})
    assert bad.status_code == 422
    ok = client.post(f"/console/requests/{number}/status", data={"target": "resolved", "reason": "Исправили"})
    assert ok.status_code == 303
    assert ticket().status == "resolved"


def test_internal_note_attachments_hidden_from_customer(client, customer, agent):
    number = file_request(customer).id
    login(client, agent.email)
    data = {"body": "Заметка", "mode": "internal", "attachments": [(io.BytesIO(PNG), "internal.png")]}
    client.post(f"/console/requests/{number}/reply", data=data, content_type="multipart/form-data")
    console_page = client.get(f"/console/requests/{number}").get_data(as_text=True)
    link = re.search(r'href="(/requests/files/\d+/internal.png)"', console_page).group(1)
    client.post("/logout")
    login(client, customer.email)
    assert "internal.png" not in client.get(f"/requests/{number}").get_data(as_text=True)
    assert client.get(link).status_code == 404


def test_customer_sees_the_place_in_the_queue(logged_in, customer, other_customer):
    now = datetime.now(UTC)
    file_request(other_customer, "telefoniya-i-zvonki/problemy-s-telefoniej", "Чужое", now - timedelta(days=1))
    mine = file_request(customer, "telefoniya-i-zvonki/problemy-s-telefoniej", "Мое", now)
    page = logged_in.get(f"/requests/{mine.id}").get_data(as_text=True)
    assert "Место в очереди: <strong>2</strong> (перед ним 1 обращение)" in page
    assert "Чужое" not in page


def test_my_requests_lead_with_the_ones_waiting_for_an_answer(logged_in, customer, agent):
    from tickets import lifecycle

    quiet = file_request(customer, summary="Обычное")
    asked = file_request(customer, summary="Нужен ваш ответ")
    lifecycle.add_agent_reply(asked, agent, "Пришлите идентификатор звонка", [], wait_for_customer=True)
    html = logged_in.get("/requests/").get_data(as_text=True)
    assert "Ждут вашего ответа: 1" in html
    banner = html.split('id="waiting-title"')[1].split("</section>")[0]
    assert f"№ {asked.id}. Нужен ваш ответ" in banner
    assert re.search(r"Закроется автоматически через 4[78] ч", banner)
    assert f"№ {quiet.id}." not in banner


def test_no_attribute_says_none(client, customer, agent):
    number = file_request(customer).id
    login(client, agent.email)
    for url in ("/console/", f"/console/requests/{number}", "/account/"):
        assert '="None"' not in client.get(url).get_data(as_text=True), url


def test_my_requests_tabs(logged_in, customer, agent):
    from tickets import lifecycle

    open_one = file_request(customer, summary="Открытое")
    asked = file_request(customer, summary="Ждет ответа")
    done = file_request(customer, summary="Закрытое")
    lifecycle.add_agent_reply(asked, agent, "Уточните", [], wait_for_customer=True)
    lifecycle.close_by_customer(done, customer, "Ирина")

    def listed(show: str) -> list[int]:
        html = logged_in.get("/requests/", query_string={"show": show}).get_data(as_text=True)
        table = html.split('<table class="tickets">')[1] if '<table class="tickets">' in html else ""
        return sorted({int(n) for n in re.findall(r'href="/requests/(\d+)">№', table)})

    assert listed("all") == sorted([open_one.id, asked.id, done.id])
    assert listed("open") == sorted([open_one.id, asked.id])
    assert listed("waiting") == [asked.id]
    assert listed("done") == [done.id]
    assert listed("nonsense") == listed("all")
    html = logged_in.get("/requests/?show=done").get_data(as_text=True)
    assert 'href="/requests/?show=done" aria-current="page">Решенные и закрытые <span class="count">1</span>' in html


def test_agents_see_mail_the_server_refused_for_good(mail_app, client, runner, customer, agent, smtp_server):  # noqa: F811
    smtp_server.refuse(customer.email)
    number = file_request(customer).id
    send_mail(runner)
    assert smtp_server.messages == []
    login(client, agent.email)
    page = client.get(f"/console/requests/{number}").get_data(as_text=True)
    assert "Письма клиенту не доставлены" in page
    assert f"Обращение №{number} создано" in page and "550" in page
