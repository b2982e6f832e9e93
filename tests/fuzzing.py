"""Hostile input for every form field, query parameter and path id of the portal, shared by the fuzz test and bench/fuzz.py.

A `Target` names a URL, who visits it and the parameters it reads; `hostile_requests` draws whole requests
(hostile values, missing and extra fields, huge numbers, broken UTF-8) and `Portal.send` sends one through
the Flask test client and returns the status.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from dataclasses import field
from urllib.parse import quote

from flask import Flask
from flask import g
from flask import got_request_exception
from flask import request_started
from hypothesis import strategies as st

from extensions import db
from kb import current_catalog

PASSWORD = "correct-horse-42"
HUGE_NUMBERS = ["2147483648", "9223372036854775808", "-1", "0", "1e9", "99999999999999999999999999", "9" * 4400]
NASTY = [
    "", " ", "\x00", "a\x00b", "\r\n", "\r\nSet-Cookie: x=1", "\t", "\u2028", "\ufeff", "\u202e", "%00", "%0d%0a",
    "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "javascript:alert(1)", "' OR 1=1 --",
    "//evil.example/", "/\\evil.example", "https://evil.example", "../../etc/passwd", "{{7*7}}", "${7*7}",
    "😀" * 100, "Ж" * 201, "x" * 65, "я" * 10_001, "\U0010ffff", "\x7f\x1b[31m", "NaN", "null", "[]", "{}",
    *HUGE_NUMBERS,
]
# Text as people and attackers send it: any code point an HTTP client can encode (no lone surrogates).
ANY_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=300)
VALUES = st.one_of(ANY_TEXT, st.sampled_from(NASTY), st.integers().map(str),
                   st.text(st.characters(exclude_categories=("Cs",)), min_size=1000, max_size=12_000))
BROKEN_UTF8 = st.binary(max_size=64).map(lambda raw: "".join(f"%{b:02X}" for b in raw))


BAD_PATH_VALUES = st.one_of(st.sampled_from(HUGE_NUMBERS), st.integers().map(str),
                            ANY_TEXT.filter(lambda s: "/" not in s and s not in ("", ".", "..")))


@dataclass(frozen=True)
class Target:
    """One URL of the portal, who visits it and the parameters it reads."""

    name: str
    method: str
    path: str                      # may hold {ticket}, {attachment}, {category}, {topic}, {slug}
    role: str                      # "anonymous", "customer" or "agent"
    params: tuple[str, ...] = ()   # form fields for POST, query parameters for GET
    query: tuple[str, ...] = ()    # query parameters of a POST
    files: bool = False


def request_targets(category: str, topic: str, topic_fields: tuple[str, ...]) -> list[Target]:
    """Every input the portal takes, by URL."""
    request_form = ("lk_number", *topic_fields, "author_name", "summary", "description", "submission_id", "keep",
                    "search_phrase", "csrf_token")
    return [
        Target("home", "GET", "/", "anonymous", ("q",)),
        Target("search", "GET", "/search", "anonymous", ("q", "exact")),
        Target("search-api", "GET", "/api/search", "anonymous", ("q", "limit")),
        Target("category", "GET", "/c/{category}", "anonymous"),
        Target("article", "GET", "/help/{slug}", "anonymous"),
        Target("login-page", "GET", "/login", "anonymous", ("next",)),
        Target("login", "POST", "/login", "anonymous", ("email", "password", "remember", "next"), ("next",)),
        Target("forgot", "POST", "/password/forgot", "anonymous", ("email",)),
        Target("reset-page", "GET", "/password/reset/{token}", "anonymous"),
        Target("reset", "POST", "/password/reset/{token}", "anonymous", ("new", "confirm")),
        Target("probes", "GET", "/readyz", "anonymous", ("q",)),
        Target("topic-page", "GET", f"/c/{category}/{topic}", "customer", ("q",)),
        Target("file-request", "POST", f"/c/{category}/{topic}", "customer", request_form, ("validate",), files=True),
        Target("form-suggestions", "POST", f"/c/{category}/{topic}/draft", "customer", request_form, ("switch",),
               files=True),
        Target("suggested-article", "GET", f"/c/{category}/{topic}/read/{{slug}}", "customer", ("s",)),
        Target("my-requests", "GET", "/requests/", "customer", ("show",)),
        Target("request", "GET", "/requests/{ticket}", "customer"),
        Target("created", "GET", "/requests/{ticket}/created", "customer"),
        Target("reply", "POST", "/requests/{ticket}/reply", "customer",
               ("author_name", "body", "submission_id", "keep"), files=True),
        Target("close", "POST", "/requests/{ticket}/close", "customer", ("author_name",)),
        Target("download", "GET", "/requests/files/{attachment}/{slug}", "customer"),
        Target("account", "GET", "/account/", "customer"),
        Target("timezone", "POST", "/account/timezone", "customer", ("timezone",)),
        Target("password", "POST", "/account/password", "customer", ("current", "new", "confirm")),
        Target("queue", "GET", "/console/", "agent", ("category", "topic", "status", "assignee", "page")),
        Target("console-request", "GET", "/console/requests/{ticket}", "agent"),
        Target("take", "POST", "/console/requests/{ticket}/take", "agent"),
        Target("agent-reply", "POST", "/console/requests/{ticket}/reply", "agent",
               ("body", "mode", "submission_id", "keep"), files=True),
        Target("status", "POST", "/console/requests/{ticket}/status", "agent", ("target", "reason")),
        Target("console-search", "GET", "/console/search/", "agent", ("days",)),
        Target("console-search-table", "GET", "/console/search/pairs", "agent", ("days", "format")),
        Target("remove-pair", "POST", "/console/search/pairs/remove", "agent", ("phrase", "topic", "days")),
        Target("unposted-mail", "GET", "/console/mail/", "agent", ("page",)),
        Target("raw-mail", "GET", "/console/mail/{mail}.eml", "agent"),
    ]


@dataclass
class HostileRequest:
    """One drawn request: path values, parameters (text or already percent-encoded bytes) and files."""

    path_values: dict[str, str]
    params: list[tuple[str, str]]
    raw_query: str = ""
    files: list[tuple[str, bytes]] = field(default_factory=list)
    htmx: bool = False


FILE_NAMES = st.one_of(st.sampled_from(["a.txt", "скрин.png", "x.exe", "", ".", "..", "a" * 300 + ".txt",
                                        "CON", "a\x00.txt", "../../x.txt"]), ANY_TEXT)
FILE_BODIES = st.one_of(st.just(b""), st.binary(max_size=2048), st.sampled_from([b"hello\n", b"\x89PNG\r\n\x1a\n" + b"\0" * 64]))


@st.composite
def hostile_requests(draw, target: Target, real: dict[str, str]) -> HostileRequest:
    """A request to `target` with hostile values, sometimes the real ids, sometimes missing or extra fields."""
    # Mostly the real ids, so the forms behind them are reached; otherwise anything at all.
    path_values = {
        key: value if draw(st.integers(0, 9)) < 7 else draw(BAD_PATH_VALUES) for key, value in real.items()
    }
    names = draw(st.lists(st.sampled_from(target.params), unique=True)) if target.params else []
    params = [(name, draw(VALUES)) for name in names]
    if target.params and draw(st.booleans()):
        params.append((draw(st.sampled_from(target.params)), draw(VALUES)))  # a repeated field
    if draw(st.integers(0, 9)) == 0:
        params.append((draw(ANY_TEXT), draw(VALUES)))  # a field nobody expects
    raw_query = ""
    if target.query and draw(st.booleans()):
        raw_query = "&".join(f"{quote(name)}={draw(BROKEN_UTF8)}" for name in target.query)
    elif target.method == "GET" and target.params and draw(st.integers(0, 4)) == 0:
        raw_query = "&".join(f"{quote(name)}={draw(BROKEN_UTF8)}" for name in target.params)
    files = draw(st.lists(st.tuples(FILE_NAMES, FILE_BODIES), max_size=3)) if target.files else []
    return HostileRequest(path_values, params, raw_query, files, draw(st.booleans()))


class Portal:
    """The portal under fuzzing: one client per role, a company's request and file, and the errors its views raised."""

    def __init__(self, app: Flask) -> None:
        from tickets import current_store
        from tickets.accounts import create_agent
        from tickets.accounts import create_company
        from tickets.attachments import check_file
        from tickets.password_reset import make_token
        from tickets.service import NewRequest
        from tickets.service import create_ticket
        from tickets.service import save_draft

        self.app = app
        self.errors: list[BaseException] = []
        got_request_exception.connect(self._record, app)
        request_started.connect(self._forget_login, app)
        catalog = current_catalog()
        category = catalog.category("chaty-i-rassylki")
        topic = category.topic("problema-s-chatami")
        self.targets = request_targets(category.slug, topic.slug, tuple(f.field.key for f in topic.fields))
        customer = create_company("ООО Фаззинг", "fuzz@company.test", PASSWORD, lk_number="555111")
        create_agent("fuzz-agent@twin.test", PASSWORD, "Агент")
        upload = save_draft(customer, customer.company_id, "fuzz", check_file("a.txt", b"hello\n", 1024),
                            current_store())
        ticket, _ = create_ticket(customer, NewRequest(category, topic, "Бот молчит", "Подробности проблемы",
                                                       "Ирина", "fuzz-ticket"), [upload])
        # A separate account: a successful reset signs out every session of the account it resets.
        resettable = create_company("ООО Сброс", "reset@company.test", PASSWORD, lk_number="555222")
        self.real = {"ticket": str(ticket.id), "attachment": str(upload.id), "category": category.slug,
                     "slug": "kak-sozdat-obrashchenie", "token": make_token(resettable, app.config["SECRET_KEY"]), "mail": "1"}
        db.session.remove()
        self.clients = {"anonymous": app.test_client(), "customer": app.test_client(), "agent": app.test_client()}
        for role, email in (("customer", "fuzz@company.test"), ("agent", "fuzz-agent@twin.test")):
            response = self.clients[role].post("/login", data={"email": email, "password": PASSWORD})
            assert response.status_code == 303, response.status_code

    def _record(self, sender, exception, **extra) -> None:
        self.errors.append(exception)

    @staticmethod
    def _forget_login(sender, **extra) -> None:
        # The clients share the caller's app context and so its `g`, where Flask-Login caches the user.
        g.pop("_login_user", None)

    def close(self) -> None:
        got_request_exception.disconnect(self._record, self.app)
        request_started.disconnect(self._forget_login, self.app)

    def real_values(self, target: Target) -> dict[str, str]:
        return {key: value for key, value in self.real.items() if "{" + key + "}" in target.path}

    def send(self, target: Target, drawn: HostileRequest) -> int:
        """Send the drawn request as its role; return the HTTP status."""
        path = target.path.format(**{k: quote(v, safe="") for k, v in drawn.path_values.items()})
        client = self.clients[target.role]
        headers = {"HX-Request": "true"} if drawn.htmx else {}
        if target.method == "GET":
            query = "&".join(f"{quote(k)}={quote(v)}" for k, v in drawn.params)
            query = "&".join(part for part in (query, drawn.raw_query) if part)
            response = client.get(f"{path}?{query}" if query else path, headers=headers)
        else:
            data: dict = {}
            for key, value in drawn.params:
                data.setdefault(key, []).append(value)
            if drawn.files:
                data.setdefault("attachments", []).extend((io.BytesIO(body), name) for name, body in drawn.files)
            url = f"{path}?{drawn.raw_query}" if drawn.raw_query else path
            response = client.post(url, data=data, headers=headers,
                                   content_type="multipart/form-data" if drawn.files else None)
        response.close()
        db.session.remove()
        return response.status_code
