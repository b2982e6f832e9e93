"""The long fuzz run: tens of thousands of hostile inputs over every form field, query parameter and path id.

Run from the repository root: `python bench/fuzz.py [--inputs N] [--database-url URL]`. Uses the same
targets and strategies as tests/web/test_fuzz.py, on a throwaway SQLite file by default or in a private
schema of the given PostgreSQL database, and prints the statuses seen per target and how many were 500.
Exits non-zero when any input made a 500.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from hypothesis import HealthCheck  # noqa: E402
from hypothesis import given  # noqa: E402
from hypothesis import settings  # noqa: E402

from app import create_app  # noqa: E402
from extensions import db  # noqa: E402
from tests.conftest import CHEAP_ARGON2  # noqa: E402
from tests.conftest import private_schema  # noqa: E402
from tests.fuzzing import Portal  # noqa: E402
from tests.fuzzing import hostile_requests  # noqa: E402


def fuzz_target(portal: Portal, target, examples: int) -> tuple[Counter[int], list]:
    """Send `examples` hostile requests to one target; the statuses seen and the inputs that made a 500."""
    statuses: Counter[int] = Counter()
    failures: list = []

    @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(drawn=hostile_requests(target, portal.real_values(target)))
    def check(drawn):
        portal.errors.clear()
        status = portal.send(target, drawn)
        statuses[status] += 1
        if status >= 500 or portal.errors:
            failures.append((status, list(portal.errors), drawn))

    check()
    return statuses, failures


def run(database_url: str, tmp: Path, inputs: int) -> int:
    app = create_app({
        "TESTING": True, "SECRET_KEY": "fuzz", "SQLALCHEMY_DATABASE_URI": database_url, "WTF_CSRF_ENABLED": False,
        "UPLOAD_DIR": str(tmp / "uploads"), "MAIL_OUTBOX_DIR": str(tmp / "outbox"), "ARGON2_PARAMS": CHEAP_ARGON2,
        "CONTENT_RELOAD_INTERVAL": -1, "SEARCH_LOG": True, "RATELIMIT_ENABLED": False,
    })
    with app.app_context():
        db.create_all()
        portal = Portal(app)
        per_target = max(1, inputs // len(portal.targets))
        total_500 = total = 0
        started = time.monotonic()
        for target in portal.targets:
            statuses, failures = fuzz_target(portal, target, per_target)
            count = sum(statuses.values())
            total += count
            total_500 += statuses[500]
            shown = ", ".join(f"{code}×{n}" for code, n in sorted(statuses.items()))
            print(f"  {target.name:16} {count:6} inputs  {shown}")
            for status, errors, drawn in failures[:3]:
                print(f"    !! {status} {errors!r} {drawn!r}"[:600])
        portal.close()
        print(f"  total: {total} inputs in {time.monotonic() - started:.0f} s, HTTP 500: {total_500}")
        db.session.remove()
        db.engine.dispose()
    return total_500


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=10_000, help="inputs in all (spread over the targets)")
    parser.add_argument("--database-url", default="", help="PostgreSQL server URL; SQLite file by default")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.database_url:
            print(f"PostgreSQL ({args.database_url}), {args.inputs} inputs:")
            with private_schema(args.database_url, "fuzz") as url:
                failures = run(url, Path(tmp), args.inputs)
        else:
            print(f"SQLite, {args.inputs} inputs:")
            failures = run(f"sqlite:///{tmp}/fuzz.sqlite3", Path(tmp), args.inputs)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
