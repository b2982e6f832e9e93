"""Replies, drafts and files: every form that takes files refuses bad ones the same way and loses nothing."""

from __future__ import annotations

import io
import os
import re
import time
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
from flask import request
from sqlalchemy import event
from sqlalchemy.orm import Session

from extensions import db
from tests.conftest import PASSWORD
from tests.conftest import login
from tests.lifecycle_helpers import file_request
from tests.lifecycle_helpers import outbox
from tests.policy_helpers import configure
from tests.storage_helpers import stored_keys
from tests.web.test_request_filing import URL
from tests.web.test_request_filing import good_form
from tickets import current_store
from tickets import lifecycle
from tickets.accounts import create_agent
from tickets.models import Attachment
from tickets.models import Comment
from tickets.models import Ticket
from tickets.status import Status
from tickets.storage import LocalFileStore
from views.uploads import CappedUpload

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
LIMIT = 1000  # bytes per file in these tests
KEEP = re.compile(r'name="keep" value="(\d+)" checked')


@pytest.fixture
def app_config(app_config):
    """Small limits, so "too big" and "too many" cost kilobytes."""
    return {**app_config, "MAX_ATTACHMENT_SIZE": LIMIT, "MAX_ATTACHMENTS": 2}


def count(model) -> int:
    return db.session.scalar(db.select(db.func.count(model.id)))


def drafts() -> list[Attachment]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(Attachment).where(Attachment.ticket_id.is_(None))))


# --- The three forms that take files, each as (who posts, url, form data with the text typed) --------

def _request_form(customer, agent):
    return customer, URL, good_form(submission_id="form-1"), "Бот перестал отвечать в Telegram"


def _customer_reply(customer, agent):
    number = file_request(customer).id
    data = {"author_name": "Ирина, +7 916", "body": "Текст ответа клиента", "submission_id": "reply-1"}
    return customer, f"/requests/{number}/reply", data, "Текст ответа клиента"


def _agent_reply(customer, agent):
    number = file_request(customer).id
    data = {"body": "Текст ответа специалиста", "mode": "public", "submission_id": "agent-1"}
    return agent, f"/console/requests/{number}/reply", data, "Текст ответа специалиста"


FORMS = pytest.mark.parametrize("make_form", [_request_form, _customer_reply, _agent_reply],
                                ids=["request", "customer-reply", "agent-reply"])


def post(client, url, data, files):
    return client.post(url, data={**data, "attachments": files}, content_type="multipart/form-data")


BAD_FILES = {
    "exe": ((b"MZ\x90\x00" + b"\x00" * 99, "run.exe"), "Файл «run.exe» не подходит"),
    "empty": ((b"", "пустой.txt"), "Файл «пустой.txt» пустой"),
    "too-big": ((PNG + b"\x00" * LIMIT, "большой.png"), "Файл «большой.png» весит"),
}


@FORMS
@pytest.mark.parametrize("bad", list(BAD_FILES))
def test_a_bad_file_is_422_beside_the_field_with_text_and_good_files_kept(client, customer, agent, make_form, bad):
    user, url, data, typed = make_form(customer, agent)
    login(client, user.email)
    (content, name), reason = BAD_FILES[bad]
    response = post(client, url, data, [(io.BytesIO(PNG), "хороший.png"), (io.BytesIO(content), name)])
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert reason in html and typed in html
    field_errors = re.search(r'<ul class="errors" id="attachments-error">(.*?)</ul>', html, re.S).group(1)
    assert reason in field_errors
    assert "Уже прикреплены" in html and "хороший.png" in html and len(KEEP.findall(html)) == 1
    assert count(Comment) == 0 and count(Ticket) == (0 if url == URL else 1)


@FORMS
def test_a_file_over_the_count_is_422_and_the_kept_draft_is_sent(client, customer, agent, make_form):
    user, url, data, typed = make_form(customer, agent)
    login(client, user.email)
    files = [(io.BytesIO(PNG), f"{i}.png") for i in range(3)]
    response = post(client, url, data, files)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "не больше 2 файлов; лишние не сохранены: 2.png" in html and typed in html
    kept = KEEP.findall(html)
    assert len(kept) == 2
    again = client.post(url, data={**data, "keep": kept})
    assert again.status_code == 303
    assert sorted(a.filename for a in db.session.scalars(db.select(Attachment))) == ["0.png", "1.png"]
    assert drafts() == []


@FORMS
def test_a_post_far_over_the_limits_comes_back_as_the_form(client, customer, agent, make_form):
    """Eleven files each over the limit: the form with the text and each file's reason, not a 413."""
    user, url, data, typed = make_form(customer, agent)
    login(client, user.email)
    files = [(io.BytesIO(PNG + b"\x00" * (3 * LIMIT + i)), f"big{i}.png") for i in range(11)]
    response = post(client, url, data, files)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert typed in html
    assert "Файл «big0.png» весит" in html and "Файл «big1.png» весит" in html
    assert "лишние не сохранены: " + ", ".join(f"big{i}.png" for i in range(2, 11)) in html
    assert drafts() == []


