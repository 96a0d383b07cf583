"""The analysts' Kibana saved objects: one canonical NDJSON that parses, resolves and fits the mappings."""

from __future__ import annotations

import copy
import json

import pytest

from index.kibana import assets
from index.kibana.importer import with_index_prefix
from index.kibana.validate import (AGGREGATABLE, all_problems, field_problems, field_uses, index_fields, kql_fields,
                                   named_references, reference_problems, runtime_fields, script_fields, view_fields)

IMPORTABLE_TYPES = {"index-pattern", "search", "lens", "visualization", "dashboard"}


@pytest.fixture(scope="module")
def shipped() -> list[dict]:
    lines = assets.NDJSON_PATH.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def by_id(objects: list[dict], object_id: str) -> dict:
    return next(obj for obj in objects if obj["id"] == object_id)


def test_the_committed_ndjson_is_exactly_what_the_generator_writes():
    assert assets.NDJSON_PATH.read_text(encoding="utf-8") == assets.render_ndjson(), (
        "index/kibana/saved_objects.ndjson is stale: run `python -m index.kibana.assets` and commit it")


def test_every_line_is_one_saved_object_kibana_imports_with_a_unique_id(shipped):
    assert len(shipped) == len(assets.NDJSON_PATH.read_text(encoding="utf-8").splitlines()) == 42
    assert {obj["type"] for obj in shipped} == IMPORTABLE_TYPES
    assert len({(obj["type"], obj["id"]) for obj in shipped}) == len(shipped)
    for obj in shipped:
        assert isinstance(obj["attributes"]["title"], str) and obj["attributes"]["title"]
        assert obj["coreMigrationVersion"] and obj["typeMigrationVersion"]
        assert isinstance(obj["references"], list)


def test_the_objects_the_issue_asks_for_are_all_there(shipped):
    titles = {obj["attributes"]["title"] for obj in shipped}
    for english in ("Negative mentions", "Complaints by topic", "Churn intent", "Sarcasm", "Volume by sentiment",
                    "Net sentiment", "Complaint topics", "Share of voice", "Most engaged negative posts",
                    "Brand health", "Alerts",
                    # issue 20: the analyst's desk
                    "Net sentiment over time", "Complaint rate over time", "Complaint topics over time",
                    "Top sources", "Top authors by reach", "Dialect mix", "App rating trend",
                    "Complaints", "Complaint topics × time", "Complaints with evidence", "Advocacy",
                    "Complaint rate vs previous period", "Competitors", "Brand vs competitors",
                    "Complaint topics per brand", "Operations", "Collection health per source",
                    "Collection runs by status", "Mentions excluded as spam", "Model version over time",
                    "Stalled sources", "Rising negative terms"):
        assert any(title.endswith(f"/ {english}") for title in titles), english


def test_every_shipped_object_passes_every_check_without_a_kibana(shipped):
    assert all_problems(shipped) == []


def test_the_data_views_point_at_the_aliases_with_a_date_time_field_and_arabic_labels(shipped):
    mentions, alerts = by_id(shipped, "nabd-mentions"), by_id(shipped, "nabd-alerts")
    assert (mentions["attributes"]["title"], alerts["attributes"]["title"]) == ("nabd-mentions", "nabd-alerts")
    assert index_fields("mentions")[mentions["attributes"]["timeFieldName"]] == "date"
    assert index_fields("alerts")[alerts["attributes"]["timeFieldName"]] == "date"
    labels = json.loads(mentions["attributes"]["fieldAttrs"])
    assert labels["nlp.sentiment"] == {"customLabel": "المشاعر / Sentiment"}
    assert labels["nlp.topics"] == {"customLabel": "موضوع الشكوى / Complaint topic"}
    assert labels["nlp.brand_sentiment"] == {"customLabel": "العلامة:المشاعر / Brand:sentiment"}
    assert labels["brands.sentiment"] == {"customLabel": "المشاعر تجاه العلامة / Sentiment toward the brand"}
    assert labels["brand_sentiment"] == {"customLabel": "مشاعر العلامة / Brand sentiment"}


def test_every_reference_resolves_to_an_object_in_the_file(shipped):
    assert reference_problems(shipped) == []


