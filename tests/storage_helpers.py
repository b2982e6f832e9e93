"""Looking inside whichever attachment store the test app uses (a folder, or a bucket under TEST_S3=1)."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta

from tickets import current_store


def stored_keys() -> set[str]:
    """Every key in the running app's store."""
    return set(current_store().keys_older_than(datetime.now(UTC) + timedelta(days=1)))
