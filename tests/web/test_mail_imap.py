"""Fetching the support mailbox from a real dovecot over IMAP, and the e-mail reply journey end to end."""

from __future__ import annotations

import re

import pytest
from imap_tools import AND

from extensions import db
from tests.conftest import login
from tests.imap_fixture import _dovecot  # noqa: F401
from tests.imap_fixture import imap_server  # noqa: F401
from tests.lifecycle_helpers import file_request
from tests.mail_helpers import plain
from tests.mail_helpers import reply
from tests.mail_helpers import sent_mail
from tests.policy_helpers import configure
from tests.smtp_fixture import smtp_server  # noqa: F401
from tests.web.test_request_filing import URL
from tests.web.test_request_filing import good_form
from tickets import lifecycle
from tickets.models import Comment
from tickets.models import InboundMail
from tickets.models import Ticket

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def imap_app(app, imap_server):  # noqa: F811
    configure(app, **imap_server.config, MAIL_FROM="Техподдержка Twin <support@twin.test>")
    return app


def fetch(runner) -> str:
    result = runner.invoke(args=["mail", "fetch"])
    assert result.exit_code == 0, result.output
    return result.output


def customer_comments(ticket_id: int) -> list[Comment]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(Comment).filter_by(ticket_id=ticket_id, from_agent=False)))


@pytest.fixture
def answered(imap_app, customer, agent):
    ticket = file_request(customer, summary="Не приходят СМС")
    lifecycle.add_agent_reply(ticket, agent, "Пришлите время последнего сообщения.", [], wait_for_customer=True)
    return ticket, sent_mail(imap_app.config)[-1]


def test_fetch_turns_unseen_mail_into_comments_and_flags_it(imap_app, runner, imap_server, answered):  # noqa: F811
    ticket, answer = answered
    imap_server.deliver(reply(answer, "Время: 10:42"))
    imap_server.deliver(plain("spam@example.test", "support@twin.test", "Скидки", "Купите"))
    assert "Обработано писем: 2, с ошибкой: 0" in fetch(runner)
    assert [c.body for c in customer_comments(ticket.id)] == ["Время: 10:42"]
    with imap_server.mailbox() as mailbox:
        assert mailbox.uids(AND(seen=False)) == [] and len(mailbox.uids()) == 2
    assert "Обработано писем: 0" in fetch(runner)


def test_mail_fetched_twice_after_a_crash_is_one_comment(imap_app, runner, imap_server, answered):  # noqa: F811
    ticket, answer = answered
    raw = reply(answer, "Время: 10:42")
    imap_server.deliver(raw)
    fetch(runner)
    # The flag never got set (the fetcher died after handling): the server offers the same mail again.
    imap_server.deliver(raw)
    assert "Обработано писем: 1" in fetch(runner)
    assert len(customer_comments(ticket.id)) == 1
    assert db.session.scalar(db.select(db.func.count(InboundMail.id))) == 1


def test_handled_mail_moves_to_the_done_folder(imap_app, runner, imap_server, answered):  # noqa: F811
    imap_app.config["MAIL_IMAP_DONE_FOLDER"] = "Processed"
    ticket, answer = answered
    imap_server.deliver(reply(answer, "Время: 10:42"))
    fetch(runner)
    with imap_server.mailbox() as mailbox:
        assert mailbox.uids() == []
        mailbox.folder.set("Processed")
        assert len(mailbox.uids()) == 1


def test_the_worker_fetches_too(imap_app, runner, imap_server, answered):  # noqa: F811
    ticket, answer = answered
    imap_server.deliver(reply(answer, "Время: 10:42"))
    result = runner.invoke(args=["requests", "worker", "--once"])
    assert result.exit_code == 0, result.output
    assert len(customer_comments(ticket.id)) == 1


def test_fetch_explains_a_missing_or_wrong_mailbox(app, runner, imap_server):  # noqa: F811
    result = runner.invoke(args=["mail", "fetch"])
    assert result.exit_code != 0 and "MAIL_IMAP_HOST" in result.output
    app.config.update(imap_server.config, MAIL_IMAP_PASSWORD="wrong")
    result = runner.invoke(args=["mail", "fetch"])
    assert result.exit_code != 0 and "Не удалось забрать почту" in result.output


def test_journey_agent_answers_customer_replies_by_mail(app, client, runner, customer, agent, smtp_server,  # noqa: F811
                                                        imap_server):  # noqa: F811
    app.config.update(smtp_server.config)
    configure(app, **imap_server.config)
    login(client, customer.email)
    assert client.post(URL, data=good_form()).status_code == 303
    number = db.session.scalar(db.select(Ticket.id))
    client.post("/logout")

    login(client, agent.email)
    client.post(f"/console/requests/{number}/take")
    data = {"body": "Пришлите, пожалуйста, время последнего сообщения.", "mode": "wait"}
    assert client.post(f"/console/requests/{number}/reply", data=data).status_code == 303
    assert runner.invoke(args=["mail", "send"]).exit_code == 0
    created, answer = (m.message for m in smtp_server.messages)
    assert answer["In-Reply-To"] == created["Message-ID"]

    # The customer's mail client answers the mail it received, quoting it below «пишет:».
    imap_server.deliver(reply(answer, "Последнее сообщение было в 10:42, скриншот приложил.",
                              files=[("скрин.png", PNG, "image/png")]))
    assert "Обработано писем: 1" in fetch(runner)

    db.session.expire_all()
    assert db.session.get(Ticket, number).status == "in_progress"
    (comment,) = customer_comments(number)
    assert comment.body == "Последнее сообщение было в 10:42, скриншот приложил."
    assert [a.filename for a in comment.attachments] == ["скрин.png"]
    queue = client.get("/console/").get_data(as_text=True)
    assert f"№ {number}" in queue
    page = client.get(f"/console/requests/{number}").get_data(as_text=True)
    assert "в 10:42, скриншот приложил." in page and "пишет:" not in page and "скрин.png" in page
    raw_link = re.search(r'href="(/console/mail/\d+\.eml)"', page).group(1)
    raw = client.get(raw_link)
    assert raw.status_code == 200 and raw.mimetype == "message/rfc822" and b"In-Reply-To" in raw.data
    raw.close()
    # Nothing is mailed back for a reply to an open request: no loops.
    assert runner.invoke(args=["mail", "send"]).exit_code == 0 and len(smtp_server.messages) == 2

    client.post("/logout")
    login(client, customer.email)
    assert client.get(raw_link).status_code == 403
    assert "исходное письмо" not in client.get(f"/requests/{number}").get_data(as_text=True)


def test_agents_see_mail_that_was_not_posted(imap_app, client, runner, imap_server, agent):  # noqa: F811
    imap_server.deliver(plain("stranger@example.test", "support@twin.test", "[#1] Закройте", "Текст"))
    fetch(runner)
    login(client, agent.email)
    page = client.get("/console/mail/").get_data(as_text=True)
    assert "stranger@example.test" in page and "Отклонено" in page and ".eml" in page