def test_every_name_an_object_uses_has_its_reference(shipped):
    dashboard = by_id(shipped, "nabd-dashboard-brand-health")
    assert named_references(dashboard) >= {"net:panel_net", "negative:panel_negative",
                                           "controlGroup_brand:optionsListDataView"}
    assert {ref["id"] for ref in dashboard["references"]} == {
        "nabd-vega-volume-by-sentiment", "nabd-vega-net-sentiment", "nabd-vega-net-sentiment-over-time",
        "nabd-vega-complaint-rate", "nabd-lens-topics-over-time", "nabd-lens-complaint-topics",
        "nabd-lens-top-sources", "nabd-lens-top-authors", "nabd-vega-share-of-voice", "nabd-lens-dialect-mix",
        "nabd-lens-rating-trend", "nabd-vega-rising-terms", "nabd-search-top-negative", "nabd-mentions"}


def test_every_field_any_object_uses_exists_and_is_aggregatable_where_aggregated(shipped):
    assert field_problems(shipped) == []


def test_a_misspelt_field_is_reported_with_the_object_and_where_it_is_used(shipped):
    broken = copy.deepcopy(shipped)
    search = by_id(broken, "nabd-search-churn")
    search["attributes"]["columns"].append("nlp.churn")
    assert field_problems(broken) == [
        "search nabd-search-churn columns: field 'nlp.churn' is not in the nabd-mentions mapping"]


def test_aggregating_on_the_analyzed_text_is_reported(shipped):
    broken = copy.deepcopy(shipped)
    lens = by_id(broken, "nabd-lens-complaint-topics")
    lens["attributes"]["state"]["datasourceStates"]["formBased"]["layers"]["topics"]["columns"]["topics-topic"][
        "sourceField"] = "text"
    search = by_id(broken, "nabd-search-negative")
    search["attributes"]["sort"] = [["text", "desc"]]
    assert field_problems(broken) == [
        "search nabd-search-negative sort: field 'text' is aggregated or sorted on, but its type 'text' is not "
        "aggregatable",
        "lens nabd-lens-complaint-topics column topics-topic: field 'text' is aggregated or sorted on, but its "
        "type 'text' is not aggregatable"]


def test_a_dangling_reference_is_reported(shipped):
    broken = [obj for obj in copy.deepcopy(shipped) if obj["id"] != "nabd-lens-top-authors"]
    assert reference_problems(broken) == [
        "dashboard nabd-dashboard-brand-health: reference 'authors:panel_authors' points at lens "
        "'nabd-lens-top-authors', not in the file"]


def test_kql_field_names_are_found_outside_quoted_values():
    assert kql_fields("nlp.sentiment:negative and not nlp.spam:true") == {"nlp.sentiment", "nlp.spam"}
    assert kql_fields('text.exact:"الشبكة: طايحة" or brands.id : sahm') == {"text.exact", "brands.id"}
    assert kql_fields("التوصيل متأخر") == set()


def test_every_aggregated_lens_column_uses_keyword_numeric_date_or_boolean_fields(shipped):
    mentions = view_fields(shipped)["nabd-mentions"]
    aggregated = {column["sourceField"]
                  for obj in shipped if obj["type"] == "lens" and obj["references"][0]["id"] == "nabd-mentions"
                  for layer in obj["attributes"]["state"]["datasourceStates"]["formBased"]["layers"].values()
                  for column in layer["columns"].values() if column.get("sourceField", "___records___") != "___records___"}
    assert aggregated == {"@timestamp", "nlp.topics", "brands.id", "source", "author.id", "author.followers",
                          "engagement.total", "nlp.dialect", "rating", "nlp.spam_reason", "nlp.model.version"}
    assert {mentions[field] for field in aggregated} <= AGGREGATABLE


