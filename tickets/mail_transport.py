"""Outgoing mail as MIME and the ways it leaves: SMTP, or .eml files when no server is configured."""

from __future__ import annotations

import contextlib
import os
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
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

from tickets.mail_threading import Threading
from tickets.mail_threading import thread_subject
from tickets.models import OutboxMessage


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


def is_permanent(exc: smtplib.SMTPException) -> bool:
    """True when the server refused this message for good (a 5xx reply), so retrying cannot help."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
    else:
        codes = [getattr(exc, "smtp_code", 0)]
    return bool(codes) and all(500 <= code < 600 for code in codes)
