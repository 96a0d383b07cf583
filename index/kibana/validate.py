"""Checks saved objects against nabd's index mappings: references resolve, fields exist, aggregations work.

Pure functions over parsed saved objects, so the shipped NDJSON can be checked without a Kibana.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from index.templates import load_mapping_file

# Field types Elasticsearch can aggregate and sort on (doc values); `text` is not one of them.
AGGREGATABLE = {"keyword", "constant_keyword", "long", "integer", "short", "byte", "double", "float", "half_float",
                "scaled_float", "unsigned_long", "date", "date_nanos", "boolean", "ip"}
RECORDS = "___records___"
VIEW_MAPPINGS = {"mentions": "mentions", "alerts": "alerts", "brand-health": "brand_health"}


@dataclass(frozen=True)
class FieldUse:
    """One place a saved object uses a field: `aggregated` when Kibana aggregates or sorts on it."""

    view: str
    field: str
    aggregated: bool
    where: str


def mapping_fields(properties: dict, prefix: str = "") -> dict[str, str]:
    """Every leaf field of a mapping with its type, sub-fields included (`text.exact`)."""
    fields: dict[str, str] = {}
    for name, spec in properties.items():
        path = f"{prefix}{name}"
        if "properties" in spec:
            fields |= mapping_fields(spec["properties"], f"{path}.")
            continue
        fields[path] = spec.get("type", "object")
        for sub_name, sub_spec in spec.get("fields", {}).items():
            fields[f"{path}.{sub_name}"] = sub_spec.get("type", "object")
    return fields


def index_fields(mapping: str) -> dict[str, str]:
    """The fields of one of nabd's mapping files (`mentions`, `alerts`, `brand_health`)."""
    body = load_mapping_file(mapping)
    mappings = body["template"]["mappings"] if "template" in body else body["mappings"]
    return mapping_fields(mappings["properties"])


def view_fields(objects: list[dict]) -> dict[str, dict[str, str]]:
    """For each data view in `objects`, by id and by title (the index a Vega spec names): the fields of the
    nabd index its title names (`<prefix>-mentions`) and the view's runtime fields."""
    fields = {}
    for obj in objects:
        if obj["type"] == "index-pattern":
            title = obj["attributes"]["title"]
            suffix = next((s for s in VIEW_MAPPINGS if title.endswith(f"-{s}")), None)
            known = index_fields(VIEW_MAPPINGS[suffix]) if suffix else {}
            known |= {name: spec["type"] for name, spec in runtime_fields(obj).items()}
            fields[obj["id"]] = fields[title] = known
    return fields


def runtime_fields(data_view: dict) -> dict[str, dict]:
    """A data view's runtime fields (`runtimeFieldMap`): name → {type, script}."""
    return json.loads(data_view["attributes"].get("runtimeFieldMap") or "{}")


_SCRIPT_FIELD = re.compile(r"doc\['([^']+)'\]")


def script_fields(source: str) -> set[str]:
    """The fields a Painless script reads from doc values (`doc['nlp.sentiment']`)."""
    return set(_SCRIPT_FIELD.findall(source))


_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')
_FIELD = re.compile(r"(?<![\w.@*])([A-Za-z_@][\w.@]*)\s*:")


def kql_fields(query: str) -> set[str]:
    """Field names a KQL query names (`nlp.sentiment:negative and not nlp.spam:true`)."""
    return set(_FIELD.findall(_QUOTED.sub('""', query or "")))


def _reference(obj: dict, name: str) -> dict | None:
    return next((ref for ref in obj.get("references", []) if ref["name"] == name), None)


def field_uses(obj: dict) -> list[FieldUse]:
    """Every field `obj` uses, with the data view it is used on."""
    kind, attributes = obj["type"], obj["attributes"]
    where = f"{kind} {obj['id']}"
    uses: list[FieldUse] = []
    if kind == "index-pattern":
        uses.append(FieldUse(obj["id"], attributes["timeFieldName"], True, f"{where} timeFieldName"))
        for key in ("fieldAttrs", "fieldFormatMap"):
            uses += [FieldUse(obj["id"], name, False, f"{where} {key}") for name in json.loads(attributes.get(key, "{}"))]
        for name, spec in runtime_fields(obj).items():
            uses += [FieldUse(obj["id"], used, True, f"{where} runtime field {name}")
                     for used in sorted(script_fields(spec["script"]["source"]))]
    elif kind == "visualization" and json.loads(attributes["visState"]).get("type") == "vega":
        uses += _vega_uses(obj, where)
    elif kind == "search":
        source = json.loads(attributes["kibanaSavedObjectMeta"]["searchSourceJSON"])
        view = (_reference(obj, source.get("indexRefName", "")) or {}).get("id", "?")
        uses += [FieldUse(view, name, False, f"{where} columns") for name in attributes.get("columns", [])]
        uses += [FieldUse(view, name, True, f"{where} sort") for name, _ in attributes.get("sort", [])]
        uses += [FieldUse(view, name, False, f"{where} query") for name in kql_fields(source["query"]["query"])]
    elif kind == "lens":
        uses += _lens_uses(obj, where)
    elif kind == "dashboard":
        controls = json.loads(attributes.get("controlGroupInput", {}).get("panelsJSON", "{}"))
        for control_id, control in controls.items():
            ref = _reference(obj, f"controlGroup_{control_id}:optionsListDataView") or {}
            uses.append(FieldUse(ref.get("id", "?"), control["explicitInput"]["fieldName"], True,
                                 f"{where} control {control_id}"))
    return uses


