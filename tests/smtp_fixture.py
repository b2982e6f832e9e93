"""A real SMTP server on 127.0.0.1 for tests: aiosmtpd on a free port, collecting what it receives."""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass
from email import message_from_bytes
from email import policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def body(self, subtype: str = "plain") -> str:
        """The decoded text/plain (or text/html) part."""
        part = self.message.get_body(preferencelist=(subtype,))
        return part.get_content() if part is not None else ""


class _Collector:
    def __init__(self) -> None:
        self.messages: list[Received] = []
        self.refused: dict[str, str] = {}
        self._lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        if address in self.refused:
            return self.refused[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        parsed = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        received = Received(envelope.mail_from, list(envelope.rcpt_tos), parsed)
        with self._lock:
            self.messages.append(received)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpServer:
    """Start, stop and restart on the same port; `messages` survive restarts."""

    def __init__(self) -> None:
        self.host = "127.0.0.1"
        self.port = _free_port()
        self._collector = _Collector()
        self._controller: Controller | None = None

    @property
    def messages(self) -> list[Received]:
        return list(self._collector.messages)

    def refuse(self, address: str, reply: str = "550 5.1.1 Mailbox unavailable") -> None:
        """Answer this recipient with a refusal (permanent 5xx by default, or a temporary 4xx)."""
        self._collector.refused[address] = reply

    @property
    def config(self) -> dict:
        """App config keys that send mail to this server."""
        return {"MAIL_SMTP_HOST": self.host, "MAIL_SMTP_PORT": self.port, "MAIL_SMTP_STARTTLS": False,
                "MAIL_FROM": "Техподдержка Twin <support@twin.test>"}

    def start(self) -> None:
        # A stopped controller has closed its event loop, so each start needs a new one.
        self._controller = Controller(self._collector, hostname=self.host, port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def smtp_server():
    """A running SMTP server on 127.0.0.1 collecting messages; `.stop()` / `.start()` to simulate outages."""
    server = SmtpServer()
    server.start()
    yield server
    server.stop()
