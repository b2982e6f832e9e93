"""The request lifecycle at domain level: replies, status changes, the agent queue, the mail they queue."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
from sqlalchemy import update

from extensions import db
from tests.lifecycle_helpers import file_request
from tests.lifecycle_helpers import history
from tests.lifecycle_helpers import outbox
from tests.smtp_fixture import smtp_server  # noqa: F401
from tickets import autoclose
from tickets import lifecycle
from tickets import queue
from tickets.lifecycle import NotAllowed
from tickets.lifecycle import WorkflowError
from tickets.models import Attachment
from tickets.models import Comment
from tickets.models import Ticket
from tickets.outbox import deliver_due
from tickets.queue import QueueFilters
from tickets.status import Status
from tickets.status import TransitionError

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def draft(user, name: str = "скрин.png") -> Attachment:
    attachment = Attachment(company_id=user.company_id, uploader_id=user.id, draft_key="draft-1",
                            filename=name, content_type="image/png", size=3, sha256="0" * 64,
                            storage_name=f"s-{name}")
    db.session.add(attachment)
    db.session.commit()
    return attachment


def waiting(customer, agent, at: datetime = T0) -> Ticket:
    ticket = file_request(customer, created_at=at)
    lifecycle.add_agent_reply(ticket, agent, "Пришлите скриншот", [], wait_for_customer=True, now=at)
    return ticket


def test_customer_reply_moves_waiting_request_back_to_support(customer, agent):
    ticket = waiting(customer, agent)
    now = T0 + timedelta(hours=3)
    screenshot = draft(customer)
    target, comment = lifecycle.add_customer_reply(ticket, customer, "Ирина, бухгалтерия", "  Вот скриншот  ",
                                                  [screenshot], "reply-1", now=now)
    assert target is ticket and ticket.status == Status.IN_PROGRESS
    assert ticket.waiting_since is None and ticket.updated_at == now
    assert (comment.body, comment.author_name, comment.from_agent) == (
        "Вот скриншот", "Ирина, бухгалтерия", False)
    assert (screenshot.comment_id, screenshot.ticket_id, screenshot.draft_key) == (
        comment.id, ticket.id, None)
    last = history(ticket.id)[-1]
    assert (last.from_status, last.to_status, last.actor_id, last.actor_label, last.reason) == (
        "waiting_customer", "in_progress", customer.id, "Ирина, бухгалтерия", "Клиент ответил")
    assert last.created_at == now


def test_customer_reply_is_idempotent_on_submission(customer, agent):
    ticket = waiting(customer, agent)
    first = lifecycle.add_customer_reply(ticket, customer, "Ирина", "Ответ", [], "reply-1", now=T0)
    again = lifecycle.add_customer_reply(ticket, customer, "Ирина", "Ответ", [], "reply-1", now=T0)
    assert first == again
    assert db.session.scalar(db.select(db.func.count()).select_from(Comment).filter_by(from_agent=False)) == 1
    assert [h.to_status for h in history(ticket.id)].count("in_progress") == 1


def test_empty_reply_and_foreign_request_are_refused(customer, other_customer, agent):
    ticket = waiting(customer, agent)
    with pytest.raises(WorkflowError, match="Напишите сообщение"):
        lifecycle.add_customer_reply(ticket, customer, "Ирина", "   ", [], "reply-1")
    with pytest.raises(NotAllowed):
        lifecycle.add_customer_reply(ticket, other_customer, "Чужой", "Привет", [], "reply-2")
    with pytest.raises(NotAllowed):
        lifecycle.add_customer_reply(ticket, customer, "Ирина", "Файл", [draft(other_customer)], "reply-3")
    assert ticket.status == Status.WAITING_CUSTOMER


def test_reply_to_closed_request_reopens_it_with_reason(customer, agent):
    ticket = waiting(customer, agent)
    autoclose.close_stale(now=T0 + timedelta(hours=49))
    now = T0 + timedelta(days=10)
    target, _ = lifecycle.add_customer_reply(ticket, customer, "Ирина", "Проблема вернулась", [], "r", now=now)
    assert target is ticket and ticket.status == Status.REOPENED and ticket.closed_at is None
    last = history(ticket.id)[-1]
    assert (last.from_status, last.to_status, last.reason) == ("closed", "reopened",
                                                               "Клиент ответил в закрытое обращение")


def test_reply_to_resolved_request_reopens_it(customer, agent):
    ticket = file_request(customer)
    lifecycle.change_status(ticket, agent, Status.RESOLVED, now=T0)
    lifecycle.add_customer_reply(ticket, customer, "Ирина", "Не помогло", [], "r", now=T0 + timedelta(hours=1))
    assert ticket.status == Status.REOPENED


def test_reply_after_the_window_opens_a_linked_request(customer, agent):
    old = file_request(customer, topic="telefoniya-i-zvonki/incident", summary="Не работает обзвон")
    lifecycle.change_status(old, agent, Status.CLOSED, now=T0)
    attachment = draft(customer)
    now = T0 + timedelta(days=31)
    new, comment = lifecycle.add_customer_reply(old, customer, "Ирина", "Снова не звонит", [attachment], "r",
                                               now=now, reopen_window_days=30)
    assert new.id != old.id and old.status == Status.CLOSED
    assert (new.linked_ticket_id, new.status, new.priority, new.topic_title) == (
        old.id, "new", "high", "Инцидент")
    assert f"№{old.id}" in new.summary and "Не работает обзвон" in new.summary
    assert comment.ticket_id == new.id and attachment.ticket_id == new.id
    assert [h.to_status for h in history(new.id)] == ["new"]
    assert outbox(new.id)[0].subject.startswith(f"Обращение №{new.id} создано")
    again = lifecycle.add_customer_reply(old, customer, "Ирина", "Снова не звонит", [], "r", now=now)
    assert again == (new, comment)


def test_customer_closes_own_request(customer, other_customer, agent):
    ticket = file_request(customer)
    queued = len(outbox())
    with pytest.raises(NotAllowed):
        lifecycle.close_by_customer(ticket, other_customer, "Чужой")
    lifecycle.close_by_customer(ticket, customer, "Ирина", now=T0)
    lifecycle.close_by_customer(ticket, customer, "Ирина", now=T0)
    assert ticket.status == Status.CLOSED and ticket.closed_at == T0
    assert [(h.to_status, h.actor_label, h.reason) for h in history(ticket.id)][1:] == [
        ("closed", "Ирина", "Клиент отметил: вопрос решен")]
    assert len(outbox()) == queued


def test_agent_reply_is_mailed_and_takes_the_request(customer, agent):
    ticket = file_request(customer)
    lifecycle.add_agent_reply(ticket, agent, "Проверяем логи", [draft(customer, "лог.txt")], now=T0)
    assert ticket.status == Status.IN_PROGRESS and ticket.assignee_id == agent.id
    mail = outbox(ticket.id)[-1]
    assert mail.to_addr == "support-group@romashka.test"
    assert mail.subject == f"Обращение №{ticket.id}: новый комментарий специалиста"
    assert "Проверяем логи" in mail.text_body and "Анна из поддержки" in mail.text_body
    assert "лог.txt" in mail.text_body and f"http://portal.test/requests/{ticket.id}" in mail.text_body
    assert "Проверяем логи" in mail.html_body and "ждет вашего ответа" not in mail.text_body


def test_waiting_for_customer_mails_the_deadline_in_account_time(customer, agent):
    ticket = waiting(customer, agent, at=datetime(2026, 11, 25, 11, 5, tzinfo=UTC))
    assert ticket.status == Status.WAITING_CUSTOMER and ticket.waiting_since == datetime(2026, 11, 25, 11, 5,
                                                                                         tzinfo=UTC)
    mail = outbox(ticket.id)[-1]
    assert mail.subject == f"Обращение №{ticket.id}: специалист ждет вашего ответа"
    assert "до 27.11.2026 14:05 (МСК)" in mail.text_body
    assert "27.11.2026 14:05" in mail.html_body


def test_internal_note_is_never_mailed_and_changes_nothing(customer, agent):
    ticket = file_request(customer)
    queued = len(outbox())
    note = lifecycle.add_agent_reply(ticket, agent, "Клиент путает ЛК, <b>проверить</b>", [], internal=True)
    assert note.internal and ticket.status == Status.NEW and ticket.assignee_id is None
    assert len(outbox()) == queued
    with pytest.raises(WorkflowError):
        lifecycle.add_agent_reply(ticket, agent, "Заметка", [], wait_for_customer=True, internal=True)
    with pytest.raises(NotAllowed):
        lifecycle.add_agent_reply(ticket, customer, "Я не специалист", [])


def test_take_assigns_and_starts_work(customer, agent):
    ticket = file_request(customer)
    lifecycle.take(ticket, agent, now=T0)
    assert (ticket.assignee_id, ticket.status) == (agent.id, Status.IN_PROGRESS)
    last = history(ticket.id)[-1]
    assert (last.to_status, last.actor_id, last.actor_label, last.reason, last.created_at) == (
        "in_progress", agent.id, "Анна из поддержки", "Взято в работу", T0)


def test_change_status_enforces_the_table_and_mails_closing(customer, agent):
    ticket = file_request(customer)
    lifecycle.change_status(ticket, agent, "resolved", reason="Исправили часовой пояс", now=T0)
    resolved = outbox(ticket.id)[-1]
    assert resolved.subject == f"Обращение №{ticket.id} решено"
    assert "Исправили часовой пояс" in resolved.text_body
    assert "напишите ответ в обращении" in resolved.text_body
    with pytest.raises(TransitionError):
        lifecycle.change_status(ticket, agent, Status.WAITING_CUSTOMER)
    lifecycle.change_status(ticket, agent, Status.CLOSED, now=T0 + timedelta(hours=1))
    closed = outbox(ticket.id)[-1]
    assert closed.subject == f"Обращение №{ticket.id} закрыто" and "30 дней" in closed.text_body
    with pytest.raises(NotAllowed):
        lifecycle.change_status(ticket, customer, Status.REOPENED)
    assert [h.to_status for h in history(ticket.id)] == ["new", "resolved", "closed"]


def test_change_status_refuses_a_request_changed_meanwhile(customer, agent):
    ticket = file_request(customer)
    assert ticket.status == Status.NEW
    with db.engine.begin() as other:
        other.execute(update(Ticket).where(Ticket.id == ticket.id).values(status="closed"))
    with pytest.raises(WorkflowError, match="только что изменили"):
        lifecycle.change_status(ticket, agent, Status.IN_PROGRESS)
    assert [h.to_status for h in history(ticket.id)] == ["new"]


def test_queue_orders_by_priority_then_age_and_filters(customer, other_customer, agent):
    day = timedelta(days=1)
    low = file_request(customer, "lichnyj-kabinet/inoe", "Иное", created_at=T0 - 5 * day)
    normal_old = file_request(customer, "lichnyj-kabinet/oshibka-v-rabote-lk", "Старое",
                              created_at=T0 - 3 * day)
    normal_new = file_request(other_customer, "bot-i-scenarii/incident", "Новый инцидент", created_at=T0)
    incident = file_request(customer, "lichnyj-kabinet/incident", "Инцидент", created_at=T0 - day)
    done = file_request(customer, "lichnyj-kabinet/incident", "Закрытое", created_at=T0 - 9 * day)
    lifecycle.change_status(done, agent, Status.CLOSED)
    lifecycle.take(normal_old, agent)

    assert queue.queue_query() == [incident, normal_new, normal_old, low]
    assert queue.queue_query(QueueFilters(category="lichnyj-kabinet")) == [incident, normal_old, low]
    assert queue.queue_query(QueueFilters(category="lichnyj-kabinet", topic="inoe")) == [low]
    assert queue.queue_query(QueueFilters(status="closed")) == [done]
    assert queue.queue_query(QueueFilters(assignee_id=agent.id)) == [normal_old]
    assert queue.queue_query(QueueFilters(unassigned=True)) == [incident, normal_new, low]
    assert queue.queue_query(QueueFilters(limit=1, page=2)) == [normal_new]

    counts = queue.status_counts()
    assert counts == {Status.NEW: 3, Status.IN_PROGRESS: 1, Status.WAITING_CUSTOMER: 0, Status.RESOLVED: 0,
                      Status.CLOSED: 1, Status.REOPENED: 0}
    assert queue.status_counts(QueueFilters(category="bot-i-scenarii"))[Status.NEW] == 1


def test_journey_from_filing_to_auto_close_and_back(app, customer, agent, smtp_server):  # noqa: F811
    """File → agent asks and waits → mail → 49 h of silence closes it → the customer's reply reopens it."""
    app.config.update(smtp_server.config)
    ticket = file_request(customer, summary="Не формируется отчет", created_at=T0)
    lifecycle.take(ticket, agent, now=T0 + timedelta(minutes=5))
    lifecycle.add_agent_reply(ticket, agent, "Уточните период отчета", [], wait_for_customer=True,
                             now=T0 + timedelta(minutes=10))
    lifecycle.add_agent_reply(ticket, agent, "Похоже на прошлый случай", [], internal=True,
                             now=T0 + timedelta(minutes=11))
    assert deliver_due(app.config, now=T0 + timedelta(minutes=12)) == (2, 0)
    created, question = smtp_server.messages
    assert created.rcpt_tos == question.rcpt_tos == ["support-group@romashka.test"]
    # One subject on the wire for the whole thread; the row keeps what happened, for agents.
    assert created.subject == question.subject == f"[#{ticket.id}] Не формируется отчет"
    assert outbox(ticket.id)[0].subject == f"Обращение №{ticket.id} создано: Не формируется отчет"
    assert "Уточните период отчета" in question.body() and "Уточните период отчета" in question.body("html")
    assert "27.11.2026 12:10 (МСК)" in question.body()
    assert all("Похоже на прошлый случай" not in m.body() + m.body("html") for m in smtp_server.messages)

    assert autoclose.close_stale(now=T0 + timedelta(hours=30)) == (0, 1)
    assert autoclose.close_stale(now=T0 + timedelta(hours=49)) == (1, 0)
    assert deliver_due(app.config, now=T0 + timedelta(hours=49)) == (2, 0)
    reminder, closing = smtp_server.messages[2:]
    assert reminder.subject == closing.subject == created.subject
    assert [m.subject for m in outbox(ticket.id)[2:]] == [f"Обращение №{ticket.id} закроется через 19 ч без вашего ответа",
                                                          f"Обращение №{ticket.id} закрыто"]
    assert "не получил вашего ответа за 48 ч" in closing.body() and "вернуть" in closing.body("html")
    assert ticket.status == Status.CLOSED

    lifecycle.add_customer_reply(ticket, customer, "Ирина", "Период — ноябрь", [], "answer-1",
                                now=T0 + timedelta(days=3))
    assert ticket.status == Status.REOPENED
    assert [(h.to_status, h.actor_label) for h in history(ticket.id)] == [
        ("new", "Ирина"), ("in_progress", "Анна из поддержки"), ("waiting_customer", "Анна из поддержки"),
        ("closed", "Система"), ("reopened", "Ирина"),
    ]
    assert len(smtp_server.messages) == 4


def test_queue_position_counts_untaken_requests_ahead(customer, other_customer, agent):
    day = timedelta(days=1)
    old = file_request(customer, "lichnyj-kabinet/oshibka-v-rabote-lk", "Старое", created_at=T0 - 2 * day)
    low = file_request(customer, "lichnyj-kabinet/inoe", "Иное", created_at=T0 - 3 * day)
    mine = file_request(customer, "lichnyj-kabinet/oshibka-v-rabote-lk", "Мое", created_at=T0)
    assert [queue.queue_position(t) for t in (old, mine, low)] == [1, 2, 3]

    incident = file_request(other_customer, "bot-i-scenarii/incident", "Инцидент", created_at=T0 + day)
    assert [queue.queue_position(t) for t in (incident, old, mine, low)] == [1, 2, 3, 4]

    lifecycle.take(old, agent, now=T0 + 2 * day)
    assert queue.queue_position(old) is None
    assert queue.queue_position(mine) == 2
