"""Every DAG file imports fast with nothing heavy, reads no connection or Variable at parse time, and every DAG
is scheduled, tagged, off catchup, with retries that back off exponentially, a failure callback and one-value
XComs; enrichment runs one run at a time in the nlp pool; `airflow dags list --local` lists every DAG."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.dags.airflow_commands import AIRFLOW, DAGS_DIR, REPO_ROOT, airflow_environment, run_airflow

EXPECTED_DAGS = {"collect_hourly", "collect_daily", "enrich_and_index", "maintenance", "alerts", "brand_health_daily"}
SCHEDULED_TIMETABLES = {"CronDataIntervalTimetable", "AssetTriggeredTimetable"}
ALLOWED_TOP_LEVEL_IMPORTS = {"__future__", "airflow.sdk", "nabd_dag_defaults"}
PARSE_TIME_SECRETS = {"Variable", "Connection", "BaseHook", "get_connection", "environ", "getenv"}
DAG_FILES = sorted(DAGS_DIR.glob("*.py"))
POOLS_FILE = DAGS_DIR / "pools.json"


@pytest.fixture(scope="module")
def facts(tmp_path_factory) -> dict:
    home = tmp_path_factory.mktemp("airflow-home")
    finished = subprocess.run([sys.executable, str(Path(__file__).with_name("dag_facts.py")), str(DAGS_DIR)],
                              env=airflow_environment(home), cwd=REPO_ROOT, capture_output=True, text=True,
                              timeout=300, check=False)
    assert finished.returncode == 0, finished.stderr[-4000:]
    return json.loads(finished.stdout.strip().splitlines()[-1])


def test_the_dag_folder_parses_without_errors_into_the_expected_dags(facts):
    assert facts["import_errors"] == {}
    assert set(facts["dags"]) == EXPECTED_DAGS


def test_no_dag_file_pulls_in_torch_scrapy_elasticsearch_or_the_project_packages(facts):
    assert facts["heavy_after_sdk"] == []
    assert {name: file["heavy_modules"] for name, file in facts["files"].items() if file["heavy_modules"]} == {}


def test_every_dag_file_imports_in_well_under_a_second_after_the_sdk(facts):
    assert {name: round(file["seconds"], 2) for name, file in facts["files"].items() if file["seconds"] > 1.0} == {}


def test_every_dag_has_an_explicit_schedule_tags_and_no_catchup(facts):
    for dag_id, dag in facts["dags"].items():
        assert dag["timetable"] in SCHEDULED_TIMETABLES and dag["can_be_scheduled"], dag_id
        assert "nabd" in dag["tags"] and len(dag["tags"]) >= 2, dag_id
        assert dag["catchup"] is False, dag_id


def test_every_task_retries_with_exponential_backoff_and_a_timeout(facts):
    for dag_id, dag in facts["dags"].items():
        for task in dag["tasks"]:
            where = f"{dag_id}.{task['task_id']}"
            assert task["retries"] >= 2, where
            assert task["backoff"] > 1, where
            assert task["execution_timeout_s"], where


def test_every_task_tells_the_operator_when_it_fails_for_good_and_pushes_its_return_value_as_one_xcom(facts):
    for dag_id, dag in facts["dags"].items():
        for task in dag["tasks"]:
            where = f"{dag_id}.{task['task_id']}"
            assert task["on_failure_callback"] == ["tell_the_operator"], where
            assert task["multiple_outputs"] is False, where


def test_enrichment_runs_one_run_at_a_time_in_the_nlp_pool_and_crawls_in_the_crawl_pool(facts):
    enrich_and_index = facts["dags"]["enrich_and_index"]
    assert enrich_and_index["max_active_runs"] == 1
    pools = {task["task_id"]: task["pool"] for task in enrich_and_index["tasks"]}
    assert pools["enrich"] == "nabd_nlp"
    for group in ("hourly", "daily"):
        assert {task["task_id"]: task["pool"] for task in facts["dags"][f"collect_{group}"]["tasks"]}["crawl"] == "nabd_crawl"
        assert facts["dags"][f"collect_{group}"]["params"] == ["interval_end", "interval_start"]


def test_every_pool_a_task_names_is_declared_in_the_pools_file_with_slots(facts):
    declared = json.loads(POOLS_FILE.read_text(encoding="utf-8"))
    named = {task["pool"] for dag in facts["dags"].values() for task in dag["tasks"]} - {"default_pool"}
    assert named == set(declared) == {"nabd_crawl", "nabd_nlp"}
    assert all(pool["slots"] >= 1 and pool["description"] for pool in declared.values())
    assert POOLS_FILE.read_text(encoding="utf-8") == json.dumps(declared, indent=2, sort_keys=True) + "\n"


def test_airflow_dags_list_local_lists_every_dag_from_any_working_directory(tmp_path):
    environment = airflow_environment(tmp_path / "airflow-home")
    environment.pop("PYTHONPATH")
    run_airflow(environment, "db", "migrate")
    finished = subprocess.run([str(AIRFLOW), "dags", "list", "--local", "--output", "json"], env=environment,
                              cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False)
    assert finished.returncode == 0, finished.stdout[-2000:] + finished.stderr[-2000:]
    listed = json.loads(next(line for line in finished.stdout.splitlines() if line.startswith("[{")))
    assert {dag["dag_id"] for dag in listed} == EXPECTED_DAGS


@pytest.mark.parametrize("path", DAG_FILES, ids=[path.name for path in DAG_FILES])
def test_a_dag_file_imports_only_the_airflow_sdk_and_the_standard_library_at_top_level(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules = [alias.name for node in tree.body if isinstance(node, ast.Import) for alias in node.names]
    modules += [node.module for node in tree.body if isinstance(node, ast.ImportFrom)]
    foreign = [name for name in modules
               if name not in ALLOWED_TOP_LEVEL_IMPORTS and name.split(".")[0] not in sys.stdlib_module_names]
    assert foreign == []


@pytest.mark.parametrize("path", DAG_FILES, ids=[path.name for path in DAG_FILES])
def test_a_dag_file_reads_no_connection_variable_or_environment_outside_its_tasks(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert sorted(parse_time_names(tree) & PARSE_TIME_SECRETS) == []


def parse_time_names(node: ast.AST) -> set[str]:
    """Names and attributes referenced by code that runs at parse time (task bodies run later, so are skipped)."""
    if isinstance(node, ast.FunctionDef) and any(is_task_decorator(decorator) for decorator in node.decorator_list):
        return set()
    names = {node.id} if isinstance(node, ast.Name) else {node.attr} if isinstance(node, ast.Attribute) else set()
    for child in ast.iter_child_nodes(node):
        names |= parse_time_names(child)
    return names


def is_task_decorator(decorator: ast.expr) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    while isinstance(target, ast.Attribute):
        target = target.value
    return isinstance(target, ast.Name) and target.id == "task"
