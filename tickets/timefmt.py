"""Showing UTC times to people: local wall-clock time and the auto-close countdown."""

from __future__ import annotations

import math
from datetime import datetime
from zoneinfo import ZoneInfo

from tickets.policy import DEFAULT_TIMEZONE


def local_time(dt: datetime, tz_name: str = DEFAULT_TIMEZONE) -> str:
    """Format an aware datetime in the given time zone as "25.11.2026 14:05"."""
    return dt.astimezone(ZoneInfo(tz_name or DEFAULT_TIMEZONE)).strftime("%d.%m.%Y %H:%M")


def hours_left(deadline: datetime, now: datetime) -> int:
    """Whole hours until the deadline, rounded up; 0 once it has passed."""
    seconds = (deadline - now).total_seconds()
    return max(0, math.ceil(seconds / 3600))


def countdown_text(deadline: datetime, now: datetime) -> str:
    """Tell the customer how long the request stays open without their answer."""
    seconds = (deadline - now).total_seconds()
    if seconds <= 0:
        return "Срок ответа истек — обращение закроется автоматически в ближайшее время"
    if seconds < 3600:
        return "Закроется автоматически, если не ответить: осталось меньше часа"
    return f"Закроется автоматически через {hours_left(deadline, now)} ч, если не ответить"
