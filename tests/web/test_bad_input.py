"""Ordinary bad input gets a Russian message or a 404, never a 500, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest

from extensions import db
from tests.lifecycle_helpers import file_request
from tests.web.test_request_filing import URL
from tests.web.test_request_filing import good_form
from tickets.models import StatusChange
from tickets.models import Ticket

HUGE = [str(2**31), str(2**63), str(10**30), "9" * 5000]


def test_nul_bytes_in_every_request_field_are_dropped(logged_in):
    data = {key: f"{value}\x00" for key, value in good_form().items()}
    data["summary"] = "Бот\x00 перестал отвечать"
    response = logged_in.post(URL, data=data)
    assert response.status_code == 303
    ticket = db.session.scalar(db.select(Ticket))
    assert ticket.summary == "Бот перестал отвечать"
    assert "\x00" not in ticket.author_name + ticket.description + "".join(f.value for f in ticket.fields)


def test_line_breaks_in_one_line_fields_become_spaces(logged_in):
    response = logged_in.post(URL, data=good_form(summary="Бот молчит\r\nBcc: victim@example.com",
                                                  author_name="Ирина\nX-Header: 1"))
    assert response.status_code == 303
    ticket = db.session.scalar(db.select(Ticket))
    assert ticket.summary == "Бот молчит Bcc: victim@example.com"
    assert ticket.author_name == "Ирина X-Header: 1"


def test_descriptions_keep_their_line_breaks(logged_in):
    text = "Первая строка\nвторая строка\tс табуляцией"
    assert logged_in.post(URL, data=good_form(description=text)).status_code == 303
    assert db.session.scalar(db.select(Ticket)).description == text


@pytest.mark.parametrize("number", HUGE)
@pytest.mark.parametrize("path", ["/requests/{}", "/requests/{}/created", "/requests/files/{}/a.txt",
                                  "/console/requests/{}"])
def test_huge_ids_in_paths_are_not_found(client, agent, customer, path, number):
    from tests.conftest import login

    login(client, agent.email if path.startswith("/console") else customer.email)
    assert client.get(path.format(number)).status_code == 404


@pytest.mark.parametrize("number", HUGE)
@pytest.mark.parametrize("path", ["/requests/{}/reply", "/requests/{}/close", "/console/requests/{}/take",
                                  "/console/requests/{}/reply", "/console/requests/{}/status"])
def test_huge_ids_in_posted_paths_are_not_found(client, agent, customer, path, number):
    from tests.conftest import login

    login(client, agent.email if path.startswith("/console") else customer.email)
    assert client.post(path.format(number), data={"body": "текст"}).status_code == 404


@pytest.mark.parametrize("number", [*HUGE, "-5", "0", "abc", ""])
def test_any_page_number_shows_a_queue(client, agent, number):
    from tests.conftest import login

    login(client, agent.email)
    assert client.get(f"/console/?page={number}").status_code == 200


@pytest.mark.parametrize("number", HUGE)
def test_huge_kept_file_ids_are_ignored(logged_in, number):
    response = logged_in.post(URL, data=good_form(keep=number))
    assert response.status_code == 303


def test_an_overlong_submission_id_is_replaced(logged_in):
    response = logged_in.post(URL, data=good_form(submission_id="x" * 65))
    assert response.status_code == 303
    assert len(db.session.scalar(db.select(Ticket)).submission_id) <= 64


def test_an_overlong_author_on_the_close_form_is_cut(logged_in, customer):
    ticket = file_request(customer)
    response = logged_in.post(f"/requests/{ticket.id}/close", data={"author_name": "И" * 500})
    assert response.status_code == 303
    change = db.session.scalars(db.select(StatusChange).order_by(StatusChange.id.desc())).first()
    assert change.actor_label == "И" * 200


def test_a_forged_author_cookie_is_cleaned(logged_in, customer):
    ticket = file_request(customer)
    logged_in.set_cookie("author_name", "\x00" * 3 + "Я" * 300)
    assert logged_in.post(f"/requests/{ticket.id}/close").status_code == 303
    change = db.session.scalars(db.select(StatusChange).order_by(StatusChange.id.desc())).first()
    assert change.actor_label == "Я" * 200


@pytest.mark.parametrize("value", ["%00", "a%00b", "%0D%0ASet-Cookie:%20x=1", "%ED%B3%BF", "%FF%FE"])
def test_control_characters_and_broken_utf8_in_console_filters_and_search(client, agent, value):
    from tests.conftest import login

    login(client, agent.email)
    query = "&".join(f"{name}={value}" for name in ("category", "topic", "status", "assignee", "q"))
    for url in ("/console/", "/search", "/api/search"):
        assert client.get(f"{url}?{query}").status_code == 200, url


def test_crlf_in_next_is_refused_not_a_header(client, customer):
    from tests.conftest import PASSWORD

    response = client.post("/login", data={"email": customer.email, "password": PASSWORD,
                                           "next": "/requests/\r\nSet-Cookie: evil=1"})
    assert response.status_code == 303
    assert "evil" not in response.headers.get("Set-Cookie", "")


def test_the_error_page_renders_after_a_failed_database_statement(app, client, customer):
    """On PostgreSQL a failed statement aborts the transaction; the 500 page must still render, in Russian."""
    from flask_login import current_user
    from sqlalchemy import text

    from tests.conftest import login

    def broken_view():
        assert current_user.is_authenticated
        db.session.execute(text("SELECT no_such_column FROM no_such_table"))

    app.add_url_rule("/test-broken", "test_broken", broken_view)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    login(client, customer.email)
    response = client.get("/test-broken")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Что-то пошло не так" in page and "ООО Ромашка" in page