def test_uploads_are_buffered_up_to_the_limit_and_counted_to_the_end(app):
    sizes = [10, LIMIT + 5000, 300]
    body = {"body": "текст", "attachments": [(io.BytesIO(b"x" * n), f"{i}.txt") for i, n in enumerate(sizes)]}
    with app.test_request_context("/", method="POST", data=body, content_type="multipart/form-data"):
        streams = [f.stream for f in request.files.getlist("attachments")]
        assert request.form["body"] == "текст"
        kept = [len(s.read()) for s in streams]
    assert all(isinstance(s, CappedUpload) for s in streams)
    assert [s.received for s in streams] == sizes
    assert kept == [10, LIMIT + 1, 0]  # the third file is over MAX_ATTACHMENTS = 2: nothing of it is kept
    assert [s.overflowed for s in streams] == [False, True, True] and streams[2].skipped


def test_over_the_hard_limit_is_a_russian_page_that_explains(app, logged_in):
    app.config["MAX_CONTENT_LENGTH"] = 20_000
    data = {**good_form(), "attachments": [(io.BytesIO(b"x" * 30_000), "huge.txt")]}
    response = logged_in.post(URL, data=data, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "Слишком большой запрос" in html
    assert "за один раз можно отправить не больше" in html and "до 2 файлов" in html
    assert "Вернитесь назад" in html and "текст формы браузер сохранил" in html


def test_file_inputs_carry_the_limits_for_the_browser_check(logged_in):
    html = logged_in.get(URL).get_data(as_text=True)
    assert f'data-max-files="2" data-max-size="{LIMIT}"' in html


def test_a_long_file_name_keeps_its_extension(logged_in):
    name = "отчет-" + "о" * 300 + ".txt"
    data = {**good_form(), "attachments": [(io.BytesIO(b"2026-11-25 call dropped\n"), name)]}
    assert logged_in.post(URL, data=data, content_type="multipart/form-data").status_code == 303
    stored = db.session.scalar(db.select(Attachment))
    assert stored.filename.endswith("о.txt") and len(stored.filename) == 200


# --- Agent replies ----------------------------------------------------------------------------

@pytest.mark.parametrize("finished", [Status.CLOSED, Status.RESOLVED])
def test_waiting_reply_on_a_finished_request_is_422_with_text_and_files_kept(client, customer, agent, finished):
    ticket = file_request(customer)
    lifecycle.change_status(ticket, agent, finished)
    login(client, agent.email)
    data = {"body": "Пришлите лог звонка", "mode": "wait", "submission_id": "wait-1",
            "attachments": [(io.BytesIO(PNG), "инструкция.png")]}
    response = client.post(f"/console/requests/{ticket.id}/reply", data=data, content_type="multipart/form-data",
                           headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "ждать ответа клиента нельзя" in html and 'id="mode-error"' in html
    assert "Пришлите лог звонка" in html and "инструкция.png" in html and len(KEEP.findall(html)) == 1
    assert "<html" not in html  # htmx gets the form block only
    assert count(Comment) == 0 and [a.filename for a in drafts()] == ["инструкция.png"]
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).status == finished
    public = client.post(f"/console/requests/{ticket.id}/reply",
                         data={"body": "Пришлите лог звонка", "mode": "public", "submission_id": "wait-1",
                               "keep": KEEP.findall(html)})
    assert public.status_code == 303
    assert [a.filename for a in db.session.scalar(db.select(Comment)).attachments] == ["инструкция.png"]


def test_transition_errors_are_workflow_errors():
    assert issubclass(lifecycle.TransitionError, lifecycle.WorkflowError)


def test_the_same_agent_reply_posted_five_times_is_one_comment_and_one_mail(client, customer, agent):
    number = file_request(customer).id
    login(client, agent.email)
    data = {"body": "Проверили, все работает", "mode": "wait", "submission_id": "same-post"}
    locations = {client.post(f"/console/requests/{number}/reply", data=data).location for _ in range(5)}
    assert len(locations) == 1 and count(Comment) == 1
    assert [m.subject for m in outbox(number)].count(f"Обращение №{number}: специалист ждет вашего ответа") == 1


@FORMS
def test_a_malformed_submission_id_is_replaced(client, customer, agent, make_form):
    user, url, data, typed = make_form(customer, agent)
    login(client, user.email)
    assert client.post(url, data={**data, "submission_id": "x" * 65 + "\x00"}).status_code == 303
    stored = db.session.scalar(db.select(Comment.submission_id)) or db.session.scalar(db.select(Ticket.submission_id))
    assert len(stored) == 32


def test_a_concurrent_duplicate_agent_reply_returns_the_winner(app, customer, agent):
    ticket = file_request(customer)

    def other_worker_wins(session, flush_context, instances):
        with Session(db.engine) as other:
            other.add(Comment(ticket_id=ticket.id, author_id=agent.id, author_name=agent.name, from_agent=True,
                              body="первый", submission_id="race-1", created_at=datetime.now(UTC)))
            other.commit()

    event.listen(db.session(), "before_flush", other_worker_wins, once=True)
    comment = lifecycle.add_agent_reply(ticket, agent, "второй", [], submission_id="race-1")
    assert comment.body == "первый" and count(Comment) == 1
    assert outbox(ticket.id)[-1].subject.endswith("создано: Не открывается отчет")  # no mail from the loser


# --- Drafts belong to their uploader ----------------------------------------------------------

def test_an_agents_draft_is_not_the_customers(client, customer, agent):
    number = file_request(customer).id
    login(client, agent.email)
    data = {"body": "", "mode": "internal", "submission_id": "note-1",
            "attachments": [(io.BytesIO(PNG), "internal.png")]}
    response = client.post(f"/console/requests/{number}/reply", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    link = f"/requests/files/{KEEP.search(response.get_data(as_text=True)).group(1)}/internal.png"
    own = client.get(link)
    assert own.status_code == 200
    own.close()
    client.post("/logout")
    create_agent("second@twin.test", PASSWORD, "Борис")
    login(client, "second@twin.test")
    assert client.get(link).status_code == 404
    client.post("/logout")
    login(client, customer.email)
    assert client.get(link).status_code == 404


def test_a_customers_draft_is_not_the_agents(client, customer, agent):
    login(client, customer.email)
    response = post(client, URL, good_form(summary=""), [(io.BytesIO(PNG), "черновик.png")])
    link = f"/requests/files/{KEEP.search(response.get_data(as_text=True)).group(1)}/черновик.png"
    client.post("/logout")
    login(client, agent.email)
    assert client.get(link).status_code == 404


# --- Drafts do not pile up ---------------------------------------------------------------------

def test_drafts_per_account_are_capped(app, client, customer):
    configure(app, DRAFT_MAX_FILES=3)
    login(client, customer.email)
    first = post(client, URL, good_form(summary="", submission_id="a"), [(io.BytesIO(PNG), f"a{i}.png") for i in range(2)])
    assert len(KEEP.findall(first.get_data(as_text=True))) == 2
    second = post(client, URL, good_form(submission_id="b"), [(io.BytesIO(PNG), f"b{i}.png") for i in range(2)])
    html = second.get_data(as_text=True)
    assert second.status_code == 422
    assert "Файл «b1.png» не сохранен: у вас уже 3 неотправленных файлов" in html
    assert "Бот перестал отвечать в Telegram" in html and len(KEEP.findall(html)) == 1
    # Unticking the drafts of the first form deletes them, and makes room.
    post(client, URL, good_form(summary="", submission_id="a"), [])
    assert sorted(a.filename for a in drafts()) == ["b0.png"]
    assert len(stored_keys()) == 1


def _backdate(attachment_ids: list[int], hours: float) -> None:
    then = datetime.now(UTC) - timedelta(hours=hours)
    for attachment in db.session.scalars(db.select(Attachment).where(Attachment.id.in_(attachment_ids))):
        attachment.created_at = then
    db.session.commit()


@pytest.mark.parametrize("command", [["requests", "purge-drafts"], ["requests", "worker", "--once"]])
def test_drafts_older_than_a_day_are_purged(app, client, runner, customer, command):
    login(client, customer.email)
    post(client, URL, good_form(summary="", submission_id="old"), [(io.BytesIO(PNG), "старый.png")])
    post(client, URL, good_form(submission_id="sent"), [(io.BytesIO(PNG), "отправлен.png")])
    post(client, URL, good_form(summary="", submission_id="new"), [(io.BytesIO(PNG), "свежий.png")])
    ids = list(db.session.scalars(db.select(Attachment.id).where(Attachment.filename != "свежий.png")))
    _backdate(ids, hours=25)

    result = runner.invoke(args=command)
    assert result.exit_code == 0, result.output
    assert "неотправленных файлов: " in result.output
    db.session.expire_all()
    remaining = {a.filename: a for a in db.session.scalars(db.select(Attachment))}
    assert sorted(remaining) == ["отправлен.png", "свежий.png"]
    assert stored_keys() == {a.storage_name for a in remaining.values()}


def test_stray_files_on_disk_are_purged_after_a_day(app, runner):
    # Written by a crash between storing a file and committing its row; only a folder's mtime can be backdated.
    store = current_store()
    if not isinstance(store, LocalFileStore):
        pytest.skip("an object's age in a bucket cannot be backdated; tests/web/test_s3.py purges with a later cutoff")
    old, fresh = store.put(b"left by a crash"), store.put(b"being written now")
    os.utime(store.root / old, (time.time() - 2 * 86400, time.time() - 2 * 86400))
    result = runner.invoke(args=["requests", "purge-drafts"])
    assert result.exit_code == 0, result.output
    assert "лишних файлов в хранилище: 1" in result.output
    assert stored_keys() == {fresh}
