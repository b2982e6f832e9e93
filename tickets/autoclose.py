"""Auto-close: requests left waiting on the customer are reminded before the deadline, then closed."""

from __future__ import annotations

from datetime import datetime
from datetime import timedelta

from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy import update

from extensions import db
from tickets import notify
from tickets.flask_glue import current_notifier
from tickets.lifecycle import SYSTEM_LABEL
from tickets.lifecycle import WAITING
from tickets.lifecycle import now_or_utc
from tickets.lifecycle import status_values
from tickets.lifecycle import transaction
from tickets.models import StatusChange
from tickets.models import Ticket
from tickets.notify import Notifier
from tickets.outbox import enqueue_many
from tickets.policy import auto_close_deadline
from tickets.status import Status
from tickets.status import check_transition


def close_stale(after_hours: int | None = None, now: datetime | None = None, batch: int = 1000,
                notifier: Notifier | None = None) -> tuple[int, int]:
    """Close requests waiting on the customer over after_hours (the policy's), remind a lead before; (closed, reminded).

    Safe to run on any number of workers at once: guarded UPDATEs let one runner win each request, and
    dedupe keys keep the mail single.
    """
    now = now_or_utc(now)
    notifier = notifier or current_notifier()
    after_hours = after_hours or notifier.policy.auto_close_hours
    reminder_lead_hours = notifier.policy.reminder_lead_hours
    check_transition(Status.WAITING_CUSTOMER, Status.CLOSED)
    cutoff = now - timedelta(hours=after_hours)
    remind_from = now - timedelta(hours=max(after_hours - reminder_lead_hours, 0))
    closed = _in_batches(
        select(Ticket.id).where(Ticket.status == WAITING, Ticket.waiting_since <= cutoff),
        lambda ids: _close_batch(ids, cutoff, after_hours, now, notifier), batch,
    )
    reminded = _in_batches(
        select(Ticket.id).where(Ticket.status == WAITING, Ticket.reminder_sent_at.is_(None),
                                Ticket.waiting_since <= remind_from, Ticket.waiting_since > cutoff),
        lambda ids: _remind_batch(ids, after_hours, now, notifier), batch,
    )
    return closed, reminded


def _in_batches(query, handle, batch: int) -> int:
    done, last_id = 0, 0
    while True:
        # On PostgreSQL the batch stays locked until its transaction commits and concurrent runners skip
        # it instead of queueing behind it (SQLite ignores FOR UPDATE: it has one writer anyway). The
        # guarded UPDATEs below are what makes a request close once; the locks only split the work.
        ids = list(db.session.scalars(
            query.where(Ticket.id > last_id).order_by(Ticket.id).limit(batch).with_for_update(skip_locked=True)
        ))
        if not ids:
            return done
        with transaction():
            done += handle(ids)
        last_id = ids[-1]


def _close_batch(ids: list[int], cutoff: datetime, after_hours: int, now: datetime, notifier: Notifier) -> int:
    won = list(db.session.scalars(
        update(Ticket)
        .where(Ticket.id.in_(ids), Ticket.status == WAITING, Ticket.waiting_since <= cutoff)
        .values(status_values(Status.CLOSED, now))
        .returning(Ticket.id),
        execution_options={"synchronize_session": False},
    ))
    if not won:
        return 0
    reason = f"Нет ответа клиента больше {after_hours} ч — закрыто автоматически"
    db.session.execute(insert(StatusChange), [
        {"ticket_id": ticket_id, "from_status": WAITING, "to_status": Status.CLOSED.value, "actor_id": None,
         "actor_label": SYSTEM_LABEL, "reason": reason, "created_at": now}
        for ticket_id in won
    ])
    tickets = notify.mail_tickets(won, notifier.policy.timezone)
    enqueue_many([notify.closed_message(notifier, t, now, automatic=True) for t in tickets])
    return len(won)


def _remind_batch(ids: list[int], after_hours: int, now: datetime, notifier: Notifier) -> int:
    won = db.session.execute(
        update(Ticket)
        .where(Ticket.id.in_(ids), Ticket.status == WAITING, Ticket.reminder_sent_at.is_(None))
        .values(reminder_sent_at=now)
        .returning(Ticket.id, Ticket.waiting_since),
        execution_options={"synchronize_session": False},
    ).all()
    if not won:
        return 0
    since = dict(won)
    enqueue_many([
        notify.reminder_message(notifier, t, since[t.id], auto_close_deadline(since[t.id], after_hours), now)
        for t in notify.mail_tickets(list(since), notifier.policy.timezone)
    ])
    return len(won)


def auto_closed_total() -> int:
    """Requests closed by auto-close so far, by their history: the closings no person made."""
    return db.session.scalar(select(func.count(StatusChange.id)).where(
        StatusChange.to_status == Status.CLOSED.value, StatusChange.actor_id.is_(None),
        StatusChange.actor_label == SYSTEM_LABEL)) or 0
