"""Checks saved objects without a Kibana: references resolve, fields exist and aggregate, every KQL query
parses, no panel's own filter contradicts its dashboard's pickers, and sentiment keeps its colours.

Pure functions over parsed saved objects, so the shipped NDJSON can be checked without a Kibana.
"""

from __future__ import annotations

import fnmatch
import json
import re
from dataclasses import dataclass

from index.kibana.kql import KqlSyntaxError, query_fields
from index.templates import load_mapping_file

# Field types Elasticsearch can aggregate and sort on (doc values); `text` is not one of them.
AGGREGATABLE = {"keyword", "constant_keyword", "long", "integer", "short", "byte", "double", "float", "half_float",
                "scaled_float", "unsigned_long", "date", "date_nanos", "boolean", "ip"}
RECORDS = "___records___"
VIEW_MAPPINGS = {"mentions": "mentions", "alerts": "alerts", "brand-health": "brand_health",
                 "collection-health": "collection_health"}
SENTIMENT_FIELDS = {"nlp.sentiment", "nlp.brand_sentiment", "brands.sentiment", "brand_sentiment"}
# The colours every chart split by sentiment must use (the report's, nabd/report/charts.py).
SENTIMENT_COLOURS = {"positive": "#2e7d32", "neutral": "#9e9e9e", "negative": "#c62828"}


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


def kql_fields(query: str) -> set[str]:
    """Field names a KQL query names (`nlp.sentiment:negative and not nlp.spam:true`); none when it does not
    parse (`kql_problems` reports that)."""
    try:
        return query_fields(query or "")
    except KqlSyntaxError:
        return set()


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
        uses += [FieldUse(view, name, False, f"{where} filter") for name in filter_fields(source.get("filter", []))]
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
        uses += [FieldUse(view, name, False, f"{where} filter") for name in filter_fields(state.get("filters", []))]
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
            elif key == "significant_text":         # re-analyses the text from _source: made for `text` fields
                found.append((value["field"], False))
            elif key in _QUERY_CLAUSES and isinstance(value, dict) and "field" not in value:  # not an aggregation
                found += [(name, False) for name in value if not name.startswith("%")]
            elif key == "field" and isinstance(value, str):
                found.append((value, True))
            else:
                found += _request_fields(value)
    return found


def _pattern_matches(field: str, known: dict[str, str]) -> bool:
    """A KQL field pattern (`nlp.scores.*`) that names at least one field of the mapping."""
    return "*" in field and any(fnmatch.fnmatchcase(name, field) for name in known)


def field_problems(objects: list[dict]) -> list[str]:
    """Fields that do not exist in the data view's index, or that are aggregated but cannot be."""
    fields = view_fields(objects)
    problems = []
    for obj in objects:
        for use in field_uses(obj):
            known = fields.get(use.view)
            if known is None:
                problems.append(f"{use.where}: uses data view {use.view!r}, which is not in the file")
            elif use.field not in known and not _pattern_matches(use.field, known):
                problems.append(f"{use.where}: field {use.field!r} is not in the {use.view} mapping")
            elif use.aggregated and known.get(use.field, "keyword") not in AGGREGATABLE:
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


# --- KQL -----------------------------------------------------------------------------------------------


def _search_source(obj: dict) -> dict:
    meta = obj["attributes"].get("kibanaSavedObjectMeta", {})
    return json.loads(meta.get("searchSourceJSON") or "{}")


def kql_queries(obj: dict) -> list[tuple[str, str]]:
    """(where, query) for every KQL query an object holds: its search bar query, a Lens chart's query and
    each Lens column's filter."""
    where = f"{obj['type']} {obj['id']}"
    found = []
    query = _search_source(obj).get("query", {})
    if query.get("language") == "kuery":
        found.append((f"{where} query", query.get("query", "")))
    if obj["type"] == "lens":
        state = obj["attributes"]["state"]
        if state["query"].get("language") == "kuery":
            found.append((f"{where} query", state["query"]["query"]))
        for layer in state["datasourceStates"]["formBased"]["layers"].values():
            for column_id, column in layer["columns"].items():
                if column.get("filter", {}).get("language") == "kuery":
                    found.append((f"{where} column {column_id} filter", column["filter"]["query"]))
    return found


def kql_problems(objects: list[dict]) -> list[str]:
    """Every KQL query that Kibana would refuse, with the character position of the error."""
    problems = []
    for obj in objects:
        for where, query in kql_queries(obj):
            try:
                query_fields(query)
            except KqlSyntaxError as error:
                problems.append(f"{where}: {error}")
    return problems


def filter_fields(filters: list[dict]) -> set[str]:
    """The fields Kibana filter pills name (`meta.key`, and the fields of their query DSL)."""
    fields = set()
    for pill in filters or []:
        if pill.get("meta", {}).get("key"):
            fields.add(pill["meta"]["key"])
        fields |= {name for name, _ in _request_fields(pill.get("query", {}))}
    return fields


# --- panels against their dashboard's controls ---------------------------------------------------------


def _objects_by_ref(objects: list[dict]) -> dict[tuple[str, str], dict]:
    return {(obj["type"], obj["id"]): obj for obj in objects}


def uses_dashboard_context(obj: dict) -> bool:
    """False for a Vega chart that leaves the dashboard's query, filters and pickers out on purpose."""
    if obj["type"] != "visualization":
        return True
    return "%dashboard_context-" in json.loads(obj["attributes"]["visState"])["params"]["spec"]


