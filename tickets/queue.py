"""The agents' queue read from the database: the page, the counts per status and a request's place."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import tuple_
from sqlalchemy.orm import selectinload

from extensions import db
from tickets.models import Ticket
from tickets.status import OPEN_STATUSES
from tickets.status import Status


@dataclass(frozen=True)
class QueueFilters:
    """Console filters; an empty status means every open one."""

    category: str = ""
    topic: str = ""
    status: str = ""
    assignee_id: int | None = None
    unassigned: bool = False
    limit: int = 50
    page: int = 1

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.limit


def _filtered(query, filters: QueueFilters):
    if filters.category:
        query = query.where(Ticket.category_slug == filters.category)
    if filters.topic:
        query = query.where(Ticket.topic_slug == filters.topic)
    if filters.unassigned:
        query = query.where(Ticket.assignee_id.is_(None))
    elif filters.assignee_id is not None:
        query = query.where(Ticket.assignee_id == filters.assignee_id)
    return query


def queue_query(filters: QueueFilters | None = None) -> list[Ticket]:
    """The agents' queue: most urgent priority first, then oldest first."""
    filters = filters or QueueFilters()
    statuses = [Status(filters.status).value] if filters.status else [s.value for s in OPEN_STATUSES]
    query = _filtered(select(Ticket).where(Ticket.status.in_(statuses)), filters)
    query = (query.options(selectinload(Ticket.company), selectinload(Ticket.assignee))
             .order_by(Ticket.priority_rank, Ticket.created_at, Ticket.id)
             .limit(filters.limit).offset(filters.offset))
    return list(db.session.scalars(query))


# Requests no specialist has taken yet: the ones the guide's "порядок очереди" is about.
UNTAKEN = (Status.NEW.value, Status.REOPENED.value)


def queue_position(ticket: Ticket) -> int | None:
    """Place of an untaken request in the agents' queue (1 = next to be taken); None once taken."""
    if ticket.status not in UNTAKEN:
        return None
    ahead = db.session.scalar(
        select(func.count()).select_from(Ticket).where(
            Ticket.status.in_(UNTAKEN),
            tuple_(Ticket.priority_rank, Ticket.created_at, Ticket.id)
            < tuple_(ticket.priority_rank, ticket.created_at, ticket.id),
        )
    )
    return (ahead or 0) + 1


def queue_size(counts: dict[Status, int], filters: QueueFilters) -> int:
    """How many requests the queue holds under these filters, from status_counts."""
    statuses = [Status(filters.status)] if filters.status else list(OPEN_STATUSES)
    return sum(counts[s] for s in statuses)


def status_counts(filters: QueueFilters | None = None) -> dict[Status, int]:
    """Requests per status (every status listed), under the same filters except the status one."""
    query = _filtered(select(Ticket.status, func.count()).group_by(Ticket.status), filters or QueueFilters())
    found = dict(db.session.execute(query).all())
    return {status: found.get(status.value, 0) for status in Status}
