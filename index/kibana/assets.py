"""Kibana saved objects for analysts, defined readably here and rendered to `saved_objects.ndjson`.

The NDJSON next to this module is the artifact analysts import (`nabd kibana import`); it is
written by this module (`python -m index.kibana.assets`) and a test checks that the committed file
equals what this module renders, so there are never two hand-synced copies.

Formats are those Kibana 9 imports: data views (`index-pattern`) with Arabic/English custom labels
in `fieldAttrs` and runtime fields in `runtimeFieldMap`, saved searches (`search`), Lens visualizations
(`lens`, form-based layers), one Vega visualization (`visualization`) and dashboards whose panels
reference them by name. The version stamps (`coreMigrationVersion`, `typeMigrationVersion`) are the
ones Kibana's own sample data ships with, so Kibana migrates the objects forward on import exactly as
it does its own.

A brand's sentiment is its own (`nlp.brand_sentiment`, "<brand>:<sentiment>"), the post's `nlp.sentiment`
on mentions indexed before per-brand sentiment. Kibana cannot tie the brand picked on a dashboard to a
query, so the charts use the runtime field `brand_sentiment` ("<brand>:<sentiment>" for every brand a
mention names, with that fallback): each series and bar is one brand's own sentiment.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

NDJSON_PATH = Path(__file__).resolve().parent / "saved_objects.ndjson"
DEFAULT_PREFIX = "nabd"
CORE_MIGRATION_VERSION = "8.8.0"
TYPE_MIGRATION_VERSION = {"index-pattern": "7.11.0", "search": "7.9.3", "lens": "8.6.0", "visualization": "8.5.0",
                          "dashboard": "8.7.0"}
PANEL_VERSION = "8.11.0"
RECORDS = "___records___"          # Lens's pseudo-field for "count of documents"
NOT_SPAM = "not nlp.spam:true"

MENTIONS_VIEW = "nabd-mentions"    # saved-object ids (stable; the titles follow the index prefix)
ALERTS_VIEW = "nabd-alerts"

# "<brand>:<sentiment>" for each brand a mention names: its own sentiment (`nlp.brand_sentiment`), else, on a
# mention indexed before per-brand sentiment, the post's `nlp.sentiment` (as index/trends.py counts them).
BRAND_SENTIMENT = "brand_sentiment"
BRAND_SENTIMENT_SCRIPT = (
    "if (doc.containsKey('nlp.brand_sentiment') && doc['nlp.brand_sentiment'].size() > 0) {"
    " for (def pair : doc['nlp.brand_sentiment']) { emit(pair); } "
    "} else if (doc['nlp.sentiment'].size() > 0) {"
    " String sentiment = doc['nlp.sentiment'].value;"
    " for (def brand : doc['brands.id']) { emit(brand + ':' + sentiment); } }")
MENTION_RUNTIME_FIELDS = {BRAND_SENTIMENT: {"type": "keyword", "script": {"source": BRAND_SENTIMENT_SCRIPT}}}
# Negative toward a brand the mention names, on mapped fields (no script runs to filter).
NEGATIVE_TOWARD_A_BRAND = ("(nlp.brand_sentiment:*\\:negative"
                           " or (not nlp.brand_sentiment:* and nlp.sentiment:negative))")

MENTION_LABELS = {
    "@timestamp": "وقت النشر / Published",
    "collected_at": "وقت الجمع / Collected",
    "text": "النص / Text",
    "title": "العنوان / Title",
    "source": "المصدر / Source",
    "url": "الرابط / Link",
    "lang": "اللغة / Language",
    "rating": "التقييم / Rating",
    "brands.id": "العلامة / Brand",
    "brands.alias": "الاسم المطابق / Matched name",
    "brands.role": "الدور / Role",
    "brands.sentiment": "المشاعر تجاه العلامة / Sentiment toward the brand",
    "brands.sentiment_evidence": "دليل المشاعر تجاه العلامة / Brand sentiment evidence",
    "author.id": "الكاتب (اسم مستعار) / Author (pseudonym)",
    "author.followers": "المتابعون / Followers",
    "author.verified": "حساب موثق / Verified",
    "engagement.total": "التفاعل / Engagement",
    "engagement.likes": "الإعجابات / Likes",
    "engagement.replies": "الردود / Replies",
    "engagement.shares": "المشاركات / Shares",
    "engagement.views": "المشاهدات / Views",
    "nlp.sentiment": "المشاعر / Sentiment",
    "nlp.brand_sentiment": "العلامة:المشاعر / Brand:sentiment",
    BRAND_SENTIMENT: "مشاعر العلامة / Brand sentiment",
    "nlp.sarcasm": "سخرية / Sarcasm",
    "nlp.dialect": "اللهجة / Dialect",
    "nlp.complaint": "شكوى / Complaint",
    "nlp.topics": "موضوع الشكوى / Complaint topic",
    "nlp.churn_intent": "نية الانتقال / Churn intent",
    "nlp.advocacy": "توصية / Advocacy",
    "nlp.spam": "سبام / Spam",
    "nlp.spam_reason": "نوع السبام / Spam kind",
}
ALERT_LABELS = {
    "@timestamp": "وقت التنبيه / Fired at",
    "brand": "العلامة / Brand",
    "rule_id": "القاعدة / Rule",
    "severity": "الخطورة / Severity",
    "escalation": "التصعيد / Escalation",
    "storm_id": "العاصفة / Storm",
    "window_start": "بداية النافذة / Window start",
    "window_end": "نهاية النافذة / Window end",
    "negative_count": "عدد السلبي / Negative mentions",
    "total_count": "عدد الإشارات / All mentions",
    "negative_share": "نسبة السلبي / Negative share",
    "baseline.expected": "المتوقع / Expected negatives",
    "top_terms": "الكلمات الصاعدة / Rising terms",
    "top_topics.id": "مواضيع الشكوى / Complaint topics",
    "evidence_mentions.url": "روابط الأدلة / Evidence links",
    "evidence_mentions.text": "نصوص الأدلة / Evidence texts",
}
MENTION_FORMATS = {"url": {"id": "url"}}
ALERT_FORMATS = {"negative_share": {"id": "percent"}, "evidence_mentions.url": {"id": "url"}}


def _json(value) -> str:
    """Kibana stores nested state as JSON strings; compact, Arabic kept as written."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _saved_object(kind: str, object_id: str, attributes: dict, references: list[dict]) -> dict:
    return {"type": kind, "id": object_id, "attributes": attributes, "references": references,
            "coreMigrationVersion": CORE_MIGRATION_VERSION, "typeMigrationVersion": TYPE_MIGRATION_VERSION[kind],
            "managed": False}


