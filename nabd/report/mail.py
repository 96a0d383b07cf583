"""E-mailing the report over SMTP: HTML body (its chart an inline image) with a text part, HTML and PDF attached;
STARTTLS and login."""

from __future__ import annotations

import base64
import mimetypes
import re
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

TIMEOUT_S = 30.0


class DeliveryError(RuntimeError):
    """The report could not be e-mailed (the files are saved regardless)."""


DATA_PNG = re.compile(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"')


def inline_images(html: str) -> tuple[str, list[tuple[str, bytes]]]:
    """The HTML with each PNG data URI replaced by a `cid:` reference, and the (content id, PNG) parts: mail
    clients (Gmail, Outlook) show inline parts but not data URIs; the saved file keeps its data URIs."""
    images: list[tuple[str, bytes]] = []

    def to_cid(match: re.Match) -> str:
        content_id = make_msgid(domain="nabd.report")
        images.append((content_id, base64.b64decode(match.group(1))))
        return f'src="cid:{content_id[1:-1]}"'

    return DATA_PNG.sub(to_cid, html), images


def report_message(subject: str, sender: str, recipients: list[str], text: str, html: str,
                   attachments: list[Path]) -> EmailMessage:
    """multipart/mixed: (text | html with its inline chart) alternatives, then each file attached under its
    own name."""
    message = EmailMessage()
    message["Subject"], message["From"], message["To"] = subject, sender, ", ".join(recipients)
    message.set_content(text)
    body, images = inline_images(html)
    message.add_alternative(body, subtype="html")
    html_part = message.get_body(preferencelist=("html",))
    for content_id, png in images:
        html_part.add_related(png, maintype="image", subtype="png", cid=content_id, filename="sentiment-chart.png",
                              disposition="inline")
    for path in attachments:
        kind, _ = mimetypes.guess_type(path.name)
        maintype, subtype = (kind or "application/octet-stream").split("/")
        if maintype == "text":     # as text, so the part declares its UTF-8 charset
            message.add_attachment(path.read_text(encoding="utf-8"), subtype=subtype, filename=path.name)
        else:
            message.add_attachment(path.read_bytes(), maintype=maintype, subtype=subtype, filename=path.name)
    return message


def send(message: EmailMessage, smtp, password: str | None, timeout_s: float = TIMEOUT_S) -> None:
    """Sends through settings.yaml `smtp` (host, port, starttls, username); errors name the server."""
    if not smtp.host or not smtp.sender:
        raise DeliveryError("settings.yaml smtp.host and smtp.sender are needed to e-mail the report")
    if smtp.username and password is None:
        raise DeliveryError(f"environment variable {smtp.password_env} (the SMTP password of "
                            f"{smtp.username}) is not set")
    if password is not None and not password.isascii():
        raise DeliveryError(f"environment variable {smtp.password_env}: Python's smtplib can only send ASCII "
                            "passwords; use an ASCII password or an app password for the report sender")
    where = f"{smtp.host}:{smtp.port}"
    try:
        with smtplib.SMTP(smtp.host, smtp.port, timeout=timeout_s) as server:
            if smtp.starttls:
                server.starttls(context=ssl.create_default_context())
            if smtp.username:
                server.login(smtp.username, password)
            refused = server.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        raise DeliveryError(f"could not e-mail the report through {where} "
                            f"(settings.yaml smtp): {type(error).__name__}: {error}") from error
    if refused:
        raise DeliveryError(f"{where} refused these recipients: {', '.join(sorted(refused))}")
