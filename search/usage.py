"""What the portal records about use, read back for the learning and the console search page."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy import and_
from sqlalchemy import case
from sqlalchemy import column
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import table
from sqlalchemy.exc import IntegrityError

from db_types import UTCDateTime
from extensions import db
from search.deflection import ARTICLE_OPENED
from search.deflection import TOPIC_SWITCHED
from search.deflection import OpenedForm
from search.learning import Filing
from search.models import FormEvent
from search.models import RemovedPair
from search.models import SearchLog

# The filed requests, read-only: only the columns the learning and the deflection figures need. Declared
# here rather than imported so that search stays below tickets (see tests/unit/test_layering.py).
FILED = table(
    "ticket",
    column("search_phrase", String),
    column("category_slug", String),
    column("topic_slug", String),
    column("company_id", Integer),
    column("submission_id", String),
    column("created_at", UTCDateTime()),
)

# The console and the learning read at most this many filings: far more than a year of real searches.
MAX_FILINGS = 200_000
MAX_FORMS = 50_000


def filings(since: datetime, limit: int = MAX_FILINGS) -> list[Filing]:
    """Requests filed from a search since a time: their phrase, topic, company and time, newest first."""
    rows = db.session.execute(
        select(FILED.c.search_phrase, FILED.c.category_slug, FILED.c.topic_slug, FILED.c.company_id, FILED.c.created_at)
        .where(FILED.c.search_phrase.is_not(None), FILED.c.created_at >= since)
        .order_by(FILED.c.created_at.desc()).limit(limit)
    )
    return [Filing(phrase, f"{category}/{topic}", company, at) for phrase, category, topic, company, at in rows]


def removed_pairs() -> set[tuple[str, str]]:
    """Every (phrase, topic key) an agent removed."""
    return {(p, t) for p, t in db.session.execute(select(RemovedPair.phrase, RemovedPair.topic_key))}


def remove_pair(phrase: str, topic_key: str, agent_id: int | None) -> bool:
    """Mark the pair wrong for good; False when it was already removed."""
    db.session.add(RemovedPair(phrase=phrase, topic_key=topic_key, removed_by_id=agent_id))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    return True


def record_form_event(kind: str, submission_id: str, company_id: int | None, topic_key: str, target: str) -> None:
    """Note an article opened from a form, or a switch to another topic."""
    db.session.add(FormEvent(kind=kind, submission_id=submission_id, company_id=company_id, topic_key=topic_key,
                             target=target))
    db.session.commit()


def opened_forms(since: datetime, limit: int = MAX_FORMS) -> tuple[list[OpenedForm], dict[tuple[int | None, str], list[str]]]:
    """Forms in which a suggested article was opened since a time, with the request filed from each, if any."""
    first = func.min(FormEvent.created_at).label("first")
    opened = (
        select(FormEvent.company_id, FormEvent.submission_id, first)
        .where(FormEvent.kind == ARTICLE_OPENED, FormEvent.created_at >= since)
        .group_by(FormEvent.company_id, FormEvent.submission_id).limit(limit).subquery()
    )
    rows = db.session.execute(
        select(opened.c.company_id, opened.c.submission_id, opened.c.first, FILED.c.created_at)
        .outerjoin(FILED, and_(FILED.c.company_id == opened.c.company_id,
                               FILED.c.submission_id == opened.c.submission_id))
    )
    forms = [OpenedForm(submission, company, opened_at, filed_at) for company, submission, opened_at, filed_at in rows]
    articles: dict[tuple[int | None, str], list[str]] = {}
    for company, submission, slug in db.session.execute(
        select(FormEvent.company_id, FormEvent.submission_id, FormEvent.target).distinct()
        .where(FormEvent.kind == ARTICLE_OPENED, FormEvent.created_at >= since)
    ):
        articles.setdefault((company, submission), []).append(slug)
    return forms, articles


def switches(since: datetime) -> int:
    """How many times a form was carried over to the topic the text belonged to."""
    return db.session.scalar(select(func.count(FormEvent.id)).where(
        FormEvent.kind == TOPIC_SWITCHED, FormEvent.created_at >= since)) or 0


def zero_result_share(since: datetime) -> tuple[int, int]:
    """Searches logged since a time, and how many of them found nothing."""
    searches, empty = db.session.execute(
        select(func.count(SearchLog.id), func.coalesce(func.sum(case((SearchLog.had_results.is_(False), 1), else_=0)), 0))
        .where(SearchLog.created_at >= since)
    ).one()
    return int(searches), int(empty)
