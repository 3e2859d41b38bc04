"""The SMS gateway client: one small interface, any HTTP gateway behind it.

POST {SMS_GATEWAY_URL} with JSON {"to": "+79XXXXXXXXX", "text": "…", "id": "<idempotency key>"}
and `Authorization: Bearer {SMS_GATEWAY_TOKEN}`; any 2xx means accepted. Without SMS_GATEWAY_URL
(development) messages are written to SMS_DIR as text files, like the .eml mailbox."""
import os

import requests
from flask import current_app

from ..models import utcnow


class SmsError(Exception):
    pass


def send_sms(message):
    config = current_app.config
    url = config.get("SMS_GATEWAY_URL")
    if not url:
        directory = config["SMS_DIR"]
        os.makedirs(directory, exist_ok=True)
        name = f"{utcnow():%Y%m%d-%H%M%S}-{message.id:06d}.txt"
        with open(os.path.join(directory, name), "w", encoding="utf-8") as fh:
            fh.write(f"To: {message.recipient}\n\n{message.body_text}\n")
        return
    headers = {}
    if config.get("SMS_GATEWAY_TOKEN"):
        headers["Authorization"] = f"Bearer {config['SMS_GATEWAY_TOKEN']}"
    response = requests.post(
        url, json={"to": message.recipient, "text": message.body_text, "id": message.idempotency_key},
        headers=headers, timeout=config["SMS_TIMEOUT"],
    )
    if not 200 <= response.status_code < 300:
        raise SmsError(f"gateway answered {response.status_code}: {response.text[:200]}")
