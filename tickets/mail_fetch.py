"""One fetch round: the support mailbox read over IMAP, each mail handled by tickets.inbound."""

from __future__ import annotations

from collections.abc import Mapping
from email.utils import parseaddr
from typing import Any

from extensions import db
from tickets.flask_glue import current_notifier
from tickets.flask_glue import current_store
from tickets.imap_mailbox import ImapSettings
from tickets.imap_mailbox import fetch
from tickets.inbound import InboundSettings
from tickets.inbound import Processor
from tickets.mail_threading import Threading
from tickets.notify import Notifier
from tickets.storage import FileStore


def processor(config: Mapping[str, Any], notifier: Notifier | None = None, store: FileStore | None = None) -> Processor:
    """The inbound processor for this app's config (and the running app's notifier and store, unless given)."""
    threading = Threading.from_config(config)
    own = {threading.reply_address.lower(), parseaddr(str(config.get("MAIL_FROM") or ""))[1].lower()} - {""}
    return Processor(threading, InboundSettings.from_config(config), frozenset(own), notifier or current_notifier(),
                     store or current_store())


def fetch_round(config: Mapping[str, Any], limit: int = 50) -> tuple[int, int]:
    """Fetch and handle unseen mail once; (handled, failed). Nothing to do without MAIL_IMAP_HOST."""
    settings = ImapSettings.from_config(config)
    if not settings.host:
        return 0, 0
    handler = processor(config)

    def handle(raw: bytes) -> None:
        try:
            handler.process(raw)
        except BaseException:
            db.session.rollback()
            raise

    return fetch(settings, handle, limit=limit)
