"""Filing a request: validation with input kept, attachments kept, one request per submission."""

from __future__ import annotations

import io
import re

from extensions import db
from tests.conftest import login
from tests.policy_helpers import configure
from tickets.models import Attachment
from tickets.models import Ticket

URL = "/c/chaty-i-rassylki/problema-s-chatami"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
CHAT = "3f2b9c1e-8a4d-4f6b-9c2e-1a2b3c4d5e6f"


def good_form(**overrides) -> dict:
    data = {
        "submission_id": "sub-1",
        "lk_number": "104527",
        "chat_id": CHAT,
        "dialog_id": "918273",
        "channel": "Telegram",
        "author_name": "Ирина, +7 916 000-00-00",
        "summary": "Бот перестал отвечать в Telegram",
        "description": "С утра бот не отвечает на сообщения клиентов в Telegram, в WhatsApp все работает.",
    }
    data.update(overrides)
    return data


def test_request_is_filed_and_listed(logged_in):
    data = good_form()
    data["attachments"] = [(io.BytesIO(PNG), "скриншот.png")]
    response = logged_in.post(URL, data=data, content_type="multipart/form-data")
    assert response.status_code == 303
    ticket = db.session.scalar(db.select(Ticket))
    assert response.location == f"/requests/{ticket.id}/created"
    confirmation = logged_in.get(response.location).get_data(as_text=True)
    assert f"Обращение № {ticket.id} создано" in confirmation
    assert "Ваше обращение — следующее в очереди." in confirmation
    listing = logged_in.get("/requests/").get_data(as_text=True)
    assert "Бот перестал отвечать в Telegram" in listing and "Проблема с чатами" in listing
    assert "Новое" in listing and "Обычный" in listing
    page = logged_in.get(f"/requests/{ticket.id}").get_data(as_text=True)
    for value in (CHAT, "918273", "Telegram", "Ирина", "С утра бот не отвечает", "скриншот.png"):
        assert value in page
    link = re.search(r'href="(/requests/files/\d+/[^"]+)"', page).group(1)
    file_response = logged_in.get(link)
    assert file_response.data == PNG
    assert file_response.headers["X-Content-Type-Options"] == "nosniff"
    file_response.close()
    assert "author_name=" in response.headers["Set-Cookie"]


def test_priority_comes_from_the_topic(logged_in):
    logged_in.post("/c/telefoniya-i-zvonki/incident", data=good_form(submission_id="a"))
    logged_in.post("/c/telefoniya-i-zvonki/inoe", data=good_form(submission_id="b"))
    priorities = dict(db.session.execute(db.select(Ticket.topic_title, Ticket.priority)).all())
    assert priorities == {"Инцидент": "high", "Иное": "low"}


