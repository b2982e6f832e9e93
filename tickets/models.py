"""Database models: companies, accounts, requests and everything attached to them."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from db_types import UTCDateTime
from db_types import utcnow
from extensions import db
from tickets.policy import DEFAULT_TIMEZONE

# The largest id the integer columns hold on PostgreSQL: a bigger number from a URL or a form names nothing.
MAX_ID = 2**31 - 1


class Company(db.Model):
    __tablename__ = "company"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    lk_number: Mapped[str] = mapped_column(String(12), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default=DEFAULT_TIMEZONE)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    account: Mapped[User | None] = relationship(back_populates="company", uselist=False)


class User(UserMixin, db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))  # "customer" or "agent"
    name: Mapped[str] = mapped_column(String(200), default="")
    # Unique: the guide allows exactly one account per company.
    company_id: Mapped[int | None] = mapped_column(ForeignKey("company.id"), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    company: Mapped[Company | None] = relationship(back_populates="account")

    @property
    def is_agent(self) -> bool:
        return self.role == "agent"

    # "<user id>.<token>" of the signed-in session this object was loaded for; not a column.
    session_id = ""

    def get_id(self) -> str:  # flask-login: what the session and remember-me cookies carry
        if not self.session_id:
            raise RuntimeError("sign in through views.auth.sign_in, which opens a LoginSession")
        return self.session_id

    @property
    def is_active(self) -> bool:  # flask-login
        return self.active

    @property
    def timezone(self) -> str:
        return self.company.timezone if self.company else DEFAULT_TIMEZONE


class LoginSession(db.Model):
    """One signed-in browser; its cookie works only while this row exists and has not expired."""

    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    # SHA-256 of the random token: a leaked database does not sign anyone in.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Ticket(db.Model):
    __tablename__ = "ticket"
    __table_args__ = (
        UniqueConstraint("company_id", "submission_id"),
        Index("ix_ticket_queue", "status", "priority_rank", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    submission_id: Mapped[str] = mapped_column(String(64))
    category_slug: Mapped[str] = mapped_column(String(100))
    topic_slug: Mapped[str] = mapped_column(String(100))
    category_title: Mapped[str] = mapped_column(String(200))
    topic_title: Mapped[str] = mapped_column(String(200))
    priority: Mapped[str] = mapped_column(String(10))
    priority_rank: Mapped[int] = mapped_column()
    status: Mapped[str] = mapped_column(String(32), default="new")
    summary: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    author_name: Mapped[str] = mapped_column(String(200), default="")
    # What the customer searched before opening this topic's form, scrubbed of personal data (search.log.scrub).
    search_phrase: Mapped[str | None] = mapped_column(String(200))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    linked_ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    waiting_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    company: Mapped[Company] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    fields: Mapped[list[TicketField]] = relationship(
        order_by="TicketField.position", cascade="all, delete-orphan"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        primaryjoin="and_(Attachment.ticket_id == Ticket.id, Attachment.comment_id.is_(None))",
        order_by="Attachment.id",
        viewonly=True,
    )

    @property
    def number(self) -> str:
        return f"{self.id}"


class TicketField(db.Model):
    __tablename__ = "ticket_field"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(200))
    value: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(default=0)


class Attachment(db.Model):
    """An uploaded file: a draft of an unfinished form until a request or comment claims it."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    uploader_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    draft_key: Mapped[str | None] = mapped_column(String(64), index=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), index=True)
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    storage_name: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Comment(db.Model):
    __tablename__ = "comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    author_name: Mapped[str] = mapped_column(String(200), default="")
    from_agent: Mapped[bool] = mapped_column(default=False)
    internal: Mapped[bool] = mapped_column(default=False)
    body: Mapped[str] = mapped_column(Text)
    submission_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    attachments: Mapped[list[Attachment]] = relationship(order_by="Attachment.id", viewonly=True)
    # The mail this comment came from, when the customer answered by e-mail.
    inbound_mail: Mapped[InboundMail | None] = relationship(viewonly=True, uselist=False)


class StatusChange(db.Model):
    __tablename__ = "status_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    actor_label: Mapped[str] = mapped_column(String(200), default="")
    reason: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class OutboxMessage(db.Model):
    """An email written in the same transaction as the change it reports."""

    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_due", "sent_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), index=True)
    to_addr: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str] = mapped_column(Text, default="")
    # Set when the server refused the message for good (5xx): it is never tried again and agents see it.
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())


class InboundMail(db.Model):
    """One mail fetched from the support mailbox, whatever became of it; its raw bytes are kept on disk for agents."""

    __tablename__ = "inbound_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    # SHA-256 of the Message-ID (of the raw bytes when it has none): the same mail fetched twice is one row.
    message_key: Mapped[str] = mapped_column(String(64), unique=True)
    message_id: Mapped[str] = mapped_column(String(300), default="")
    from_addr: Mapped[str] = mapped_column(String(254), default="")
    subject: Mapped[str] = mapped_column(String(300), default="")
    # "comment", "bounce", "auto" (auto-reply, list or bulk mail) or "rejected"
    outcome: Mapped[str] = mapped_column(String(16), index=True)
    reason: Mapped[str] = mapped_column(String(1000), default="")
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), index=True)
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id"), index=True)
    storage_name: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column()
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
