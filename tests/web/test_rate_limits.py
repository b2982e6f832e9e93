"""Rate limits with the production policy, on in-memory storage and on Redis (TEST_REDIS_URL)."""

from __future__ import annotations

import os
import statistics
import time
import uuid

import pytest

from app import create_app
from extensions import db
from tests.conftest import PASSWORD
from tests.lifecycle_helpers import file_request
from views.limits import POLICY

REDIS = os.environ.get("TEST_REDIS_URL")
TOPIC = "/c/lichnyj-kabinet/oshibka-v-rabote-lk"


def _client_at(app, address: str):
    """A browser at this address."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.skipif(
    not REDIS, reason="TEST_REDIS_URL is not set"))])
def app_config(request, app_config):
    """The real limits; counters under a key prefix of this test's own, so parallel runs never share them."""
    prefix = f"test-{uuid.uuid4().hex}"
    app_config.pop("RATELIMIT_ENABLED")
    app_config["RATELIMIT_STORAGE_URI"] = REDIS if request.param == "redis" else "memory://"
    app_config["RATELIMIT_STORAGE_OPTIONS"] = {"key_prefix": prefix}
    yield app_config
    if request.param == "redis":
        import redis

        server = redis.Redis.from_url(REDIS)
        keys = list(server.scan_iter(f"{prefix}*"))
        if keys:
            server.delete(*keys)
        server.close()


def _wrong(client, email: str = "support-group@romashka.test", **kwargs):
    return client.post("/login", data={"email": email, "password": "wrong-password"}, **kwargs)


def _assert_429(response, *, api: bool = False) -> None:
    assert response.status_code == 429
    retry = int(response.headers["Retry-After"])
    assert 0 < retry <= 24 * 3600
    if api:
        assert response.get_json()["error"].startswith("Слишком много запросов. Попробуйте снова через ")
    else:
        body = response.get_data(as_text=True)
        assert f"Слишком много попыток. Попробуйте снова через {-(-retry // 60)} мин." in body


def test_the_policy_is_the_production_one(app):
    assert app.config["RATELIMIT_ENABLED"] is True
    assert POLICY.login_per_account == POLICY.login_per_client == "10 per 15 minutes"


def test_ten_wrong_passwords_block_the_account_even_for_the_right_one(app, customer):
    clients = [_client_at(app, f"10.0.0.{n}") for n in range(11)]
    for n in range(10):  # one wrong try from each of ten addresses: only the account counter reaches 10
        assert _wrong(clients[n]).status_code == 422
    blocked = clients[10].post("/login", data={"email": " Support-Group@Romashka.TEST", "password": PASSWORD})
    _assert_429(blocked)
    assert 14 * 60 < int(blocked.headers["Retry-After"]) <= 15 * 60
    assert "Попробуйте снова через 15 мин." in blocked.get_data(as_text=True)
    assert clients[10].get("/requests/").status_code == 302  # not signed in
    assert _wrong(clients[10], "it@lutik.test").status_code == 422  # other accounts are unaffected


def test_ten_wrong_passwords_block_the_client(app, customer):
    client = _client_at(app, "10.0.1.1")
    for n in range(10):
        assert _wrong(client, f"guess{n}@romashka.test").status_code == 422
    _assert_429(_wrong(client, "guess-next@romashka.test"))
    _assert_429(client.post("/login", data={"email": customer.email, "password": PASSWORD}))
    assert client.get("/login").status_code == 200  # the page itself stays open
    other = _client_at(app, "10.0.1.2")
    assert other.post("/login", data={"email": customer.email, "password": PASSWORD}).status_code == 303


def test_successful_logins_do_not_count(app, customer):
    client = _client_at(app, "10.0.2.1")
    for _ in range(15):
        assert client.post("/login", data={"email": customer.email, "password": PASSWORD}).status_code == 303
        client.post("/logout")
    assert _wrong(client).status_code == 422


def test_htmx_login_gets_429_with_retry_after(app, customer):
    client = _client_at(app, "10.0.3.1")
    for _ in range(10):
        _wrong(client, headers={"HX-Request": "true"})
    response = _wrong(client, headers={"HX-Request": "true"})
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0


