"""The account page: the company's time zone shows on its pages and mail; the shared password."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

from tests.conftest import PASSWORD
from tests.conftest import login
from tests.lifecycle_helpers import file_request
from tests.lifecycle_helpers import outbox

CREATED = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def test_account_page_shows_the_company(logged_in):
    page = logged_in.get("/account/").get_data(as_text=True)
    assert "ООО Ромашка" in page and "104527" in page and "support-group@romashka.test" in page
    assert '<option selected value="Europe/Moscow">' in page


def test_time_zone_changes_what_pages_show(logged_in, customer):
    ticket = file_request(customer, created_at=CREATED)
    assert "25.11.2026 12:00" in logged_in.get(f"/requests/{ticket.id}").get_data(as_text=True)

    response = logged_in.post("/account/timezone", data={"timezone": "Asia/Vladivostok"})
    assert response.status_code == 303 and response.location == "/account/"
    assert "Часовой пояс сохранен" in logged_in.get("/account/").get_data(as_text=True)
    assert "25.11.2026 19:00" in logged_in.get(f"/requests/{ticket.id}").get_data(as_text=True)
    assert "25.11.2026 19:00" in logged_in.get("/requests/").get_data(as_text=True)


def test_time_zone_is_used_in_mail(logged_in, customer):
    logged_in.post("/account/timezone", data={"timezone": "Asia/Yekaterinburg"})
    ticket = file_request(customer, created_at=CREATED)
    (created,) = outbox(ticket.id)
    assert "25.11.2026 14:00" in created.text_body and "Asia/Yekaterinburg" in created.text_body


def test_unknown_time_zone_is_refused_beside_the_field(logged_in, customer):
    response = logged_in.post("/account/timezone", data={"timezone": "Mars/Olympus"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'id="timezone-error"' in body and "Выберите часовой пояс из списка" in body
    assert customer.company.timezone == "Europe/Moscow"


def test_password_change_needs_the_current_password(logged_in, customer):
    response = logged_in.post("/account/password",
                              data={"current": "wrong-one", "new": "new-password-1", "confirm": "new-password-1"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Текущий пароль указан неверно" in body and 'id="current-error"' in body


def test_password_confirmation_and_length_are_checked(logged_in):
    response = logged_in.post("/account/password",
                              data={"current": PASSWORD, "new": "short", "confirm": "other"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Не короче 8 символов" in body and "Пароли не совпадают" in body


def test_new_password_signs_out_other_browsers(app, logged_in, customer):
    other = app.test_client()
    assert login(other, customer.email).status_code == 303
    assert other.get("/requests/").status_code == 200

    response = logged_in.post("/account/password",
                              data={"current": PASSWORD, "new": "new-password-1", "confirm": "new-password-1"})
    assert response.status_code == 303
    assert logged_in.get("/requests/").status_code == 200
    assert other.get("/requests/").status_code == 302
    assert login(other, customer.email).status_code == 422
    assert login(other, customer.email, "new-password-1").status_code == 303


def test_account_page_needs_login(client):
    response = client.get("/account/")
    assert response.status_code == 302 and "/login" in response.location