def test_brand_sentiment_is_each_brands_own_with_the_posts_sentiment_for_old_mentions(shipped):
    """The runtime field the charts split by reads the per-brand pairs, else the post's sentiment per brand."""
    [script] = [spec["script"]["source"] for spec in runtime_fields(by_id(shipped, "nabd-mentions")).values()]
    assert script == assets.BRAND_SENTIMENT_SCRIPT
    assert script_fields(script) == {"nlp.brand_sentiment", "nlp.sentiment", "brands.id"}
    assert "emit(pair)" in script and "emit(brand + ':' + sentiment)" in script
    volume = assets.vega_spec(by_id(shipped, "nabd-vega-volume-by-sentiment"))
    assert volume["data"]["url"]["body"]["aggs"]["over_time"]["aggs"] == assets.pair_aggregations()
    assert volume["transform"] == assets.PAIR_ROWS
    assert volume["encoding"]["row"]["field"] == "brand"


def test_net_sentiment_is_computed_per_brand_from_each_brands_own_sentiment(shipped):
    net = by_id(shipped, "nabd-vega-net-sentiment")
    spec = assets.vega_spec(net)
    body = spec["data"]["url"]["body"]
    assert spec["data"]["url"]["index"] == "nabd-mentions"
    assert "runtime_mappings" not in body                   # no script: it runs on every distribution
    assert body["aggs"] == {
        "own": {"filter": {"exists": {"field": "nlp.brand_sentiment"}},
                "aggs": {"pairs": {"terms": {"field": "nlp.brand_sentiment", "size": 300}}}},
        "post": {"filter": {"bool": {"must_not": [{"exists": {"field": "nlp.brand_sentiment"}}]}},
                 "aggs": {"brands": {"terms": {"field": "brands.id", "size": 300},
                                     "aggs": {"sentiments": {"terms": {"field": "nlp.sentiment", "size": 3}}}}}}}
    assert {"term": {"nlp.spam": True}} in body["query"]["bool"]["must_not"]
    assert "%dashboard_context-filter_clause%" in body["query"]["bool"]["filter"]
    assert spec["transform"][-1] == {
        "calculate": "(datum.positive - datum.negative) / (datum.positive + datum.negative)", "as": "net"}
    assert {use.field for use in field_uses(net)} == {"@timestamp", "nlp.spam", "nlp.brand_sentiment",
                                                      "nlp.sentiment", "brands.id"}


def test_the_negative_searches_keep_mentions_negative_toward_a_brand_they_name(shipped):
    for search_id in ("nabd-search-negative", "nabd-search-top-negative"):
        search = by_id(shipped, search_id)
        query = json.loads(search["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"])["query"]["query"]
        assert query == ("(nlp.brand_sentiment:*\\:negative or (not nlp.brand_sentiment:* and nlp.sentiment:negative))"
                         " and not nlp.spam:true")
        assert "brand_sentiment" in search["attributes"]["columns"]


def test_a_vega_chart_on_a_field_the_mapping_lacks_is_reported(shipped):
    broken = copy.deepcopy(shipped)
    net = by_id(broken, "nabd-vega-net-sentiment")
    spec = assets.vega_spec(net)
    spec["data"]["url"]["body"]["aggs"]["own"]["aggs"]["pairs"]["terms"]["field"] = "nlp.brand"
    broken[broken.index(net)] = assets.vega(net["id"], net["attributes"]["title"], net["attributes"]["description"],
                                            spec)
    assert field_problems(broken) == [
        "visualization nabd-vega-net-sentiment aggs: field 'nlp.brand' is not in the nabd-mentions mapping"]


def test_another_index_prefix_changes_only_the_data_view_patterns_and_the_vega_index():
    rewritten = [json.loads(line) for line in with_index_prefix(assets.render_ndjson(), "acme").splitlines()]
    original = assets.saved_objects()
    assert {o["id"]: o["attributes"]["title"] for o in rewritten if o["type"] == "index-pattern"} == {
        "nabd-mentions": "acme-mentions", "nabd-alerts": "acme-alerts",
        "nabd-collection-health": "acme-collection-health"}
    assert {assets.vega_spec(o)["data"]["url"]["index"] for o in rewritten if o["type"] == "visualization"} == {
        "acme-mentions"}
    assert [o for o in rewritten if o["type"] not in ("index-pattern", "visualization")] == [
        o for o in original if o["type"] not in ("index-pattern", "visualization")]
    assert assets.saved_objects("acme") == rewritten
    assert field_problems(rewritten) == []
