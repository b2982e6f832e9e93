"""Several background workers on one database: each mail sent once, each reply posted once, dead workers taken over."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest

from extensions import db
from tests.imap_fixture import _dovecot  # noqa: F401
from tests.imap_fixture import imap_server  # noqa: F401
from tests.lifecycle_helpers import file_request
from tests.lifecycle_helpers import outbox
from tests.mail_helpers import reply
from tests.mail_helpers import sent_mail
from tests.policy_helpers import configure
from tests.smtp_fixture import smtp_server  # noqa: F401
from tickets import lifecycle
from tickets.mail_fetch import fetch_round
from tickets.mail_transport import MailSettings
from tickets.models import Comment
from tickets.models import InboundMail
from tickets.models import StatusChange
from tickets.outbox import claim_batch
from tickets.outbox import deliver_due
from tickets.outbox import enqueue

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def on_postgres(app) -> bool:
    return db.engine.dialect.name == "postgresql"


def queue(n: int, at: datetime = T0) -> None:
    for i in range(n):
        enqueue(f"client{i}@example.test", f"Письмо {i}", f"Текст {i}", f"<p>Текст {i}</p>", now=at)
    db.session.commit()


def at_once(app, count: int, work: Callable[[], object]) -> list:
    """Run `work` in `count` threads started together, each in an app context (and session) of its own."""
    results: list = []
    errors: list[BaseException] = []
    start = threading.Barrier(count)

    def worker() -> None:
        with app.app_context():
            try:
                start.wait()
                results.append(work())
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results


def test_four_workers_deliver_200_mails_each_exactly_once(app, smtp_server):  # noqa: F811
    app.config.update(smtp_server.config)
    queue(200, at=datetime.now(UTC) - timedelta(seconds=1))

    def send_until_empty() -> int:
        total = 0
        while True:
            sent, failed = deliver_due(app.config, batch=10)
            assert failed == 0
            total += sent
            if sent == 0:
                return total

    results = at_once(app, 4, send_until_empty)

    assert sum(results) == 200
    subjects = [m.subject for m in smtp_server.messages]
    assert len(subjects) == len(set(subjects)) == 200
    ids = [m.message["Message-ID"] for m in smtp_server.messages]
    assert len(set(ids)) == 200
    db.session.expire_all()
    assert all(m.sent_at is not None and m.attempts == 1 and m.locked_until is None for m in outbox())


def test_a_worker_that_died_holding_a_batch_is_taken_over_after_the_lease(app, smtp_server):  # noqa: F811
    if not on_postgres(app):
        pytest.skip("batch claims (SKIP LOCKED) are PostgreSQL's; SQLite leases one message at a time")
    app.config.update(smtp_server.config)
    queue(20)
    lease = MailSettings().lease
    claimed, token = claim_batch(T0, lease, 10)  # ... and the worker is killed before it sends anything
    assert len(claimed) == 10 and token == T0 + lease

    assert deliver_due(app.config, now=T0 + timedelta(minutes=1)) == (10, 0)
    assert {m.subject for m in smtp_server.messages} == {f"Письмо {i}" for i in range(10, 20)}
    assert deliver_due(app.config, now=T0 + lease - timedelta(seconds=1)) == (0, 0)
    assert deliver_due(app.config, now=T0 + lease + timedelta(seconds=1)) == (10, 0)
    subjects = [m.subject for m in smtp_server.messages]
    assert sorted(subjects) == sorted(f"Письмо {i}" for i in range(20))


def test_a_batch_the_lease_cannot_cover_is_given_back(app, smtp_server):  # noqa: F811
    if not on_postgres(app):
        pytest.skip("batch claims (SKIP LOCKED) are PostgreSQL's; SQLite leases one message at a time")
    app.config.update(smtp_server.config)
    queue(3)
    # An SMTP timeout longer than half the lease leaves room for one conversation only.
    slow = dataclasses.replace(MailSettings.from_config(app.config), timeout=200.0)
    assert deliver_due(slow, now=T0, batch=3) == (1, 0)
    db.session.expire_all()
    first, *rest = outbox()
    assert first.sent_at is not None
    # The rest are free again at once, not after the lease.
    assert all(m.locked_until is None and m.attempts == 0 for m in rest)
    assert deliver_due(app.config, now=T0 + timedelta(seconds=1)) == (2, 0)


def test_two_fetchers_at_once_post_each_reply_once(app, imap_server, customer, agent):  # noqa: F811
    configure(app, **imap_server.config, MAIL_FROM="Техподдержка Twin <support@twin.test>")
    tickets = []
    for i in range(6):
        ticket = file_request(customer, summary=f"Вопрос {i}")
        lifecycle.add_agent_reply(ticket, agent, "Уточните, пожалуйста", [], wait_for_customer=True)
        tickets.append(ticket.id)
    answers = [m for m in sent_mail(app.config) if "Уточните" in m.get_body(("plain",)).get_content()]
    assert len(answers) == 6
    for i, answer in enumerate(answers):
        imap_server.deliver(reply(answer, f"Ответ {i}"))

    results = at_once(app, 2, lambda: fetch_round(app.config))

    assert all(failed == 0 for _, failed in results)
    db.session.expire_all()
    comments = db.session.scalars(db.select(Comment).filter_by(from_agent=False)).all()
    assert sorted((c.ticket_id, c.body) for c in comments) == [(t, f"Ответ {i}") for i, t in enumerate(tickets)]
    records = db.session.scalars(db.select(InboundMail)).all()
    assert len(records) == 6
    # Whichever fetcher recorded the mail, the record points at the one comment.
    assert sorted(r.comment_id for r in records) == sorted(c.id for c in comments)
    changes = db.session.scalars(db.select(StatusChange.ticket_id).filter_by(to_status="in_progress")).all()
    assert sorted(changes) == sorted(tickets)
