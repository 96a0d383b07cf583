"""The shipped Vega charts run as Kibana would run them, without a Kibana: each request, its placeholders filled
the way Kibana fills them, goes to the real test node holding the report's fixture mentions; the answer is fed
to Vega-Lite (vl-convert, the Vega and Vega-Lite that Kibana bundles) and the drawn marks are read back."""

from __future__ import annotations

import copy
import json

import pytest
import vl_convert

from index.kibana import assets
from index.templates import brand_keywords, setup
from tests.nabd.report.report_mentions import MENTIONS
from tests.support.indexing import index_mentions

# Saturday 2026-11-21 in Riyadh, as the time picker sends it
START, END = "2026-11-20T21:00:00.000Z", "2026-11-21T20:59:59.999Z"
START_MS, END_MS = 1763672400000, 1763758799999
BRAND_PICKED = {"bool": {"filter": [{"match_phrase": {"brands.id": "sahm"}}]}}
COLOURS = set(assets.SENTIMENT_COLOURS.values())


@pytest.fixture(scope="module")
def shipped() -> dict[str, dict]:
    lines = assets.NDJSON_PATH.read_text(encoding="utf-8").splitlines()
    return {obj["id"]: obj for obj in map(json.loads, lines) if obj["type"] == "visualization"}


@pytest.fixture
def mentions_index(es_client, index_names, test_config_dir):
    from config import load_config

    setup(es_client, index_names, brand_keywords(load_config(test_config_dir).brands))
    index_mentions(es_client, index_names, MENTIONS)
    return index_names.mentions_alias


def kibana_fills(node, picked: dict | None):
    """The request with Kibana's placeholders filled: the dashboard's query and filters (nothing, or the brand
    picker's filter) and the time picker's range."""
    if isinstance(node, list):
        filled = [kibana_fills(item, picked) for item in node]
        return [item for item in filled if item is not None]
    if isinstance(node, str):
        if node == "%dashboard_context-filter_clause%":
            return picked or {"match_all": {}}
        if node == "%dashboard_context-must_clause%":
            return {"match_all": {}}
        if node == "%dashboard_context-must_not_clause%":
            return None
        assert not node.startswith("%"), f"a placeholder Kibana does not fill: {node}"
        return node
    if isinstance(node, dict):
        if node.get("%timefilter%") is True:
            return {"gte": START, "lte": END, "format": "strict_date_optional_time"}
        if node.get("%timefilter%") in ("min", "max"):
            return START_MS if node["%timefilter%"] == "min" else END_MS
        return {key: kibana_fills(value, picked) for key, value in node.items()}
    return node


def drawn(es_client, index: str, visualization: dict, picked: dict | None = None) -> list[dict]:
    """The marks Vega-Lite draws for the chart on the fixture day: {marktype, fill, stroke, description}."""
    spec = copy.deepcopy(assets.vega_spec(visualization))
    url = spec["data"]["url"]
    response = es_client.search(index=index, **kibana_fills(url["body"], picked))
    spec["data"] = {"values": response.body, "format": spec["data"]["format"]}     # as Kibana hands it over
    scene = vl_convert.vegalite_to_scenegraph(spec)
    return [{"marktype": group["marktype"], **item} for group in _groups(scene) for item in group["items"]]


def _groups(node) -> list[dict]:
    found = []
    if isinstance(node, dict):
        if node.get("role") == "mark":
            found.append(node)
        for value in node.values():
            found += _groups(value)
    elif isinstance(node, list):
        for value in node:
            found += _groups(value)
    return found


def described(marks: list[dict], *parts: str) -> list[dict]:
    return [mark for mark in marks if all(part in mark.get("description", "") for part in parts)]


def test_every_shipped_vega_request_runs_on_elasticsearch_and_draws(es_client, mentions_index, shipped):
    assert set(shipped) == {"nabd-vega-volume-by-sentiment", "nabd-vega-net-sentiment",
                            "nabd-vega-net-sentiment-over-time", "nabd-vega-complaint-rate",
                            "nabd-vega-share-of-voice", "nabd-vega-competitors", "nabd-vega-rising-terms"}
    for visualization in shipped.values():
        assert drawn(es_client, mentions_index, visualization), visualization["id"]


