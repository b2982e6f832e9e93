"""Mail as customers' clients write it, for the inbound mail tests."""

from __future__ import annotations

from email import message_from_bytes
from email import policy
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from tickets.outbox import deliver_due


def sent_mail(config) -> list[EmailMessage]:
    """Deliver the outbox to .eml files (no SMTP host) and read every file written so far, oldest first."""
    deliver_due(config)
    files = sorted(Path(config["MAIL_OUTBOX_DIR"]).glob("*.eml"))
    return [message_from_bytes(f.read_bytes(), policy=policy.default) for f in files]


def reply(original: EmailMessage, body: str, *, sender: str = "Ирина <support-group@romashka.test>",
          attribution: str = "25.11.2026 12:00, Техподдержка Twin пишет:", html: str | None = None,
          message_id: str | None = None, headers: dict[str, str] | None = None,
          files: list[tuple[str, bytes, str]] | None = None) -> bytes:
    """A reply as Thunderbird writes it: to the Reply-To address, threaded, the original quoted below."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = str(original["Reply-To"] or original["From"])
    mail["Subject"] = "Re: " + str(original["Subject"])
    mail["Message-ID"] = message_id or make_msgid(domain="romashka.test")
    mail["In-Reply-To"] = str(original["Message-ID"])
    mail["References"] = " ".join(filter(None, [str(original["References"] or ""), str(original["Message-ID"])]))
    for name, value in (headers or {}).items():
        mail[name] = value
    quoted = "\n".join("> " + line for line in original.get_body(("plain",)).get_content().splitlines())
    if html is None:
        mail.set_content(f"{body}\n\n{attribution}\n{quoted}\n")
    else:
        mail.set_content(html, subtype="html")
    for name, data, kind in files or []:
        maintype, subtype = kind.split("/")
        mail.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return mail.as_bytes()


def plain(sender: str, to: str, subject: str, body: str, headers: dict[str, str] | None = None) -> bytes:
    """A new mail, not a reply to anything."""
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = sender, to, subject
    mail["Message-ID"] = make_msgid(domain="example.test")
    for name, value in (headers or {}).items():
        mail[name] = value
    mail.set_content(body)
    return mail.as_bytes()


def bounce(original: EmailMessage, action: str = "failed", status: str = "5.1.1") -> bytes:
    """A delivery status notification (RFC 3464) about `original`, as Postfix writes it."""
    headers = "".join(f"{k}: {v}\n" for k, v in original.items())
    return f"""From: MAILER-DAEMON@mx.romashka.test (Mail Delivery System)
To: support@twin.test
Subject: Undelivered Mail Returned to Sender
Message-ID: {make_msgid(domain="mx.romashka.test")}
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B1"

--B1
Content-Type: text/plain; charset=us-ascii

I'm sorry to have to inform you that your message could not be delivered.

--B1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.romashka.test

Final-Recipient: rfc822; {original["To"]}
Action: {action}
Status: {status}
Diagnostic-Code: smtp; 550 5.1.1 <x>: Recipient address rejected: User unknown

--B1
Content-Type: text/rfc822-headers

{headers}
--B1--
""".replace("\n", "\r\n").encode()
