"""Checks without a Kibana: KQL parses (errors with their position), KQL and filter fields exist, panels agree
with their dashboard's pickers, and every chart split by sentiment keeps the fixed colours."""

from __future__ import annotations

import copy
import json

import pytest

from index.kibana import assets
from index.kibana.kql import KqlSyntaxError, parse, query_fields
from index.kibana.validate import (SENTIMENT_COLOURS, colour_problems, control_problems, field_problems,
                                   kql_problems, kql_queries, uses_dashboard_context)
from nabd.report.charts import SENTIMENT_COLOURS as REPORT_COLOURS


@pytest.fixture(scope="module")
def shipped() -> list[dict]:
    return [json.loads(line) for line in assets.NDJSON_PATH.read_text(encoding="utf-8").splitlines()]


def by_id(objects: list[dict], object_id: str) -> dict:
    return next(obj for obj in objects if obj["id"] == object_id)


def lens_query(obj: dict, query: str) -> None:
    obj["attributes"]["state"]["query"]["query"] = query


@pytest.mark.parametrize("query, fields", [
    ("", set()),
    ("nlp.sentiment:negative and not nlp.spam:true", {"nlp.sentiment", "nlp.spam"}),
    ("(nlp.brand_sentiment:*\\:negative or (not nlp.brand_sentiment:* and nlp.sentiment:negative)) "
     "and not nlp.spam:true", {"nlp.brand_sentiment", "nlp.sentiment", "nlp.spam"}),
    ('text.exact:"الشبكة: طايحة" or brands.id : sahm', {"text.exact", "brands.id"}),
    ("text:التوصيل متأخر and brands.id:(sahm or najm)", {"text", "brands.id"}),
    ("التوصيل متأخر", set()),
    ("rating >= 4 AND rating < 5", {"rating"}),
    ("NOT nlp.topics:(delivery or pricing)", {"nlp.topics"}),
    ("status:(failed or empty)", {"status"}),
    ("nlp.scores.* > 0.5", {"nlp.scores.*"}),
    ("author:{ followers >= 1000 and verified:true }", {"author.followers", "author.verified"}),
    ("text:سعر\\:الباقة", {"text"}),
])
def test_queries_kibana_accepts_parse_and_name_their_fields(query, fields):
    assert query_fields(query) == fields


@pytest.mark.parametrize("query, position, expected", [
    ("nlp.sentiment:", 14, "a value"),
    ("brands.id:(sahm or najm", 23, "')'"),
    ("nlp.complaint:true and", 22, "a value"),
    ('text:"الشبكة طايحة', 18, "a closing '\"'"),
    ("nlp.topics:delivery)", 19, "the end of the query"),
    ("rating >= ", 10, "a value"),
    ("(nlp.spam:true", 14, "')'"),
    ("text:a\\b", 7, "an escaped special character or keyword"),
])
def test_a_syntax_error_names_its_position_and_what_was_expected(query, position, expected):
    with pytest.raises(KqlSyntaxError) as caught:
        parse(query)
    assert caught.value.position == position
    assert any(expected in what for what in caught.value.expected), caught.value.expected
    assert f"at character {position}" in str(caught.value)


def test_not_binds_tighter_than_and_and_and_tighter_than_or():
    node = parse("a:1 or not b:2 and c:3")
    assert node.kind == "or"
    assert [child.kind for child in node.children] == ["field", "and"]
    assert node.children[1].children[0].kind == "not"


def test_every_query_and_column_filter_of_the_shipped_objects_is_found_and_parses(shipped):
    queries = [query for obj in shipped for _, query in kql_queries(obj)]
    assert "nlp.complaint:true" in queries and "status:(failed or empty)" in queries
    assert kql_problems(shipped) == []


def test_a_broken_query_is_reported_with_the_object_and_the_position(shipped):
    broken = copy.deepcopy(shipped)
    lens_query(by_id(broken, "nabd-lens-top-sources"), "not nlp.spam:true and (source:x")
    rate = by_id(broken, "nabd-lens-complaint-rate-vs-previous")
    layer = rate["attributes"]["state"]["datasourceStates"]["formBased"]["layers"]["rate"]
    layer["columns"]["rate-nowX0"]["filter"]["query"] = "nlp.complaint:"
    problems = kql_problems(broken)
    assert len(problems) == 2
    assert problems[0].startswith("lens nabd-lens-top-sources query: KQL syntax error at character 31: expected ")
    assert problems[1].startswith("lens nabd-lens-complaint-rate-vs-previous column rate-nowX0 filter: KQL syntax "
                                  "error at character 14")


