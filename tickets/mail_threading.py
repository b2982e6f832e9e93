"""One mail thread per request: its subject, signed Message-IDs and the signed Reply-To address."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.utils import getaddresses
from email.utils import parseaddr
from typing import Any

# 80 bits of HMAC-SHA256 in lower-case hex: unguessable, and safe in mail systems that fold the case of addresses.
SIG_LEN = 20
TAG_RE = re.compile(r"\[#(\d{1,9})\]")
_SIG = f"([0-9a-f]{{{SIG_LEN}}})"
_ID_RE = re.compile(r"<?portal\.((?:[rm]\d{1,12}\.)*t\d{14})\." + _SIG + r"@[^>\s]+>?", re.IGNORECASE)
_REPLY_RE = re.compile(r"\+r(\d{1,12})\." + _SIG + "@", re.IGNORECASE)


@dataclass(frozen=True)
class MessageRef:
    """What one of our Message-IDs names: the request, and the outbox row (None for the request's first mail)."""

    ticket_id: int | None
    outbox_id: int | None


def thread_subject(ticket_id: int, summary: str) -> str:
    """The subject every mail about the request carries, so mail clients keep one thread."""
    return f"[#{ticket_id}] {summary}"


def subject_tag(subject: str) -> int | None:
    """The request number tagged in a subject (`Re: [#123] …`), if any."""
    match = TAG_RE.search(subject or "")
    return int(match.group(1)) if match else None


def _stamp(at: datetime) -> str:
    # The creation time keeps ids unique when a database is reset and its ids start again from 1.
    return f"t{at:%Y%m%d%H%M%S}"


@dataclass(frozen=True)
class Threading:
    """Builds and checks the signed parts of our mail; one per app, from SECRET_KEY and the addresses."""

    secret: bytes
    domain: str
    reply_address: str

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Threading:
        """From SECRET_KEY, MAIL_FROM and MAIL_REPLY_ADDRESS (the mailbox the portal reads; MAIL_FROM's by default)."""
        mail_from = parseaddr(str(config.get("MAIL_FROM") or ""))[1] or "support@localhost"
        reply = parseaddr(str(config.get("MAIL_REPLY_ADDRESS") or ""))[1] or mail_from
        return cls(str(config["SECRET_KEY"]).encode(), mail_from.rpartition("@")[2] or "localhost", reply)

    def _sign(self, purpose: str, value: str) -> str:
        return hmac.new(self.secret, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()[:SIG_LEN]

    def _valid(self, purpose: str, value: str, sig: str) -> bool:
        return hmac.compare_digest(self._sign(purpose, value), sig.lower())

    def reply_to(self, ticket_id: int) -> str:
        """`support+r123.<signature>@domain`: replies to it land in request 123, and nobody can forge it."""
        local, _, domain = self.reply_address.partition("@")
        return f"{local}+r{ticket_id}.{self._sign('reply', str(ticket_id))}@{domain}"

    def ticket_from_addresses(self, values: list[str]) -> int | None:
        """The request named by a correctly signed reply address among these header values (To, Delivered-To…)."""
        for _, address in getaddresses(values):
            match = _REPLY_RE.search(address)
            if match and self._valid("reply", match.group(1), match.group(2)):
                return int(match.group(1))
        return None

    def _message_id(self, payload: str) -> str:
        return f"<portal.{payload}.{self._sign('mid', payload)}@{self.domain}>"

    def first_message_id(self, ticket_id: int, created_at: datetime) -> str:
        """The Message-ID of the request's first mail, which every later mail refers to."""
        return self._message_id(f"r{ticket_id}.{_stamp(created_at)}")

    def message_id(self, outbox_id: int, created_at: datetime, ticket_id: int | None = None) -> str:
        """The Message-ID of one outbox row: the same on every retry, so a resent mail is recognisable as one."""
        request = f"r{ticket_id}." if ticket_id is not None else ""
        return self._message_id(f"{request}m{outbox_id}.{_stamp(created_at)}")

    def parse_message_id(self, value: str) -> MessageRef | None:
        """What a correctly signed Message-ID of ours names; None for anyone else's."""
        match = _ID_RE.fullmatch((value or "").strip())
        if not match or not self._valid("mid", match.group(1), match.group(2)):
            return None
        fields = {part[0]: int(part[1:]) for part in match.group(1).split(".") if part[0] in "rm"}
        return MessageRef(fields.get("r"), fields.get("m"))

    def references(self, values: list[str]) -> list[MessageRef]:
        """Our messages among the ids of In-Reply-To/References header values, nearest first."""
        ids = [token for value in values for token in re.findall(r"<[^<>\s]+>", value or "")]
        found = (self.parse_message_id(token) for token in reversed(ids))
        return [ref for ref in found if ref is not None]
