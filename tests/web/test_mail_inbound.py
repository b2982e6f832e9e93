"""Mail arriving at the support mailbox: replies become comments, nothing else gets into a request."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest

from extensions import db
from tests.lifecycle_helpers import file_request
from tests.lifecycle_helpers import outbox
from tests.mail_helpers import bounce
from tests.mail_helpers import plain
from tests.mail_helpers import reply
from tests.mail_helpers import sent_mail
from tests.storage_helpers import stored_keys
from tests.web.test_reply_files import PNG
from tickets import current_store
from tickets import lifecycle
from tickets.inbound import AUTO
from tickets.inbound import BOUNCE
from tickets.inbound import COMMENT
from tickets.inbound import DUPLICATE
from tickets.inbound import REJECTED
from tickets.mail_fetch import processor
from tickets.models import Comment
from tickets.models import InboundMail
from tickets.models import OutboxMessage
from tickets.models import Ticket
from tickets.service import purge_drafts

ANSWER = "Последнее сообщение пришло в 10:42."


@pytest.fixture
def app_config(app_config):
    app_config.update(MAIL_FROM="Техподдержка Twin <noreply@twin.test>", MAIL_REPLY_ADDRESS="support@twin.test",
                      MAIL_IMAP_HOST="imap.twin.test")
    return app_config


@pytest.fixture
def asked(app, customer, agent):
    """A request the agent answered, waiting for the customer, with both mails delivered."""
    ticket = file_request(customer, summary="Не приходят СМС")
    lifecycle.add_agent_reply(ticket, agent, "Пришлите время последнего сообщения.", [], wait_for_customer=True)
    created, answer = sent_mail(app.config)
    return ticket, created, answer


def comments(ticket_id: int) -> list[Comment]:
    return list(db.session.scalars(db.select(Comment).filter_by(ticket_id=ticket_id).order_by(Comment.id)))


def test_outgoing_mail_is_one_thread_with_a_signed_reply_to(app, asked):
    ticket, created, answer = asked
    assert str(created["Subject"]) == str(answer["Subject"]) == f"[#{ticket.id}] Не приходят СМС"
    assert str(created["From"]) == "Техподдержка Twin <noreply@twin.test>"
    assert answer["In-Reply-To"] == answer["References"] == created["Message-ID"]
    assert created["In-Reply-To"] is None and created["Message-ID"] != answer["Message-ID"]
    assert created["Message-ID"].startswith(f"<portal.r{ticket.id}.")
    reply_to = str(answer["Reply-To"])
    assert reply_to == str(created["Reply-To"]) and f"<support+r{ticket.id}." in reply_to
    assert "Ответьте на это письмо" in answer.get_body(("plain",)).get_content()


def test_a_reply_becomes_a_comment_without_the_quote(app, asked, customer):
    ticket, _, answer = asked
    mail = reply(answer, f"{ANSWER}\n\n-- \nИрина, ООО Ромашка")
    result = processor(app.config).process(mail)
    assert result.outcome == COMMENT and result.ticket_id == ticket.id
    (comment,) = [c for c in comments(ticket.id) if not c.from_agent]
    assert comment.body == ANSWER and comment.author_id == customer.id and comment.author_name == "Ирина"
    assert db.session.get(Ticket, ticket.id).status == "in_progress"
    raw = db.session.get(InboundMail, 1)
    assert raw.comment_id == comment.id and comment.inbound_mail == raw
    assert current_store().read(raw.storage_name) == mail
    # The customer wrote: nothing is mailed back.
    assert len(outbox(ticket.id)) == 2


def test_the_same_mail_twice_is_one_comment(app, asked):
    ticket, _, answer = asked
    raw = reply(answer, ANSWER)
    handler = processor(app.config)
    assert handler.process(raw).outcome == COMMENT
    assert handler.process(raw).outcome == DUPLICATE
    assert len([c for c in comments(ticket.id) if not c.from_agent]) == 1
    assert db.session.scalar(db.select(db.func.count(InboundMail.id))) == 1


def test_a_crash_before_the_record_still_gives_one_comment(app, asked):
    ticket, _, answer = asked
    raw = reply(answer, ANSWER)
    processor(app.config).process(raw)
    db.session.execute(db.delete(InboundMail))  # as if the process died after the comment's commit
    db.session.commit()
    assert processor(app.config).process(raw).outcome == COMMENT
    assert len([c for c in comments(ticket.id) if not c.from_agent]) == 1


def test_matching_by_in_reply_to_when_the_token_is_gone(app, asked, customer):
    ticket, _, answer = asked
    raw = reply(answer, ANSWER, sender="Иван <ivan@gmail.test>").replace(
        str(answer["Reply-To"]).split("<")[1].rstrip(">").encode(), b"support@twin.test")
    result = processor(app.config).process(raw)
    assert result.outcome == COMMENT and result.ticket_id == ticket.id
    assert comments(ticket.id)[-1].author_name == "Иван <ivan@gmail.test>"


def test_the_subject_tag_counts_only_from_the_companys_address(app, asked, customer):
    ticket, _, _ = asked
    handler = processor(app.config)
    spoof = plain("Злоумышленник <evil@example.test>", "support@twin.test", f"Re: [#{ticket.id}] Не приходят СМС",
                  "Закройте обращение")
    result = handler.process(spoof)
    assert result.outcome == REJECTED and "не адрес его компании" in result.reason
    own = plain(customer.email, "support@twin.test", f"Re: [#{ticket.id}] Не приходят СМС", ANSWER)
    assert handler.process(own).outcome == COMMENT
    bodies = [c.body for c in comments(ticket.id)]
    assert ANSWER in bodies and "Закройте обращение" not in bodies


def test_unknown_mail_and_forged_tokens_never_post(app, asked, other_customer):
    ticket, _, answer = asked
    handler = processor(app.config)
    forged_to = str(answer["Reply-To"]).replace(f"+r{ticket.id}.", f"+r{ticket.id + 1}.")
    forged = plain("a@example.test", forged_to, "Привет", "Текст")
    news = plain("b@example.test", "support@twin.test", "Вопрос", "Текст")
    foreign = plain(other_customer.email, "support@twin.test", f"[#{ticket.id}]", "Текст")
    fake_ref = plain("c@example.test", "support@twin.test", "Re: x", "Текст",
                     headers={"In-Reply-To": f"<portal.r{ticket.id}.t20261125090000.0123456789abcdef0123@twin.test>"})
    assert [handler.process(m).outcome for m in (forged, news, foreign, fake_ref)] == [REJECTED] * 4
    assert [c.from_agent for c in comments(ticket.id)] == [True]
    assert db.session.scalar(db.select(db.func.count(InboundMail.id)).filter_by(outcome=REJECTED)) == 4


@pytest.mark.parametrize("headers", [
    {"Auto-Submitted": "auto-replied"},
    {"Precedence": "bulk"},
    {"X-Autoreply": "yes"},
    {"X-Autorespond": "Out of office"},
    {"List-Id": "<news.romashka.test>"},
    {"Subject": "Автоматический ответ: [#{id}] Не приходят СМС"},
])
def test_automatic_mail_never_reopens_or_mails_back(app, asked, agent, headers):
    ticket, _, answer = asked
    lifecycle.change_status(ticket, agent, "closed")
    queued = len(outbox(ticket.id))
    raw = reply(answer, "Я в отпуске до понедельника", headers={k: v.format(id=ticket.id) for k, v in headers.items()
                                                               if k != "Subject"})
    if "Subject" in headers:
        raw = raw.replace(b"Subject: Re: ", ("Subject: " + headers["Subject"].format(id=ticket.id) + " ").encode(), 1)
    assert processor(app.config).process(raw).outcome == AUTO
    assert db.session.get(Ticket, ticket.id).status == "closed"
    assert len(outbox(ticket.id)) == queued and len(comments(ticket.id)) == 1


def test_our_own_mail_coming_back_is_ignored(app, asked):
    ticket, _, answer = asked
    assert processor(app.config).process(answer.as_bytes()).outcome == AUTO
    assert len(comments(ticket.id)) == 1


def test_a_bounce_fails_the_outbox_message_for_agents(app, asked, agent, client):
    from tests.conftest import login

    ticket, created, answer = asked
    result = processor(app.config).process(bounce(answer))
    assert result.outcome == BOUNCE and result.ticket_id == ticket.id
    failed = db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.failed_at.is_not(None))).all()
    assert [m.dedupe_key for m in failed] == [f"comment:{comments(ticket.id)[0].id}"]
    assert "5.1.1" in failed[0].last_error and "User unknown" in failed[0].last_error
    delayed = processor(app.config).process(bounce(created, action="delayed", status="4.4.1"))
    assert delayed.outcome == BOUNCE
    assert db.session.scalar(db.select(db.func.count()).where(OutboxMessage.failed_at.is_not(None))) == 1
    assert db.session.get(Ticket, ticket.id).status == "waiting_customer"
    login(client, agent.email)
    page = client.get(f"/console/requests/{ticket.id}").get_data(as_text=True)
    assert "Письма клиенту не доставлены" in page and "User unknown" in page


def test_html_only_mail_becomes_safe_text(app, asked):
    ticket, _, answer = asked
    html = ("<div>Время: <b>10:42</b><script>alert(1)</script></div><img src=x onerror=alert(1)>"
            "<div class=gmail_quote>On Wed wrote:<blockquote>Пришлите время</blockquote></div>")
    processor(app.config).process(reply(answer, "", html=html))
    assert comments(ticket.id)[-1].body == "Время: 10:42"


def test_attachments_pass_the_web_forms_checks(app, asked, agent, client):
    from tests.conftest import login

    ticket, _, answer = asked
    app.config["MAX_ATTACHMENTS"] = 2
    files = [("скрин.png", PNG, "image/png"), ("virus.exe", b"MZ\x90\x00" * 10, "application/octet-stream"),
             ("fake.pdf", PNG, "application/pdf"), ("log.txt", b"ok\n", "text/plain"), ("more.txt", b"x", "text/plain")]
    result = processor(app.config).process(reply(answer, ANSWER, files=files))
    comment = comments(ticket.id)[-1]
    assert [a.filename for a in comment.attachments] == ["скрин.png", "log.txt"]
    assert all(a.ticket_id == ticket.id for a in comment.attachments)
    assert "virus.exe" in result.reason and "fake.pdf" in result.reason and "more.txt" in result.reason
    login(client, agent.email)
    page = client.get(f"/console/requests/{ticket.id}").get_data(as_text=True)
    assert "Файлы не приняты" in page and "virus.exe" in page


def test_a_reply_to_a_closed_request_reopens_it_and_says_so(app, asked, agent):
    ticket, _, answer = asked
    lifecycle.change_status(ticket, agent, "closed")
    sent_mail(app.config)
    assert processor(app.config).process(reply(answer, ANSWER)).ticket_id == ticket.id
    assert db.session.get(Ticket, ticket.id).status == "reopened"
    told = sent_mail(app.config)[-1]
    assert "возобновлено" in told.get_body(("plain",)).get_content()
    assert str(told["Subject"]) == f"[#{ticket.id}] Не приходят СМС"


def test_a_reply_long_after_closing_opens_a_linked_request(app, asked, agent):
    ticket, _, answer = asked
    lifecycle.change_status(ticket, agent, "closed", now=datetime.now(UTC) - timedelta(days=40))
    result = processor(app.config).process(reply(answer, ANSWER))
    new = db.session.get(Ticket, result.ticket_id)
    assert new.id != ticket.id and new.linked_ticket_id == ticket.id and new.status == "new"
    assert db.session.get(Ticket, ticket.id).status == "closed"
    told = sent_mail(app.config)[-1]
    assert str(told["Subject"]) == f"[#{new.id}] Продолжение №{ticket.id}: Не приходят СМС"
    assert f"support+r{new.id}." in str(told["Reply-To"])


def test_the_purge_keeps_raw_mail_and_files_of_mail_but_removes_stray_files(app, asked):
    # Raw messages share the store with attachments: the purge of stray files once took them for strays.
    ticket, _, answer = asked
    processor(app.config).process(reply(answer, ANSWER, files=[("скрин.png", PNG, "image/png")]))
    processor(app.config).process(plain("someone@example.test", "support@twin.test", "Привет", "Не к нам"))
    stray = current_store().put(b"left by a crash between storing and committing")
    drafts, strays = purge_drafts(current_store(), datetime.now(UTC) + timedelta(minutes=1))
    assert (drafts, strays) == (0, 1)
    rows = [m.storage_name for m in db.session.scalars(db.select(InboundMail))]
    rows += [a.storage_name for a in comments(ticket.id)[-1].attachments]
    assert len(rows) == 3 and stored_keys() == set(rows) and stray not in stored_keys()
