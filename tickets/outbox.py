"""The transactional outbox: mail rows written with the change they report, delivered later.

Any number of senders may run at once (web nodes' workers, cron). Each message is leased before it is
sent (`locked_until`, whose value is also the lease's token) and finished only by the lease holder, so a
message is never sent by two senders at once, and a sender that dies leaves its messages to whoever
comes after the lease ends. On PostgreSQL a sender claims a whole batch in one transaction with
`SELECT ... FOR UPDATE SKIP LOCKED` (senders split the queue instead of queueing on each other's row
locks); SQLite has one writer anyway and leases message by message with a guarded UPDATE.

Delivery is at least once, not exactly once: if a sender dies (or loses the database) after the SMTP
server accepted a message but before the commit that marks it sent, the lease runs out and the message
is sent again. That window is one SMTP reply to one commit, for at most one message per sender; closing
it would need the SMTP server to deduplicate (it sees the same Message-ID twice).
"""

from __future__ import annotations

import logging
import smtplib
import time
from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from typing import Any

from sqlalchemy import insert
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import SQLAlchemyError

from db_types import utcnow
from extensions import db
from tickets.mail_transport import MailSettings
from tickets.mail_transport import Thread
from tickets.mail_transport import build_email
from tickets.mail_transport import is_permanent
from tickets.mail_transport import make_transport
from tickets.models import OutboxMessage
from tickets.models import Ticket

log = logging.getLogger(__name__)

BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=1)


def backoff(attempts: int) -> timedelta:
    """Delay before the next try after `attempts` failed ones: 1 min doubling, at most 1 h."""
    return min(BACKOFF_BASE * 2 ** min(attempts, 20), BACKOFF_CAP)


def _insert_ignoring_duplicates():
    # A repeated dedupe_key means the mail is already queued; skipping it must not abort the transaction.
    dialect = db.session.get_bind().dialect.name
    if dialect == "sqlite":
        return sqlite.insert(OutboxMessage).on_conflict_do_nothing()
    if dialect == "postgresql":
        return postgresql.insert(OutboxMessage).on_conflict_do_nothing()
    return insert(OutboxMessage)


def enqueue_many(rows: list[dict[str, Any]]) -> None:
    """Queue messages (dicts of OutboxMessage columns) in the current transaction; no commit."""
    if not rows:
        return
    now = utcnow()
    for row in rows:
        row.setdefault("created_at", now)
        row.setdefault("next_attempt_at", row["created_at"])
        row.setdefault("dedupe_key", None)
        row.setdefault("ticket_id", None)
    db.session.execute(_insert_ignoring_duplicates(), rows)


def enqueue(to_addr: str, subject: str, text_body: str, html_body: str, *, ticket_id: int | None = None,
            dedupe_key: str | None = None, now: datetime | None = None) -> None:
    """Queue one message in the current transaction; no commit."""
    row = {"to_addr": to_addr, "subject": subject, "text_body": text_body, "html_body": html_body,
           "ticket_id": ticket_id, "dedupe_key": dedupe_key}
    if now is not None:
        row["created_at"] = now
    enqueue_many([row])


def _thread(message: OutboxMessage) -> Thread | None:
    if message.ticket_id is None:
        return None
    row = db.session.execute(
        select(Ticket.summary, Ticket.created_at).where(Ticket.id == message.ticket_id)
    ).first()
    return Thread(message.ticket_id, row.summary, row.created_at) if row else None


def _due(now: datetime):
    return (
        OutboxMessage.sent_at.is_(None),
        OutboxMessage.failed_at.is_(None),
        OutboxMessage.next_attempt_at <= now,
        or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until <= now),
    )


def _claim(message_id: int, now: datetime, lease: timedelta) -> datetime | None:
    """Lease one message; the lease end doubles as the claim token. None if another sender has it."""
    until = now + lease
    result = db.session.execute(
        update(OutboxMessage).where(OutboxMessage.id == message_id, *_due(now)).values(locked_until=until),
        execution_options={"synchronize_session": False},
    )
    db.session.commit()
    return until if result.rowcount == 1 else None


def claim_batch(now: datetime, lease: timedelta, batch: int) -> tuple[list[int], datetime]:
    """Lease up to `batch` due messages in one transaction (PostgreSQL); (their ids, the lease token)."""
    until = now + lease
    # SKIP LOCKED: rows another sender is claiming right now are passed over, not waited for; once it
    # commits they are leased and no longer due.
    ids = list(db.session.scalars(
        select(OutboxMessage.id).where(*_due(now))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(batch)
        .with_for_update(skip_locked=True)
    ))
    if ids:
        db.session.execute(
            update(OutboxMessage).where(OutboxMessage.id.in_(ids)).values(locked_until=until),
            execution_options={"synchronize_session": False},
        )
    db.session.commit()
    return ids, until


def _release(message_ids: list[int], token: datetime) -> None:
    # Give back what this sender will not get to, so others need not wait for the lease to end.
    if not message_ids:
        return
    try:
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(message_ids), OutboxMessage.locked_until == token)
            .values(locked_until=None),
            execution_options={"synchronize_session": False},
        )
        db.session.commit()
    except SQLAlchemyError:
        # The database is what failed the batch: the leases simply run out.
        db.session.rollback()
        log.warning("Could not release %s leased messages; they wait for the lease to end", len(message_ids))


