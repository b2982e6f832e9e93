"""Filing requests and reading them back, scoped to the company that owns them."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from pathlib import Path

from sqlalchemy.exc import IntegrityError

from extensions import db
from kb.catalog import Category
from kb.catalog import Topic
from tickets.attachments import CheckedFile
from tickets.attachments import store_file
from tickets.models import MAX_ID
from tickets.models import Attachment
from tickets.models import StatusChange
from tickets.models import Ticket
from tickets.models import TicketField
from tickets.models import User
from tickets.models import utcnow
from tickets.status import OPEN_STATUSES
from tickets.status import PRIORITY_RANK
from tickets.status import Status


@dataclass
class NewRequest:
    category: Category
    topic: Topic
    summary: str
    description: str
    author_name: str
    submission_id: str
    field_values: list[tuple[str, str, str]] = field(default_factory=list)  # (key, label, value)


def save_drafts(user: User, company_id: int, draft_key: str, files: list[CheckedFile],
                upload_dir: Path) -> list[Attachment]:
    """Store checked uploads of an unfinished form so a failed post never loses them."""
    rows = []
    for checked in files:
        rows.append(
            Attachment(
                company_id=company_id,
                uploader_id=user.id,
                draft_key=draft_key,
                filename=checked.filename,
                content_type=checked.content_type,
                size=len(checked.data),
                sha256=checked.sha256,
                storage_name=store_file(upload_dir, checked.data),
            )
        )
    db.session.add_all(rows)
    db.session.commit()
    return rows


def draft_attachments(user: User, draft_key: str, ids: list[int] | None = None) -> list[Attachment]:
    """Unclaimed uploads this account made in the form, optionally only the given ids."""
    query = db.select(Attachment).filter_by(
        uploader_id=user.id, draft_key=draft_key, ticket_id=None, comment_id=None
    )
    if ids is not None:
        ids = [i for i in ids if 0 < i <= MAX_ID]
        query = query.where(Attachment.id.in_(ids or [-1]))
    return list(db.session.scalars(query.order_by(Attachment.id)))


def find_by_submission(user: User, submission_id: str) -> Ticket | None:
    return db.session.scalar(
        db.select(Ticket).filter_by(company_id=user.company_id, submission_id=submission_id)
    )


def create_ticket(user: User, req: NewRequest, keep: list[Attachment],
                  now: datetime | None = None) -> tuple[Ticket, bool]:
    """File the request once per submission id; return it and whether it is new."""
    existing = find_by_submission(user, req.submission_id)
    if existing is not None:
        return existing, False
    now = now or utcnow()
    ticket = Ticket(
        created_at=now,
        updated_at=now,
        status_changed_at=now,
        company_id=user.company_id,
        submission_id=req.submission_id,
        category_slug=req.category.slug,
        topic_slug=req.topic.slug,
        category_title=req.category.title,
        topic_title=req.topic.title,
        priority=req.topic.priority,
        priority_rank=PRIORITY_RANK[req.topic.priority],
        status=Status.NEW,
        summary=req.summary.strip(),
        description=req.description.strip(),
        author_name=req.author_name.strip(),
        fields=[
            TicketField(key=key, label=label, value=value, position=i)
            for i, (key, label, value) in enumerate(req.field_values)
        ],
    )
    db.session.add(ticket)
    try:
        db.session.flush()
        db.session.add(StatusChange(ticket_id=ticket.id, from_status=None, to_status=Status.NEW,
                                    actor_id=user.id, actor_label=req.author_name or user.name,
                                    reason="Обращение создано", created_at=now))
        for attachment in keep:
            attachment.ticket_id = ticket.id
            attachment.draft_key = None
        from tickets.notify import queue_ticket_created

        queue_ticket_created(ticket, user)
        db.session.commit()
    except IntegrityError:
        # A concurrent duplicate of the same submission won the race: show that one.
        db.session.rollback()
        existing = find_by_submission(user, req.submission_id)
        if existing is None:
            raise
        return existing, False
    return ticket, True


def company_tickets(user: User) -> list[Ticket]:
    """The account's company's requests, newest first."""
    return list(
        db.session.scalars(
            db.select(Ticket).filter_by(company_id=user.company_id).order_by(Ticket.created_at.desc(), Ticket.id.desc())
        )
    )


# The tabs of «Мои обращения»: name → statuses shown (None: every request).
TICKET_VIEWS: dict[str, frozenset[Status] | None] = {
    "all": None,
    "open": OPEN_STATUSES,
    "waiting": frozenset({Status.WAITING_CUSTOMER}),
    "done": frozenset({Status.RESOLVED, Status.CLOSED}),
}


def ticket_views(tickets: list[Ticket]) -> dict[str, list[Ticket]]:
    """The requests each tab of «Мои обращения» shows, in the order given."""
    return {
        name: tickets if statuses is None else [t for t in tickets if Status(t.status) in statuses]
        for name, statuses in TICKET_VIEWS.items()
    }


def ticket_for(user: User, ticket_id: int) -> Ticket | None:
    """The request if this account may see it: agents see all, customers their company's."""
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None or (not user.is_agent and ticket.company_id != user.company_id):
        return None
    return ticket


def attachment_for(user: User, attachment_id: int) -> Attachment | None:
    """The file if this account may download it."""
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or (not user.is_agent and attachment.company_id != user.company_id):
        return None
    if attachment.comment_id is not None and user.is_agent is False:
        from tickets.models import Comment

        comment = db.session.get(Comment, attachment.comment_id)
        if comment is None or comment.internal:
            return None
    return attachment


def thread(ticket: Ticket, include_internal: bool) -> list:
    """Comments of the request, oldest first; internal notes only for agents."""
    from tickets.models import Comment

    query = db.select(Comment).filter_by(ticket_id=ticket.id)
    if not include_internal:
        query = query.filter_by(internal=False)
    return list(db.session.scalars(query.order_by(Comment.created_at, Comment.id)))


def history(ticket: Ticket) -> list[StatusChange]:
    """Every status change of the request, oldest first."""
    return list(db.session.scalars(
        db.select(StatusChange).filter_by(ticket_id=ticket.id).order_by(StatusChange.created_at, StatusChange.id)
    ))
