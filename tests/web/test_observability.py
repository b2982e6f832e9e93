"""Observability: /metrics (requests by endpoint, business figures, who may read it) and JSON logs with a request id."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from db_types import utcnow
from extensions import db
from search.models import SearchLog
from tests.lifecycle_helpers import file_request
from tests.web.test_close_stale import waiting_since
from tests.web.test_health import closed_port
from tickets import autoclose
from tickets import lifecycle
from tickets.models import OutboxMessage
from tickets.outbox import enqueue
from tickets.status import Status

REMOTE = {"REMOTE_ADDR": "203.0.113.5"}


def samples(response) -> dict[tuple[str, frozenset], float]:
    """The scraped samples: (name, labels) -> value."""
    assert response.status_code == 200, response.status_code
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.get_data(as_text=True))
        for sample in family.samples
    }


def value(scraped: dict, name: str, **labels: str) -> float | None:
    return scraped.get((name, frozenset(labels.items())))


@pytest.fixture
def configured(app_config, request):
    """The app, made after these config keys were set."""

    def make(**config):
        app_config.update(config)
        return request.getfixturevalue("app")

    return make


def test_business_figures_are_counted_at_scrape_time(app, client, customer, agent):
    now = utcnow()
    # Auto-close closes two; an agent closing one by hand is not counted.
    for hours in (50, 60):
        waiting_since(customer, agent, now - timedelta(hours=hours))
    by_hand = file_request(customer)
    lifecycle.change_status(by_hand, agent, Status.CLOSED, now=now)
    assert autoclose.close_stale(now=now)[0] == 2
    # The outbox: what that queued went out; three wait, the oldest for 10 minutes; two were refused for good.
    db.session.execute(db.update(OutboxMessage).values(sent_at=now))
    for minutes in (10, 3, 1):
        enqueue("a@example.test", "Письмо", "Текст", "<p>Текст</p>", now=now - timedelta(minutes=minutes))
    for _ in range(2):
        db.session.add(OutboxMessage(to_addr="b@example.test", subject="s", text_body="t", html_body="h",
                                     created_at=now - timedelta(hours=3), failed_at=now))
    # The search log: four searches in the last hour, one of them empty; an older empty one is outside.
    for minutes, found in ((5, True), (20, True), (40, False), (59, True), (90, False)):
        db.session.add(SearchLog(query=f"запрос {minutes}", result_count=int(found), had_results=found,
                                 created_at=now - timedelta(minutes=minutes)))
    db.session.commit()

    scraped = samples(client.get("/metrics"))

    assert value(scraped, "portal_outbox_pending") == 3
    assert 600 <= value(scraped, "portal_outbox_oldest_pending_age_seconds") < 660
    assert value(scraped, "portal_mail_failed_total") == 2
    assert value(scraped, "portal_tickets_auto_closed_total") == 2
    assert value(scraped, "portal_search_logged_last_hour") == 4
    assert value(scraped, "portal_search_zero_result_ratio") == 0.25
    assert value(scraped, "portal_figures_up") == 1


def test_an_empty_portal_reports_zeros(client):
    scraped = samples(client.get("/metrics"))
    for name in ("portal_outbox_pending", "portal_outbox_oldest_pending_age_seconds", "portal_mail_failed_total",
                 "portal_tickets_auto_closed_total", "portal_search_logged_last_hour", "portal_search_zero_result_ratio"):
        assert value(scraped, name) == 0, name


def test_without_the_database_the_scrape_still_answers(app_config):
    from app import create_app

    app_config["SQLALCHEMY_DATABASE_URI"] = f"postgresql://postgres@127.0.0.1:{closed_port()}/test"
    app = create_app(app_config)
    scraped = samples(app.test_client().get("/metrics"))
    assert value(scraped, "portal_figures_up") == 0
    assert value(scraped, "portal_outbox_pending") is None
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_requests_are_counted_by_endpoint_not_by_path(client, customer):
    client.get("/")
    client.get("/?q=x")
    client.get("/help/")
    client.get("/requests/1")
    client.get("/requests/2")
    client.get("/no/such/page")
    client.open("/", method="BREW")  # a made-up method must not become a label value
    scraped = samples(client.get("/metrics"))

    def count(endpoint: str, status: str) -> float | None:
        return value(scraped, "flask_http_request_duration_seconds_count", method="GET", endpoint=endpoint, status=status)

    assert count("catalog.home", "200") == 2
    assert count("help.index", "200") == 1
    # Two request numbers, one series: the endpoint is the label, never the raw path.
    assert sum(v for (name, labels), v in scraped.items()
               if name == "flask_http_request_duration_seconds_count" and ("endpoint", "requests.detail") in labels) == 2
    assert count("None", "404") == 1
    labels = {dict(labels).get("method") for (_, labels) in scraped}
    assert "BREW" not in labels
    # The scrape itself is not counted.
    assert not any(("endpoint", "metrics.metrics") in labels for (_, labels) in scraped)
    assert value(scraped, "flask_http_request_total", method="GET", status="200") >= 3


def test_metrics_are_readable_from_loopback_only_by_default(client):
    assert client.get("/metrics").status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200
    refused = client.get("/metrics", environ_base=REMOTE)
    assert refused.status_code == 404
    assert "flask_http" not in refused.get_data(as_text=True)
    assert client.get("/metrics", environ_base=REMOTE, headers={"Authorization": "Bearer "}).status_code == 404


def test_a_request_forwarded_by_a_local_proxy_is_not_local(configured):
    client = configured().test_client()
    # nginx on the same host connects from 127.0.0.1: without ProxyFix its X-Forwarded-For gives it away.
    assert client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.5"}).status_code == 404


def test_behind_a_trusted_proxy_the_client_address_decides(configured):
    client = configured(PROXY_FIX_X_FOR=1).test_client()
    assert client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.5"}).status_code == 404
    assert client.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 200


def test_configured_networks_and_the_bearer_token(configured):
    client = configured(METRICS_ALLOWED_NETWORKS="10.0.0.0/8, 192.168.1.0/24", METRICS_TOKEN="s3cret-token").test_client()
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.20.30.40"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "192.168.1.7"}).status_code == 200
    assert client.get("/metrics").status_code == 404  # loopback is no longer in the list
    assert client.get("/metrics", environ_base=REMOTE, headers={"Authorization": "Bearer s3cret-token"}).status_code == 200
    assert client.get("/metrics", environ_base=REMOTE, headers={"Authorization": "Bearer wrong"}).status_code == 404
    assert client.get("/metrics", environ_base=REMOTE, headers={"Authorization": "Basic s3cret-token"}).status_code == 404


def test_scrapes_are_never_rate_limited(configured):
    client = configured(RATELIMIT_ENABLED=True, RATELIMIT_DEFAULT="2 per minute").test_client()
    assert [client.get("/help/").status_code for _ in range(3)] == [200, 200, 429]
    assert {client.get("/metrics").status_code for _ in range(5)} == {200}


def test_a_sane_request_id_is_echoed_and_anything_else_replaced(client):
    given = "3f9c2a1e-5b7d-4c8e-9a0b-1c2d3e4f5a6b"
    assert client.get("/healthz", headers={"X-Request-ID": given}).headers["X-Request-ID"] == given
    for bad in ("два слова", "a" * 200, "<script>", "-leading-dash", "x\ty"):
        echoed = client.get("/healthz", headers={"X-Request-ID": bad}).headers["X-Request-ID"]
        assert re.fullmatch(r"[0-9a-f]{32}", echoed), bad
    first, second = (client.get("/healthz").headers["X-Request-ID"] for _ in range(2))
    assert re.fullmatch(r"[0-9a-f]{32}", first) and first != second


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_log_records_of_a_request_carry_its_id_as_json(configured, capsys):
    app = configured(LOG_FORMAT="json", REDIS_URL=f"redis://127.0.0.1:{closed_port()}/0")
    capsys.readouterr()
    response = app.test_client().get("/readyz", headers={"X-Request-ID": "probe-42"})
    assert response.status_code == 503 and response.headers["X-Request-ID"] == "probe-42"
    app.logger.info("after the request")

    records = json_lines(capsys.readouterr().err)
    [failed] = [r for r in records if r["message"].startswith("readiness check redis failed")]
    assert failed["request_id"] == "probe-42"
    assert failed["level"] == "WARNING" and failed["logger"] == "app" and "time" in failed
    [after] = [r for r in records if r["message"] == "after the request"]
    assert after["request_id"] is None


def test_text_logs_carry_the_request_id_too(configured, capsys):
    app = configured(REDIS_URL=f"redis://127.0.0.1:{closed_port()}/0")
    capsys.readouterr()
    app.test_client().get("/readyz", headers={"X-Request-ID": "probe-43"})
    lines = [line for line in capsys.readouterr().err.splitlines() if "readiness check" in line]
    assert len(lines) == 1 and "WARNING app [probe-43] readiness check redis failed" in lines[0]


def test_worker_logs_are_json_too(configured):
    app = configured(LOG_FORMAT="json")
    enqueue("gone@example.test", "Письмо", "Текст", "<p>Текст</p>", now=utcnow() - timedelta(minutes=1))
    db.session.commit()
    app.config.update(MAIL_SMTP_HOST="127.0.0.1", MAIL_SMTP_PORT=closed_port(), MAIL_SMTP_TIMEOUT=2)
    result = app.test_cli_runner().invoke(args=["requests", "worker", "--once"])
    assert result.exit_code == 0, result.output
    records = json_lines(result.stderr)
    [warning] = [r for r in records if r["logger"] == "tickets.outbox"]
    assert warning["level"] == "WARNING" and "not sent (attempt 1)" in warning["message"]
    assert warning["request_id"] is None