def test_a_field_a_query_or_a_column_filter_names_must_be_in_the_mapping(shipped):
    broken = copy.deepcopy(shipped)
    lens_query(by_id(broken, "nabd-lens-top-sources"), "not nlp.spamm:true")
    churn = by_id(broken, "nabd-lens-churn-count")
    churn["attributes"]["state"]["datasourceStates"]["formBased"]["layers"]["churn"]["columns"]["churn-count"][
        "filter"] = {"query": "nlp.churn:true", "language": "kuery"}
    assert field_problems(broken) == [
        "lens nabd-lens-top-sources query: field 'nlp.spamm' is not in the nabd-mentions mapping",
        "lens nabd-lens-churn-count column churn-count filter: field 'nlp.churn' is not in the nabd-mentions mapping"]


def test_a_filter_pill_field_and_a_wildcard_field_are_checked_too(shipped):
    broken = copy.deepcopy(shipped)
    search = by_id(broken, "nabd-search-churn")
    source = json.loads(search["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"])
    source["filter"] = [{"meta": {"key": "nlp.dialects", "type": "phrase"},
                         "query": {"match_phrase": {"nlp.dialects": "gulf"}}}]
    source["query"]["query"] = "nlp.scores.* > 0.5 and nlp.nothing.* > 1"
    search["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"] = json.dumps(source)
    assert field_problems(broken) == [
        "search nabd-search-churn query: field 'nlp.nothing.*' is not in the nabd-mentions mapping",
        "search nabd-search-churn filter: field 'nlp.dialects' is not in the nabd-mentions mapping"]


def test_the_shipped_panels_agree_with_their_dashboards_pickers(shipped):
    assert control_problems(shipped) == []


def test_a_panel_pinned_to_brands_under_a_brand_picker_is_reported(shipped):
    broken = copy.deepcopy(shipped)
    lens_query(by_id(broken, "nabd-lens-top-sources"), "brands.id:(sahm or najm) and not nlp.spam:true")
    assert control_problems(broken) == [
        "dashboard nabd-dashboard-brand-health panel sources: lens nabd-lens-top-sources filters on 'brands.id', "
        "which the dashboard's 'brand' picker also filters (pin it only in a panel that ignores the dashboard's "
        "filters)"]


def test_share_of_voice_ignores_the_dashboard_on_purpose_and_is_pinned_to_each_brand_and_its_competitors(shipped):
    voice = by_id(shipped, "nabd-vega-share-of-voice")
    assert not uses_dashboard_context(voice)
    body = assets.vega_spec(voice)["data"]["url"]["body"]
    assert body["query"]["bool"]["must"] == [{"range": {"@timestamp": {"%timefilter%": True}}}]
    assert body["query"]["bool"]["filter"] == [{"terms": {"brands.id": ["sahm", "najm"]}}]
    assert body["aggs"]["voice"]["filters"]["filters"] == {"sahm|sahm": {"term": {"brands.id": "sahm"}},
                                                           "sahm|najm": {"term": {"brands.id": "najm"}}}
    assert all(ref["id"] != "nabd-lens-share-of-voice" for obj in shipped for ref in obj["references"])


def test_a_chart_pinned_to_brands_that_follows_the_dashboard_is_reported_under_a_brand_picker(shipped):
    broken = copy.deepcopy(shipped)
    dashboard = by_id(broken, "nabd-dashboard-competitors")
    panels = json.loads(dashboard["attributes"]["panelsJSON"])
    dashboard["references"] = [ref for ref in dashboard["references"] if "controlGroup" not in ref["name"]]
    competitors_with_brand_picker = assets.dashboard(
        dashboard["id"], "t", "d", [(p["panelIndex"], p["type"], next(
            ref["id"] for ref in dashboard["references"] if ref["name"].startswith(p["panelIndex"] + ":")),
            (0, 0, 1, 1)) for p in panels], controls=[("brand", assets.MENTIONS_VIEW, "brands.id")])
    broken[broken.index(dashboard)] = competitors_with_brand_picker
    problems = control_problems(broken)
    assert [problem.split(":")[0] for problem in problems] == [
        "dashboard nabd-dashboard-competitors panel side-by-side", "dashboard nabd-dashboard-competitors panel volume",
        "dashboard nabd-dashboard-competitors panel topics"]


def test_the_fixed_sentiment_colours_are_the_reports(shipped):
    assert SENTIMENT_COLOURS == assets.SENTIMENT_COLOURS == REPORT_COLOURS
    assert colour_problems(shipped) == []
    volume = assets.vega_spec(by_id(shipped, "nabd-vega-volume-by-sentiment"))
    assert volume["encoding"]["color"]["scale"] == {"domain": ["positive", "neutral", "negative"],
                                                    "range": ["#2e7d32", "#9e9e9e", "#c62828"]}


