"""The report arrives at a real SMTP server on loopback (STARTTLS, login) with its HTML and PDF attached."""

from __future__ import annotations

import base64
import re

import pytest

from nabd.report.build import build_and_send_report
from nabd.report.mail import DeliveryError
from report_mentions import DAY

from tests.support.receivers import PASSWORD, USERNAME, free_port, set_smtp, start_smtp

SENDER = "nabd-reports@sahm.example"
RECIPIENTS = ["cx-lead@sahm.example", "marketing@sahm.example"]


@pytest.fixture
def smtp_server(tmp_path, test_config_dir, monkeypatch):
    controller, inbox, certificate = start_smtp(tmp_path)
    set_smtp(test_config_dir, host="127.0.0.1", port=controller.port, starttls=True, username=USERNAME,
             password_env="NABD_TEST_SMTP_PASSWORD", sender=SENDER)
    monkeypatch.setenv("NABD_TEST_SMTP_PASSWORD", PASSWORD)
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate))    # trust the server's own certificate, as a private CA
    yield inbox
    controller.stop()


def test_the_report_arrives_over_starttls_after_login_with_html_and_pdf_attached(
        test_config_dir, indexed_mentions, smtp_server):
    result = build_and_send_report(str(test_config_dir), "sahm", DAY, recipients=RECIPIENTS)
    assert result["emailed_to"] == RECIPIENTS
    assert (len(smtp_server.messages), smtp_server.tls, smtp_server.logins) == (1, [True], [USERNAME])
    message = smtp_server.messages[0]
    assert smtp_server.recipients[0] == RECIPIENTS and message["From"] == SENDER
    assert "سهم للاتصالات" in message["Subject"] and "٢١ نوفمبر ٢٠٢٦" in message["Subject"]
    attachments = {part.get_filename(): part for part in message.iter_attachments()}
    assert set(attachments) == {"nabd-sahm-2026-11-21-ar.html", "nabd-sahm-2026-11-21-ar.pdf"}
    assert attachments["nabd-sahm-2026-11-21-ar.pdf"].get_content_type() == "application/pdf"
    assert attachments["nabd-sahm-2026-11-21-ar.pdf"].get_content()[:5] == b"%PDF-"
    assert 'dir="rtl"' in attachments["nabd-sahm-2026-11-21-ar.html"].get_content()
    body = message.get_body(preferencelist=("html",)).get_content()
    saved = attachments["nabd-sahm-2026-11-21-ar.html"].get_content()
    chart = next(part for part in message.walk() if part.get_content_type() == "image/png")   # inline, by Content-ID
    data_uri = re.search(r'data:image/png;base64,[A-Za-z0-9+/=]+', saved).group(0)
    assert base64.b64decode(data_uri.split(",", 1)[1]) == chart.get_content()
    assert body == saved.replace(data_uri, f"cid:{chart['Content-ID'][1:-1]}")
    assert "نسبة الشكاوى: ٥٦٪" in message.get_body(preferencelist=("plain",)).get_content()


def test_a_wrong_password_is_refused_and_named(test_config_dir, indexed_mentions, smtp_server, monkeypatch):
    monkeypatch.setenv("NABD_TEST_SMTP_PASSWORD", "wrong")
    with pytest.raises(DeliveryError, match=r"through 127\.0\.0\.1:\d+ .*SMTPAuthenticationError"):
        build_and_send_report(str(test_config_dir), "sahm", DAY, recipients=RECIPIENTS)
    assert smtp_server.messages == []


def test_with_the_mail_server_down_the_error_names_it_and_the_report_is_still_saved_and_stored(
        test_config_dir, indexed_mentions, es_client, index_names):
    port = free_port()          # nothing listens here
    set_smtp(test_config_dir, host="127.0.0.1", port=port, starttls=False, username=None, sender=SENDER)
    with pytest.raises(DeliveryError, match=rf"127\.0\.0\.1:{port}.*the report is saved: (\S+\.html), (\S+\.pdf)") as error:
        build_and_send_report(str(test_config_dir), "sahm", DAY, recipients=RECIPIENTS)
    saved = str(error.value).split("the report is saved: ")[1].rstrip(")").split(", ")
    assert all(open(path, "rb").read(4) in (b"<!DO", b"%PDF") for path in saved)
    assert es_client.get(index=index_names.brand_health_alias, id="sahm-2026-11-21")["_source"]["volume"] == 9