def test_a_blocked_login_is_refused_before_argon2(app_config, app):
    from tickets import accounts

    accounts.configure_hasher(time_cost=3, memory_cost=65536, parallelism=4)  # argon2-cffi's defaults
    try:
        client = _client_at(app, "10.0.4.1")
        wrong = []
        for _ in range(10):  # an unknown account is hashed with the configured (production) cost
            started = time.perf_counter()
            assert _wrong(client, "nobody@romashka.test").status_code == 422
            wrong.append(time.perf_counter() - started)
        refused = []
        for _ in range(10):
            started = time.perf_counter()
            assert _wrong(client, "nobody@romashka.test").status_code == 429
            refused.append(time.perf_counter() - started)
    finally:
        accounts.configure_hasher(**app_config["ARGON2_PARAMS"])
    assert statistics.median(refused) < statistics.median(wrong) / 3


def test_search_api_is_limited_per_client_in_json(app):
    client = _client_at(app, "10.0.5.1")
    for _ in range(120):
        assert client.get("/api/search?q=отчет").status_code == 200
    _assert_429(client.get("/api/search?q=отчет"), api=True)
    assert _client_at(app, "10.0.5.2").get("/api/search?q=отчет").status_code == 200


def test_filing_is_limited_but_live_validation_is_not(app, customer):
    client = _client_at(app, "10.0.6.1")
    client.post("/login", data={"email": customer.email, "password": PASSWORD})
    for _ in range(15):
        assert client.post(f"{TOPIC}?validate=1", data={"summary": "Не открывается"}).status_code == 200
    for _ in range(10):
        assert client.post(TOPIC, data={"summary": ""}).status_code == 422
    _assert_429(client.post(TOPIC, data={"summary": ""}))
    assert client.get(TOPIC).status_code == 200


def test_customer_replies_are_limited_per_account(app, customer, other_customer):
    ticket = file_request(customer)
    client = _client_at(app, "10.0.7.1")
    client.post("/login", data={"email": customer.email, "password": PASSWORD})
    for _ in range(20):
        assert client.post(f"/requests/{ticket.id}/reply", data={"body": ""}).status_code == 422
    _assert_429(client.post(f"/requests/{ticket.id}/reply", data={"body": ""}))

    neighbour = _client_at(app, "10.0.7.1")  # same address, another company
    neighbour.post("/login", data={"email": other_customer.email, "password": PASSWORD})
    other_ticket = file_request(other_customer)
    assert neighbour.post(f"/requests/{other_ticket.id}/reply", data={"body": ""}).status_code == 422


def test_agent_replies_are_limited(app, customer, agent):
    ticket = file_request(customer)
    client = _client_at(app, "10.0.8.1")
    client.post("/login", data={"email": agent.email, "password": PASSWORD})
    for _ in range(20):
        assert client.post(f"/console/requests/{ticket.id}/reply", data={"body": ""}).status_code == 422
    _assert_429(client.post(f"/console/requests/{ticket.id}/reply", data={"body": ""}))


def test_reset_requests_are_limited_per_address_and_per_client(app, customer):
    for n in range(3):
        assert _client_at(app, f"10.0.9.{n}").post("/password/forgot", data={"email": customer.email}).status_code == 303
    _assert_429(_client_at(app, "10.0.9.9").post("/password/forgot", data={"email": " SUPPORT-group@romashka.test"}))

    client = _client_at(app, "10.0.10.1")
    for n in range(5):
        assert client.post("/password/forgot", data={"email": f"someone{n}@x.test"}).status_code == 303
    _assert_429(client.post("/password/forgot", data={"email": "someone-else@x.test"}))


def test_redis_holds_the_counters_when_configured(app_config, app, customer):
    if not app_config["RATELIMIT_STORAGE_URI"].startswith("redis"):
        pytest.skip("Redis case only")
    import redis

    _wrong(_client_at(app, "10.0.11.1"))
    server = redis.Redis.from_url(REDIS)
    try:
        assert list(server.scan_iter(f"{app_config['RATELIMIT_STORAGE_OPTIONS']['key_prefix']}*"))
    finally:
        server.close()


def test_limits_are_switched_off_by_the_standard_setting(monkeypatch, _schema, database_url, tmp_path):
    monkeypatch.setenv("FLASK_RATELIMIT_ENABLED", "false")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/15")
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "x", "TESTING": True, "WTF_CSRF_ENABLED": False,
                      "UPLOAD_DIR": str(tmp_path), "MAIL_OUTBOX_DIR": str(tmp_path)})
    assert app.config["RATELIMIT_ENABLED"] is False
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/15"
    client = app.test_client()
    with app.app_context():
        try:
            for _ in range(12):
                assert _wrong(client).status_code == 422
        finally:
            db.session.remove()
            db.engine.dispose()