# --- data views ----------------------------------------------------------------------------------


def data_view(object_id: str, title: str, name: str, labels: dict[str, str], formats: dict,
              runtime_fields: dict | None = None) -> dict:
    return _saved_object("index-pattern", object_id, {
        "title": title,
        "name": name,
        "timeFieldName": "@timestamp",
        "fieldAttrs": _json({field: {"customLabel": label} for field, label in labels.items()}),
        "fieldFormatMap": _json(formats),
        "fields": "[]",
        "runtimeFieldMap": _json(runtime_fields or {}),
        "sourceFilters": "[]",
        "typeMeta": "{}",
    }, [])


# --- saved searches --------------------------------------------------------------------------------


def saved_search(object_id: str, title: str, description: str, view: str, query: str,
                 columns: list[str], sort: list[list[str]]) -> dict:
    source = {"query": {"query": query, "language": "kuery"}, "filter": [], "highlightAll": True,
              "version": True, "indexRefName": "kibanaSavedObjectMeta.searchSourceJSON.index"}
    return _saved_object("search", object_id, {
        "title": title, "description": description, "columns": columns, "sort": sort, "hits": 0,
        "version": 1, "kibanaSavedObjectMeta": {"searchSourceJSON": _json(source)},
    }, [{"type": "index-pattern", "id": view, "name": "kibanaSavedObjectMeta.searchSourceJSON.index"}])


# --- Lens columns -----------------------------------------------------------------------------------


def count_column(label: str = "عدد الإشارات / Mentions") -> dict:
    return {"label": label, "customLabel": True, "dataType": "number", "operationType": "count",
            "sourceField": RECORDS, "isBucketed": False, "scale": "ratio", "params": {"emptyAsNull": True}}


