"""Run as a script: prints as JSON what the DAG integrity test checks — each DAG file's import time and the heavy
modules it pulled in, then each DAG's scheduling and retry policy as Airflow's DagBag parsed it."""

from __future__ import annotations

import importlib.util
import json
import sys
import time
from pathlib import Path

HEAVY_MODULES = ("torch", "scrapy", "elasticsearch", "transformers", "camel_tools", "nabd", "nlp", "spiders", "index")


def loaded_heavy_modules() -> list[str]:
    return sorted(name for name in HEAVY_MODULES if name in sys.modules)


def import_file(path: Path) -> dict:
    started = time.perf_counter()
    spec = importlib.util.spec_from_file_location(f"dag_file_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {"seconds": time.perf_counter() - started, "heavy_modules": loaded_heavy_modules()}


def task_facts(task) -> dict:
    return {"task_id": task.task_id, "retries": task.retries, "backoff": task.retry_exponential_backoff,
            "execution_timeout_s": task.execution_timeout.total_seconds() if task.execution_timeout else None,
            "pool": task.pool, "multiple_outputs": getattr(task, "multiple_outputs", None),
            "on_failure_callback": [getattr(callback, "__name__", repr(callback))
                                    for callback in _as_list(task.on_failure_callback)]}


def _as_list(callbacks) -> list:
    return list(callbacks) if isinstance(callbacks, (list, tuple)) else [callbacks] if callbacks else []


def dag_facts(dag) -> dict:
    return {"fileloc": dag.fileloc, "tags": sorted(dag.tags), "catchup": dag.catchup,
            "timetable": type(dag.timetable).__name__, "can_be_scheduled": dag.timetable.can_be_scheduled,
            "max_active_runs": dag.max_active_runs, "params": sorted(dag.params.keys()),
            "tasks": [task_facts(task) for task in dag.tasks]}


def main(dags_dir: Path) -> None:
    sys.path.insert(0, str(dags_dir))
    started = time.perf_counter()
    import airflow.sdk  # noqa: F401  (the baseline every DAG file pays)

    facts = {"sdk_import_s": time.perf_counter() - started, "heavy_after_sdk": loaded_heavy_modules(), "files": {}}
    for path in sorted(dags_dir.glob("*.py")):
        facts["files"][path.name] = import_file(path)
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(dags_dir))
    facts["import_errors"] = {str(path): str(error) for path, error in bag.import_errors.items()}
    facts["dags"] = {dag_id: dag_facts(dag) for dag_id, dag in bag.dags.items()}
    print(json.dumps(facts))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