def test_volume_by_sentiment_draws_each_brands_own_sentiment_in_the_fixed_colours(es_client, mentions_index,
                                                                                  shipped):
    marks = drawn(es_client, mentions_index, shipped["nabd-vega-volume-by-sentiment"])
    assert {mark["fill"] for mark in marks} <= COLOURS
    [negative] = described(marks, "sahm", "negative")       # the Riyadh day, spam left out: 5 negative
    assert negative["fill"] == "#c62828" and "Mentions: 5;" in negative["description"]
    assert "Day: Nov 21, 2026;" in negative["description"]          # the Riyadh day, whatever the browser's zone
    [neutral] = described(marks, "najm", "neutral")
    assert neutral["fill"] == "#9e9e9e" and "Mentions: 2;" in neutral["description"]


def test_net_sentiment_and_complaint_rate_are_the_reports_numbers(es_client, mentions_index, shipped):
    [sahm] = described(drawn(es_client, mentions_index, shipped["nabd-vega-net-sentiment"]), "sahm")
    assert "Net sentiment: −43%;" in sahm["description"] and sahm["fill"] == "#c62828"     # (2 − 5) / 7
    points = [mark for mark in drawn(es_client, mentions_index, shipped["nabd-vega-complaint-rate"])
              if mark["marktype"] == "symbol"]                # one point a day on each brand's line
    rate = described(points, "Brand: sahm;")
    [day] = [mark["description"] for mark in rate if "Day: Nov 21, 2026;" in mark["description"]]
    assert "Complaints: 5;" in day and "Mentions: 9" in day and "Complaint rate: 56%" in day      # 5 / 9
    net = described([mark for mark in drawn(es_client, mentions_index, shipped["nabd-vega-net-sentiment-over-time"])
                     if mark["marktype"] == "symbol"], "Brand: sahm;")
    [day] = [mark["description"] for mark in net if "Day: Nov 21, 2026;" in mark["description"]]
    assert "Net sentiment: −43%;" in day and "Positive: 2;" in day and "Negative: 5" in day


def test_share_of_voice_is_the_same_with_or_without_a_brand_picked(es_client, mentions_index, shipped):
    voice = shipped["nabd-vega-share-of-voice"]
    for picked in (None, BRAND_PICKED):
        marks = drawn(es_client, mentions_index, voice, picked)
        shares = {brand: next(m for m in marks if f"Brand: {brand};" in m["description"])["description"]
                  for brand in ("sahm", "najm")}
        assert "Share of voice: 82%;" in shares["sahm"] and "Share of voice: 18%;" in shares["najm"]     # 9 : 2


def test_a_brand_picked_narrows_the_charts_that_follow_the_dashboard(es_client, mentions_index, shipped):
    everything = drawn(es_client, mentions_index, shipped["nabd-vega-volume-by-sentiment"])
    picked = drawn(es_client, mentions_index, shipped["nabd-vega-volume-by-sentiment"], BRAND_PICKED)
    assert "Mentions: 2;" in described(everything, "najm", "neutral")[0]["description"]
    assert "Mentions: 1;" in described(picked, "najm", "neutral")[0]["description"]   # only r10 also names sahm


def test_competitors_side_by_side(es_client, mentions_index, shipped):
    marks = drawn(es_client, mentions_index, shipped["nabd-vega-competitors"])
    sahm = [mark["description"] for mark in described(marks, "Brand: sahm;")]
    najm = [mark["description"] for mark in described(marks, "Brand: najm;")]
    assert len(sahm) == len(najm) == 3                       # mentions, net sentiment, complaint rate
    assert all("Mentions: 9;" in d and "Net sentiment: −43%;" in d and "Complaint rate: 55.6%" in d for d in sahm)
    assert all("Mentions: 2;" in d and "Net sentiment: 0%;" in d and "Complaint rate: 0.0%" in d for d in najm)


def test_rising_terms_are_the_days_negative_words_in_red(es_client, mentions_index, shipped):
    marks = drawn(es_client, mentions_index, shipped["nabd-vega-rising-terms"])
    terms = {mark["description"].split("Term: ")[1].split(";")[0]: mark for mark in marks}
    assert "طايحه" in terms                                  # three negative posts say طايحة, as in the report
    assert {mark["fill"] for mark in marks} == {"#c62828"}
    assert "In negative mentions: 3" in terms["طايحه"]["description"]
