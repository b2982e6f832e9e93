"""Mail that arrives at the support mailbox: customers' replies become comments, bounces fail the outbox row.

Nothing here knows how the mail was fetched: `process` takes the raw bytes of one message.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email import message_from_bytes
from email import message_from_string
from email import policy
from email.message import EmailMessage
from email.message import Message
from email.utils import parseaddr
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from extensions import db
from tickets import notify
from tickets.attachments import AttachmentError
from tickets.attachments import CheckedFile
from tickets.attachments import check_file
from tickets.lifecycle import add_customer_reply
from tickets.mail_threading import Threading
from tickets.mail_threading import subject_tag
from tickets.models import Attachment
from tickets.models import Comment
from tickets.models import InboundMail
from tickets.models import Ticket
from tickets.models import User
from tickets.models import utcnow
from tickets.outbox import enqueue_many
from tickets.outbox import mark_bounced
from tickets.policy import TicketPolicy
from tickets.quotes import html_to_text
from tickets.quotes import strip_reply
from tickets.service import forget_file
from tickets.service import save_draft
from tickets.status import Status
from tickets.status import WorkflowError
from tickets.storage import FileStore

log = logging.getLogger(__name__)

COMMENT = "comment"
BOUNCE = "bounce"
AUTO = "auto"
REJECTED = "rejected"
DUPLICATE = "duplicate"

# Headers that carry the address a mail was delivered to; Reply-To tokens are looked for in all of them.
RECIPIENT_HEADERS = ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To")
_AUTO_SUBJECT = re.compile(
    r"^\s*(автоответ|автоматический ответ|auto(matic)?[- ]?reply|out of (the )?office|нет на месте|"
    r"undeliverable|undelivered mail|delivery status notification|недоставленное сообщение)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class InboundSettings:
    """What processing a mail needs from the app's config."""

    max_attachments: int
    max_attachment_size: int
    reopen_window_days: int
    body_max: int = 10_000

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> InboundSettings:
        """From MAX_ATTACHMENTS, MAX_ATTACHMENT_SIZE and REOPEN_WINDOW_DAYS: the web form's limits."""
        policy = TicketPolicy.from_config(config)
        return cls(policy.max_attachments, policy.max_attachment_size, policy.reopen_window_days)


@dataclass(frozen=True)
class Outcome:
    """What became of one mail."""

    outcome: str
    reason: str = ""
    ticket_id: int | None = None
    comment_id: int | None = None


def message_key(raw: bytes, msg: Message) -> str:
    """SHA-256 of the Message-ID, or of the whole message when it has none."""
    message_id = str(msg.get("Message-ID", "") or "").strip()
    return hashlib.sha256(message_id.encode() if message_id else raw).hexdigest()


def automatic_reason(msg: Message, own_addresses: frozenset[str]) -> str:
    """Why this mail was sent by a machine (auto-reply, list, bulk, report, our own), or "" for a person's mail."""
    sender = parseaddr(str(msg.get("From", "")))[1].lower()
    if sender in own_addresses:
        return "наше собственное письмо"
    auto = str(msg.get("Auto-Submitted", "")).strip().lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"
    precedence = str(msg.get("Precedence", "")).strip().lower()
    if precedence in {"bulk", "junk", "list", "auto_reply"}:
        return f"Precedence: {precedence}"
    for header in ("X-Autoreply", "X-Autorespond", "X-Autoresponder", "X-Auto-Reply", "List-Id",
                   "List-Unsubscribe", "X-Failed-Recipients"):
        if msg.get(header) is not None:
            return f"есть заголовок {header}"
    if msg.get_content_type() == "multipart/report":
        return "отчет почтового сервера"
    return_path = str(msg.get("Return-Path", "")).strip()
    if return_path in ("<>", "") and msg.get("Return-Path") is not None:
        return "пустой Return-Path (отчет почтового сервера)"
    if sender.split("@")[0] in {"mailer-daemon", "postmaster"}:
        return f"отправитель {sender}"
    if _AUTO_SUBJECT.search(str(msg.get("Subject", ""))):
        return "тема автоматического ответа"
    return ""


def is_delivery_report(msg: Message) -> bool:
    """A DSN: multipart/report with report-type=delivery-status (RFC 3464)."""
    return (msg.get_content_type() == "multipart/report"
            and str(msg.get_param("report-type", "")).lower() == "delivery-status")


@dataclass(frozen=True)
class Bounce:
    """A delivery report: whether delivery failed for good, why, and the Message-ID of the mail it is about."""

    failed: bool
    reason: str
    original_message_id: str


