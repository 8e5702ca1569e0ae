"""Outgoing mail: SMTP when `RNDD_MAIL_SERVER` is set, otherwise the log."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from typing import Any

from flask import current_app

log = logging.getLogger("rndd.mail")


class Mailer:
    """Sends messages over one SMTP connection, opened at the first message and reopened after
    a failure (a batch of notifications pays for one connection, not one per message)."""

    def __init__(self) -> None:
        self.cfg = current_app.config
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Mailer:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def send(self, to: str, subject: str, text: str, headers: dict[str, str] | None = None) -> None:
        """Raises smtplib.SMTPException or OSError when the server refuses the message or cannot
        be reached (callers that must not fail catch them)."""
        cfg = self.cfg
        if not cfg.get("MAIL_SERVER"):
            log.info("mail to %s (no RNDD_MAIL_SERVER set, so logged):\nSubject: %s\n\n%s", to, subject, text)
            return
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = cfg["MAIL_SENDER"], to, subject
        for name, value in (headers or {}).items():
            message[name] = value
        message.set_content(text)
        try:
            self._connection().send_message(message)
        except BaseException:
            self.close()  # the next message starts on a fresh connection
            raise

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is None:
            cfg = self.cfg
            smtp = smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=20)
            if cfg["MAIL_USE_TLS"]:
                smtp.starttls()
            if cfg.get("MAIL_USERNAME"):
                smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"] or "")
            self._smtp = smtp
        return self._smtp

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass  # the server went away already
            self._smtp = None


def send(to: str, subject: str, text: str, headers: dict[str, str] | None = None) -> None:
    """Send one message on a connection of its own; raises as `Mailer.send` does."""
    with Mailer() as mailer:
        mailer.send(to, subject, text, headers)