def test_bad_input_is_422_with_everything_kept(logged_in):
    data = good_form(chat_id="чат доставки", lk_number="10A", summary="ой", description="Очень подробное описание проблемы")
    response = logged_in.post(URL, data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Номер ЛК состоит только из цифр" in html
    assert "Идентификатор чата — это число или код" in html
    assert "хотя бы в 5 символах" in html
    for kept in ('value="чат доставки"', 'value="10A"', 'value="ой"', "Очень подробное описание проблемы",
                 'value="Ирина, +7 916 000-00-00"', '<option selected value="Telegram">'):
        assert kept in html
    assert 'aria-invalid="true"' in html
    assert db.session.scalar(db.select(db.func.count(Ticket.id))) == 0


def test_missing_required_fields(logged_in):
    response = logged_in.post(URL, data={"submission_id": "x", "lk_number": "", "chat_id": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Заполните поле «Идентификатор чата»" in html
    assert "Заполните поле «Номер ЛК»" in html


def test_attachments_survive_a_failed_post(logged_in):
    data = good_form(summary="")
    data["attachments"] = [(io.BytesIO(PNG), "ошибка.png"), (io.BytesIO(b"MZ\x90\x00" + b"\x00" * 99), "run.exe")]
    first = logged_in.post(URL, data=data, content_type="multipart/form-data")
    html = first.get_data(as_text=True)
    assert first.status_code == 422
    assert "ошибка.png" in html and "Файл «run.exe» не подходит" in html
    kept_id = re.search(r'name="keep" value="(\d+)" checked', html).group(1)
    second = logged_in.post(URL, data=good_form(keep=[kept_id]))
    assert second.status_code == 303
    ticket = db.session.scalar(db.select(Ticket))
    assert [a.filename for a in ticket.attachments] == ["ошибка.png"]


def test_unticked_draft_is_not_attached(logged_in):
    data = good_form(summary="")
    data["attachments"] = [(io.BytesIO(PNG), "лишний.png")]
    logged_in.post(URL, data=data, content_type="multipart/form-data")
    assert logged_in.post(URL, data=good_form()).status_code == 303
    assert db.session.scalar(db.select(Ticket)).attachments == []


def test_too_many_attachments(app, logged_in):
    configure(app, MAX_ATTACHMENTS=2)
    data = good_form()
    data["attachments"] = [(io.BytesIO(PNG), f"{i}.png") for i in range(3)]
    response = logged_in.post(URL, data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "не больше 2 файлов" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Attachment.id))) == 2


def test_double_submit_files_one_request(logged_in):
    first = logged_in.post(URL, data=good_form())
    second = logged_in.post(URL, data=good_form())
    assert first.location == second.location
    assert db.session.scalar(db.select(db.func.count(Ticket.id))) == 1


def test_live_validation_does_not_file(logged_in):
    response = logged_in.post(URL + "?validate=1", data=good_form(chat_id="abc"))
    assert response.status_code == 200
    assert "Идентификатор чата — это число или код" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Ticket.id))) == 0


def test_another_company_cannot_read_the_request_or_files(client, customer, other_customer):
    login(client, customer.email)
    data = good_form()
    data["attachments"] = [(io.BytesIO(PNG), "secret.png")]
    client.post(URL, data=data, content_type="multipart/form-data")
    ticket = db.session.scalar(db.select(Ticket))
    link = re.search(r'href="(/requests/files/\d+/[^"]+)"', client.get(f"/requests/{ticket.id}").get_data(as_text=True)).group(1)
    client.post("/logout")
    login(client, other_customer.email)
    assert client.get(f"/requests/{ticket.id}").status_code == 404
    assert client.get(f"/requests/{ticket.id}/created").status_code == 404
    assert client.get(link).status_code == 404
    assert "Бот перестал отвечать" not in client.get("/requests/").get_data(as_text=True)


def test_draft_of_another_company_cannot_be_claimed(client, customer, other_customer):
    login(client, other_customer.email)
    data = good_form(summary="", lk_number="200300")
    data["attachments"] = [(io.BytesIO(PNG), "чужой.png")]
    client.post(URL, data=data, content_type="multipart/form-data")
    foreign = db.session.scalar(db.select(Attachment))
    client.post("/logout")
    login(client, customer.email)
    assert client.post(URL, data=good_form(keep=[str(foreign.id)])).status_code == 303
    assert db.session.scalar(db.select(Ticket)).attachments == []


def test_a_download_answers_ranges_and_revalidation(logged_in):
    data = good_form()
    data["attachments"] = [(io.BytesIO(PNG), "скриншот.png")]
    logged_in.post(URL, data=data, content_type="multipart/form-data")
    ticket = db.session.scalar(db.select(Ticket))
    page = logged_in.get(f"/requests/{ticket.id}").get_data(as_text=True)
    link = re.search(r'href="(/requests/files/\d+/[^"]+)"', page).group(1)
    part = logged_in.get(link, headers={"Range": "bytes=0-7"})
    assert part.status_code == 206 and part.data == PNG[:8]
    assert part.headers["Content-Range"] == f"bytes 0-7/{len(PNG)}"
    part.close()
    etag = ticket.attachments[0].sha256
    again = logged_in.get(link, headers={"If-None-Match": f'"{etag}"'})
    assert again.status_code == 304 and again.data == b""
    again.close()
