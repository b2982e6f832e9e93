"""Search log rows: the normalised query with personal data removed, one row per search typed, and the reports."""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
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
TOKEN_BYTES = 12  # 16 characters: the search's id in the visitor's session and in its row


def scrub(text: str) -> str:
    """Fold the query and replace e-mails, phone numbers, links and long digit runs with placeholders."""
    text = fold(text)
    text = _URL_RE.sub("<url>", text)
    text = _EMAIL_RE.sub("<email>", text)
    text = _PHONE_RE.sub("<phone>", text)
    text = _LONG_DIGITS_RE.sub("<number>", text)
    return _SPACES_RE.sub(" ", text).strip()[:STORED_QUERY_LENGTH]


@dataclass(frozen=True)
class LogEntry:
    """One search to log: the row's values and the token of the search (one row) it belongs to."""

    token: str
    query: str
    corrected: str | None
    top_result: str | None
    result_count: int
    created_at: datetime


def continues(previous: str, query: str) -> bool:
    """True when query is the same search still being typed or trimmed (one letter at a time)."""
    return query.startswith(previous) or previous.startswith(query)


def log_entry(result: SearchResult, previous: tuple[str, str, datetime] | None, now: datetime) -> LogEntry | None:
    """The entry for a search, or None for an empty query.

    Suggestions are fetched as the customer types, so «не раб», «не работает», «не работает обзвон»
    are one search: while the query goes on from this visitor's previous one (token, query, when) within
    TYPING_PAUSE, the entry keeps its token, and the log keeps one row with the last state.
    """
    query = scrub(result.query)
    if not query:
        return None
    token = new_token()
    if previous is not None:
        last_token, text, at = previous
        if now - at <= TYPING_PAUSE and continues(text, query):
            token = last_token
    top = result.top
    corrected = scrub(result.corrected) if result.corrected else None
    return LogEntry(token=token, query=query, corrected=corrected if corrected != query else None,
                    top_result=top.key if top else None,
                    result_count=len(result.topics) + len(result.articles) + len(result.categories), created_at=now)


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def write_entries(entries: Sequence[LogEntry]) -> None:
    """Add or update one row per token with its latest entry; a row never goes back to an earlier state.

    No commit: the caller commits (and retries on a unique-token clash with another process's batch).
    """
    latest: dict[str, LogEntry] = {}
    for entry in entries:
        if entry.token not in latest or latest[entry.token].created_at <= entry.created_at:
            latest[entry.token] = entry
    if not latest:
        return
    rows = {row.token: row for row in db.session.scalars(select(SearchLog).where(SearchLog.token.in_(latest)))}
    for token, entry in latest.items():
        row = rows.get(token)
        if row is None:
            db.session.add(row := SearchLog(token=token))
        elif row.created_at > entry.created_at:
            continue
        row.query, row.corrected, row.top_result = entry.query, entry.corrected, entry.top_result
        row.result_count, row.had_results, row.created_at = entry.result_count, entry.result_count > 0, entry.created_at


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
