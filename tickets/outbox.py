"""The transactional outbox: mail rows written with the change they report, delivered later."""

from __future__ import annotations

import contextlib
import logging
import os
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from email.header import Header
from email.message import EmailMessage
from email.utils import format_datetime
from email.utils import formataddr
from email.utils import parseaddr
from pathlib import Path
from typing import Any
from typing import Protocol

from sqlalchemy import insert
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite

from extensions import db
from tickets.mail_threading import Threading
from tickets.mail_threading import thread_subject
from tickets.models import OutboxMessage
from tickets.models import Ticket

log = logging.getLogger(__name__)

BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=1)


@dataclass(frozen=True)
class MailSettings:
    outbox_dir: str = "outbox"
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    mail_from: str = "Техподдержка <support@localhost>"
    timeout: float = 30.0
    # Signs Reply-To and Message-IDs; without it (no SECRET_KEY) mail goes out unthreaded.
    threading: Threading | None = None
    # Longer than one SMTP conversation can take, so a live sender never loses its claim.
    lease: timedelta = timedelta(minutes=5)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> MailSettings:
        """Read the MAIL_* keys of a Flask config (FLASK_MAIL_* environment variables)."""
        return cls(
            outbox_dir=str(config.get("MAIL_OUTBOX_DIR") or "outbox"),
            smtp_host=str(config.get("MAIL_SMTP_HOST") or ""),
            smtp_port=int(config.get("MAIL_SMTP_PORT") or 25),
            smtp_user=str(config.get("MAIL_SMTP_USER") or ""),
            smtp_password=str(config.get("MAIL_SMTP_PASSWORD") or ""),
            smtp_starttls=_flag(config.get("MAIL_SMTP_STARTTLS", False)),
            mail_from=sender(config, cls.mail_from),
            timeout=float(config.get("MAIL_SMTP_TIMEOUT") or 30.0),
            threading=Threading.from_config(config) if config.get("SECRET_KEY") else None,
        )

    @property
    def envelope_from(self) -> str | None:
        """Where bounces go: the mailbox the portal reads (MAIL_REPLY_ADDRESS), else the From address."""
        return self.threading.reply_address if self.threading else None


def sender(config: Mapping[str, Any], default: str) -> str:
    """The From header: MAIL_FROM, with MAIL_FROM_NAME as its display name when set."""
    name, address = parseaddr(str(config.get("MAIL_FROM") or default))
    name = str(config.get("MAIL_FROM_NAME") or name)
    return formataddr((name, address)) if name else address


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return bool(value)


def utcnow() -> datetime:
    return datetime.now(UTC)


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


def _encoded_subject(subject: str) -> str:
    # Python 3.11's header folding drops the space between encoded words ("закроетсячерез");
    # email.header.Header encodes the spaces inside the words, so every reader shows them.
    return subject if subject.isascii() else Header(subject, "utf-8", header_name="Subject").encode()


@dataclass(frozen=True)
class Thread:
    """The request a message belongs to, as its mail thread needs it."""

    ticket_id: int
    summary: str
    created_at: datetime


def build_email(message: OutboxMessage, mail_from: str, threading: Threading | None = None,
                thread: Thread | None = None) -> EmailMessage:
    """The MIME message: plain text with an HTML alternative, threaded under its request's first mail."""
    domain = parseaddr(mail_from)[1].rpartition("@")[2] or "localhost"
    email = EmailMessage()
    subject = thread_subject(thread.ticket_id, thread.summary) if thread and threading else message.subject
    email.set_raw("Subject", _encoded_subject(subject))
    email["From"] = mail_from
    email["To"] = message.to_addr
    email["Date"] = format_datetime(message.created_at)
    if threading is None:
        email["Message-ID"] = f"<outbox.{message.id}.{message.created_at:%Y%m%d%H%M%S}@{domain}>"
    elif thread is None:
        email["Message-ID"] = threading.message_id(message.id, message.created_at)
    else:
        first = threading.first_message_id(thread.ticket_id, thread.created_at)
        if message.dedupe_key == f"created:{thread.ticket_id}":
            email["Message-ID"] = first
        else:
            # Stable across retries, so a message sent twice after a crash is recognisable as one.
            email["Message-ID"] = threading.message_id(message.id, message.created_at, thread.ticket_id)
            email["In-Reply-To"] = first
            email["References"] = first
        email["Reply-To"] = formataddr((parseaddr(mail_from)[0], threading.reply_to(thread.ticket_id)))
    email["Auto-Submitted"] = "auto-generated"
    # Exchange and Outlook: no out-of-office or other automatic answers to this mail.
    email["X-Auto-Response-Suppress"] = "OOF, AutoReply"
    email.set_content(message.text_body)
    email.add_alternative(message.html_body, subtype="html")
    return email


def _thread(message: OutboxMessage) -> Thread | None:
    if message.ticket_id is None:
        return None
    row = db.session.execute(
        select(Ticket.summary, Ticket.created_at).where(Ticket.id == message.ticket_id)
    ).first()
    return Thread(message.ticket_id, row.summary, row.created_at) if row else None


class Transport(Protocol):
    def send(self, email: EmailMessage, message_id: int) -> None: ...

    def close(self) -> None: ...


class FileTransport:
    """Writes each message as an .eml file: the default when no SMTP server is configured."""

    def __init__(self, directory: str) -> None:
        self.directory = Path(directory)

    def send(self, email: EmailMessage, message_id: int) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        target = self.directory / f"{message_id:08d}.eml"
        partial = target.with_suffix(".tmp")
        partial.write_bytes(email.as_bytes())
        os.replace(partial, target)

    def close(self) -> None:
        pass


class SmtpTransport:
    """One SMTP connection, opened on the first message and reused for the batch."""

    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.timeout)
        try:
            if s.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if s.smtp_user:
                smtp.login(s.smtp_user, s.smtp_password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, email: EmailMessage, message_id: int) -> None:
        if self._smtp is None:
            self._smtp = self._connect()
        try:
            self._smtp.send_message(email, from_addr=self.settings.envelope_from)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError):
            raise
        except BaseException:
            self._drop()
            raise

    def _drop(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.close()
            finally:
                self._smtp = None

    def close(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self._smtp.quit()
            self._drop()


def make_transport(settings: MailSettings) -> Transport:
    return SmtpTransport(settings) if settings.smtp_host else FileTransport(settings.outbox_dir)


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
    ids = list(db.session.scalars(
        select(OutboxMessage.id).where(*_due(now))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(batch)
    ))
    db.session.commit()
    transport = make_transport(settings)
    sent = failed = 0
    try:
        for message_id in ids:
            token = _claim(message_id, now, settings.lease)
            if token is None:
                continue
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
                sent += 1
                _finish(message_id, token, sent_at=now, last_error="")
    finally:
        transport.close()
    return sent, failed


def is_permanent(exc: smtplib.SMTPException) -> bool:
    """True when the server refused this message for good (a 5xx reply), so retrying cannot help."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
    else:
        codes = [getattr(exc, "smtp_code", 0)]
    return bool(codes) and all(500 <= code < 600 for code in codes)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


def _fail(message_id: int, token: datetime, attempts: int, now: datetime, exc: BaseException) -> None:
    log.warning("Mail %s not sent (attempt %s): %s", message_id, attempts + 1, exc)
    _finish(message_id, token, next_attempt_at=now + backoff(attempts), last_error=_describe(exc))


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
