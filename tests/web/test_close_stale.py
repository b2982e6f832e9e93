"""Auto-closing requests left without the customer's answer, and the reminder a day before."""

from __future__ import annotations

import threading
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest

from extensions import db
from tests.lifecycle_helpers import file_request
from tests.lifecycle_helpers import history
from tests.lifecycle_helpers import outbox
from tickets import autoclose
from tickets import lifecycle
from tickets.models import OutboxMessage
from tickets.models import StatusChange
from tickets.models import Ticket
from tickets.status import Status

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def waiting_since(customer, agent, at: datetime, summary: str = "Ждет клиента") -> Ticket:
    ticket = file_request(customer, summary=summary, created_at=at)
    lifecycle.add_agent_reply(ticket, agent, "Ответьте, пожалуйста", [], wait_for_customer=True, now=at)
    return ticket


def mails(kind: str) -> list[OutboxMessage]:
    return list(db.session.scalars(
        db.select(OutboxMessage)
        .where(OutboxMessage.dedupe_key.startswith(f"{kind}:"))
        .order_by(OutboxMessage.id)
    ))


def test_closes_only_requests_waiting_longer_than_the_limit(customer, agent):
    stale = waiting_since(customer, agent, T0 - timedelta(hours=49), "Давно ждет")
    fresh = waiting_since(customer, agent, T0 - timedelta(hours=47), "Недавно ждет")
    working = file_request(customer, created_at=T0 - timedelta(days=9))

    assert autoclose.close_stale(now=T0) == (1, 1)

    db.session.expire_all()
    assert (stale.status, stale.closed_at, stale.waiting_since) == (Status.CLOSED, T0, None)
    assert (fresh.status, working.status) == (Status.WAITING_CUSTOMER, Status.NEW)
    change = history(stale.id)[-1]
    assert (change.from_status, change.to_status, change.actor_id, change.actor_label, change.created_at) == (
        "waiting_customer", "closed", None, "Система", T0)
    assert change.reason == "Нет ответа клиента больше 48 ч — закрыто автоматически"
    [closing] = mails("closed")
    assert closing.ticket_id == stale.id and closing.subject == f"Обращение №{stale.id} закрыто"
    assert "не получил вашего ответа за 48 ч" in closing.text_body and "вернуть" in closing.text_body.lower()


def test_reminder_once_per_waiting_period(customer, agent):
    ticket = waiting_since(customer, agent, T0)
    assert autoclose.close_stale(now=T0 + timedelta(hours=23)) == (0, 0)
    assert autoclose.close_stale(now=T0 + timedelta(hours=24, minutes=30)) == (0, 1)
    assert autoclose.close_stale(now=T0 + timedelta(hours=30)) == (0, 0)
    [reminder] = mails("reminder")
    assert reminder.dedupe_key == f"reminder:{ticket.id}:{T0.isoformat()}"
    assert reminder.subject == f"Обращение №{ticket.id} закроется через 24 ч без вашего ответа"
    assert "Закроется автоматически через 24 ч, если не ответить" in reminder.text_body
    assert "27.11.2026 12:00 (МСК)" in reminder.text_body
    assert db.session.get(Ticket, ticket.id).reminder_sent_at == T0 + timedelta(hours=24, minutes=30)

    # The customer answers, the agent asks again: a new period earns a new reminder.
    lifecycle.add_customer_reply(ticket, customer, "Ирина", "Ответ", [], "r1", now=T0 + timedelta(hours=31))
    lifecycle.add_agent_reply(ticket, agent, "Еще вопрос", [], wait_for_customer=True,
                             now=T0 + timedelta(hours=32))
    assert ticket.reminder_sent_at is None
    assert autoclose.close_stale(now=T0 + timedelta(hours=57)) == (0, 1)
    assert len(mails("reminder")) == 2


def test_asking_again_restarts_the_clock(customer, agent):
    ticket = waiting_since(customer, agent, T0)
    lifecycle.add_agent_reply(ticket, agent, "Напоминаю о вопросе", [], wait_for_customer=True,
                             now=T0 + timedelta(hours=40))
    assert autoclose.close_stale(now=T0 + timedelta(hours=49)) == (0, 0)
    assert autoclose.close_stale(now=T0 + timedelta(hours=89)) == (1, 0)


def test_running_twice_changes_nothing_more(customer, agent):
    for i in range(3):
        waiting_since(customer, agent, T0 - timedelta(hours=50 + i))
    assert autoclose.close_stale(now=T0) == (3, 0)
    queued = len(outbox())
    assert autoclose.close_stale(now=T0) == (0, 0)
    assert autoclose.close_stale(now=T0 + timedelta(minutes=1)) == (0, 0)
    assert len(outbox()) == queued
    closings = db.session.scalars(db.select(StatusChange.ticket_id).filter_by(to_status="closed")).all()
    assert len(closings) == 3


def test_small_batches_cover_everything(customer, agent):
    for i in range(7):
        waiting_since(customer, agent, T0 - timedelta(hours=60 + i))
    for i in range(5):
        waiting_since(customer, agent, T0 - timedelta(hours=30 + i))
    assert autoclose.close_stale(now=T0, batch=3) == (7, 5)


@pytest.mark.parametrize("runners", [2, 4])
def test_runners_at_once_close_and_mail_each_request_once(app, customer, agent, runners):
    stale = [waiting_since(customer, agent, T0 - timedelta(hours=50 + i % 3)).id for i in range(40)]
    reminded = [waiting_since(customer, agent, T0 - timedelta(hours=30)).id for _ in range(20)]
    results: list[tuple[int, int]] = []
    start = threading.Barrier(runners)

    def runner() -> None:
        with app.app_context():
            start.wait()
            results.append(autoclose.close_stale(now=T0, batch=5))
            db.session.remove()

    threads = [threading.Thread(target=runner) for _ in range(runners)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(results) == runners
    assert sum(c for c, _ in results) == 40 and sum(r for _, r in results) == 20
    # Each request: closed once, one history event, one mail; each reminder once.
    closings = db.session.scalars(db.select(StatusChange.ticket_id).filter_by(to_status="closed")).all()
    assert sorted(closings) == sorted(stale)
    assert sorted(m.ticket_id for m in mails("closed")) == sorted(stale)
    assert sorted(m.ticket_id for m in mails("reminder")) == sorted(reminded)


def test_close_stale_command(app, runner, customer, agent):
    now = datetime.now(UTC)
    stale = waiting_since(customer, agent, now - timedelta(hours=30))
    result = runner.invoke(args=["requests", "close-stale"])
    assert result.exit_code == 0, result.output
    assert "Закрыто обращений: 0, напоминаний: 1" in result.output
    result = runner.invoke(args=["requests", "close-stale", "--after", "24"])
    assert "Закрыто обращений: 1, напоминаний: 0" in result.output
    db.session.expire_all()
    assert stale.status == Status.CLOSED
    assert history(stale.id)[-1].reason == "Нет ответа клиента больше 24 ч — закрыто автоматически"


def test_worker_once_closes_and_delivers(app, runner, customer, agent):
    stale = waiting_since(customer, agent, datetime.now(UTC) - timedelta(hours=49))
    result = runner.invoke(args=["requests", "worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "Закрыто: 1, напоминаний: 0, отправлено писем: 3, не удалось: 0" in result.output
    db.session.expire_all()
    assert stale.status == Status.CLOSED and all(m.sent_at is not None for m in outbox())