def date_column(field: str = "@timestamp", label: str = "الوقت / Time") -> dict:
    return {"label": label, "customLabel": True, "dataType": "date", "operationType": "date_histogram",
            "sourceField": field, "isBucketed": True, "scale": "interval",
            "params": {"interval": "auto", "includeEmptyRows": True, "dropPartials": False}}


def terms_column(field: str, label: str, size: int, order_by: str) -> dict:
    return {"label": label, "customLabel": True, "dataType": "string", "operationType": "terms",
            "sourceField": field, "isBucketed": True, "scale": "ordinal",
            "params": {"size": size, "orderBy": {"type": "column", "columnId": order_by}, "orderDirection": "desc",
                       "otherBucket": False, "missingBucket": False, "parentFormat": {"id": "terms"}}}


def lens(object_id: str, title: str, description: str, view: str, visualization_type: str, query: str,
         layer_id: str, columns: dict[str, dict], visualization: dict) -> dict:
    """A Lens visualization with one form-based layer on `view`."""
    return _saved_object("lens", object_id, {
        "title": title,
        "description": description,
        "visualizationType": visualization_type,
        "state": {
            "datasourceStates": {"formBased": {"layers": {layer_id: {
                "columns": columns, "columnOrder": list(columns), "incompleteColumns": {}}}}},
            "visualization": visualization,
            "query": {"query": query, "language": "kuery"},
            "filters": [],
            "internalReferences": [],
            "adHocDataViews": {},
        },
    }, [{"type": "index-pattern", "id": view, "name": f"indexpattern-datasource-layer-{layer_id}"}])


def xy(layer_id: str, series: str, x: str, y: str, split: str | None = None) -> dict:
    layer = {"layerId": layer_id, "layerType": "data", "seriesType": series, "xAccessor": x, "accessors": [y]}
    if split:
        layer["splitAccessor"] = split
    return {"preferredSeriesType": series, "layers": [layer], "legend": {"isVisible": True, "position": "right"},
            "valueLabels": "hide", "fittingFunction": "None"}


# --- Vega -------------------------------------------------------------------------------------------


def net_sentiment_by_brand_spec(index: str) -> dict:
    """Vega-Lite: (pos − neg) / (pos + neg) per brand from each brand's own sentiment, under the dashboard's
    query, filters and time range, spam excluded. Lens cannot do this: a count's KQL cannot name the
    brand a bucket stands for, so the pairs are counted here and each brand's net computed from them."""
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "data": {
            "url": {"index": index, "body": {
                "size": 0,
                "query": {"bool": {
                    "must": ["%dashboard_context-must_clause%", {"range": {"@timestamp": {"%timefilter%": True}}}],
                    "must_not": ["%dashboard_context-must_not_clause%", {"term": {"nlp.spam": True}}],
                    "filter": ["%dashboard_context-filter_clause%"]}},
                "runtime_mappings": MENTION_RUNTIME_FIELDS,
                "aggs": {"pairs": {"terms": {"field": BRAND_SENTIMENT, "size": 300}}}}},
            "format": {"property": "aggregations.pairs.buckets"}},
        "transform": [
            {"calculate": "split(datum.key, ':')[0]", "as": "brand"},
            {"calculate": "split(datum.key, ':')[1]", "as": "sentiment"},
            {"calculate": "datum.sentiment === 'positive' ? datum.doc_count : 0", "as": "positive_part"},
            {"calculate": "datum.sentiment === 'negative' ? datum.doc_count : 0", "as": "negative_part"},
            {"aggregate": [{"op": "sum", "field": "positive_part", "as": "positive"},
                           {"op": "sum", "field": "negative_part", "as": "negative"},
                           {"op": "sum", "field": "doc_count", "as": "mentions"}], "groupby": ["brand"]},
            {"filter": "datum.positive + datum.negative > 0"},
            {"calculate": "(datum.positive - datum.negative) / (datum.positive + datum.negative)", "as": "net"}],
        "mark": {"type": "bar", "tooltip": True},
        "encoding": {
            "y": {"field": "brand", "type": "nominal", "sort": "-x", "title": MENTION_LABELS["brands.id"]},
            "x": {"field": "net", "type": "quantitative", "title": "صافي المشاعر / Net sentiment",
                  "scale": {"domain": [-1, 1]}, "axis": {"format": ".0%"}},
            "color": {"condition": {"test": "datum.net < 0", "value": "#c62828"}, "value": "#2e7d32"},
            "tooltip": [{"field": "brand", "title": MENTION_LABELS["brands.id"]},
                        {"field": "net", "format": ".0%", "title": "صافي المشاعر / Net sentiment"},
                        {"field": "positive", "title": "إيجابية / Positive"},
                        {"field": "negative", "title": "سلبية / Negative"},
                        {"field": "mentions", "title": "عدد الإشارات / Mentions"}]},
    }


