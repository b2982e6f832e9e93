"""Email notifications to the company's address, queued in the outbox of the current transaction."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from typing import Any

from sqlalchemy import select

from extensions import db
from tickets.models import Comment
from tickets.models import Company
from tickets.models import Ticket
from tickets.models import User
from tickets.outbox import enqueue_many
from tickets.policy import MOSCOW
from tickets.policy import TicketPolicy
from tickets.timefmt import countdown_text
from tickets.timefmt import hours_left
from tickets.timefmt import local_time

SUBJECTS = {
    "ticket_created": "Обращение №{number} создано: {summary}",
    "agent_comment": "Обращение №{number}: новый комментарий специалиста",
    "agent_comment_waiting": "Обращение №{number}: специалист ждет вашего ответа",
    "waiting_customer": "Обращение №{number}: специалист ждет вашего ответа",
    "reminder": "Обращение №{number} закроется через {hours} ч без вашего ответа",
    "closed": "Обращение №{number} закрыто",
    "resolved": "Обращение №{number} решено",
    "mail_reopened": "Обращение №{number} возобновлено по вашему письму",
}


@dataclass(frozen=True)
class MailTicket:
    """What a message needs to know about a request and its company."""

    id: int
    summary: str
    category_title: str
    topic_title: str
    company_name: str
    to_addr: str
    timezone: str

    @property
    def number(self) -> str:
        return str(self.id)


@dataclass(frozen=True)
class Notifier:
    """What the mail needs from the app, built once by tickets.init_app: the policy, links, templates."""

    policy: TicketPolicy
    base_url: str
    # Renders templates/<name> with a context: the app's Jinja environment, without request or signals.
    render: Callable[[str, Mapping[str, Any]], str]
    reply_by_mail: bool = False

    def ticket_url(self, ticket_id: int) -> str:
        return f"{self.base_url.rstrip('/')}/requests/{ticket_id}"


def mail_ticket(ticket: Ticket, default_timezone: str) -> MailTicket | None:
    """The request with its company's address and time zone; None if the company has no account."""
    row = db.session.execute(
        select(Company.name, Company.timezone, User.email)
        .join(User, User.company_id == Company.id)
        .where(Company.id == ticket.company_id)
    ).first()
    if row is None:
        return None
    return MailTicket(ticket.id, ticket.summary, ticket.category_title, ticket.topic_title,
                      row.name, row.email, row.timezone or default_timezone)


def mail_tickets(ticket_ids: list[int], default_timezone: str) -> list[MailTicket]:
    """Like mail_ticket for many requests in one query."""
    rows = db.session.execute(
        select(Ticket.id, Ticket.summary, Ticket.category_title, Ticket.topic_title,
               Company.name, User.email, Company.timezone)
        .join(Company, Company.id == Ticket.company_id)
        .join(User, User.company_id == Company.id)
        .where(Ticket.id.in_(ticket_ids))
    )
    return [MailTicket(*row[:6], row[6] or default_timezone) for row in rows]


def tz_label(tz_name: str) -> str:
    return "МСК" if tz_name == MOSCOW else tz_name


def message(notifier: Notifier, kind: str, t: MailTicket, *, subject_kind: str | None = None, dedupe_key: str | None = None,
            now: datetime | None = None, **context: Any) -> dict[str, Any]:
    """Render one message kind (templates/mail/<kind>.txt and .html) into an outbox row."""
    subject = SUBJECTS[subject_kind or kind].format(number=t.number, summary=t.summary, **context)
    context.update(t=t, url=notifier.ticket_url(t.id), tz=tz_label(t.timezone),
                   auto_close_hours=notifier.policy.auto_close_hours,
                   reopen_window_days=notifier.policy.reopen_window_days,
                   reply_by_mail=notifier.reply_by_mail)
    row = {
        "ticket_id": t.id,
        "to_addr": t.to_addr,
        "subject": subject[:300],
        "text_body": notifier.render(f"mail/{kind}.txt", context),
        "html_body": notifier.render(f"mail/{kind}.html", context),
        "dedupe_key": dedupe_key,
    }
    if now is not None:
        row["created_at"] = now
    return row


def _utc(dt: datetime) -> datetime:
    return dt.astimezone(UTC)


def queue_ticket_created(notifier: Notifier, ticket: Ticket, user: User) -> None:
    """Queue the 'request created' email in the current transaction."""
    t = mail_ticket(ticket, notifier.policy.timezone)
    if t is None:
        return
    created = ticket.created_at or datetime.now(UTC)
    enqueue_many([message(notifier, "ticket_created", t, dedupe_key=f"created:{ticket.id}", now=created,
                          created_local=local_time(created, t.timezone), author_name=ticket.author_name)])


def queue_agent_comment(notifier: Notifier, ticket: Ticket, comment: Comment, deadline: datetime | None,
                        attachment_names: list[str] | None = None) -> None:
    """Queue the email with a public agent comment and, when waiting, the reply deadline."""
    t = mail_ticket(ticket, notifier.policy.timezone)
    if t is None or comment.internal:
        return
    enqueue_many([message(
        notifier, "agent_comment", t,
        subject_kind="agent_comment_waiting" if deadline else "agent_comment",
        dedupe_key=f"comment:{comment.id}",
        now=comment.created_at,
        agent_name=comment.author_name,
        body=comment.body,
        attachments=attachment_names or [],
        deadline_local=local_time(deadline, t.timezone) if deadline else "",
    )])


def queue_waiting(notifier: Notifier, ticket: Ticket, waiting_since: datetime) -> None:
    """Queue 'the specialist waits for your answer' with the auto-close deadline."""
    t = mail_ticket(ticket, notifier.policy.timezone)
    if t is None:
        return
    key = f"waiting:{ticket.id}:{_utc(waiting_since).isoformat()}"
    deadline = notifier.policy.auto_close_deadline(waiting_since)
    enqueue_many([message(notifier, "waiting_customer", t, dedupe_key=key, now=waiting_since,
                          deadline_local=local_time(deadline, t.timezone))])


def queue_closed(notifier: Notifier, ticket: Ticket, closed_at: datetime, *, resolved: bool = False,
                 reason: str = "") -> None:
    """Queue 'request closed' (or resolved) with how to bring it back."""
    t = mail_ticket(ticket, notifier.policy.timezone)
    if t is None:
        return
    enqueue_many([closed_message(notifier, t, closed_at, resolved=resolved, reason=reason)])


def closed_message(notifier: Notifier, t: MailTicket, closed_at: datetime, *, resolved: bool = False, automatic: bool = False,
                   reason: str = "") -> dict[str, Any]:
    """The outbox row telling the company its request was closed or resolved."""
    kind = "resolved" if resolved else "closed"
    return message(notifier, "closed", t, subject_kind=kind, dedupe_key=f"{kind}:{t.id}:{_utc(closed_at).isoformat()}",
                   now=closed_at, resolved=resolved, automatic=automatic, reason=reason,
                   closed_local=local_time(closed_at, t.timezone))


def reminder_message(notifier: Notifier, t: MailTicket, waiting_since: datetime, deadline: datetime,
                     now: datetime) -> dict[str, Any]:
    """The outbox row reminding that the request closes soon; one per waiting period."""
    return message(notifier, "reminder", t, dedupe_key=f"reminder:{t.id}:{_utc(waiting_since).isoformat()}", now=now,
                   hours=max(1, hours_left(deadline, now)),
                   waiting_local=local_time(waiting_since, t.timezone),
                   deadline_local=local_time(deadline, t.timezone),
                   countdown=countdown_text(deadline, now))