def read_bounce(msg: Message) -> Bounce:
    """The per-recipient verdict and the original Message-ID of a DSN."""
    failed, details, original = False, [], ""
    for part in msg.walk():
        kind = part.get_content_type()
        if kind == "message/delivery-status":
            for group in part.get_payload():
                action = str(group.get("Action", "")).strip().lower()
                status = str(group.get("Status", "")).strip()
                if action == "failed" or status.startswith("5"):
                    failed = True
                    diagnostic = " ".join(str(group.get("Diagnostic-Code", "")).split())
                    recipient = str(group.get("Final-Recipient", "")).split(";")[-1].strip()
                    details.append(f"{recipient}: {status} {diagnostic}".strip())
        elif kind in ("message/rfc822", "message/global") and not original:
            inner = part.get_payload()
            inner = inner[0] if isinstance(inner, list) else inner
            original = str(inner.get("Message-ID", "") or "")
        elif kind in ("text/rfc822-headers", "text/rfc822-header") and not original:
            original = str(message_from_string(part.get_content()).get("Message-ID", "") or "")
    reason = "Отчет о недоставке: " + ("; ".join(details) or "адрес не принял письмо")
    return Bounce(failed, reason, original.strip())


def reply_text(msg: EmailMessage) -> str:
    """The new text of a reply: plain text preferred, HTML made into text, quote and signature cut."""
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, ValueError):
        payload = part.get_payload(decode=True) or b""
        content = payload.decode("utf-8", errors="replace")
    if part.get_content_type() == "text/html":
        content = html_to_text(content)
    return strip_reply(content)


def mail_files(msg: EmailMessage, settings: InboundSettings) -> tuple[list[CheckedFile], list[str]]:
    """The attached files that pass the web form's checks and limits, and why the others did not."""
    accepted, refused = [], []
    for part in msg.iter_attachments():
        name = part.get_filename()
        if not name or part.get_content_maintype() == "multipart":
            continue
        data = part.get_payload(decode=True) or b""
        if len(accepted) >= settings.max_attachments:
            refused.append(f"«{name}»: больше {settings.max_attachments} файлов в одном сообщении")
            continue
        try:
            accepted.append(check_file(name, data, settings.max_attachment_size))
        except AttachmentError as exc:
            refused.append(str(exc))
    return accepted, refused


def match_ticket(msg: Message, threading: Threading) -> tuple[Ticket | None, str]:
    """The request this mail answers, and how it was found; (None, why not) when it answers none."""
    recipients = [str(v) for header in RECIPIENT_HEADERS for v in msg.get_all(header, [])]
    ticket_id = threading.ticket_from_addresses(recipients)
    how = "адрес для ответа"
    if ticket_id is None:
        references = [str(msg.get("In-Reply-To", "")), str(msg.get("References", ""))]
        ticket_id = next((ref.ticket_id for ref in threading.references(references) if ref.ticket_id), None)
        how = "In-Reply-To/References"
    if ticket_id is not None:
        ticket = db.session.get(Ticket, ticket_id)
        return (ticket, how) if ticket else (None, f"обращения №{ticket_id} нет")
    tagged = subject_tag(str(msg.get("Subject", "")))
    sender = parseaddr(str(msg.get("From", "")))[1].strip().lower()
    if tagged is None:
        return None, f"письмо от {sender or 'неизвестного отправителя'} не относится ни к одному обращению"
    ticket = db.session.get(Ticket, tagged)
    account = _account(ticket.company_id) if ticket else None
    if account is None or account.email != sender:
        return None, f"тема называет обращение №{tagged}, но {sender or 'отправитель'} — не адрес его компании"
    return ticket, "номер в теме и адрес компании"


def _account(company_id: int) -> User | None:
    return db.session.scalar(select(User).where(User.company_id == company_id, User.role == "customer"))


def _author(msg: Message, account: User) -> str:
    name, address = parseaddr(str(msg.get("From", "")))
    label = name.strip() or address or account.name
    if address and address.lower() != account.email:
        label = f"{label} <{address}>" if name.strip() else address
    return label[:200]


