"""Filing requests and reading them back, scoped to the company that owns them."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from itertools import islice

from sqlalchemy import and_
from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError

from extensions import db
from kb.catalog import Category
from kb.catalog import Topic
from tickets.attachments import CheckedFile
from tickets.flask_glue import current_notifier
from tickets.models import Attachment
from tickets.models import InboundMail
from tickets.models import StatusChange
from tickets.models import Ticket
from tickets.models import TicketField
from tickets.models import User
from tickets.models import utcnow
from tickets.notify import Notifier
from tickets.notify import queue_ticket_created
from tickets.status import OPEN_STATUSES
from tickets.status import PRIORITY_RANK
from tickets.status import Status
from tickets.storage import FileStore
from tickets.storage import StoreUnavailable

log = logging.getLogger(__name__)


@dataclass
class NewRequest:
    category: Category
    topic: Topic
    summary: str
    description: str
    author_name: str
    submission_id: str
    field_values: list[tuple[str, str, str]] = field(default_factory=list)  # (key, label, value)
    # What the customer searched before opening the form (the suggestion link's q), scrubbed by search.log.scrub.
    search_phrase: str = ""


def save_draft(user: User, company_id: int, draft_key: str, checked: CheckedFile, store: FileStore) -> Attachment:
    """Store a checked upload of an unfinished form so a failed post never loses it; StoreUnavailable if it cannot."""
    row = Attachment(
        company_id=company_id,
        uploader_id=user.id,
        draft_key=draft_key,
        filename=checked.filename,
        content_type=checked.content_type,
        size=len(checked.data),
        sha256=checked.sha256,
        storage_name=store.put(checked.data),
    )
    db.session.add(row)
    db.session.commit()
    return row


_UNCLAIMED = (Attachment.ticket_id.is_(None), Attachment.comment_id.is_(None))


def draft_attachments(user: User, draft_key: str, ids: list[int] | None = None) -> list[Attachment]:
    """Unclaimed uploads this account made in the form, optionally only the given ids."""
    query = db.select(Attachment).filter_by(uploader_id=user.id, draft_key=draft_key).where(*_UNCLAIMED)
    if ids is not None:
        query = query.where(Attachment.id.in_(ids or [-1]))
    return list(db.session.scalars(query.order_by(Attachment.id)))


def draft_usage(user: User) -> tuple[int, int]:
    """How many unclaimed uploads this account holds, and their bytes."""
    count, size = db.session.execute(
        db.select(func.count(Attachment.id), func.coalesce(func.sum(Attachment.size), 0))
        .where(Attachment.uploader_id == user.id, *_UNCLAIMED)
    ).one()
    return int(count), int(size)


def _delete_drafts(condition, store: FileStore) -> int:
    # Rows first, files after the commit: a file may outlive its row, never the other way round.
    names = list(db.session.scalars(
        delete(Attachment).where(condition, *_UNCLAIMED).returning(Attachment.storage_name),
        execution_options={"synchronize_session": False},
    ))
    db.session.commit()
    for name in names:
        forget_file(store, name)
    return len(names)


def forget_file(store: FileStore, key: str) -> None:
    """Delete a file no row points to any more; if the store is down it stays, and the purge removes it later."""
    try:
        store.delete(key)
    except StoreUnavailable as exc:
        log.warning("Stored file %s left for the purge: %s", key, exc)


def discard_unkept_drafts(user: User, draft_key: str, kept_ids: list[int], store: FileStore) -> int:
    """Delete the drafts of this form the user unticked; return how many."""
    condition = and_(Attachment.uploader_id == user.id, Attachment.draft_key == draft_key,
                     Attachment.id.not_in(kept_ids or [-1]))
    return _delete_drafts(condition, store)


def purge_drafts(store: FileStore, older_than: datetime, batch: int = 1000) -> tuple[int, int]:
    """Delete unclaimed uploads made before older_than and stray stored files; (drafts, stray files)."""
    drafts = 0
    while True:
        ids = list(db.session.scalars(
            db.select(Attachment.id).where(Attachment.created_at < older_than, *_UNCLAIMED).limit(batch)
        ))
        if not ids:
            break
        drafts += _delete_drafts(and_(Attachment.id.in_(ids), Attachment.created_at < older_than), store)
    return drafts, _purge_stray_files(store, older_than, batch)


def _known_keys(keys: list[str]) -> set[str]:
    # Attachments and raw inbound mail share the store.
    return set(db.session.scalars(db.select(Attachment.storage_name).where(Attachment.storage_name.in_(keys)))) | set(
        db.session.scalars(db.select(InboundMail.storage_name).where(InboundMail.storage_name.in_(keys))))


def _purge_stray_files(store: FileStore, before: datetime, batch: int) -> int:
    """Stored files no row points to (a crash between writing the file and the commit), written before `before`."""
    removed = 0
    keys = store.keys_older_than(before)
    while chunk := list(islice(keys, batch)):
        known = _known_keys(chunk)
        for name in chunk:
            if name not in known:
                store.delete(name)
                removed += 1
    return removed


def find_by_submission(user: User, submission_id: str) -> Ticket | None:
    return db.session.scalar(
        db.select(Ticket).filter_by(company_id=user.company_id, submission_id=submission_id)
    )


def create_ticket(user: User, req: NewRequest, keep: list[Attachment],
                  now: datetime | None = None, notifier: Notifier | None = None) -> tuple[Ticket, bool]:
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
        search_phrase=req.search_phrase or None,
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
        queue_ticket_created(notifier or current_notifier(), ticket, user)
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
    """The file if this account may download it.

    A draft (not yet sent with a request or a comment) is its uploader's alone; a sent file is seen by
    whoever may see its request and, for a comment's file, that comment (internal notes: agents only).
    """
    from tickets.models import Comment

    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None:
        return None
    if attachment.ticket_id is None and attachment.comment_id is None:
        return attachment if attachment.uploader_id == user.id else None
    comment = db.session.get(Comment, attachment.comment_id) if attachment.comment_id is not None else None
    if attachment.comment_id is not None and (comment is None or (comment.internal and not user.is_agent)):
        return None
    ticket_id = attachment.ticket_id if attachment.ticket_id is not None else comment.ticket_id
    return attachment if ticket_for(user, ticket_id) is not None else None


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
