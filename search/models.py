"""The search log: what customers looked for, without personal data."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlalchemy import String
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from extensions import db
from tickets.models import UTCDateTime
from tickets.models import utcnow


class SearchLog(db.Model):
    __tablename__ = "search_log"
    __table_args__ = (Index("ix_search_log_had_results_query", "had_results", "query"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    query: Mapped[str] = mapped_column(String(200))
    top_result: Mapped[str | None] = mapped_column(String(200))
    result_count: Mapped[int] = mapped_column(default=0)
    had_results: Mapped[bool] = mapped_column(default=False)
