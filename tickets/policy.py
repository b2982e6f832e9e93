"""The rules of the request lifecycle that come from config: one frozen object, built once in init_app."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from typing import Any

MOSCOW = "Europe/Moscow"
DEFAULT_TIMEZONE = MOSCOW


def auto_close_deadline(waiting_since: datetime, auto_close_hours: int) -> datetime:
    """When a request waiting on the customer since waiting_since closes by itself."""
    return waiting_since + timedelta(hours=auto_close_hours)


@dataclass(frozen=True)
class TicketPolicy:
    """Auto-close, reminder and reopen rules, the portal's time zone and the upload limits."""

    auto_close_hours: int = 48
    reminder_lead_hours: int = 24
    reopen_window_days: int = 30
    timezone: str = DEFAULT_TIMEZONE
    max_attachments: int = 10
    max_attachment_size: int = 20 * 1024 * 1024
    draft_max_files: int = 30
    draft_max_bytes: int = 200 * 1024 * 1024
    draft_ttl_hours: int = 24

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> TicketPolicy:
        """From AUTO_CLOSE_HOURS, REOPEN_WINDOW_DAYS, PORTAL_TIMEZONE, MAX_ATTACHMENT* and DRAFT_*; defaults otherwise."""
        default = cls()

        def number(key: str, fallback: int) -> int:
            value = config.get(key)
            return int(value) if value is not None else fallback

        return cls(
            auto_close_hours=number("AUTO_CLOSE_HOURS", default.auto_close_hours),
            reminder_lead_hours=number("REMINDER_LEAD_HOURS", default.reminder_lead_hours),
            reopen_window_days=number("REOPEN_WINDOW_DAYS", default.reopen_window_days),
            timezone=str(config.get("PORTAL_TIMEZONE") or DEFAULT_TIMEZONE),
            max_attachments=number("MAX_ATTACHMENTS", default.max_attachments),
            max_attachment_size=number("MAX_ATTACHMENT_SIZE", default.max_attachment_size),
            draft_max_files=number("DRAFT_MAX_FILES", default.draft_max_files),
            draft_max_bytes=number("DRAFT_MAX_BYTES", default.draft_max_bytes),
            draft_ttl_hours=number("DRAFT_TTL_HOURS", default.draft_ttl_hours),
        )

    def auto_close_deadline(self, waiting_since: datetime) -> datetime:
        """When a request waiting on the customer since waiting_since closes by itself."""
        return auto_close_deadline(waiting_since, self.auto_close_hours)


DEFAULT_POLICY = TicketPolicy()
