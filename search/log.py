"""Search log rows: the normalised query with personal data removed, and the zero-result report."""

from __future__ import annotations

import re

from sqlalchemy import func
from sqlalchemy import select

from extensions import db
from search.models import SearchLog
from search.results import SearchResult
from search.text import MAX_QUERY_LENGTH
from search.text import fold

_EMAIL_RE = re.compile(r"\S+@\S+")
# Phone numbers in any common spelling: +7 (912) 345-67-89, 8 912 345 67 89, 89123456789.
_PHONE_RE = re.compile(r"\+?\d[\d\s()\-]{8,}\d")
_LONG_DIGITS_RE = re.compile(r"\d{5,}")
_URL_RE = re.compile(r"https?://\S+|www\.\S+")
_SPACES_RE = re.compile(r"\s+")


def scrub(text: str) -> str:
    """Fold the query and replace e-mails, phone numbers, links and long digit runs with placeholders."""
    text = fold(text)
    text = _URL_RE.sub("<url>", text)
    text = _EMAIL_RE.sub("<email>", text)
    text = _PHONE_RE.sub("<phone>", text)
    text = _LONG_DIGITS_RE.sub("<number>", text)
    return _SPACES_RE.sub(" ", text).strip()[:MAX_QUERY_LENGTH]


def log_row(result: SearchResult) -> SearchLog | None:
    """The log row for a search, or None for an empty query."""
    query = scrub(result.query)
    if not query:
        return None
    top = result.top
    count = len(result.topics) + len(result.articles) + len(result.categories)
    top_key = top.key if top else None
    return SearchLog(query=query, top_result=top_key, result_count=count, had_results=count > 0)


def zero_result_queries(limit: int = 20) -> list[tuple[str, int]]:
    """The most frequent queries that found nothing, with how often they were asked."""
    times = func.count(SearchLog.id).label("times")
    rows = db.session.execute(
        select(SearchLog.query, times)
        .where(SearchLog.had_results.is_(False))
        .group_by(SearchLog.query)
        .order_by(times.desc(), SearchLog.query)
        .limit(limit)
    )
    return [(query, count) for query, count in rows]
