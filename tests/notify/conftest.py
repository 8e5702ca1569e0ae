"""A real SMTP server (aiosmtpd) on 127.0.0.1 for notification tests, and the app pointed at it."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from aiosmtpd.controller import Controller

from content.models import Mission
from network.extensions import db


@dataclass
class Mailbox:
    """What the server accepted, and how it answers: `refuse` recipients get 550 at RCPT,
    `busy` makes DATA answer 451 (a temporary failure), `hold` makes DATA wait for it."""

    messages: list = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    busy: int = 0
    hold: threading.Event | None = None
    holding: threading.Event = field(default_factory=threading.Event)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self.hold is not None:
            self.holding.set()
            while not self.hold.is_set():
                await asyncio.sleep(0.05)
            return "451 4.3.0 Try again later"
        if self.busy:
            self.busy -= 1
            return "451 4.3.0 Try again later"
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted"

    def to(self, address: str) -> list:
        return [m for m in self.messages if m["To"] == address]


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    box.port = port
    try:
        yield box
    finally:
        if box.hold is not None:
            box.hold.set()
        controller.stop()


@pytest.fixture
def mail_app(app, mailbox):
    """The app sending notification mail to the test's SMTP server."""
    app.config.update(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=mailbox.port,
        MAIL_USE_TLS=False,
        MAIL_SENDER="RNDD Hub <hub@hub.test>",
    )
    return app


@pytest.fixture
def make_mission(app):
    def make(country: str = "ID", name: str | None = None) -> Mission:
        mission = Mission(
            country_code=country,
            name=name or f"Embassy of {country} in Canberra",
            city="Canberra",
            posted_in="Australia",
        )
        db.session.add(mission)
        db.session.commit()
        return mission

    return make
