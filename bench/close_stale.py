"""Auto-close at scale: `requests close-stale` and the console queue over 100,000 requests.

Run from the repository root: `python bench/close_stale.py [--requests N] [--database-url URL]`.
Builds a throwaway database (SQLite file by default), fills it with requests in every status, then
times close-stale (closing and reminding, with the mail queued), a second run with nothing left to do,
and the queue page's queries. It measures, it does not assert.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import func  # noqa: E402
from sqlalchemy import insert  # noqa: E402
from sqlalchemy import select  # noqa: E402

from app import create_app  # noqa: E402
from extensions import db  # noqa: E402
from tickets import autoclose  # noqa: E402
from tickets import queue  # noqa: E402
from tickets.models import Company  # noqa: E402
from tickets.models import OutboxMessage  # noqa: E402
from tickets.models import Ticket  # noqa: E402
from tickets.models import User  # noqa: E402
from tickets.policy import DEFAULT_TIMEZONE  # noqa: E402
from tickets.status import PRIORITY_RANK  # noqa: E402

NOW = datetime.now(UTC)
# Share of requests per status; waiting ones are split into stale (> 48 h), due a reminder and fresh.
MIX = (("closed", 0.55), ("resolved", 0.10), ("new", 0.08), ("in_progress", 0.10), ("reopened", 0.02),
       ("stale", 0.08), ("remind", 0.04), ("waiting", 0.03))


def fill(requests: int, companies: int, seed: int = 7) -> dict[str, int]:
    """Insert companies with their accounts and `requests` requests; return how many of each kind."""
    rnd = random.Random(seed)
    db.session.execute(insert(Company), [
        {"id": n, "name": f"Компания {n}", "lk_number": str(100000 + n), "timezone": DEFAULT_TIMEZONE,
         "created_at": NOW} for n in range(1, companies + 1)
    ])
    db.session.execute(insert(User), [
        {"id": n, "email": f"group{n}@example.test", "password_hash": "x", "role": "customer",
         "name": f"Компания {n}", "company_id": n, "active": True, "created_at": NOW}
        for n in range(1, companies + 1)
    ])
    kinds = [k for k, _ in MIX]
    weights = [w for _, w in MIX]
    made = dict.fromkeys(kinds, 0)
    rows = []
    for number in range(1, requests + 1):
        kind = rnd.choices(kinds, weights)[0]
        made[kind] += 1
        created = NOW - timedelta(hours=rnd.uniform(50, 24 * 90))
        waiting_since = {"stale": NOW - timedelta(hours=rnd.uniform(49, 24 * 10)),
                         "remind": NOW - timedelta(hours=rnd.uniform(25, 47)),
                         "waiting": NOW - timedelta(hours=rnd.uniform(1, 23))}.get(kind)
        priority = rnd.choices(("high", "normal", "low"), (1, 8, 1))[0]
        rows.append({
            "company_id": rnd.randint(1, companies), "submission_id": f"bench-{number}",
            "category_slug": "telefoniya-i-zvonki", "topic_slug": "problemy-s-telefoniej",
            "category_title": "Телефония и звонки", "topic_title": "Проблемы с телефонией",
            "priority": priority, "priority_rank": PRIORITY_RANK[priority],
            "status": "waiting_customer" if waiting_since else kind, "summary": f"Не работает обзвон {number}",
            "description": "Задания на обзвон не запускаются.", "author_name": "Ирина",
            "created_at": created, "updated_at": created, "status_changed_at": waiting_since or created,
            "waiting_since": waiting_since, "reminder_sent_at": None,
        })
        if len(rows) == 5000:
            db.session.execute(insert(Ticket), rows)
            rows = []
    if rows:
        db.session.execute(insert(Ticket), rows)
    db.session.commit()
    return made


def timed(label: str, action, repeat: int = 1) -> None:
    results, timings = None, []
    for _ in range(repeat):
        started = time.perf_counter()
        results = action()
        timings.append((time.perf_counter() - started) * 1000)
    db.session.rollback()
    spread = f" (median of {repeat}, min {min(timings):.1f} ms)" if repeat > 1 else ""
    print(f"{label}: {statistics.median(timings):.1f} ms{spread} → {results}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--companies", type=int, default=2_000)
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "SEARCH_LOG": False,
                          "UPLOAD_DIR": tmp, "MAIL_OUTBOX_DIR": tmp})
        with app.app_context():
            db.drop_all()
            db.create_all()
            started = time.perf_counter()
            made = fill(args.requests, args.companies)
            print(f"filled {args.requests} requests of {args.companies} companies in "
                  f"{time.perf_counter() - started:.1f} s ({db.engine.dialect.name}): {made}")
            timed("close-stale, first run (closed, reminded)", lambda: autoclose.close_stale(now=NOW))
            timed("close-stale, nothing left to do", lambda: autoclose.close_stale(now=NOW), repeat=5)
            queued = db.session.scalar(select(func.count(OutboxMessage.id)))
            print(f"mail queued: {queued}")
            timed("queue page 1 (50 open requests)", lambda: len(queue.queue_query()), repeat=5)
            timed("counts per status", lambda: sum(queue.status_counts().values()), repeat=5)
            db.session.remove()
            if args.database_url:
                # SQLite's file goes with the temporary folder; a server database is cleaned up.
                db.drop_all()
            db.engine.dispose()


if __name__ == "__main__":
    main()