def pinned_fields(obj: dict) -> set[str]:
    """The fields a panel restricts by itself: its KQL queries and filters (a Vega chart: its request's query)."""
    if obj["type"] == "visualization" and json.loads(obj["attributes"]["visState"]).get("type") == "vega":
        query = json.loads(json.loads(obj["attributes"]["visState"])["params"]["spec"])["data"]["url"]
        return {name for name, _ in _request_fields(query.get("body", {}).get("query", {}))}
    fields = set()
    for _, query in kql_queries(obj):
        fields |= kql_fields(query)
    fields |= filter_fields(_search_source(obj).get("filter", []))
    if obj["type"] == "lens":
        fields |= filter_fields(obj["attributes"]["state"].get("filters", []))
    return fields


def control_fields(dashboard: dict) -> dict[str, str]:
    """field → control id for a dashboard's option-list pickers."""
    controls = json.loads(dashboard["attributes"].get("controlGroupInput", {}).get("panelsJSON", "{}"))
    return {control["explicitInput"]["fieldName"]: control_id for control_id, control in controls.items()}


def panel_views(obj: dict) -> set[str]:
    """The data views (by id, or the index a Vega chart names) a panel reads."""
    if obj["type"] == "visualization":
        return {json.loads(json.loads(obj["attributes"]["visState"])["params"]["spec"])["data"]["url"]["index"]}
    return {ref["id"] for ref in obj.get("references", []) if ref["type"] == "index-pattern"}


def control_problems(objects: list[dict]) -> list[str]:
    """Panels whose own filter names a field the dashboard's pickers filter too (the picker would narrow or
    empty the panel behind its back), and panels on a data view without a picker's field (Kibana applies the
    picker's filter anyway, and the panel goes empty) — unless the panel ignores the dashboard's filters."""
    by_ref, fields = _objects_by_ref(objects), view_fields(objects)
    problems = []
    for dashboard in (obj for obj in objects if obj["type"] == "dashboard"):
        controls = control_fields(dashboard)
        for ref in dashboard["references"]:
            target = by_ref.get((ref["type"], ref["id"]))
            if ref["name"].startswith("controlGroup_") or target is None or not uses_dashboard_context(target):
                continue
            where = f"dashboard {dashboard['id']} panel {ref['name'].split(':')[0]}: {target['type']} {target['id']}"
            for field in sorted(pinned_fields(target) & set(controls)):
                problems.append(f"{where} filters on {field!r}, which the dashboard's {controls[field]!r} "
                                "picker also filters (pin it only in a panel that ignores the dashboard's filters)")
            for view in sorted(panel_views(target)):
                for field in sorted(set(controls) - set(fields.get(view, {}))):
                    problems.append(f"{where} reads {view}, which has no field {field!r}: picking a value in the "
                                    f"dashboard's {controls[field]!r} picker would empty it")
    return problems


# --- sentiment colours ----------------------------------------------------------------------------------


def _sentiment_named(query: str) -> str | None:
    words = set(re.findall(r"[a-z]+", query or ""))
    named = [s for s in SENTIMENT_COLOURS if s in words]
    return named[0] if len(named) == 1 else None


def _lens_colour_problems(obj: dict, where: str) -> list[str]:
    state = obj["attributes"]["state"]
    colours = {config["forAccessor"]: config.get("color")
               for layer in state["visualization"].get("layers", []) for config in layer.get("yConfig", [])}
    problems = []
    for layer in state["datasourceStates"]["formBased"]["layers"].values():
        for column_id, column in layer["columns"].items():
            if column.get("isBucketed") and column.get("sourceField") in SENTIMENT_FIELDS:
                problems.append(f"{where} column {column_id}: splits by {column['sourceField']!r}, which Lens "
                                "colours by palette order; use a Vega chart with the fixed sentiment scale")
            sentiment = _sentiment_named(column.get("filter", {}).get("query", "")) \
                if kql_fields(column.get("filter", {}).get("query", "")) & SENTIMENT_FIELDS else None
            if sentiment and colours.get(column_id) != SENTIMENT_COLOURS[sentiment]:
                problems.append(f"{where} column {column_id}: counts {sentiment} mentions in colour "
                                f"{colours.get(column_id)!r}, not {SENTIMENT_COLOURS[sentiment]}")
    return problems


def _colour_encodings(node) -> list[dict]:
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("color", "fill", "stroke") and isinstance(value, dict) and "field" in value:
                found.append(value)
            else:
                found += _colour_encodings(value)
    elif isinstance(node, list):
        for item in node:
            found += _colour_encodings(item)
    return found


def _vega_colour_problems(obj: dict, where: str) -> list[str]:
    spec = json.loads(json.loads(obj["attributes"]["visState"])["params"]["spec"])
    problems = []
    for encoding in _colour_encodings({key: value for key, value in spec.items() if key != "data"}):
        if encoding["field"] not in SENTIMENT_FIELDS | {"sentiment"}:
            continue
        scale = encoding.get("scale", {})
        pairs = dict(zip(scale.get("domain", []), scale.get("range", [])))
        if pairs != SENTIMENT_COLOURS:
            problems.append(f"{where}: colours {encoding['field']!r} with {pairs or 'the default palette'}, "
                            f"not the fixed sentiment colours {SENTIMENT_COLOURS}")
    return problems


def colour_problems(objects: list[dict]) -> list[str]:
    """Charts that split by sentiment without the fixed colours (negative red, neutral grey, positive green)."""
    problems = []
    for obj in objects:
        where = f"{obj['type']} {obj['id']}"
        if obj["type"] == "lens":
            problems += _lens_colour_problems(obj, where)
        elif obj["type"] == "visualization" and json.loads(obj["attributes"]["visState"]).get("type") == "vega":
            problems += _vega_colour_problems(obj, where)
    return problems


def all_problems(objects: list[dict]) -> list[str]:
    """Every check of this module over a set of saved objects."""
    return (reference_problems(objects) + field_problems(objects) + kql_problems(objects)
            + control_problems(objects) + colour_problems(objects))
