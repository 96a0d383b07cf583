"""Real receivers on loopback for delivery tests: an SMTP server (plain, or STARTTLS with a fresh certificate and
AUTH) and an HTTP server that records webhook posts; plus pointing a test configuration's smtp at one."""

from __future__ import annotations

import ipaddress
import json
import socket
import ssl
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import yaml
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

USERNAME = "reports@sahm.example"
PASSWORD = "s3cret-Pa55"


def free_port() -> int:
    """A loopback port nothing listens on (bound and released; also usable as a 'server down' address)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def set_smtp(config_dir: Path, **smtp) -> None:
    """Rewrites the smtp section of a test configuration's settings.yaml."""
    path = config_dir / "settings.yaml"
    settings = yaml.safe_load(path.read_text(encoding="utf-8"))
    settings["smtp"].update(smtp)
    path.write_text(yaml.safe_dump(settings, allow_unicode=True, sort_keys=False), encoding="utf-8")

@contextmanager
def alert_receivers(config_dir: Path) -> Iterator[tuple]:
    """A webhook receiver and a plain SMTP server on loopback, the configuration's smtp pointed at the latter:
    (webhooks, inbox), both stopped afterwards."""
    webhooks, (controller, inbox) = start_webhook_receiver(), start_plain_smtp()
    set_smtp(config_dir, host="127.0.0.1", port=controller.port, starttls=False)
    try:
        yield webhooks, inbox
    finally:
        webhooks.server.shutdown()
        controller.stop()


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A one-day certificate for 127.0.0.1 and its key, as PEM files; (certificate, key)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(minutes=5))
                   .not_valid_after(now + timedelta(days=1))
                   .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                                  critical=False)
                   .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                   .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@dataclass
class Inbox:
    """What the server received: parsed messages, their envelopes, and who logged in."""

    messages: list[EmailMessage] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)
    tls: list[bool] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's naming)
        self.messages.append(message_from_bytes(envelope.original_content, policy=policy.default))
        self.recipients.append(list(envelope.rcpt_tos))
        self.tls.append(session.ssl is not None)
        return "250 Message accepted for delivery"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login.decode(), auth_data.password.decode()) == (
            USERNAME, PASSWORD)
        if ok:
            self.logins.append(auth_data.login.decode())
        return AuthResult(success=ok, handled=False)


def start_smtp(folder: Path) -> tuple[Controller, Inbox, Path]:
    """A started server requiring STARTTLS before AUTH and AUTH before mail; (controller, inbox, CA file)."""
    cert, key = self_signed_certificate(folder)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), tls_context=context,
                            require_starttls=True, auth_required=True, auth_require_tls=True,
                            authenticator=inbox.authenticate)
    controller.start()
    return controller, inbox, cert


def start_plain_smtp() -> tuple[Controller, Inbox]:
    """A started server without TLS or AUTH, as a local relay would be; (controller, inbox)."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    return controller, inbox


@dataclass
class Post:
    path: str
    headers: dict
    body: dict
    raw: bytes = b""  # the bytes as received


@dataclass
class WebhookReceiver:
    """Answers POSTs with queued status codes (200 once the queue is empty) and records every post."""

    server: ThreadingHTTPServer
    posts: list[Post] = field(default_factory=list)
    statuses: deque = field(default_factory=deque)

    def url(self, path: str) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}{path}"

    def posts_to(self, path: str) -> list[dict]:
        return [post.body for post in self.posts if post.path == path]


def start_webhook_receiver() -> WebhookReceiver:
    receiver: WebhookReceiver

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's naming)
            length = int(self.headers.get("Content-Length", 0))
            raw = self.rfile.read(length)
            receiver.posts.append(Post(self.path, dict(self.headers), json.loads(raw.decode("utf-8")), raw))
            status = receiver.statuses.popleft() if receiver.statuses else 200
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver = WebhookReceiver(server)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return receiver
