"""A real SMTP server on loopback (aiosmtpd) that records what it accepts, for the mail tests."""

from __future__ import annotations

import email
import io
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from pypdf import PdfReader


def free_port() -> int:
    """Return a loopback port nobody listens on (now)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Received:
    """A message the server accepted: the envelope and the parsed message."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        """The decoded subject."""
        return str(self.message["Subject"])

    def body(self, subtype: str = "plain") -> str:
        """The text (or html) body."""
        part = self.message.get_body(preferencelist=(subtype,))
        return part.get_content() if part is not None else ""

    def attachments(self) -> list[tuple[str, bytes]]:
        """(filename, bytes) of each attachment."""
        return [(a.get_filename(), a.get_payload(decode=True)) for a in self.message.iter_attachments()]


@dataclass
class Handler:
    """Accepts every message unless told otherwise; `probe` runs before a message is accepted."""

    received: list[Received] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)  # recipient → SMTP reply
    data_reply: str | None = None  # e.g. "451 try later": refuse every message at DATA
    probe: Callable[[EmailMessage], None] | None = None
    probe_errors: list[BaseException] = field(default_factory=list)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,  # noqa: N802
                          rcpt_options: list[str]) -> str:
        """Refuse the recipients named in `refuse`."""
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        """Record the message and accept it (or answer `data_reply`)."""
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        if self.probe is not None:
            try:
                self.probe(message)
            except BaseException as error:
                self.probe_errors.append(error)
        if self.data_reply:
            return self.data_reply
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


class SmtpServer:
    """An aiosmtpd server on 127.0.0.1 that can be stopped and started again on the same port."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.handler = Handler()
        self.controller: Controller | None = None

    @property
    def received(self) -> list[Received]:
        """What the server accepted so far."""
        return self.handler.received

    def start(self) -> None:
        """Listen."""
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        """Stop listening (connections are refused afterwards)."""
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp(app: Any) -> Iterator[SmtpServer]:
    """A running SMTP server on loopback, and the app's mail settings pointing at it."""
    server = SmtpServer(free_port())
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_SUPPRESS_SEND=False,
                      MAIL_USE_TLS=False, MAIL_USE_SSL=False, MAIL_DEFAULT_SENDER="readiness@mod.example",
                      MAIL_TIMEOUT=5)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def pdf_text(content: bytes) -> str:
    """Return the text of every page of a PDF, as a partner's tool would extract it."""
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