def _claims(now: datetime, settings: MailSettings, batch: int) -> Iterator[tuple[int, datetime]]:
    """(message id, lease token) for each due message this sender won, in order."""
    if db.session.get_bind().dialect.name != "postgresql":
        ids = list(db.session.scalars(
            select(OutboxMessage.id).where(*_due(now))
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(batch)
        ))
        db.session.commit()
        for message_id in ids:
            token = _claim(message_id, now, settings.lease)
            if token is not None:
                yield message_id, token
        return
    ids, token = claim_batch(now, settings.lease, batch)
    started = time.monotonic()
    # A message is begun only while the lease has room for a whole SMTP conversation (the timeout,
    # twice over): a slow server must not make the batch outlive its lease and let another sender in.
    room = (settings.lease - timedelta(seconds=2 * settings.timeout)).total_seconds()
    for position, message_id in enumerate(ids):
        if position and time.monotonic() - started > room:
            _release(ids[position:], token)
            return
        try:
            yield message_id, token
        except GeneratorExit:
            _release(ids[position + 1:], token)
            raise


def _finish(message_id: int, token: datetime, **values: Any) -> None:
    # Guarded by the token: a sender whose lease was taken over must not overwrite the new owner.
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.locked_until == token)
        .values(locked_until=None, attempts=OutboxMessage.attempts + 1, **values),
        execution_options={"synchronize_session": False},
    )
    db.session.commit()


def deliver_due(settings: MailSettings | Mapping[str, Any], now: datetime | None = None,
                batch: int = 50) -> tuple[int, int]:
    """Send messages that are due; return (sent, failed). Failed ones are retried later."""
    if not isinstance(settings, MailSettings):
        settings = MailSettings.from_config(settings)
    now = now or utcnow()
    transport = make_transport(settings)
    sent = failed = 0
    claims = _claims(now, settings, batch)
    try:
        for message_id, token in claims:
            message = db.session.get(OutboxMessage, message_id, populate_existing=True)
            attempts = message.attempts
            try:
                email = build_email(message, settings.mail_from, settings.threading, _thread(message))
                transport.send(email, message_id)
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as exc:
                failed += 1
                if is_permanent(exc):
                    _finish(message_id, token, failed_at=now, last_error=_describe(exc))
                else:
                    _fail(message_id, token, attempts, now, exc)
            except (OSError, smtplib.SMTPException) as exc:
                # The server is down or refuses us: the rest of the batch would fail the same way.
                failed += 1
                _fail(message_id, token, attempts, now, exc)
                break
            except Exception as exc:
                # A message that cannot even be built must not block the others; its error is kept.
                failed += 1
                _fail(message_id, token, attempts, now, exc)
            else:
                # The at-least-once window (see the module docstring): accepted by SMTP, not yet committed.
                sent += 1
                _finish(message_id, token, sent_at=now, last_error="")
    finally:
        claims.close()
        transport.close()
    return sent, failed


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


def _fail(message_id: int, token: datetime, attempts: int, now: datetime, exc: BaseException) -> None:
    log.warning("Mail %s not sent (attempt %s): %s", message_id, attempts + 1, exc)
    _finish(message_id, token, next_attempt_at=now + backoff(attempts), last_error=_describe(exc))


@dataclass(frozen=True)
class OutboxFigures:
    """The queue at a glance: what waits, how long the oldest has waited, what failed for good."""

    pending: int
    oldest_pending_age: timedelta | None
    failed: int


def outbox_figures(now: datetime | None = None) -> OutboxFigures:
    """Count the queue: pending messages, the oldest one's age, messages refused for good."""
    now = now or utcnow()
    pending, oldest = db.session.execute(select(db.func.count(), db.func.min(OutboxMessage.created_at)).where(
        OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None))).one()
    failed = db.session.scalar(select(db.func.count()).where(OutboxMessage.failed_at.is_not(None))) or 0
    return OutboxFigures(int(pending), max(now - oldest, timedelta(0)) if oldest is not None else None, int(failed))


def pending_count() -> int:
    """Messages not yet delivered and not refused for good."""
    return db.session.scalar(select(db.func.count()).where(
        OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None))) or 0


def failed_messages(ticket_id: int) -> list[OutboxMessage]:
    """Mail about this request that the server refused for good, oldest first."""
    return list(db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.ticket_id == ticket_id, OutboxMessage.failed_at.is_not(None))
        .order_by(OutboxMessage.id)
    ))


def mark_bounced(outbox_id: int, reason: str, now: datetime | None = None) -> bool:
    """Record a bounce report for a sent message: it failed for good and agents see why. False if unknown."""
    result = db.session.execute(
        update(OutboxMessage).where(OutboxMessage.id == outbox_id, OutboxMessage.failed_at.is_(None))
        .values(failed_at=now or utcnow(), last_error=reason[:2000]),
        execution_options={"synchronize_session": False},
    )
    return result.rowcount == 1