def _lens_uses(obj: dict, where: str) -> list[FieldUse]:
    state = obj["attributes"]["state"]
    uses = []
    for layer_id, layer in state["datasourceStates"]["formBased"]["layers"].items():
        view = (_reference(obj, f"indexpattern-datasource-layer-{layer_id}") or {}).get("id", "?")
        uses += [FieldUse(view, name, False, f"{where} query") for name in kql_fields(state["query"]["query"])]
        for column_id, column in layer["columns"].items():
            if column.get("sourceField") and column["sourceField"] != RECORDS:
                uses.append(FieldUse(view, column["sourceField"], True, f"{where} column {column_id}"))
            if "filter" in column:
                uses += [FieldUse(view, name, False, f"{where} column {column_id} filter")
                         for name in kql_fields(column["filter"]["query"])]
    return uses


_QUERY_CLAUSES = {"term", "terms", "range", "match", "match_phrase", "wildcard", "prefix"}


def _vega_uses(obj: dict, where: str) -> list[FieldUse]:
    """The fields a Vega spec's Elasticsearch request uses, on the data view titled as its index; a runtime
    field the request declares stands for the fields its script reads."""
    spec = json.loads(json.loads(obj["attributes"]["visState"])["params"]["spec"])
    url = spec["data"]["url"]
    view, body = url["index"], url.get("body", {})
    declared = body.get("runtime_mappings", {})
    uses = [FieldUse(view, used, True, f"{where} runtime field {name}")
            for name, runtime in declared.items() for used in sorted(script_fields(runtime["script"]["source"]))]
    for key in ("query", "aggs"):
        uses += [FieldUse(view, name, aggregated, f"{where} {key}")
                 for name, aggregated in _request_fields(body.get(key, {})) if name not in declared]
    return uses


def _request_fields(node) -> list[tuple[str, bool]]:
    """(field, aggregated) for every field a query or aggregation body names; placeholders (`%…%`) skipped."""
    found: list[tuple[str, bool]] = []
    if isinstance(node, list):
        for item in node:
            found += _request_fields(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key == "exists":
                found.append((value["field"], False))
            elif key in _QUERY_CLAUSES and isinstance(value, dict) and "field" not in value:  # not an aggregation
                found += [(name, False) for name in value if not name.startswith("%")]
            elif key == "field" and isinstance(value, str):
                found.append((value, True))
            else:
                found += _request_fields(value)
    return found


def field_problems(objects: list[dict]) -> list[str]:
    """Fields that do not exist in the data view's index, or that are aggregated but cannot be."""
    fields = view_fields(objects)
    problems = []
    for obj in objects:
        for use in field_uses(obj):
            known = fields.get(use.view)
            if known is None:
                problems.append(f"{use.where}: uses data view {use.view!r}, which is not in the file")
            elif use.field not in known:
                problems.append(f"{use.where}: field {use.field!r} is not in the {use.view} mapping")
            elif use.aggregated and known[use.field] not in AGGREGATABLE:
                problems.append(f"{use.where}: field {use.field!r} is aggregated or sorted on, but its type "
                                f"{known[use.field]!r} is not aggregatable")
    return problems


def named_references(obj: dict) -> set[str]:
    """The reference names an object's attributes point at (they must all be in its `references`)."""
    kind, attributes = obj["type"], obj["attributes"]
    names: set[str] = set()
    if "kibanaSavedObjectMeta" in attributes:
        source = json.loads(attributes["kibanaSavedObjectMeta"]["searchSourceJSON"])
        if "indexRefName" in source:
            names.add(source["indexRefName"])
    if kind == "lens":
        layers = attributes["state"]["datasourceStates"]["formBased"]["layers"]
        names |= {f"indexpattern-datasource-layer-{layer_id}" for layer_id in layers}
    if kind == "dashboard":
        names |= {f"{p['panelIndex']}:{p['panelRefName']}" for p in json.loads(attributes["panelsJSON"])}
        controls = json.loads(attributes.get("controlGroupInput", {}).get("panelsJSON", "{}"))
        names |= {f"controlGroup_{control_id}:optionsListDataView" for control_id in controls}
    return names


def reference_problems(objects: list[dict]) -> list[str]:
    """References that point at no object in the file, and names the attributes use without a reference."""
    present = {(obj["type"], obj["id"]) for obj in objects}
    problems = []
    for obj in objects:
        where = f"{obj['type']} {obj['id']}"
        declared = {ref["name"] for ref in obj.get("references", [])}
        problems += [f"{where}: refers to {name!r}, which has no entry in references"
                     for name in sorted(named_references(obj) - declared)]
        problems += [f"{where}: reference {ref['name']!r} points at {ref['type']} {ref['id']!r}, not in the file"
                     for ref in obj.get("references", []) if (ref["type"], ref["id"]) not in present]
    return problems
