"""Attachments in a real S3 bucket (a private `weed mini`): filing, downloading, presigned links, the purge."""

from __future__ import annotations

import io
import re
import urllib.parse
import urllib.request
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest

from extensions import db
from tests.conftest import login
from tests.s3_fixture import BUCKET
from tests.storage_helpers import stored_keys
from tests.web.test_request_filing import URL
from tests.web.test_request_filing import good_form
from tickets import current_store
from tickets.models import Attachment
from tickets.models import Ticket
from tickets.service import purge_drafts
from tickets.storage import S3FileStore
from tickets.storage import content_disposition

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 64
NAME = "Скриншот ошибки.png"
LINK = re.compile(r'href="(/requests/files/\d+/[^"]+)"')


@pytest.fixture
def app_config(app_config, s3_server):
    app_config.update(s3_server.config())
    return app_config


@pytest.fixture
def filed(app, client, customer):
    """A request filed by the customer with one file; (ticket, its download link, the object key)."""
    login(client, customer.email)
    response = client.post(URL, data={**good_form(), "attachments": [(io.BytesIO(PNG), NAME)]},
                           content_type="multipart/form-data")
    assert response.status_code == 303
    ticket = db.session.scalar(db.select(Ticket))
    link = LINK.search(client.get(f"/requests/{ticket.id}").get_data(as_text=True)).group(1)
    (attachment,) = ticket.attachments
    return ticket, link, attachment.storage_name


def _object(s3_server, key: str) -> bytes:
    store = current_store()
    return s3_server.client().get_object(Bucket=BUCKET, Key=store.prefix + key)["Body"].read()


def test_the_file_goes_to_the_bucket_not_the_folder(app, filed, s3_server):
    _ticket, _link, key = filed
    assert isinstance(current_store(), S3FileStore)
    assert _object(s3_server, key) == PNG
    assert stored_keys() == {key}


def test_the_owner_downloads_the_same_bytes_with_todays_headers(client, filed):
    _ticket, link, _key = filed
    response = client.get(link)
    assert response.status_code == 200 and response.data == PNG
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["Content-Length"] == str(len(PNG))
    assert response.headers["Content-Disposition"] == content_disposition(NAME, inline=True)
    assert "filename*=UTF-8''%D0%A1%D0%BA%D1%80" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    response.close()


def test_another_company_gets_404_and_an_agent_downloads(client, filed, other_customer, agent):
    _ticket, link, _key = filed
    client.post("/logout")
    login(client, other_customer.email)
    assert client.get(link).status_code == 404
    client.post("/logout")
    login(client, agent.email)
    response = client.get(link)
    assert response.status_code == 200 and response.data == PNG
    response.close()


def test_presigned_mode_redirects_only_after_the_check(app, client, filed, other_customer, agent):
    _ticket, link, key = filed
    app.config.update(S3_PRESIGNED_DOWNLOADS=True, S3_PRESIGN_TTL=60)
    response = client.get(link)
    assert response.status_code == 302
    assert response.headers["Cache-Control"] == "no-store"
    url = response.headers["Location"]
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    assert url.startswith(app.config["S3_ENDPOINT_URL"]) and key in url and query["X-Amz-Expires"] == ["60"]
    # The link works for a plain HTTP client: no cookie, no credentials.
    with urllib.request.urlopen(url, timeout=10) as direct:
        assert direct.read() == PNG
        assert direct.headers["Content-Type"] == "image/png"
        assert direct.headers["Content-Disposition"] == content_disposition(NAME, inline=True)
    client.post("/logout")
    login(client, other_customer.email)
    refused = client.get(link)
    assert refused.status_code == 404 and "Location" not in refused.headers
    client.post("/logout")
    assert client.get(link).status_code == 302 and "/login" in client.get(link).headers["Location"]


def test_the_draft_purge_deletes_objects(app, client, runner, customer, s3_server):
    login(client, customer.email)
    for submission, summary in (("old", ""), ("sent", "Бот перестал отвечать в Telegram")):
        client.post(URL, data={**good_form(submission_id=submission, summary=summary),
                               "attachments": [(io.BytesIO(PNG), f"{submission}.png")]},
                    content_type="multipart/form-data")
    old = db.session.scalar(db.select(Attachment).filter_by(filename="old.png"))
    old.created_at = datetime.now(UTC) - timedelta(hours=25)
    db.session.commit()
    old_key = old.storage_name
    result = runner.invoke(args=["requests", "purge-drafts"])
    assert result.exit_code == 0 and "неотправленных файлов: 1" in result.output
    sent = db.session.scalar(db.select(Attachment).filter_by(filename="sent.png"))
    assert stored_keys() == {sent.storage_name} and old_key not in stored_keys()
    # A stray object (a crash between the PUT and the commit) goes once it is older than the cutoff.
    stray = current_store().put(b"left by a crash")
    assert purge_drafts(current_store(), datetime.now(UTC) + timedelta(minutes=1)) == (0, 1)
    assert stored_keys() == {sent.storage_name} and stray not in stored_keys()
    assert _object(s3_server, sent.storage_name) == PNG


def test_readyz_checks_the_bucket(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["checks"] == {"database": "ok", "s3": "ok"}