def vega(object_id: str, title: str, description: str, spec: dict) -> dict:
    """A Vega visualization; it queries its index itself, so it has no data-view reference."""
    vis_state = {"title": title, "type": "vega", "aggs": [], "params": {"spec": json.dumps(spec, ensure_ascii=False,
                                                                                          indent=2)}}
    return _saved_object("visualization", object_id, {
        "title": title, "description": description, "visState": _json(vis_state), "uiStateJSON": "{}", "version": 1,
        "kibanaSavedObjectMeta": {"searchSourceJSON": _json({"query": {"query": "", "language": "kuery"},
                                                             "filter": []})},
    }, [])


def vega_spec(obj: dict) -> dict:
    """The Vega spec of a `vega` visualization."""
    return json.loads(json.loads(obj["attributes"]["visState"])["params"]["spec"])


def with_vega_index(obj: dict, index: str) -> dict:
    """The Vega visualization querying `index` instead (another deployment's index prefix)."""
    spec = vega_spec(obj)
    spec["data"]["url"]["index"] = index
    attributes = obj["attributes"]
    return vega(obj["id"], attributes["title"], attributes["description"], spec)


# --- dashboards -------------------------------------------------------------------------------------


def dashboard(object_id: str, title: str, description: str, panels: list[tuple[str, str, str, tuple]],
              controls: list[tuple[str, str, str]] = ()) -> dict:
    """`panels`: (panel id, saved-object type, saved-object id, (x, y, w, h)) on Kibana's 48-column grid.
    `controls`: (control id, data view id, field) option-list controls above the panels."""
    panels_json, references = [], []
    for panel_id, kind, target, (x, y, w, h) in panels:
        panels_json.append({"type": kind, "version": PANEL_VERSION, "panelIndex": panel_id,
                            "gridData": {"x": x, "y": y, "w": w, "h": h, "i": panel_id},
                            "embeddableConfig": {"enhancements": {}}, "panelRefName": f"panel_{panel_id}"})
        references.append({"type": kind, "id": target, "name": f"{panel_id}:panel_{panel_id}"})
    control_panels = {}
    for order, (control_id, view, field) in enumerate(controls):
        labels = MENTION_LABELS if view == MENTIONS_VIEW else ALERT_LABELS
        control_panels[control_id] = {"order": order, "width": "medium", "grow": True, "type": "optionsListControl",
                                      "explicitInput": {"id": control_id, "fieldName": field,
                                                        "title": labels.get(field, field), "enhancements": {}}}
        references.append({"type": "index-pattern", "id": view, "name": f"controlGroup_{control_id}:optionsListDataView"})
    attributes = {
        "title": title,
        "description": description,
        "panelsJSON": _json(panels_json),
        "optionsJSON": _json({"useMargins": True, "syncColors": False, "syncCursor": True, "syncTooltips": False,
                              "hidePanelTitles": False}),
        "timeRestore": True, "timeFrom": "now-30d", "timeTo": "now",
        "refreshInterval": {"pause": True, "value": 60000},
        "version": 1,
        "kibanaSavedObjectMeta": {"searchSourceJSON": _json({"query": {"query": "", "language": "kuery"},
                                                             "filter": []})},
    }
    if control_panels:
        attributes["controlGroupInput"] = {
            "controlStyle": "oneLine", "chainingSystem": "HIERARCHICAL", "panelsJSON": _json(control_panels),
            "ignoreParentSettingsJSON": _json({"ignoreFilters": False, "ignoreQuery": False,
                                               "ignoreTimerange": False, "ignoreValidations": False})}
    return _saved_object("dashboard", object_id, attributes, references)


# --- the objects --------------------------------------------------------------------------------------


