"""Delivering an alert: a Slack-compatible webhook, a generic JSON webhook, or e-mail over SMTP, with retries."""

from __future__ import annotations

import json
import logging
import smtplib
import ssl
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timezone
from email.message import EmailMessage

from nabd.alerts.message import AlertMessage, safe_alert

log = logging.getLogger(__name__)

ATTEMPTS = 3
BACKOFF_S = 1.0
TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Delivery:
    channel: str
    ok: bool
    at: str
    error: str | None = None

    def as_dict(self) -> dict:
        return {"channel": self.channel, "ok": self.ok, "at": self.at, "error": self.error}


class PermanentFailure(RuntimeError):
    """Retrying will not help (a 4xx answer, a missing setting)."""


def channel_name(channel) -> str:
    """How a delivery names its channel: `email:<addresses>`, `slack:<ENV_VAR>`, `webhook:<ENV_VAR>`."""
    return f"email:{','.join(channel.to)}" if channel.type == "email" else f"{channel.type}:{channel.url_env}"


def deliver(channel, alert: dict, message: AlertMessage, settings, secret) -> Delivery:
    """Sends to one configured channel, retrying transient failures; never raises."""
    name = channel_name(channel)
    last_error = None
    for attempt in range(1, ATTEMPTS + 1):
        try:
            _send(channel, alert, message, settings, secret)
            return Delivery(name, True, _now())
        except PermanentFailure as error:
            last_error = str(error)
            break
        except (OSError, smtplib.SMTPException) as error:
            last_error = f"{type(error).__name__}: {error}"
            log.warning("delivery to %s failed (attempt %d of %d): %s", name, attempt, ATTEMPTS, last_error)
            if attempt < ATTEMPTS:
                time.sleep(BACKOFF_S * 2 ** (attempt - 1))
    return Delivery(name, False, _now(), last_error)


def _send(channel, alert: dict, message: AlertMessage, settings, secret) -> None:
    if channel.type == "email":
        _send_email(channel.to, message, settings.smtp, secret)
        return
    url = secret(channel.url_env)
    if not url:
        raise PermanentFailure(f"environment variable {channel.url_env} (the webhook URL) is not set")
    payload = {"text": message.slack_text} if channel.type == "slack" else {"alert": safe_alert(alert), "text": message.text}
    _post_json(url, payload)


def _post_json(url: str, payload: dict) -> None:
    if not url.startswith(("http://", "https://")):
        raise PermanentFailure("the webhook URL must start with http:// or https://")
    request = urllib.request.Request(url, data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
                                     headers={"Content-Type": "application/json; charset=utf-8",
                                              "User-Agent": "nabd-alerts"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            response.read()
    except urllib.error.HTTPError as error:
        if 400 <= error.code < 500 and error.code != 429:
            raise PermanentFailure(f"the webhook answered {error.code} {error.reason}") from error
        raise


def _send_email(recipients: list[str], message: AlertMessage, smtp, secret) -> None:
    if not smtp.host or not smtp.sender:
        raise PermanentFailure("settings.yaml smtp.host and smtp.sender are needed for e-mail alerts")
    email = EmailMessage()
    email["Subject"], email["From"], email["To"] = message.subject, smtp.sender, ", ".join(recipients)
    email.set_content(message.text)
    with smtplib.SMTP(smtp.host, smtp.port, timeout=TIMEOUT_S) as server:
        if smtp.starttls:
            server.starttls(context=ssl.create_default_context())
        if smtp.username:
            server.login(smtp.username, secret(smtp.password_env) or "")
        server.send_message(email)


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
