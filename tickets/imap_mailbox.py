"""The support mailbox over IMAP: unseen mail is read, handed over raw, then flagged seen (and moved, if asked)."""

from __future__ import annotations

import logging
import ssl
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from imap_tools import AND
from imap_tools import MailBox
from imap_tools import MailBoxUnencrypted
from imap_tools import MailMessageFlags
from imap_tools.mailbox import BaseMailBox

log = logging.getLogger(__name__)


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return bool(value)


@dataclass(frozen=True)
class ImapSettings:
    host: str = ""
    port: int = 993
    user: str = ""
    password: str = ""
    folder: str = "INBOX"
    ssl: bool = True
    # Where handled mail goes; empty: it stays in `folder`, flagged seen.
    done_folder: str = ""
    timeout: float = 30.0
    # Bigger mail is not downloaded: it is flagged and left for a person to read.
    max_bytes: int = 50 * 1024 * 1024

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ImapSettings:
        """Read the MAIL_IMAP_* keys of a Flask config (FLASK_MAIL_IMAP_* environment variables)."""
        use_ssl = _flag(config.get("MAIL_IMAP_SSL", True))
        return cls(
            host=str(config.get("MAIL_IMAP_HOST") or ""),
            port=int(config.get("MAIL_IMAP_PORT") or (993 if use_ssl else 143)),
            user=str(config.get("MAIL_IMAP_USER") or ""),
            password=str(config.get("MAIL_IMAP_PASSWORD") or ""),
            folder=str(config.get("MAIL_IMAP_FOLDER") or "INBOX"),
            ssl=use_ssl,
            done_folder=str(config.get("MAIL_IMAP_DONE_FOLDER") or ""),
            timeout=float(config.get("MAIL_IMAP_TIMEOUT") or 30.0),
            max_bytes=int(config.get("MAIL_IMAP_MAX_BYTES") or cls.max_bytes),
        )


def connect(settings: ImapSettings) -> BaseMailBox:
    """A logged-in mailbox with the folder selected."""
    if settings.ssl:
        mailbox = MailBox(settings.host, settings.port, timeout=settings.timeout,
                          ssl_context=ssl.create_default_context())
    else:
        mailbox = MailBoxUnencrypted(settings.host, settings.port, timeout=settings.timeout)
    try:
        return mailbox.login(settings.user, settings.password, settings.folder)
    except BaseException:
        mailbox.client.shutdown()
        raise


def _raw(mailbox: BaseMailBox, uid: str) -> bytes:
    # BODY.PEEK keeps the mail unseen until it is handled: a crash leaves it to the next run.
    typ, data = mailbox.client.uid("FETCH", uid, "(BODY.PEEK[])")
    for item in data or []:
        if isinstance(item, tuple) and len(item) == 2:
            return item[1]
    raise RuntimeError(f"IMAP FETCH {uid}: no message body ({typ})")


def fetch(settings: ImapSettings, handle: Callable[[bytes], object], limit: int = 50) -> tuple[int, int]:
    """Hand each unseen mail's raw bytes to `handle`, then flag it seen (or move it); (handled, failed)."""
    done = failed = 0
    with connect(settings) as mailbox:
        if settings.done_folder and not mailbox.folder.exists(settings.done_folder):
            mailbox.folder.create(settings.done_folder)
        headers = list(mailbox.fetch(AND(seen=False), mark_seen=False, headers_only=True, limit=limit, bulk=True))
        for header in headers:
            if header.size_rfc822 > settings.max_bytes:
                log.warning("Mail %s is %s bytes, over MAIL_IMAP_MAX_BYTES: left in the mailbox, flagged",
                            header.uid, header.size_rfc822)
                mailbox.flag(header.uid, (MailMessageFlags.SEEN, MailMessageFlags.FLAGGED), True)
                continue
            try:
                handle(_raw(mailbox, header.uid))
            except Exception:
                # Left unseen for the next run; the other mail must not wait behind it.
                log.exception("Mail %s could not be handled", header.uid)
                failed += 1
                continue
            # Flagged only after it was handled; handling is idempotent by Message-ID if we stop in between.
            mailbox.flag(header.uid, MailMessageFlags.SEEN, True)
            if settings.done_folder:
                mailbox.move(header.uid, settings.done_folder)
            done += 1
    return done, failed
