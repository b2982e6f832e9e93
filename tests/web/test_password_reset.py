"""«Забыли пароль?»: a mailed, single-use, expiring link sets a new password and signs everyone out."""

from __future__ import annotations

import re

import pytest

from extensions import db
from tests.conftest import login
from tests.lifecycle_helpers import outbox
from tests.smtp_fixture import smtp_server  # noqa: F401
from tickets.outbox import deliver_due
from tickets.password_reset import ResetLinkError
from tickets.password_reset import account_for
from tickets.password_reset import make_token

NEW = "brand-new-password-7"
SENT = "Если такая учетная запись есть, мы отправили на ее адрес письмо со ссылкой"


def _link(text: str) -> str:
    (url,) = re.findall(r"http://portal\.test(/password/reset/\S+)", text)
    return url


def _ask(client, email: str):
    return client.post("/password/forgot", data={"email": email})


def test_the_login_page_links_to_the_forgot_form(client):
    assert 'href="/password/forgot"' in client.get("/login").get_data(as_text=True)
    page = client.get("/password/forgot").get_data(as_text=True)
    assert "Восстановление пароля" in page and 'id="email"' in page


def test_whole_reset_journey(app, client, customer):
    other = app.test_client()
    assert login(other, customer.email).status_code == 303

    response = _ask(client, "  Support-Group@Romashka.TEST ")
    assert response.status_code == 303 and response.location == "/login"
    assert SENT in client.get("/login").get_data(as_text=True)
    (mail,) = outbox()
    assert mail.to_addr == customer.email and mail.subject == "Смена пароля на портале техподдержки"
    link = _link(mail.text_body)
    assert f"http://portal.test{link}" in mail.html_body

    page = client.get(link)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "Новый пароль" in page.get_data(as_text=True) and customer.email in page.get_data(as_text=True)
    mismatch = client.post(link, data={"new": NEW, "confirm": "something-else"})
    assert mismatch.status_code == 422 and "Пароли не совпадают" in mismatch.get_data(as_text=True)
    short = client.post(link, data={"new": "short", "confirm": "short"})
    assert short.status_code == 422 and "Не короче 8 символов" in short.get_data(as_text=True)

    done = client.post(link, data={"new": NEW, "confirm": NEW})
    assert done.status_code == 303 and done.location == "/login"
    assert "Пароль изменен. Войдите с новым паролем." in client.get("/login").get_data(as_text=True)
    assert other.get("/requests/").status_code == 302  # every other session is signed out
    assert login(client, customer.email).status_code == 422
    assert login(client, customer.email, NEW).status_code == 303


def test_unknown_and_known_addresses_get_the_same_answer(client, customer):
    known, unknown = _ask(client, customer.email), _ask(client, "nobody@nowhere.test")
    assert (known.status_code, known.location) == (unknown.status_code, unknown.location) == (303, "/login")
    assert len(outbox()) == 1
    assert SENT in client.get("/login").get_data(as_text=True)


def test_a_deactivated_account_gets_no_mail(client, customer):
    customer.active = False
    db.session.commit()
    assert _ask(client, customer.email).status_code == 303
    assert outbox() == []


def test_an_empty_address_is_refused_beside_the_field(client):
    response = client.post("/password/forgot", data={"email": ""}, headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="email-error"' in body and "<html" not in body


def test_a_used_link_is_refused_with_a_way_to_ask_again(client, customer):
    _ask(client, customer.email)
    link = _link(outbox()[0].text_body)
    assert client.post(link, data={"new": NEW, "confirm": NEW}).status_code == 303

    again = client.get(link)
    body = again.get_data(as_text=True)
    assert again.status_code == 410 and "Ссылка больше не действует" in body and 'href="/password/forgot"' in body
    reused = client.post(link, data={"new": "third-password-9", "confirm": "third-password-9"})
    assert reused.status_code == 303 and reused.location == link
    assert login(client, customer.email, NEW).status_code == 303


@pytest.mark.parametrize("token", ["forged", "eyJ1Ijo1fQ.abc.def", "x" * 3000])
def test_a_forged_link_gets_a_clear_page(client, customer, token):
    response = client.get(f"/password/reset/{token}")
    assert response.status_code == 410 and "Запросить новую ссылку" in response.get_data(as_text=True)


def test_a_link_signed_with_another_key_is_refused(app, customer):
    with pytest.raises(ResetLinkError):
        account_for(make_token(customer, "another-secret"), app.config["SECRET_KEY"])


def test_a_link_expires_after_an_hour(app, customer):
    token = make_token(customer, app.config["SECRET_KEY"])
    assert account_for(token, app.config["SECRET_KEY"]) is customer
    with pytest.raises(ResetLinkError):
        account_for(token, app.config["SECRET_KEY"], max_age=-1)


def test_agents_can_reset_too(client, agent):
    _ask(client, agent.email)
    (mail,) = outbox()
    assert mail.to_addr == agent.email
    assert client.post(_link(mail.text_body), data={"new": NEW, "confirm": NEW}).status_code == 303
    response = login(client, agent.email, NEW)
    assert response.status_code == 303 and response.location == "/console/"


def test_the_reset_mail_arrives_over_smtp(app, client, customer, smtp_server):  # noqa: F811
    app.config.update(smtp_server.config)
    _ask(client, customer.email)
    assert deliver_due(app.config) == (1, 0)
    (received,) = smtp_server.messages
    assert received.rcpt_tos == [customer.email] and received.subject == "Смена пароля на портале техподдержки"
    link = _link(received.body())
    assert link in received.body("html")
    assert client.get(link).status_code == 200


def test_resetting_while_signed_in_signs_this_browser_out_too(logged_in, customer):
    _ask(logged_in, customer.email)
    link = _link(outbox()[0].text_body)
    logged_in.post(link, data={"new": NEW, "confirm": NEW})
    assert logged_in.get("/requests/").status_code == 302
