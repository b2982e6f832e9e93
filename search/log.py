"""Search log rows: the normalised query with personal data removed, and the zero-result report."""

from __future__ import annotations

import re
from datetime import datetime
from datetime import timedelta

from sqlalchemy import case
from sqlalchemy import func
from sqlalchemy import select

from extensions import db
from search.models import SearchLog
from search.results import SearchResult
from search.text import STORED_QUERY_LENGTH
from search.text import fold

_EMAIL_RE = re.compile(r"\S+@\S+")
# Phone numbers in any common spelling: +7 (912) 345-67-89, 8 912 345 67 89, 89123456789.
_PHONE_RE = re.compile(r"\+?\d[\d\s()\-]{8,}\d")
_LONG_DIGITS_RE = re.compile(r"\d{5,}")
_URL_RE = re.compile(r"https?://\S+|www\.\S+")
_SPACES_RE = re.compile(r"\s+")
# Longer than this between two requests and the visitor started a new search.
TYPING_PAUSE = timedelta(seconds=60)


def scrub(text: str) -> str:
    """Fold the query and replace e-mails, phone numbers, links and long digit runs with placeholders."""
    text = fold(text)
    text = _URL_RE.sub("<url>", text)
    text = _EMAIL_RE.sub("<email>", text)
    text = _PHONE_RE.sub("<phone>", text)
    text = _LONG_DIGITS_RE.sub("<number>", text)
    return _SPACES_RE.sub(" ", text).strip()[:STORED_QUERY_LENGTH]


def log_row(result: SearchResult) -> SearchLog | None:
    """The log row for a search, or None for an empty query."""
    query = scrub(result.query)
    if not query:
        return None
    top = result.top
    count = len(result.topics) + len(result.articles) + len(result.categories)
    top_key = top.key if top else None
    corrected = scrub(result.corrected) if result.corrected else None
    return SearchLog(query=query, corrected=corrected if corrected != query else None, top_result=top_key,
                     result_count=count, had_results=count > 0)


def continues(previous: str, query: str) -> bool:
    """True when query is the same search still being typed or trimmed (one letter at a time)."""
    return query.startswith(previous) or previous.startswith(query)


def write(row: SearchLog, previous: tuple[int, str, datetime] | None, now: datetime) -> SearchLog:
    """Add the row, or fold it into the previous row of this visitor if it is the same search being typed.

    Suggestions are fetched as the customer types, so «не раб», «не работает», «не работает обзвон»
    are one search: the log keeps the last state, and the report counts it once.
    """
    if previous is not None:
        row_id, text, at = previous
        earlier = db.session.get(SearchLog, row_id) if now - at <= TYPING_PAUSE else None
        if earlier is not None and continues(text, row.query):
            earlier.query, earlier.top_result, earlier.corrected = row.query, row.top_result, row.corrected
            earlier.result_count, earlier.had_results = row.result_count, row.had_results
            earlier.created_at = now
            return earlier
    row.created_at = now
    db.session.add(row)
    return row


def zero_result_queries(limit: int = 20, since: datetime | None = None) -> list[tuple[str, int]]:
    """The most frequent queries that found nothing, with how often they were asked."""
    times = func.count(SearchLog.id).label("times")
    query = select(SearchLog.query, times).where(SearchLog.had_results.is_(False))
    if since is not None:
        query = query.where(SearchLog.created_at >= since)
    rows = db.session.execute(query.group_by(SearchLog.query).order_by(times.desc(), SearchLog.query).limit(limit))
    return [(text, count) for text, count in rows]


def frequent_queries(since: datetime, limit: int) -> list[tuple[str, int, int]]:
    """The most frequent queries since a time: (query, times asked, times it found nothing)."""
    times = func.count(SearchLog.id).label("times")
    empty = func.sum(case((SearchLog.had_results.is_(False), 1), else_=0)).label("empty")
    rows = db.session.execute(
        select(SearchLog.query, times, empty).where(SearchLog.created_at >= since)
        .group_by(SearchLog.query).order_by(times.desc(), SearchLog.query).limit(limit)
    )
    return [(text, count, int(zero or 0)) for text, count, zero in rows]


def corrections(since: datetime, limit: int) -> list[tuple[str, str, int]]:
    """What the search repaired (layout, transliteration, typos) since a time: (typed, understood, times)."""
    times = func.count(SearchLog.id).label("times")
    rows = db.session.execute(
        select(SearchLog.query, SearchLog.corrected, times)
        .where(SearchLog.created_at >= since, SearchLog.corrected.is_not(None))
        .group_by(SearchLog.query, SearchLog.corrected)
        .order_by(times.desc(), SearchLog.query).limit(limit)
    )
    return [(text, corrected, count) for text, corrected, count in rows]
