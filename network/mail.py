"""Outgoing mail: SMTP when `RNDD_MAIL_SERVER` is set, otherwise the log."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app

log = logging.getLogger("rndd.mail")


def send(to: str, subject: str, text: str, headers: dict[str, str] | None = None) -> None:
    """Send one message. Raises smtplib.SMTPException or OSError when the server refuses it or
    cannot be reached (callers that must not fail catch them)."""
    cfg = current_app.config
    if not cfg.get("MAIL_SERVER"):
        log.info("mail to %s (no RNDD_MAIL_SERVER set, so logged):\nSubject: %s\n\n%s", to, subject, text)
        return
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = cfg["MAIL_SENDER"], to, subject
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(text)
    with smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=20) as smtp:
        if cfg["MAIL_USE_TLS"]:
            smtp.starttls()
        if cfg.get("MAIL_USERNAME"):
            smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"] or "")
        smtp.send_message(message)
