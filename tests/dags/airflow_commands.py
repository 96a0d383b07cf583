"""Running Airflow commands for the DAG tests: a private AIRFLOW_HOME under tmp, no example DAGs, nabd's dags/ folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
DAGS_DIR = REPO_ROOT / "dags"
AIRFLOW = Path(sys.executable).with_name("airflow")


def airflow_environment(home: Path, config_dir: Path | None = None) -> dict[str, str]:
    """The environment of an `airflow` command: a private home and database, the project's DAGs only."""
    environment = dict(os.environ, AIRFLOW_HOME=str(home), AIRFLOW__CORE__LOAD_EXAMPLES="False",
                       AIRFLOW__CORE__DAGS_FOLDER=str(DAGS_DIR), AIRFLOW__CORE__UNIT_TEST_MODE="False",
                       AIRFLOW__LOGGING__LOGGING_LEVEL="INFO", PYTHONPATH=str(REPO_ROOT))
    if config_dir is not None:
        environment["NABD_CONFIG_DIR"] = str(config_dir)
    return environment


def run_airflow(environment: dict[str, str], *arguments: str, timeout_s: float = 300) -> str:
    """Runs `airflow ARGS…` and returns its output; a failure shows the end of that output."""
    finished = subprocess.run([str(AIRFLOW), *arguments], env=environment, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, timeout=timeout_s, check=False)
    if finished.returncode != 0:
        pytest.fail(f"airflow {' '.join(arguments)} exited {finished.returncode}:\n{finished.stdout[-6000:]}")
    return finished.stdout