def test_a_lens_split_by_sentiment_or_a_vega_chart_with_palette_colours_is_reported(shipped):
    broken = copy.deepcopy(shipped)
    sources = by_id(broken, "nabd-lens-top-sources")
    columns = sources["attributes"]["state"]["datasourceStates"]["formBased"]["layers"]["sources"]["columns"]
    columns["sources-source"]["sourceField"] = "brand_sentiment"
    volume = by_id(broken, "nabd-vega-volume-by-sentiment")
    spec = assets.vega_spec(volume)
    spec["encoding"]["color"]["scale"]["range"] = ["#2e7d32", "#c62828", "#9e9e9e"]
    broken[broken.index(volume)] = assets.vega(volume["id"], "t", "d", spec)
    problems = sorted(colour_problems(broken))
    assert problems[0] == ("lens nabd-lens-top-sources column sources-source: splits by 'brand_sentiment', which "
                           "Lens colours by palette order; use a Vega chart with the fixed sentiment scale")
    assert problems[1].startswith("visualization nabd-vega-volume-by-sentiment: colours 'sentiment' with "
                                  "{'positive': '#2e7d32', 'neutral': '#c62828', 'negative': '#9e9e9e'}")
    assert len(problems) == 2


def test_a_lens_count_of_one_sentiment_must_wear_that_sentiments_colour(shipped):
    broken = copy.deepcopy(shipped)
    status = by_id(broken, "nabd-lens-collection-status")
    layer = status["attributes"]["state"]["datasourceStates"]["formBased"]["layers"]["status"]
    layer["columns"]["status-ok"]["filter"]["query"] = "nlp.sentiment:negative"
    status["attributes"]["references"] = status["references"]
    assert colour_problems(broken) == [
        "lens nabd-lens-collection-status column status-ok: counts negative mentions in colour '#2e7d32', "
        "not #c62828"]


def test_the_operations_dashboard_reads_the_collection_health_mapping(shipped):
    health = by_id(shipped, "nabd-collection-health")
    assert health["attributes"]["title"] == "nabd-collection-health"
    per_source = by_id(shipped, "nabd-lens-collection-by-source")
    assert per_source["references"][0]["id"] == "nabd-collection-health"
    status = by_id(shipped, "nabd-lens-collection-status")
    colours = {c["forAccessor"]: c["color"] for c in status["attributes"]["state"]["visualization"]["layers"][0][
        "yConfig"]}
    assert colours == {"status-ok": "#2e7d32", "status-empty": "#9e9e9e", "status-failed": "#c62828"}


def test_every_kql_query_of_the_analysts_guide_parses_and_names_mapped_fields(shipped):
    """docs/analysts.md answers its questions with the shipped dashboards and KQL that works on the mappings."""
    import re
    from pathlib import Path

    from index.kibana.validate import index_fields

    guide = (Path(__file__).resolve().parents[2] / "docs" / "analysts.md").read_text(encoding="utf-8")
    known = set(index_fields("mentions")) | set(index_fields("collection_health")) | {"brand_sentiment"}
    blocks = re.split(r"\n(?=- )", guide)
    queries = [query for block in blocks if "**KQL" in block for query in re.findall(r"`([^`]+)`", block)]
    assert len(queries) >= 14
    for query in queries:
        fields = query_fields(query)                      # raises KqlSyntaxError with the position
        assert fields, query
        assert all(field in known for field in fields), (query, fields - known)
    titles = {obj["attributes"]["title"] for obj in shipped}
    for dashboard in re.findall(r"\*\*([^*/]+ / [^*]+)\*\*", guide):
        if dashboard.split(" / ")[1] in {"Brand health", "Complaints", "Competitors", "Operations", "Alerts"}:
            assert dashboard in titles, dashboard


def test_a_picker_on_a_field_a_panels_data_view_lacks_is_reported(shipped):
    """Kibana applies a picker's filter to every panel; on a data view without the field, the panel empties."""
    broken = copy.deepcopy(shipped)
    operations = by_id(broken, "nabd-dashboard-operations")
    panels = [(p["panelIndex"], p["type"], next(ref["id"] for ref in operations["references"]
                                                if ref["name"] == f"{p['panelIndex']}:panel_{p['panelIndex']}"),
               (0, 0, 1, 1)) for p in json.loads(operations["attributes"]["panelsJSON"])]
    broken[broken.index(operations)] = assets.dashboard(
        operations["id"], "t", "d", panels, controls=[("dialect", assets.MENTIONS_VIEW, "nlp.dialect")])
    problems = control_problems(broken)
    assert [problem.split(": ")[0] for problem in problems] == [
        "dashboard nabd-dashboard-operations panel status", "dashboard nabd-dashboard-operations panel alerts",
        "dashboard nabd-dashboard-operations panel per-source", "dashboard nabd-dashboard-operations panel failed",
        "dashboard nabd-dashboard-operations panel stalled"]
    assert problems[1].endswith("reads nabd-alerts, which has no field 'nlp.dialect': picking a value in the "
                                "dashboard's 'dialect' picker would empty it")
