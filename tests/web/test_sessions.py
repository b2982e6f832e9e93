"""Signed-in sessions live server-side: logout and a new password revoke copied cookies."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest

from extensions import db
from tests.conftest import login
from tickets import sessions
from tickets.models import LoginSession


def _copy(app, source, *names: str):
    """A second browser holding copies of `source`'s cookies."""
    thief = app.test_client()
    for name in names:
        cookie = source.get_cookie(name)
        assert cookie is not None, name
        thief.set_cookie(name, cookie.value)
    return thief


def test_a_session_cookie_copied_before_logout_stops_working(app, logged_in):
    thief = _copy(app, logged_in, "session")
    assert thief.get("/requests/").status_code == 200

    assert logged_in.post("/logout").status_code == 303
    assert logged_in.get("/requests/").status_code == 302
    response = thief.get("/requests/")
    assert response.status_code == 302 and "/login" in response.location


def test_a_remember_me_cookie_copied_before_logout_stops_working(app, client, customer):
    response = client.post("/login", data={"email": customer.email, "password": "correct-horse-42", "remember": "y"})
    assert response.status_code == 303
    thief = _copy(app, client, "remember_token")
    assert thief.get("/requests/").status_code == 200

    client.post("/logout")
    assert _copy(app, thief, "remember_token").get("/requests/").status_code == 302


def test_logout_ends_only_this_browser(app, logged_in, customer):
    other = app.test_client()
    login(other, customer.email)
    logged_in.post("/logout")
    assert other.get("/requests/").status_code == 200


def test_remember_me_cookie_is_lax_httponly_and_lives_30_days(client, customer):
    response = client.post("/login", data={"email": customer.email, "password": "correct-horse-42", "remember": "y"})
    (remember,) = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token=")]
    assert "SameSite=Lax" in remember and "HttpOnly" in remember and "Secure" not in remember
    expires = datetime.strptime(remember.split("Expires=")[1].split(";")[0], "%a, %d %b %Y %H:%M:%S GMT")
    assert timedelta(days=29) < expires.replace(tzinfo=UTC) - datetime.now(UTC) <= timedelta(days=30)
    row = db.session.scalar(db.select(LoginSession))
    assert timedelta(days=29) < row.expires_at - datetime.now(UTC) <= timedelta(days=30)


@pytest.fixture
def https_config(app_config):
    app_config["PORTAL_BASE_URL"] = "https://support.example.test"
    return app_config


def test_cookies_are_secure_when_the_portal_is_served_over_https(https_config, app, client, customer):
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    response = client.post("/login", data={"email": customer.email, "password": "correct-horse-42", "remember": "y"},
                           base_url="https://support.example.test")
    cookies = response.headers.getlist("Set-Cookie")
    assert {c.split("=")[0] for c in cookies} == {"session", "remember_token"}
    assert all("Secure" in c and "HttpOnly" in c for c in cookies)


def test_only_a_hash_of_the_token_is_stored(app, logged_in, customer):
    cookie = app.session_interface.get_signing_serializer(app).loads(logged_in.get_cookie("session").value)
    user_id, _, token = cookie["_user_id"].partition(".")
    assert user_id == str(customer.id) and len(token) >= 40
    (row,) = db.session.scalars(db.select(LoginSession))
    assert token not in row.token_hash and len(row.token_hash) == 64


def test_an_expired_session_is_refused(app, customer):
    session_id = sessions.start(customer, timedelta(days=30))
    assert sessions.resume(session_id) is customer
    assert sessions.resume(session_id, now=datetime.now(UTC) + timedelta(days=31)) is None
    assert sessions.resume(session_id.replace(".", ".x")) is None
    assert sessions.resume(f"{customer.id + 1}.{session_id.partition('.')[2]}") is None
    assert sessions.resume("not-a-session") is None
    assert sessions.resume("9" * 40 + ".abc") is None


def test_a_deactivated_account_is_signed_out(logged_in, customer):
    customer.active = False
    db.session.commit()
    assert logged_in.get("/requests/").status_code == 302
