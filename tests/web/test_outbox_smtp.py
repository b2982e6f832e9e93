"""Mail delivery from the outbox over real SMTP: content, outages, retries, two senders at once."""

from __future__ import annotations

import threading
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from email import message_from_bytes
from email import policy
from pathlib import Path

from extensions import db
from tests.lifecycle_helpers import file_request
from tests.lifecycle_helpers import outbox
from tests.smtp_fixture import smtp_server  # noqa: F401
from tickets import lifecycle
from tickets.models import OutboxMessage
from tickets.outbox import backoff
from tickets.outbox import deliver_due
from tickets.outbox import enqueue
from tickets.outbox import pending_count

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def queue(n: int, at: datetime = T0) -> None:
    for i in range(n):
        enqueue(f"client{i}@example.test", f"Письмо {i}", f"Текст {i}", f"<p>Текст {i}</p>", now=at)
    db.session.commit()


def test_backoff_doubles_from_a_minute_up_to_an_hour():
    assert [backoff(n) for n in range(8)] == [timedelta(minutes=m) for m in (1, 2, 4, 8, 16, 32, 60, 60)]
    assert backoff(500) == timedelta(hours=1)


def test_agent_comment_arrives_with_text_html_and_link(app, customer, agent, smtp_server):  # noqa: F811
    app.config.update(smtp_server.config)
    ticket = file_request(customer, summary="Не приходят СМС", created_at=T0)
    lifecycle.add_agent_reply(ticket, agent, "Проверьте имя отправителя.\nИ пришлите <скриншот>.", [],
                             wait_for_customer=True, now=T0)
    assert deliver_due(app.config, now=T0 + timedelta(minutes=1)) == (2, 0)

    created, comment = smtp_server.messages
    # One subject for the whole request, so every mail client keeps one thread.
    assert created.subject == comment.subject == f"[#{ticket.id}] Не приходят СМС"
    assert created.mail_from == "support@twin.test"
    assert comment.rcpt_tos == ["support-group@romashka.test"]
    assert str(comment.message["From"]) == "Техподдержка Twin <support@twin.test>"
    assert comment.message["Auto-Submitted"] == "auto-generated"
    assert comment.message.get_content_type() == "multipart/alternative"
    text, html = comment.body(), comment.body("html")
    assert "Проверьте имя отправителя.\nИ пришлите <скриншот>." in text
    assert "И пришлите &lt;скриншот&gt;." in html and "<скриншот>" not in html
    assert "до 27.11.2026 12:00 (МСК)" in text
    url = f"http://portal.test/requests/{ticket.id}"
    assert url in text and f'href="{url}"' in html
    sent = outbox(ticket.id)
    assert all(m.sent_at == T0 + timedelta(minutes=1) for m in sent)
    assert all(m.attempts == 1 and m.locked_until is None for m in sent)


def test_nothing_is_lost_while_the_server_is_down(app, smtp_server):  # noqa: F811
    app.config.update(smtp_server.config)
    queue(3)
    smtp_server.stop()

    assert deliver_due(app.config, now=T0) == (0, 1)
    first, *rest = outbox()
    assert first.sent_at is None and first.attempts == 1
    assert first.next_attempt_at == T0 + timedelta(minutes=1)
    assert "Connection" in first.last_error and first.locked_until is None
    # The outage ends the round: the other messages wait untouched instead of failing one by one.
    assert all(m.attempts == 0 and m.sent_at is None for m in rest)

    assert deliver_due(app.config, now=T0 + timedelta(seconds=30)) == (0, 1)
    assert db.session.get(OutboxMessage, rest[0].id).attempts == 1

    smtp_server.start()
    assert deliver_due(app.config, now=T0 + timedelta(minutes=5)) == (3, 0)
    assert sorted(m.subject for m in smtp_server.messages) == ["Письмо 0", "Письмо 1", "Письмо 2"]
    assert all(m.sent_at is not None for m in outbox())
    assert deliver_due(app.config, now=T0 + timedelta(hours=1)) == (0, 0)


def test_a_refused_recipient_does_not_block_the_others(app, smtp_server):  # noqa: F811
    app.config.update(smtp_server.config)
    smtp_server.refuse("busy@example.test", "450 4.2.1 Mailbox busy, try later")
    enqueue("busy@example.test", "Ящик занят", "Текст", "<p>Текст</p>", now=T0)
    queue(1)
    sent, failed = deliver_due(app.config, now=T0)
    assert (sent, failed) == (1, 1)
    bad = outbox()[0]
    assert bad.sent_at is None and bad.failed_at is None and bad.attempts == 1 and bad.next_attempt_at > T0
    assert "SMTPRecipientsRefused" in bad.last_error
    assert [m.subject for m in smtp_server.messages] == ["Письмо 0"]


def test_a_permanent_refusal_fails_the_message_for_good(app, smtp_server):  # noqa: F811
    app.config.update(smtp_server.config)
    smtp_server.refuse("gone@example.test")
    enqueue("gone@example.test", "Плохой адрес", "Текст", "<p>Текст</p>", now=T0)
    assert deliver_due(app.config, now=T0) == (0, 1)
    bad = outbox()[0]
    assert bad.failed_at == T0 and bad.sent_at is None and "550" in bad.last_error
    assert pending_count() == 0
    # Never tried again, however much later the sender runs.
    assert deliver_due(app.config, now=T0 + timedelta(days=2)) == (0, 0)
    assert db.session.get(OutboxMessage, bad.id).attempts == 1


def test_two_senders_never_send_the_same_message_twice(app, smtp_server):  # noqa: F811
    app.config.update(smtp_server.config)
    queue(30)
    results: list[tuple[int, int]] = []
    start = threading.Barrier(2)

    def sender() -> None:
        with app.app_context():
            start.wait()
            results.append(deliver_due(app.config, now=T0, batch=30))
            db.session.remove()

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(sent for sent, _ in results) == 30 and all(failed == 0 for _, failed in results)
    ids = [m.message["Message-ID"] for m in smtp_server.messages]
    assert len(ids) == len(set(ids)) == 30
    assert all(m.attempts == 1 for m in outbox())


def test_a_leased_message_waits_for_its_lease_to_end(app, smtp_server):  # noqa: F811
    app.config.update(smtp_server.config)
    queue(1)
    message = outbox()[0]
    message.locked_until = T0 + timedelta(minutes=5)  # another sender is on it
    db.session.commit()
    assert deliver_due(app.config, now=T0) == (0, 0)
    assert deliver_due(app.config, now=T0 + timedelta(minutes=6)) == (1, 0)
    assert len(smtp_server.messages) == 1


def test_without_smtp_host_messages_are_written_as_eml_files(app, customer):
    ticket = file_request(customer, summary="Проверка файлового режима")
    assert not app.config.get("MAIL_SMTP_HOST")
    assert deliver_due(app.config) == (1, 0)
    files = list(Path(app.config["MAIL_OUTBOX_DIR"]).glob("*.eml"))
    assert len(files) == 1
    parsed = message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert str(parsed["Subject"]) == f"[#{ticket.id}] Проверка файлового режима"
    assert parsed["To"] == "support-group@romashka.test"
    assert "Проверка файлового режима" in parsed.get_body(("plain",)).get_content()


def test_mail_send_command(app, runner, smtp_server):  # noqa: F811
    app.config.update(smtp_server.config)
    queue(2, at=datetime.now(UTC) - timedelta(seconds=1))
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    assert "Отправлено писем: 2, не удалось: 0" in result.output
    assert len(smtp_server.messages) == 2
