"""Jinja filters and globals shared by the templates."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask
from flask_login import current_user
from markupsafe import Markup

from kb import current_catalog
from tickets import current_policy
from tickets.status import AGENT_LABELS
from tickets.status import CUSTOMER_LABELS
from tickets.status import PRIORITY_LABELS
from tickets.status import Status
from tickets.timefmt import countdown_text


def _timezone() -> str:
    if current_user and current_user.is_authenticated:
        return current_user.timezone
    return current_policy().timezone


def localtime(value: datetime | None) -> str:
    """Format a UTC datetime in the account's time zone."""
    if value is None:
        return ""
    tz = _timezone()
    local = value.astimezone(ZoneInfo(tz))
    return f"{local:%d.%m.%Y %H:%M}"


def filesize(size: int) -> str:
    if size < 1024:
        return f"{size} Б"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} КБ"
    return f"{size / 1048576:.1f} МБ"


def status_label(status: str) -> str:
    agent = current_user.is_authenticated and current_user.is_agent
    return (AGENT_LABELS if agent else CUSTOMER_LABELS)[Status(status)]


def auto_close_countdown(ticket) -> str | None:
    """The countdown shown while support waits for the customer."""
    if ticket.status != Status.WAITING_CUSTOMER or ticket.waiting_since is None:
        return None
    return countdown_text(current_policy().auto_close_deadline(ticket.waiting_since), datetime.now(UTC))


def category_icon(category) -> Markup:
    """The category's icon as inline SVG (checked by the content loader; drawn in currentColor)."""
    return Markup(current_catalog().icons.get(category.icon, ""))


def plural(n: int, one: str, few: str, many: str) -> str:
    """The Russian noun form for n: 1 обращение, 2 обращения, 5 обращений."""
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


def ucfirst(text: str) -> str:
    return text[:1].upper() + text[1:]


def init_app(app: Flask) -> None:
    app.add_template_filter(localtime)
    app.add_template_filter(filesize)
    app.add_template_filter(ucfirst)
    app.add_template_global(status_label)
    app.add_template_global(auto_close_countdown)
    app.add_template_global(category_icon)
    app.add_template_global(plural)
    app.add_template_global(current_policy, "ticket_policy")
    app.add_template_global(lambda p: PRIORITY_LABELS.get(p, p), "priority_label")
    app.add_template_global(lambda slug: current_catalog().category(slug), "catalog_category")
    app.add_template_global(lambda key: current_catalog().fields[key], "catalog_field")