def saved_objects(prefix: str = DEFAULT_PREFIX) -> list[dict]:
    """Every saved object nabd ships, data views first; titles use the deployment's index prefix."""
    mention_columns = ["brands.id", BRAND_SENTIMENT, "text", "nlp.topics", "source", "engagement.total", "url"]
    return [
        data_view(MENTIONS_VIEW, f"{prefix}-mentions", "نبض — الإشارات / nabd mentions", MENTION_LABELS,
                  MENTION_FORMATS, MENTION_RUNTIME_FIELDS),
        data_view(ALERTS_VIEW, f"{prefix}-alerts", "نبض — التنبيهات / nabd alerts", ALERT_LABELS, ALERT_FORMATS),

        saved_search("nabd-search-negative", "الإشارات السلبية / Negative mentions",
                     "Mentions negative toward a brand they name (its own sentiment; the column says which), "
                     "newest first (spam excluded).", MENTIONS_VIEW,
                     f"{NEGATIVE_TOWARD_A_BRAND} and {NOT_SPAM}", mention_columns, [["@timestamp", "desc"]]),
        saved_search("nabd-search-top-negative", "أكثر المنشورات السلبية تفاعلاً / Most engaged negative posts",
                     "Mentions negative toward a brand they name, most engaged first (likes + replies + shares + "
                     "views).", MENTIONS_VIEW, f"{NEGATIVE_TOWARD_A_BRAND} and {NOT_SPAM}", mention_columns,
                     [["engagement.total", "desc"], ["@timestamp", "desc"]]),
        saved_search("nabd-search-complaints", "الشكاوى حسب الموضوع / Complaints by topic",
                     "Mentions where the author reports a problem, grouped by complaint topic.", MENTIONS_VIEW,
                     f"nlp.complaint:true and {NOT_SPAM}",
                     ["nlp.topics", "brands.id", "text", "nlp.dialect", "source", "url"],
                     [["nlp.topics", "asc"], ["@timestamp", "desc"]]),
        saved_search("nabd-search-churn", "نية الانتقال / Churn intent",
                     "The author says they will leave, cancel or switch to a competitor.", MENTIONS_VIEW,
                     f"nlp.churn_intent:true and {NOT_SPAM}",
                     ["brands.id", "text", "nlp.topics", "author.followers", "source", "url"], [["@timestamp", "desc"]]),
        saved_search("nabd-search-sarcasm", "السخرية / Sarcasm",
                     "Sarcastic mentions: a 'positive' sarcastic post is usually a complaint.", MENTIONS_VIEW,
                     f"nlp.sarcasm:true and {NOT_SPAM}",
                     ["brands.id", "text", "nlp.sentiment", "nlp.complaint", "nlp.topics", "url"],
                     [["@timestamp", "desc"]]),
        saved_search("nabd-search-alerts", "التنبيهات / Alerts",
                     "Every negative-spike alert fired (alerts run from Airflow), newest first.", ALERTS_VIEW, "",
                     ["brand", "severity", "escalation", "negative_count", "total_count", "negative_share",
                      "baseline.expected", "top_topics.id", "top_terms", "window_start", "window_end"],
                     [["@timestamp", "desc"]]),

        lens("nabd-lens-volume-by-sentiment", "حجم الإشارات حسب المشاعر / Volume by sentiment",
             "Mentions over time, stacked by each brand's own sentiment (brand:sentiment; a comparison of two "
             "brands counts once for each, spam excluded).", MENTIONS_VIEW, "lnsXY", NOT_SPAM,
             "volume", {"volume-time": date_column(), "volume-count": count_column(),
                        "volume-sentiment": terms_column(BRAND_SENTIMENT, MENTION_LABELS[BRAND_SENTIMENT], 30,
                                                         "volume-count")},
             xy("volume", "bar_stacked", "volume-time", "volume-count", "volume-sentiment")),
        vega("nabd-vega-net-sentiment", "صافي المشاعر حسب العلامة / Net sentiment",
             "(positive − negative) / (positive + negative) per brand, from each brand's own sentiment, over the "
             "dashboard's period and filters (spam excluded). With a brand picked, brands named in the same posts "
             "show as well.", net_sentiment_by_brand_spec(f"{prefix}-mentions")),
        lens("nabd-lens-complaint-topics", "مواضيع الشكاوى / Complaint topics",
             "Complaints per topic (a complaint may carry several topics).", MENTIONS_VIEW, "lnsXY",
             f"nlp.complaint:true and {NOT_SPAM}", "topics",
             {"topics-topic": terms_column("nlp.topics", MENTION_LABELS["nlp.topics"], 10, "topics-count"),
              "topics-count": count_column("عدد الشكاوى / Complaints")},
             xy("topics", "bar_horizontal", "topics-topic", "topics-count")),
        lens("nabd-lens-share-of-voice", "حصة الحضور / Share of voice",
             "Mentions per brand among all tracked brands (spam excluded).", MENTIONS_VIEW, "lnsPie", NOT_SPAM,
             "voice", {"voice-brand": terms_column("brands.id", MENTION_LABELS["brands.id"], 10, "voice-count"),
                       "voice-count": count_column()},
             {"shape": "donut", "layers": [{"layerId": "voice", "layerType": "data", "primaryGroups": ["voice-brand"],
                                            "metrics": ["voice-count"], "numberDisplay": "percent",
                                            "categoryDisplay": "default", "legendDisplay": "default",
                                            "nestedLegend": False}]}),
        lens("nabd-lens-alerts-over-time", "التنبيهات حسب الخطورة / Alerts by severity",
             "Alerts fired over time, by severity.", ALERTS_VIEW, "lnsXY", "", "alerts",
             {"alerts-time": date_column(label=ALERT_LABELS["@timestamp"]),
              "alerts-count": count_column("عدد التنبيهات / Alerts"),
              "alerts-severity": terms_column("severity", ALERT_LABELS["severity"], 5, "alerts-count")},
             xy("alerts", "bar_stacked", "alerts-time", "alerts-count", "alerts-severity")),
        lens("nabd-lens-alerts-by-brand", "التنبيهات حسب العلامة / Alerts by brand",
             "Alerts per brand.", ALERTS_VIEW, "lnsXY", "", "alert-brands",
             {"alert-brands-brand": terms_column("brand", ALERT_LABELS["brand"], 10, "alert-brands-count"),
              "alert-brands-count": count_column("عدد التنبيهات / Alerts")},
             xy("alert-brands", "bar_horizontal", "alert-brands-brand", "alert-brands-count")),

        dashboard("nabd-dashboard-brand-health", "صحة العلامة / Brand health",
                  "Volume by each brand's own sentiment, net sentiment per brand, complaint topics, share of voice "
                  "and the most engaged negative posts. Pick a brand above: the sentiment charts show that brand's "
                  "own sentiment (brand:sentiment), and beside it the brands named in the same posts; share of "
                  "voice compares every tracked brand.",
                  [("net", "visualization", "nabd-vega-net-sentiment", (0, 0, 12, 15)),
                   ("volume", "lens", "nabd-lens-volume-by-sentiment", (12, 0, 36, 15)),
                   ("topics", "lens", "nabd-lens-complaint-topics", (0, 15, 24, 15)),
                   ("voice", "lens", "nabd-lens-share-of-voice", (24, 15, 24, 15)),
                   ("negative", "search", "nabd-search-top-negative", (0, 30, 48, 20))],
                  controls=[("brand", MENTIONS_VIEW, "brands.id"), ("source", MENTIONS_VIEW, "source"),
                            ("dialect", MENTIONS_VIEW, "nlp.dialect")]),
        dashboard("nabd-dashboard-alerts", "التنبيهات / Alerts",
                  "Negative-spike alerts recorded by nabd's alert runner (Airflow); delivery is not done by Kibana.",
                  [("over-time", "lens", "nabd-lens-alerts-over-time", (0, 0, 24, 12)),
                   ("by-brand", "lens", "nabd-lens-alerts-by-brand", (24, 0, 24, 12)),
                   ("alerts", "search", "nabd-search-alerts", (0, 12, 48, 20))],
                  controls=[("alert-brand", ALERTS_VIEW, "brand"), ("alert-severity", ALERTS_VIEW, "severity")]),
    ]


def render_ndjson(objects: list[dict] | None = None) -> str:
    """One saved object per line, keys sorted, UTF-8 text as written."""
    objects = saved_objects() if objects is None else objects
    return "".join(json.dumps(obj, ensure_ascii=False, sort_keys=True) + "\n" for obj in objects)


def main() -> int:
    NDJSON_PATH.write_text(render_ndjson(), encoding="utf-8")
    print(f"wrote {len(saved_objects())} saved objects to {NDJSON_PATH}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
