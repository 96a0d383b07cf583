"""Running Airflow commands for the DAG tests: a private AIRFLOW_HOME under tmp, no example DAGs, nabd's dags/ folder."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
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


class RunningAirflow:
    """An API server and a scheduler (LocalExecutor, SQLite) on loopback, for tests that need real scheduling —
    backfills are only created by `airflow backfill create`; the scheduler runs them. At most 4 tasks at once
    (docs/airflow.md's local recipe: on two cores, more only adds load and SQLite lock waits)."""

    def __init__(self, environment: dict[str, str], logs: Path) -> None:
        port = _free_port()
        self.environment = dict(environment, AIRFLOW__CORE__EXECUTOR="LocalExecutor", AIRFLOW__API__PORT=str(port),
                                AIRFLOW__CORE__PARALLELISM="4",
                                AIRFLOW__CORE__EXECUTION_API_SERVER_URL=f"http://127.0.0.1:{port}/execution/",
                                AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT=str(_free_port()))
        self.port, self.logs, self.processes = port, logs, []

    def __enter__(self) -> "RunningAirflow":
        self.logs.mkdir(parents=True, exist_ok=True)
        self._start("api-server", "--port", str(self.port))
        _wait_for_port(self.port, timeout_s=120)   # tasks report to the API server: it must answer first
        self._start("scheduler")
        return self

    def _start(self, *arguments: str) -> None:
        log = open(self.logs / f"{arguments[0]}.log", "w", encoding="utf-8")
        self.processes.append(subprocess.Popen([str(AIRFLOW), *arguments], env=self.environment, stdout=log,
                                               stderr=subprocess.STDOUT, start_new_session=True))

    def dead_processes(self) -> list[str]:
        """The Airflow processes that have exited, with their exit codes (none should, while the test runs)."""
        return [f"{' '.join(map(str, process.args[1:2]))} exited {process.returncode}"
                for process in self.processes if process.poll() is not None]

    def __exit__(self, *exc) -> None:
        for process in self.processes:
            os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_port(port: int, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(1)
    pytest.fail(f"the Airflow API server did not listen on 127.0.0.1:{port} within {timeout_s:.0f} s")
