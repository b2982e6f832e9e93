"""The bucket goes down (its `weed mini` is killed): uploads come back as the form, downloads as a Russian 503."""

from __future__ import annotations

import io
import re

import pytest

from extensions import db
from tests.conftest import login
from tests.mail_helpers import plain
from tests.s3_fixture import running_s3
from tests.web.test_request_filing import URL
from tests.web.test_request_filing import good_form
from tickets.mail_fetch import processor
from tickets.models import Attachment
from tickets.models import InboundMail
from tickets.models import Ticket
from tickets.storage import StoreUnavailable

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def own_s3():
    """A `weed mini` of this test's own, so killing it leaves the other tests' one alone."""
    server = running_s3()
    yield server
    server.stop(kill=True)


@pytest.fixture
def app_config(app_config, own_s3):
    app_config.update(own_s3.config())
    return app_config


def test_store_down_keeps_the_form_and_fails_downloads_and_readiness_politely(app, client, customer, own_s3):
    login(client, customer.email)
    first = client.post(URL, data={**good_form(submission_id="before"), "attachments": [(io.BytesIO(PNG), "до.png")]},
                        content_type="multipart/form-data")
    assert first.status_code == 303
    link = re.search(r'href="(/requests/files/\d+/[^"]+)"',
                     client.get(first.location.replace("/created", "")).get_data(as_text=True)).group(1)

    own_s3.stop(kill=True)

    data = good_form(submission_id="during", description="Подробное описание: бот молчит с 9 утра, клиенты ждут.")
    response = client.post(URL, data={**data, "attachments": [(io.BytesIO(PNG), "скрин.png"), (io.BytesIO(PNG), "лог.png")]},
                           content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    field_errors = re.search(r'<ul class="errors" id="attachments-error">(.*?)</ul>', html, re.S).group(1)
    assert "хранилище файлов сейчас недоступно" in field_errors and "«скрин.png», «лог.png»" in field_errors
    for typed in ("Подробное описание: бот молчит с 9 утра, клиенты ждут.", 'value="Ирина, +7 916 000-00-00"',
                  'value="Бот перестал отвечать в Telegram"'):
        assert typed in html
    assert db.session.scalar(db.select(db.func.count(Ticket.id))) == 1
    assert db.session.scalar(db.select(db.func.count(Attachment.id))) == 1

    download = client.get(link)
    assert download.status_code == 503
    assert "Файлы временно недоступны" in download.get_data(as_text=True)
    assert download.headers["Retry-After"] == "60"

    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.get_json() == {"status": "fail", "checks": {"database": "ok", "s3": "fail"}, "failed": ["s3"]}


def test_mail_fetched_while_the_store_is_down_is_left_for_the_next_round(app, own_s3):
    own_s3.stop(kill=True)
    mail = plain("someone@example.test", "support@twin.test", "Вопрос", "Текст письма")
    with pytest.raises(StoreUnavailable):
        processor(app.config).process(mail)
    db.session.rollback()
    # Nothing recorded: the mail stays unseen in the mailbox and the next fetch handles it whole.
    assert db.session.scalar(db.select(db.func.count(InboundMail.id))) == 0