class Processor:
    """Turns fetched mail into comments, bounces and records; one per fetch run."""

    def __init__(self, threading: Threading, settings: InboundSettings, own_addresses: frozenset[str],
                 notifier: notify.Notifier, store: FileStore) -> None:
        self.threading = threading
        self.settings = settings
        self.own_addresses = own_addresses
        self.notifier = notifier
        self.store = store

    def process(self, raw: bytes, now: datetime | None = None) -> Outcome:
        """Handle one raw message once: a second call with the same Message-ID changes nothing."""
        now = now or utcnow()
        msg = message_from_bytes(raw, policy=policy.default)
        key = message_key(raw, msg)
        if db.session.scalar(select(InboundMail.id).where(InboundMail.message_key == key)) is not None:
            return Outcome(DUPLICATE)
        outcome = self._decide(msg, key, now)
        # The store down raises StoreUnavailable: the mail stays unseen and the next fetch tries again.
        storage_name = self.store.put(raw)
        db.session.add(InboundMail(
            message_key=key, message_id=str(msg.get("Message-ID", "") or "")[:300],
            from_addr=parseaddr(str(msg.get("From", "")))[1][:254], subject=str(msg.get("Subject", ""))[:300],
            outcome=outcome.outcome, reason=outcome.reason[:1000], ticket_id=outcome.ticket_id,
            comment_id=outcome.comment_id, storage_name=storage_name, size=len(raw), received_at=now,
        ))
        try:
            db.session.commit()
        except IntegrityError:
            # Another fetcher recorded the same mail first; its comment is the one (same submission id).
            db.session.rollback()
            forget_file(self.store, storage_name)
            return Outcome(DUPLICATE)
        log.info("Mail %s from %s: %s %s", msg.get("Message-ID"), msg.get("From"), outcome.outcome, outcome.reason)
        return outcome

    def _decide(self, msg: EmailMessage, key: str, now: datetime) -> Outcome:
        if is_delivery_report(msg):
            return self._bounce(msg, now)
        reason = automatic_reason(msg, self.own_addresses)
        if reason:
            return Outcome(AUTO, f"Автоматическое письмо ({reason}): не публикуется и не возобновляет обращение")
        ticket, how = match_ticket(msg, self.threading)
        if ticket is None:
            return Outcome(REJECTED, how)
        account = _account(ticket.company_id)
        if account is None:
            return Outcome(REJECTED, f"у компании обращения №{ticket.id} нет учетной записи", ticket.id)
        return self._comment(msg, key, ticket, account, now)

    def _bounce(self, msg: EmailMessage, now: datetime) -> Outcome:
        bounce = read_bounce(msg)
        ref = self.threading.parse_message_id(bounce.original_message_id)
        if ref is None or ref.outbox_id is None and ref.ticket_id is None:
            return Outcome(BOUNCE, f"{bounce.reason} (письмо не наше или без Message-ID)")
        if not bounce.failed:
            return Outcome(BOUNCE, "Отчет о задержке доставки: письмо еще доставляется", ref.ticket_id)
        outbox_id = ref.outbox_id if ref.outbox_id is not None else self._first_mail(ref.ticket_id)
        marked = outbox_id is not None and mark_bounced(outbox_id, bounce.reason, now)
        return Outcome(BOUNCE, bounce.reason if marked else f"{bounce.reason} (уже отмечено)", ref.ticket_id)

    @staticmethod
    def _first_mail(ticket_id: int | None) -> int | None:
        from tickets.models import OutboxMessage

        return db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == f"created:{ticket_id}"))

    def _comment(self, msg: EmailMessage, key: str, ticket: Ticket, account: User, now: datetime) -> Outcome:
        body = reply_text(msg)
        if len(body) > self.settings.body_max:
            body = body[:self.settings.body_max - 60].rstrip() + "\n\n[Письмо сокращено: полный текст — в исходном письме]"
        files, refused = mail_files(msg, self.settings)
        draft_key = f"mail-{key[:40]}"
        attachments = [self._draft(account, ticket.company_id, draft_key, f) for f in files]
        finished = Status(ticket.status) in (Status.RESOLVED, Status.CLOSED)
        try:
            target, comment = add_customer_reply(
                ticket, account, _author(msg, account), body, attachments, submission_id=draft_key, now=now,
                reopen_window_days=self.settings.reopen_window_days, notifier=self.notifier,
            )
        except WorkflowError as exc:
            return Outcome(REJECTED, str(exc), ticket.id)
        if finished and target.id == ticket.id:
            self._tell_reopened(target, comment)
        # Shown to agents beside the comment: only what they need to know.
        reason = ("Файлы не приняты: " + "; ".join(refused)) if refused else ""
        return Outcome(COMMENT, reason, target.id, comment.id)

    def _draft(self, account: User, company_id: int, draft_key: str, checked: CheckedFile) -> Attachment:
        return save_draft(account, company_id, draft_key, checked, self.store)

    def _tell_reopened(self, ticket: Ticket, comment: Comment) -> None:
        t = notify.mail_ticket(ticket, self.notifier.policy.timezone)
        if t is not None:
            enqueue_many([notify.message(self.notifier, "mail_reopened", t, dedupe_key=f"mail-reopened:{comment.id}",
                                         now=comment.created_at)])
            db.session.commit()



def unposted(limit: int = 100) -> list[InboundMail]:
    """The newest mail that did not become a comment: rejected, automatic and bounces."""
    return list(db.session.scalars(
        select(InboundMail).where(InboundMail.outcome != COMMENT).order_by(InboundMail.id.desc()).limit(limit)
    ))
