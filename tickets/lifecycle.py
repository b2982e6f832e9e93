"""The life of a request after it is filed: replies, commands and status changes.

Each public function makes its change, the StatusChange rows and the outbox mail in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from extensions import db
from tickets import notify
from tickets.flask_glue import current_notifier
from tickets.models import Attachment
from tickets.models import Comment
from tickets.models import StatusChange
from tickets.models import Ticket
from tickets.models import User
from tickets.notify import Notifier
from tickets.status import AGENT_LABELS
from tickets.status import Status
from tickets.status import TransitionError
from tickets.status import WorkflowError
from tickets.status import check_transition

SYSTEM_LABEL = "Система"
REASON_CUSTOMER_REPLIED = "Клиент ответил"
REASON_REPLY_TO_CLOSED = "Клиент ответил в закрытое обращение"
REASON_CUSTOMER_CLOSED = "Клиент отметил: вопрос решен"
REASON_TAKEN = "Взято в работу"
REASON_AGENT_REPLIED = "Специалист ответил"
REASON_WAITING = "Специалист ждет ответа клиента"
FINISHED = (Status.RESOLVED, Status.CLOSED)
WAITING = Status.WAITING_CUSTOMER.value


class NotAllowed(WorkflowError):
    """This account may not act on this request."""


def now_or_utc(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


@contextmanager
def transaction() -> Iterator[None]:
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def status_values(target: Status, now: datetime) -> dict[str, Any]:
    """Columns that follow the status: the waiting clock, the reminder and the closing time."""
    values: dict[str, Any] = {"status": target.value, "status_changed_at": now, "updated_at": now,
                              "waiting_since": None, "reminder_sent_at": None, "closed_at": None}
    if target == Status.WAITING_CUSTOMER:
        values["waiting_since"] = now
    elif target in FINISHED:
        values["closed_at"] = now
    return values


def _move(ticket: Ticket, target: Status, actor: User | None, actor_label: str, reason: str,
          now: datetime, **extra: Any) -> None:
    """Change the status if the workflow allows it and nobody changed it meanwhile; record who and why."""
    current = Status(ticket.status)
    check_transition(current, target)
    result = db.session.execute(
        update(Ticket).where(Ticket.id == ticket.id, Ticket.status == current.value)
        .values(**status_values(target, now), **extra)
    )
    if result.rowcount != 1:
        raise WorkflowError("Обращение только что изменили — обновите страницу и попробуйте еще раз")
    db.session.add(StatusChange(ticket_id=ticket.id, from_status=current.value, to_status=target.value,
                                actor_id=actor.id if actor else None, actor_label=actor_label,
                                reason=reason, created_at=now))


def _claim_attachments(attachments: list[Attachment], ticket_id: int, comment_id: int | None,
                       company_id: int | None) -> None:
    for attachment in attachments:
        if attachment.ticket_id is not None or attachment.comment_id is not None:
            raise WorkflowError(f"Файл «{attachment.filename}» уже приложен к другому сообщению")
        if company_id is not None and attachment.company_id != company_id:
            raise NotAllowed("Нельзя приложить чужой файл")
        attachment.ticket_id = ticket_id
        attachment.comment_id = comment_id
        attachment.draft_key = None


def _clean_body(body: str, attachments: list[Attachment]) -> str:
    body = (body or "").strip()
    if not body and not attachments:
        raise WorkflowError("Напишите сообщение или приложите файл")
    return body


def _ensure_customer(ticket: Ticket, user: User) -> None:
    if user.is_agent or user.company_id != ticket.company_id:
        raise NotAllowed("Это обращение другой компании")


def _ensure_agent(user: User) -> None:
    if not user.is_agent:
        raise NotAllowed("Действие доступно только специалистам поддержки")


def _reply_by_submission(user: User, submission_id: str) -> Comment | None:
    """The reply this account already made from the same form: an agent's own, or one of the company's."""
    query = select(Comment).where(Comment.submission_id == submission_id)
    if user.is_agent:
        query = query.where(Comment.author_id == user.id)
    else:
        query = query.join(Ticket, Ticket.id == Comment.ticket_id).where(Ticket.company_id == user.company_id)
    return db.session.scalar(query)


def _raced_reply(user: User, submission_id: str) -> Comment:
    """After a unique-key clash: the concurrent duplicate that won, or an error when it is not ours."""
    existing = _reply_by_submission(user, submission_id)
    if existing is None:
        raise WorkflowError("Эту форму уже отправили — обновите страницу и напишите ответ снова")
    return existing


def add_customer_reply(ticket: Ticket, user: User, author_name: str, body: str, attachments: list[Attachment],
                       submission_id: str, now: datetime | None = None, reopen_window_days: int | None = None,
                       notifier: Notifier | None = None) -> tuple[Ticket, Comment]:
    """Add the customer's reply; bring the request back to support, or open a linked one if closed long ago.

    Returns the request the reply landed in and the reply. A repeated submission_id returns the first reply.
    """
    _ensure_customer(ticket, user)
    existing = _reply_by_submission(user, submission_id)
    if existing is not None:
        return db.session.get(Ticket, existing.ticket_id), existing
    now = now_or_utc(now)
    body = _clean_body(body, attachments)
    label = author_name.strip() or user.name
    notifier = notifier or current_notifier()
    if reopen_window_days is None:
        reopen_window_days = notifier.policy.reopen_window_days
    try:
        with transaction():
            target = ticket
            status = Status(ticket.status)
            if status in FINISHED:
                finished_at = ticket.closed_at or ticket.status_changed_at
                if now - finished_at > timedelta(days=reopen_window_days):
                    target = _open_linked(ticket, user, label, submission_id, reopen_window_days, now, notifier)
                else:
                    _move(ticket, Status.REOPENED, user, label, REASON_REPLY_TO_CLOSED, now)
            elif status == Status.WAITING_CUSTOMER:
                _move(ticket, Status.IN_PROGRESS, user, label, REASON_CUSTOMER_REPLIED, now)
            else:
                ticket.updated_at = now
            comment = Comment(ticket_id=target.id, author_id=user.id, author_name=label, from_agent=False,
                              internal=False, body=body, submission_id=submission_id, created_at=now)
            db.session.add(comment)
            db.session.flush()
            _claim_attachments(attachments, target.id, comment.id, user.company_id)
    except IntegrityError:
        # A concurrent double submit won the race: answer with its result.
        existing = _raced_reply(user, submission_id)
        return db.session.get(Ticket, existing.ticket_id), existing
    except WorkflowError:
        # The same reply handled at once elsewhere (two mail fetchers, a double submit) moved the status
        # first, so ours found it changed: that reply is the answer.
        existing = _reply_by_submission(user, submission_id)
        if existing is None:
            raise
        return db.session.get(Ticket, existing.ticket_id), existing
    return target, comment


def _open_linked(old: Ticket, user: User, label: str, submission_id: str, window_days: int,
                 now: datetime, notifier: Notifier) -> Ticket:
    ticket = Ticket(
        company_id=old.company_id,
        submission_id=submission_id,
        category_slug=old.category_slug,
        topic_slug=old.topic_slug,
        category_title=old.category_title,
        topic_title=old.topic_title,
        priority=old.priority,
        priority_rank=old.priority_rank,
        status=Status.NEW.value,
        summary=f"Продолжение №{old.id}: {old.summary}"[:200],
        description=(f"Клиент ответил в обращение №{old.id} «{old.summary}», закрытое больше "
                     f"{window_days} дней назад. Ответ клиента — в комментарии ниже."),
        author_name=label,
        linked_ticket_id=old.id,
        created_at=now,
        updated_at=now,
        status_changed_at=now,
    )
    db.session.add(ticket)
    db.session.flush()
    db.session.add(StatusChange(ticket_id=ticket.id, from_status=None, to_status=Status.NEW.value,
                                actor_id=user.id, actor_label=label, created_at=now,
                                reason=f"{REASON_REPLY_TO_CLOSED} №{old.id} после {window_days} дней"))
    notify.queue_ticket_created(notifier, ticket, user)
    return ticket


def add_agent_reply(ticket: Ticket, agent: User, body: str, attachments: list[Attachment],
                    wait_for_customer: bool = False, internal: bool = False,
                    now: datetime | None = None, submission_id: str | None = None,
                    notifier: Notifier | None = None) -> Comment:
    """Add an agent's public reply (mailed to the company) or an internal note (never shown or mailed).

    A repeated submission_id returns the first reply: nothing is added or mailed twice.
    """
    _ensure_agent(agent)
    if submission_id:
        existing = _reply_by_submission(agent, submission_id)
        if existing is not None:
            return existing
    if internal and wait_for_customer:
        raise WorkflowError("Внутренняя заметка не может ждать ответа клиента")
    status = Status(ticket.status)
    if wait_for_customer and status in FINISHED:
        raise TransitionError(
            f"Обращение в статусе «{AGENT_LABELS[status]}»: ждать ответа клиента нельзя. "
            "Отправьте ответ без ожидания или сначала возобновите обращение в блоке «Статус»"
        )
    now = now_or_utc(now)
    body = _clean_body(body, attachments)
    try:
        return _agent_reply(ticket, agent, body, attachments, wait_for_customer, internal, now, submission_id,
                            notifier or current_notifier())
    except IntegrityError:
        if not submission_id:
            raise
        return _raced_reply(agent, submission_id)


def _agent_reply(ticket: Ticket, agent: User, body: str, attachments: list[Attachment], wait_for_customer: bool,
                 internal: bool, now: datetime, submission_id: str | None, notifier: Notifier) -> Comment:
    with transaction():
        comment = Comment(ticket_id=ticket.id, author_id=agent.id, author_name=agent.name, from_agent=True,
                          internal=internal, body=body, submission_id=submission_id or None, created_at=now)
        db.session.add(comment)
        db.session.flush()
        _claim_attachments(attachments, ticket.id, comment.id, None)
        if internal:
            return comment
        extra = {"assignee_id": agent.id} if ticket.assignee_id is None else {}
        status = Status(ticket.status)
        deadline = None
        if wait_for_customer:
            if status == Status.WAITING_CUSTOMER:
                # Asking again starts a new waiting period with its own deadline and reminder.
                ticket.waiting_since, ticket.reminder_sent_at, ticket.updated_at = now, None, now
            else:
                _move(ticket, Status.WAITING_CUSTOMER, agent, agent.name, REASON_WAITING, now, **extra)
            deadline = notifier.policy.auto_close_deadline(now)
        elif status in (Status.NEW, Status.REOPENED, Status.WAITING_CUSTOMER):
            _move(ticket, Status.IN_PROGRESS, agent, agent.name, REASON_AGENT_REPLIED, now, **extra)
        else:
            ticket.updated_at = now
        if extra and ticket.assignee_id is None:
            ticket.assignee_id = agent.id
        notify.queue_agent_comment(notifier, ticket, comment, deadline, [a.filename for a in attachments])
    return comment


def take(ticket: Ticket, agent: User, now: datetime | None = None) -> Ticket:
    """Assign the request to the agent; a new or reopened one goes to work."""
    _ensure_agent(agent)
    now = now_or_utc(now)
    with transaction():
        if Status(ticket.status) in (Status.NEW, Status.REOPENED):
            _move(ticket, Status.IN_PROGRESS, agent, agent.name, REASON_TAKEN, now, assignee_id=agent.id)
        else:
            ticket.assignee_id = agent.id
            ticket.updated_at = now
    return ticket


def change_status(ticket: Ticket, actor: User, target: Status | str, reason: str = "",
                  now: datetime | None = None, notifier: Notifier | None = None) -> Ticket:
    """Move the request to another status by an agent, mailing the company when it must know."""
    _ensure_agent(actor)
    target = Status(target)
    now = now_or_utc(now)
    notifier = notifier or current_notifier()
    with transaction():
        _move(ticket, target, actor, actor.name, reason.strip(), now)
        if target == Status.WAITING_CUSTOMER:
            notify.queue_waiting(notifier, ticket, now)
        elif target in FINISHED:
            notify.queue_closed(notifier, ticket, now, resolved=target == Status.RESOLVED, reason=reason.strip())
    return ticket


def close_by_customer(ticket: Ticket, user: User, author_name: str, now: datetime | None = None) -> Ticket:
    """Close the request at the customer's word ("Вопрос решён"); closing twice changes nothing."""
    _ensure_customer(ticket, user)
    if ticket.status == Status.CLOSED:
        return ticket
    with transaction():
        label = author_name.strip() or user.name
        _move(ticket, Status.CLOSED, user, label, REASON_CUSTOMER_CLOSED, now_or_utc(now))
    return ticket


__all__ = ["NotAllowed", "TransitionError", "WorkflowError", "add_agent_reply", "add_customer_reply",
           "change_status", "close_by_customer", "take"]
