"""Filing requests and reading the outbox in lifecycle tests."""

from __future__ import annotations

from datetime import datetime

from extensions import db
from kb import current_catalog
from tickets.models import OutboxMessage
from tickets.models import StatusChange
from tickets.models import Ticket
from tickets.models import User
from tickets.service import NewRequest
from tickets.service import create_ticket

_counter = iter(range(1, 1_000_000))


def file_request(user: User, topic: str = "lichnyj-kabinet/oshibka-v-rabote-lk",
                 summary: str = "Не открывается отчет", created_at: datetime | None = None) -> Ticket:
    """File a request through the service, optionally backdated."""
    category_slug, topic_slug = topic.split("/")
    catalog = current_catalog()
    request = NewRequest(
        category=catalog.category(category_slug),
        topic=catalog.topic(category_slug, topic_slug),
        summary=summary,
        description="Подробности проблемы",
        author_name="Ирина",
        submission_id=f"file-{next(_counter)}",
    )
    ticket, created = create_ticket(user, request, [], now=created_at)
    assert created
    return ticket


def outbox(ticket_id: int | None = None) -> list[OutboxMessage]:
    query = db.select(OutboxMessage).order_by(OutboxMessage.id)
    if ticket_id is not None:
        query = query.where(OutboxMessage.ticket_id == ticket_id)
    return list(db.session.scalars(query))


def history(ticket_id: int) -> list[StatusChange]:
    return list(db.session.scalars(
        db.select(StatusChange).filter_by(ticket_id=ticket_id).order_by(StatusChange.id)
    ))
