"""E-mail delivery: an outbox row as an RFC 5322 message (UTF-8 headers, a stable Message-ID,
plain text with an HTML alternative) handed to the mail server — or, without MAIL_SERVER
(development), written to MAIL_DIR as an .eml file. Used by the outbox worker
(app/workflow/outbox.py) and the daily digest (app/notify/digest.py)."""
import os
import smtplib
from email import policy as email_policy
from email.message import EmailMessage
from email.utils import format_datetime

from flask import current_app

from .. import clock
from ..models import utcnow
from .headers import header_text, single_address


def build_email(message):
    email = EmailMessage(policy=email_policy.SMTP)
    email["Subject"] = header_text(message.subject)  # also for rows queued before it was cleaned
    email["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    email["To"] = single_address(message.recipient)
    email["Date"] = format_datetime(clock.now())  # in St. Petersburg's time, whatever the server's zone
    # Stable across attempts (from the message's idempotency key, never random): delivery is at
    # least once, and a receiver that gets a message twice sees the same Message-ID.
    safe_key = "".join(c if c.isascii() and c.isalnum() else "." for c in message.idempotency_key)
    email["Message-ID"] = f"<{safe_key}@e-diary>"
    email.set_content(message.body_text)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    return email


def send_email(message):
    """Hand the message to the mail server (or, without MAIL_SERVER, to a .eml file)."""
    config = current_app.config
    email = build_email(message)
    if not config.get("MAIL_SERVER"):
        directory = config["MAIL_DIR"]
        os.makedirs(directory, exist_ok=True)
        name = f"{utcnow():%Y%m%d-%H%M%S}-{message.id:06d}.eml"
        with open(os.path.join(directory, name), "wb") as fh:
            fh.write(email.as_bytes())
        return
    with smtplib.SMTP(
        config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"]
    ) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(email)
