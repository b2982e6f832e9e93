"""The fragment contract of every htmx endpoint: full page unless a plain htmx request."""

from __future__ import annotations

import pytest

HX = {"HX-Request": "true"}
VARY = {"HX-Request", "HX-Boosted", "HX-History-Restore-Request"}


def vary(response) -> set[str]:
    return {v.strip() for v in response.headers.get("Vary", "").split(",")}


def fetch(client, method: str, url: str, headers: dict, data: dict | None):
    return client.open(url, method=method, headers=headers, data=data)


ENDPOINTS = [
    ("GET", "/help/identifikator-chata", None, '<div id="article">'),
    ("GET", "/search?q=не+работает+обзвон", None, '<div id="search_results"'),
    ("POST", "/c/chaty-i-rassylki/problema-s-chatami", {"summary": "x"}, '<div id="request_form">'),
    ("POST", "/login", {"email": "nobody@x.test", "password": "nope"}, '<div id="login_form">'),
    ("POST", "/account/timezone", {"timezone": "Mars/Olympus"}, '<div id="timezone_form">'),
    ("POST", "/account/password", {"current": "nope"}, '<div id="password_form">'),
]


@pytest.mark.parametrize(("method", "url", "data", "wrapper"), ENDPOINTS)
def test_fragment_contract(logged_in, method, url, data, wrapper):
    page = fetch(logged_in, method, url, {}, data)
    assert "<html" in page.get_data(as_text=True) and wrapper in page.get_data(as_text=True)
    assert vary(page) >= VARY

    fragment = fetch(logged_in, method, url, HX, data)
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and wrapper not in body and body.strip()
    assert vary(fragment) >= VARY

    for extra in ({"HX-Boosted": "true"}, {"HX-History-Restore-Request": "true"}):
        full = fetch(logged_in, method, url, {**HX, **extra}, data)
        assert "<html" in full.get_data(as_text=True)
        assert vary(full) >= VARY


def test_successful_htmx_post_redirects_with_hx_redirect(logged_in):
    from tests.web.test_request_filing import URL
    from tests.web.test_request_filing import good_form

    response = logged_in.post(URL, data=good_form(), headers=HX)
    assert response.status_code == 200
    assert response.headers["HX-Redirect"].endswith("/created")


def test_htmx_post_back_to_the_same_page_reloads_it(logged_in, customer):
    from tests.lifecycle_helpers import file_request

    number = file_request(customer).id
    here = {**HX, "HX-Current-URL": f"http://localhost/requests/{number}"}
    response = logged_in.post(f"/requests/{number}/reply", data={"author_name": "Ирина", "body": "Готово"},
                              headers=here)
    assert response.headers["HX-Redirect"].startswith(f"/requests/{number}#comment-")
    # Only the anchor differs: htmx would merely scroll, so it is told to reload as well.
    assert response.headers["HX-Refresh"] == "true"

    elsewhere = {**HX, "HX-Current-URL": "http://localhost/c/chaty-i-rassylki/problema-s-chatami"}
    from tests.web.test_request_filing import URL
    from tests.web.test_request_filing import good_form

    filed = logged_in.post(URL, data=good_form(submission_id="other"), headers=elsewhere)
    assert filed.headers["HX-Redirect"].endswith("/created") and "HX-Refresh" not in filed.headers


def assert_contract(client, method: str, url: str, data: dict | None, wrapper: str) -> None:
    page = fetch(client, method, url, {}, data)
    assert wrapper in page.get_data(as_text=True) and vary(page) >= VARY
    fragment = fetch(client, method, url, HX, data)
    assert "<html" not in fragment.get_data(as_text=True) and wrapper not in fragment.get_data(as_text=True)
    assert vary(fragment) >= VARY
    for extra in ({"HX-Boosted": "true"}, {"HX-History-Restore-Request": "true"}):
        assert wrapper in fetch(client, method, url, {**HX, **extra}, data).get_data(as_text=True)


def test_customer_reply_fragment_contract(logged_in, customer):
    from tests.lifecycle_helpers import file_request

    number = file_request(customer).id
    assert_contract(logged_in, "POST", f"/requests/{number}/reply", {"body": ""}, '<div id="reply_form">')


def test_console_fragment_contract(client, customer, agent):
    from tests.conftest import login
    from tests.lifecycle_helpers import file_request

    number = file_request(customer).id
    login(client, agent.email)
    assert_contract(client, "GET", "/console/?status=new", None, '<div id="queue"')
    assert_contract(client, "POST", f"/console/requests/{number}/reply", {"body": ""}, '<div id="agent_reply">')
    assert_contract(client, "POST", f"/console/requests/{number}/status", {"target": "reopened"}, '<div id="agent_status">')
