"""Headers that carry a URL are ASCII URIs, and every redirect stays on this site."""

from __future__ import annotations

from urllib.parse import unquote
from urllib.parse import urljoin
from urllib.parse import urlsplit

import pytest

from tests.conftest import PASSWORD
from views.auth import safe_next

HTMX = {"HX-Request": "true"}
TOPIC = "/c/telefoniya-i-zvonki/problemy-s-telefoniej"
CYRILLIC_NEXT = f"{TOPIC}?q=не работает обзвон"


def _login(client, email: str, next_url: str, headers: dict | None = None):
    return client.post("/login", data={"email": email, "password": PASSWORD, "next": next_url},
                       headers=headers or {})


def test_htmx_login_redirect_to_a_cyrillic_query_is_an_ascii_uri(client, customer):
    response = _login(client, customer.email, CYRILLIC_NEXT, HTMX)
    target = response.headers["HX-Redirect"]
    assert target.isascii()
    assert unquote(target) == CYRILLIC_NEXT


def test_plain_login_redirect_to_a_cyrillic_query_is_an_ascii_uri(client, customer):
    response = _login(client, customer.email, CYRILLIC_NEXT)
    assert response.status_code == 303
    assert response.headers["Location"].isascii()
    assert unquote(response.headers["Location"]) == CYRILLIC_NEXT


def test_the_form_keeps_the_query_after_the_htmx_login(client, customer):
    target = _login(client, customer.email, CYRILLIC_NEXT, HTMX).headers["HX-Redirect"]
    page = client.get(target).get_data(as_text=True)
    assert 'value="не работает обзвон"' in page


def test_login_link_of_a_page_carries_the_query(client):
    page = client.get("/c/telefoniya-i-zvonki").get_data(as_text=True)
    assert 'href="/login?next=/c/telefoniya-i-zvonki' in page


# What an attacker puts in ?next= to leave the site after sign-in (with and without htmx).
OFFSITE = [
    "//evil.example/", "///evil.example/", "////evil.example", "/\\evil.example/", "\\\\evil.example",
    "\\/evil.example/", "/\\/evil.example/", "http://evil.example/", "https://evil.example",
    "HTTPS://evil.example", "javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,x",
    "evil.example", "@evil.example", "/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example",
    "\t//evil.example", " //evil.example", "//evil.example@portal.test", "/%0a/evil.example".replace("%0a", "\n"),
    "https:evil.example", "http:/\\evil.example", "//\u3000evil.example", "/\u2028/evil.example",
    "//evil%2Eexample", "/\x00/evil.example", "ftp://evil.example", "//[::1]/", "//127.0.0.2:8080/",
    "/\\\\evil.example", "\u2215\u2215evil.example",
]
ONSITE = ["/requests/", "/requests/1", f"{TOPIC}?q=обзвон", "/search?q=a%2Fb", "/c/x?q=//evil.example"]


@pytest.mark.parametrize("target", OFFSITE)
def test_offsite_next_is_refused(target):
    assert safe_next(target) is None


@pytest.mark.parametrize("target", ONSITE)
def test_onsite_next_is_kept(target):
    assert safe_next(target) == target


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("target", OFFSITE)
def test_sign_in_never_leaves_the_site(client, customer, target, htmx):
    response = _login(client, customer.email, target, HTMX if htmx else None)
    assert response.status_code in (200, 303), response.status_code
    landing = response.headers.get("HX-Redirect") or response.headers.get("Location")
    # Resolved as a browser would (a backslash reads as a slash): the host must still be ours.
    resolved = urlsplit(urljoin("http://portal.test/login", landing.replace("\\", "/")))
    assert landing.isascii() and (resolved.scheme, resolved.netloc) == ("http", "portal.test"), landing
