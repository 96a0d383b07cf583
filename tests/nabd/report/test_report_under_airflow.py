"""Under real Airflow (`airflow dags test brand_health_daily`): at 07:00 Riyadh, Sahm's report of the day before
is stored, saved and e-mailed to the brand's report_to over a real SMTP server on loopback."""

from __future__ import annotations

import pytest
from report_mentions import DAY

from tests.dags.airflow_commands import airflow_environment, run_airflow
from tests.support.receivers import PASSWORD, USERNAME, set_smtp, start_smtp

# The hourly run covering [04:00, 05:00) UTC on 2026-11-22 contains 07:00 in Riyadh: the report of the 21st.
LOGICAL_DATE = "2026-11-22T05:00:00+00:00"


@pytest.fixture
def smtp_server(tmp_path, test_config_dir):
    controller, inbox, certificate = start_smtp(tmp_path)
    set_smtp(test_config_dir, host="127.0.0.1", port=controller.port, starttls=True, username=USERNAME,
             password_env="NABD_TEST_SMTP_PASSWORD", sender="nabd-reports@sahm.example")
    yield inbox, certificate
    controller.stop()


def test_the_daily_dag_reports_each_brand_at_its_send_hour_and_mails_its_recipients(
        test_config_dir, indexed_mentions, smtp_server, es_client, index_names, tmp_path):
    inbox, certificate = smtp_server
    environment = airflow_environment(tmp_path / "airflow", test_config_dir)
    environment.update(NABD_TEST_SMTP_PASSWORD=PASSWORD, SSL_CERT_FILE=str(certificate))
    run_airflow(environment, "db", "migrate")

    run_airflow(environment, "dags", "test", "brand_health_daily", LOGICAL_DATE)

    es_client.indices.refresh(index=index_names.brand_health_alias)
    stored = es_client.get(index=index_names.brand_health_alias, id=f"sahm-{DAY}")["_source"]
    assert (stored["volume"], stored["complaints"]) == (9, 5)
    [message] = inbox.messages       # rafeeq is due too, but has no report_to: saved, not sent
    assert inbox.recipients == [["cx-leads@sahm.example"]]
    assert {part.get_filename() for part in message.iter_attachments()} == {
        f"nabd-sahm-{DAY}-ar.html", f"nabd-sahm-{DAY}-ar.pdf"}
    assert es_client.exists(index=index_names.brand_health_alias, id=f"rafeeq-{DAY}")
