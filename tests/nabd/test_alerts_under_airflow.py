"""Under real Airflow (`airflow dags test alerts`): the 15-minute check records a storm once and delivers it."""

from __future__ import annotations

from datetime import timedelta

from test_alerts_runner import (  # noqa: F401 (fixtures)
    AT,
    alert_config,
    history,
    receivers,
    recorded_alerts,
    storm,
)

from tests.dags.airflow_commands import airflow_environment, run_airflow
from tests.support.indexing import index_mentions


def test_the_alerts_dag_checks_the_window_ending_at_its_interval_end_and_a_rerun_sends_nothing_twice(
        history, test_config_dir, es_client, index_names, receivers, tmp_path):
    webhooks, smtp = receivers
    index_mentions(es_client, index_names, storm("s", AT - timedelta(minutes=20), 9))
    environment = airflow_environment(tmp_path / "airflow", test_config_dir)
    run_airflow(environment, "db", "migrate")

    # The run at AT covers the 15 minutes before it: its check judges the hour ending at AT.
    for _ in range(2):
        run_airflow(environment, "dags", "test", "alerts", AT.isoformat())

    [alert] = recorded_alerts(es_client, index_names)
    assert (alert["window_end"], alert["negative_count"], alert["severity"]) == ("2026-11-23T10:00:00Z", 13, "warning")
    assert [d["ok"] for d in alert["deliveries"]] == [True, True, True]
    assert len(webhooks.posts_to("/slack")) == 1 and len(webhooks.posts_to("/hook")) == 1
    assert len(smtp.messages) == 1
