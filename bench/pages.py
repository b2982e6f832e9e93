"""Server time of the pages a customer goes through, in-process through the WSGI app (no network).

Run from the repository root: `python bench/pages.py [--rounds N]`. Uses a throwaway SQLite database
with one company; pages a visitor sees without signing in are fetched anonymously, the rest signed in
(rate limits off: every request comes from one client). Prints p50/p95 per page. It measures, it does not assert.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from extensions import db  # noqa: E402
from tickets.accounts import create_company  # noqa: E402

PASSWORD = "bench-password"
HX = {"HX-Request": "true"}
ANONYMOUS, SIGNED_IN = False, True
PAGES = (
    ("home", "/", {}, ANONYMOUS),
    ("help article", "/help/identifikator-chata", {}, ANONYMOUS),
    ("category", "/c/telefoniya-i-zvonki", {}, ANONYMOUS),
    ("search page", "/search?q=не работает обзвон", {}, ANONYMOUS),
    ("suggestions (htmx)", "/search?q=не работает обзвон", HX, ANONYMOUS),
    ("suggestions, wrong layout (htmx)", "/search?q=yt hf,jnftn j,pdjy", HX, ANONYMOUS),
    ("api search", "/api/search?q=атчет не фармируеца", {}, ANONYMOUS),
    ("inline help (htmx)", "/help/identifikator-chata", HX, ANONYMOUS),
    ("home, signed in", "/", {}, SIGNED_IN),
    ("topic form, signed in", "/c/chaty-i-rassylki/problema-s-chatami", {}, SIGNED_IN),
    ("search page, signed in", "/search?q=не работает обзвон", {}, SIGNED_IN),
    ("my requests, signed in", "/requests/", {}, SIGNED_IN),
)


def report(label: str, timings: list[float], response) -> None:
    timings.sort()
    p95 = timings[min(len(timings) - 1, int(len(timings) * 0.95))]
    print(f"{label:34} p50 {statistics.median(timings):6.2f} ms   p95 {p95:6.2f} ms   "
          f"({len(response.data) / 1024:.1f} KB)")


def distinct_queries(count: int) -> list[str]:
    """Up to `count` different customer phrasings from the labelled query sets."""
    seen: dict[str, None] = {}
    for path in sorted((ROOT / "tests" / "data").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                seen.setdefault(json.loads(line)["query"], None)
    return list(seen)[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(tmp) / 'pages.sqlite3'}", "SECRET_KEY": "bench",
            "WTF_CSRF_ENABLED": False, "SEARCH_LOG": True, "UPLOAD_DIR": tmp, "MAIL_OUTBOX_DIR": tmp,
            "CONTENT_RELOAD_INTERVAL": -1, "RATELIMIT_ENABLED": False,
        })
        with app.app_context():
            db.create_all()
            create_company("ООО Бенчмарк", "bench@example.test", PASSWORD, lk_number="123456")
            db.session.remove()
        anonymous, signed_in = app.test_client(), app.test_client()
        signed_in.post("/login", data={"email": "bench@example.test", "password": PASSWORD})
        for label, url, headers, signed in PAGES:
            client = signed_in if signed else anonymous
            for _ in range(5):
                client.get(url, headers=headers)
            timings = []
            for _ in range(args.rounds):
                started = time.perf_counter()
                response = client.get(url, headers=headers)
                timings.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, (url, response.status_code)
            report(label, timings, response)
        # Repeated above, a search is answered from the process's memo; here every query is asked once.
        queries = distinct_queries(args.rounds)
        for label, path in (("api search, distinct queries", "/api/search"), ("search page, distinct queries", "/search")):
            timings = []
            for q in queries:
                started = time.perf_counter()
                response = anonymous.get(path, query_string={"q": q})
                timings.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, (path, q, response.status_code)
            report(label, timings, response)
        with app.app_context():
            app.extensions["search_log"].close()  # its rows go to the database before the folder is removed
            db.engine.dispose()


if __name__ == "__main__":
    main()
