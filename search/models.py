"""The search log: what customers looked for, without personal data; what the learning and the form record."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import String
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from db_types import UTCDateTime
from db_types import utcnow
from extensions import db


class SearchLog(db.Model):
    __tablename__ = "search_log"
    __table_args__ = (Index("ix_search_log_had_results_query", "had_results", "query"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Random id of one search as typed, kept in the visitor's session: later states of it update this row.
    token: Mapped[str | None] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    query: Mapped[str] = mapped_column(String(200))
    # The repaired words (layout, transliteration, typos) the results were found for, scrubbed like the query.
    corrected: Mapped[str | None] = mapped_column(String(200))
    top_result: Mapped[str | None] = mapped_column(String(200))
    result_count: Mapped[int] = mapped_column(default=0)
    had_results: Mapped[bool] = mapped_column(default=False)


class RemovedPair(db.Model):
    """A phrase → topic pair an agent judged wrong: it never strengthens the topic again."""

    __tablename__ = "search_removed_pair"
    __table_args__ = (UniqueConstraint("phrase", "topic_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    phrase: Mapped[str] = mapped_column(String(200))
    topic_key: Mapped[str] = mapped_column(String(201))
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class FormEvent(db.Model):
    """Something a customer did in a request form before filing it: opened a suggested article, switched topic."""

    __tablename__ = "search_form_event"
    __table_args__ = (Index("ix_search_form_event_kind_created_at", "kind", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    kind: Mapped[str] = mapped_column(String(32))
    submission_id: Mapped[str] = mapped_column(String(64))
    company_id: Mapped[int | None] = mapped_column(ForeignKey("company.id"))
    topic_key: Mapped[str] = mapped_column(String(201))
    # The article opened, or the topic switched to.
    target: Mapped[str] = mapped_column(String(201), default="")
