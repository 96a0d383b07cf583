"""Kibana saved objects for analysts, defined readably here and rendered to `saved_objects.ndjson`.

The NDJSON next to this module is the artifact analysts import (`nabd kibana import`); it is
written by this module (`python -m index.kibana.assets`) from the repository's `config/brands.yaml`
(who is compared with whom), and a test checks that the committed file equals what this module renders,
so there are never two hand-synced copies. `nabd kibana import --config-dir DIR` renders them for
another deployment's brands.

Formats are those Kibana 9 imports: data views (`index-pattern`) with Arabic/English custom labels
in `fieldAttrs` and runtime fields in `runtimeFieldMap`, saved searches (`search`), Lens visualizations
(`lens`, form-based layers), Vega visualizations (`visualization`) and dashboards whose panels
reference them by name. The version stamps (`coreMigrationVersion`, `typeMigrationVersion`) are the
ones Kibana's own sample data ships with, so Kibana migrates the objects forward on import exactly as
it does its own.

A brand's sentiment is its own (`nlp.brand_sentiment`, "<brand>:<sentiment>"), the post's `nlp.sentiment`
on mentions indexed before per-brand sentiment. Kibana cannot tie the brand picked on a dashboard to a
query, so the sentiment charts count "<brand>:<sentiment>" pairs for every brand a mention names, with that
fallback (`pair_aggregations`, no script): each series and bar is one brand's own sentiment; in Discover and
the saved searches the runtime field `brand_sentiment` (Painless) shows the same pairs. Charts that split by
sentiment are Vega charts with one fixed colour scale (negative red, neutral grey, positive green, the
report's colours): Lens colours a split by palette order. Share of voice is a Vega chart that ignores the
dashboard's pickers on purpose (only the time range applies): it is pinned to each reported brand and the
competitors `config/brands.yaml` gives it.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

NDJSON_PATH = Path(__file__).resolve().parent / "saved_objects.ndjson"
DEFAULT_PREFIX = "nabd"
CORE_MIGRATION_VERSION = "8.8.0"
TYPE_MIGRATION_VERSION = {"index-pattern": "7.11.0", "search": "7.9.3", "lens": "8.6.0", "visualization": "8.5.0",
                          "dashboard": "8.7.0"}
PANEL_VERSION = "8.11.0"
RECORDS = "___records___"          # Lens's pseudo-field for "count of documents"
NOT_SPAM = "not nlp.spam:true"
SENTIMENTS = ("positive", "neutral", "negative")
# The report's colours (nabd/report/charts.py SENTIMENT_COLOURS): one meaning, one colour, everywhere.
SENTIMENT_COLOURS = {"positive": "#2e7d32", "neutral": "#9e9e9e", "negative": "#c62828"}
STATUS_COLOURS = {"ok": "#2e7d32", "empty": "#9e9e9e", "failed": "#c62828"}
REPOSITORY_CONFIG = Path(__file__).resolve().parents[2] / "config"

MENTIONS_VIEW = "nabd-mentions"    # saved-object ids (stable; the titles follow the index prefix)
ALERTS_VIEW = "nabd-alerts"
HEALTH_VIEW = "nabd-collection-health"

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
    "nlp.evidence.text": "الدليل / Evidence",
    "nlp.evidence.label": "ما يدل عليه الدليل / Evidence for",
    "nlp.model.version": "إصدار النموذج / Model version",
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
    "kind": "نوع التنبيه / Alert kind",
    "source": "المصدر / Source",
    "stall.last_status": "آخر حالة / Last status",
    "stall.consecutive_runs": "مرات متتالية بلا نتيجة / Unproductive runs in a row",
    "stall.last_error": "آخر خطأ / Last error",
}
HEALTH_LABELS = {
    "@timestamp": "وقت الجمع / Crawled at",
    "source": "المصدر / Source",
    "source_kind": "نوع المصدر / Source kind",
    "interval_start": "بداية الفترة / Interval start",
    "interval_end": "نهاية الفترة / Interval end",
    "status": "الحالة / Status",
    "items": "المنشورات المجموعة / Items",
    "pages_skipped": "الصفحات المتروكة / Pages skipped",
    "skipped_reasons": "أسباب الترك / Skip reasons",
    "errors": "الأخطاء / Errors",
    "error": "الخطأ / Error",
    "http_status.2xx": "HTTP 2xx",
    "http_status.3xx": "HTTP 3xx",
    "http_status.4xx": "HTTP 4xx",
    "http_status.5xx": "HTTP 5xx",
    "duration_s": "المدة (ث) / Duration (s)",
    "crawl_id": "رقم الجمع / Crawl id",
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


def date_column(field: str = "@timestamp", label: str = "الوقت / Time", interval: str = "auto") -> dict:
    return {"label": label, "customLabel": True, "dataType": "date", "operationType": "date_histogram",
            "sourceField": field, "isBucketed": True, "scale": "interval",
            "params": {"interval": interval, "includeEmptyRows": True, "dropPartials": False}}


def terms_column(field: str, label: str, size: int, order_by: str) -> dict:
    return {"label": label, "customLabel": True, "dataType": "string", "operationType": "terms",
            "sourceField": field, "isBucketed": True, "scale": "ordinal",
            "params": {"size": size, "orderBy": {"type": "column", "columnId": order_by}, "orderDirection": "desc",
                       "otherBucket": False, "missingBucket": False, "parentFormat": {"id": "terms"}}}


def filtered_count_column(label: str, kql: str, time_shift: str | None = None) -> dict:
    """A count of the documents matching `kql` (and, with `time_shift`, of the period before: `previous`)."""
    column = {**count_column(label), "filter": {"query": kql, "language": "kuery"}}
    if time_shift:
        column["timeShift"] = time_shift
    return column


def metric_column(operation: str, field: str, label: str, data_type: str = "number") -> dict:
    """average / max / sum of a numeric field (max of a date: `data_type="date"`)."""
    return {"label": label, "customLabel": True, "dataType": data_type, "operationType": operation,
            "sourceField": field, "isBucketed": False, "scale": "ratio", "params": {"emptyAsNull": True}}


def rate_columns(column_id: str, label: str, part_kql: str, time_shift: str | None = None) -> dict[str, dict]:
    """A Lens formula `count(kql='…') / count()` (optionally shifted) as Kibana saves it: the formula column
    and the hidden count and math columns it references, formatted as a percent."""
    shift = f", shift='{time_shift}'" if time_shift else ""
    formula = f"count(kql='{part_kql}'{shift}) / count({shift[2:]})"
    part, whole, ratio = f"{column_id}X0", f"{column_id}X1", f"{column_id}X2"
    hidden = {"customLabel": True, "isBucketed": False, "scale": "ratio", "dataType": "number"}
    part_column = {**hidden, "label": f"Part of {label}", "operationType": "count", "sourceField": RECORDS,
                   "filter": {"query": part_kql, "language": "kuery"}, "params": {"emptyAsNull": False}}
    whole_column = {**hidden, "label": f"Part of {label}", "operationType": "count", "sourceField": RECORDS,
                    "params": {"emptyAsNull": False}}
    if time_shift:
        part_column["timeShift"] = whole_column["timeShift"] = time_shift
    return {
        column_id: {"label": label, "customLabel": True, "dataType": "number", "operationType": "formula",
                    "isBucketed": False, "scale": "ratio", "references": [ratio],
                    "params": {"formula": formula, "isFormulaBroken": False,
                               "format": {"id": "percent", "params": {"decimals": 1}}}},
        part: part_column,
        whole: whole_column,
        ratio: {**hidden, "label": f"Part of {label}", "operationType": "math", "references": [part, whole],
                "params": {"tinymathAst": {"type": "function", "name": "divide", "args": [part, whole],
                                           "location": {"min": 0, "max": len(formula)}, "text": formula}}},
    }


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


def xy(layer_id: str, series: str, x: str, y: str | list[str], split: str | None = None,
       colours: dict[str, str] | None = None) -> dict:
    """An XY chart; `colours` pins a colour to each accessor (how Lens fixes colours without a split)."""
    accessors = [y] if isinstance(y, str) else list(y)
    layer = {"layerId": layer_id, "layerType": "data", "seriesType": series, "xAccessor": x, "accessors": accessors}
    if split:
        layer["splitAccessor"] = split
    if colours:
        layer["yConfig"] = [{"forAccessor": accessor, "color": colour, "axisMode": "left"}
                            for accessor, colour in colours.items()]
    return {"preferredSeriesType": series, "layers": [layer], "legend": {"isVisible": True, "position": "right"},
            "valueLabels": "hide", "fittingFunction": "None"}


def datatable(layer_id: str, columns: list[str]) -> dict:
    return {"layerId": layer_id, "layerType": "data", "columns": [{"columnId": column} for column in columns]}


def heatmap(layer_id: str, x: str, y: str, value: str) -> dict:
    return {"shape": "heatmap", "layerId": layer_id, "layerType": "data", "xAccessor": x, "yAccessor": y,
            "valueAccessor": value,
            "legend": {"isVisible": True, "position": "right", "type": "heatmap_legend"},
            "gridConfig": {"type": "heatmap_grid", "isCellLabelVisible": False, "isYAxisLabelVisible": True,
                           "isXAxisLabelVisible": True, "isYAxisTitleVisible": False, "isXAxisTitleVisible": False}}


def metric(layer_id: str, accessor: str, secondary: str | None = None, colour: str | None = None) -> dict:
    state = {"layerId": layer_id, "layerType": "data", "metricAccessor": accessor}
    if secondary:
        state["secondaryMetricAccessor"] = secondary
    if colour:
        state["color"] = colour
    return state


# --- Vega -------------------------------------------------------------------------------------------


VEGA_LITE = "https://vega.github.io/schema/vega-lite/v5.json"
TIME_IN_PERIOD = {"range": {"@timestamp": {"%timefilter%": True}}}
SPAM = {"term": {"nlp.spam": True}}
def daily(timezone: str) -> dict:
    """One bucket per calendar day in `timezone` (the reported brands' own, as the report counts days) over
    the dashboard's whole time range, empty days included."""
    return {"field": "@timestamp", "calendar_interval": "1d", "time_zone": timezone, "min_doc_count": 0,
            "extended_bounds": {"min": {"%timefilter%": "min"}, "max": {"%timefilter%": "max"}}}
SENTIMENT_LABELS = {"positive": "إيجابية / Positive", "neutral": "محايدة / Neutral", "negative": "سلبية / Negative"}


@dataclass(frozen=True)
class BrandGroup:
    """A reported brand and the competitors it is compared with (config/brands.yaml `competitors`)."""

    brand: str
    competitors: tuple[str, ...]
    timezone: str = "UTC"

    @property
    def members(self) -> list[str]:
        return [self.brand, *self.competitors]


def brand_groups(config_dir: Path | str | None = REPOSITORY_CONFIG) -> list[BrandGroup]:
    """Each reported brand that has competitors, with them, from `config_dir`/brands.yaml."""
    from config import load_config

    brands = load_config(config_dir).brands
    return [BrandGroup(b.id, tuple(b.competitors), b.timezone) for b in brands if b.role == "brand" and b.competitors]


def charts_timezone(groups: list[BrandGroup]) -> str:
    """The time zone daily charts count days in: the first compared brand's (the report's day), else UTC."""
    return groups[0].timezone if groups else "UTC"


def compared_brands(groups: list[BrandGroup]) -> list[str]:
    """Every brand in a comparison, once, in configuration order."""
    return list(dict.fromkeys(member for group in groups for member in group.members))


def mention_request(aggs: dict, filters: list[dict] = (), dashboard_context: bool = True) -> dict:
    """An Elasticsearch request for a Vega chart on mentions, spam excluded, in the dashboard's time range.

    With `dashboard_context` the dashboard's query, filters and pickers apply too; without it only the time
    range does: the chart ignores the global filters on purpose (validate.py checks the rest agree)."""
    must, must_not, applied = [TIME_IN_PERIOD], [SPAM], list(filters)
    if dashboard_context:
        must.insert(0, "%dashboard_context-must_clause%")
        must_not.insert(0, "%dashboard_context-must_not_clause%")
        applied.insert(0, "%dashboard_context-filter_clause%")
    return {"size": 0, "query": {"bool": {"must": must, "must_not": must_not, "filter": applied}}, "aggs": aggs}


def sentiment_colour(title: str = MENTION_LABELS["nlp.sentiment"]) -> dict:
    """The fixed colour scale of every chart split by sentiment."""
    return {"field": "sentiment", "type": "nominal", "title": title,
            "scale": {"domain": list(SENTIMENTS), "range": [SENTIMENT_COLOURS[s] for s in SENTIMENTS]},
            "legend": {"labelExpr": " : ".join(f"datum.label === '{s}' ? '{SENTIMENT_LABELS[s]}'" for s in SENTIMENTS)
                       + " : datum.label"}}


def pair_aggregations(size: int = 60) -> dict:
    """Each brand's own sentiment without a script (Vega charts then run on every distribution): the
    "<brand>:<sentiment>" pairs of `nlp.brand_sentiment`, and, for mentions indexed before per-brand
    sentiment, the post's `nlp.sentiment` under each brand the mention names (what `brand_sentiment` emits)."""
    own = {"exists": {"field": "nlp.brand_sentiment"}}
    return {"own": {"filter": own, "aggs": {"pairs": {"terms": {"field": "nlp.brand_sentiment", "size": size}}}},
            "post": {"filter": {"bool": {"must_not": [own]}},
                     "aggs": {"brands": {"terms": {"field": "brands.id", "size": size},
                                         "aggs": {"sentiments": {"terms": {"field": "nlp.sentiment", "size": 3}}}}}}}


# Vega-Lite rows `brand`, `sentiment`, `count` from a row holding `pair_aggregations` (other fields kept): the
# two bucket lists zipped, folded into one column, each post bucket opened into its sentiments. `day` is a
# daily bucket's own date ("2026-11-21", in the histogram's time zone), read as UTC so no browser shifts it.
PAIR_ROWS = [
    {"calculate": "datum.key_as_string ? toDate(substring(datum.key_as_string, 0, 10)) : null", "as": "day"},
    {"flatten": ["own.pairs.buckets", "post.brands.buckets"], "as": ["own_pair", "post_brand"]},
    {"fold": ["own_pair", "post_brand"], "as": ["kind", "value"]},
    {"filter": "datum.value != null"},
    {"calculate": "datum.kind === 'own_pair' ? [datum.value] : datum.value.sentiments.buckets", "as": "parts"},
    {"flatten": ["parts"], "as": ["part"]},
    {"calculate": "datum.kind === 'own_pair' ? split(datum.part.key, ':')[0] : datum.value.key", "as": "brand"},
    {"calculate": "datum.kind === 'own_pair' ? split(datum.part.key, ':')[1] : datum.part.key", "as": "sentiment"},
    {"calculate": "datum.part.doc_count", "as": "count"},
]


def net_sentiment_by_brand_spec(index: str) -> dict:
    """Vega-Lite: (pos − neg) / (pos + neg) per brand from each brand's own sentiment, under the dashboard's
    query, filters and time range, spam excluded. Lens cannot do this: a count's KQL cannot name the
    brand a bucket stands for, so the pairs are counted here and each brand's net computed from them."""
    return {
        "$schema": VEGA_LITE,
        "data": {"url": {"index": index, "body": mention_request(pair_aggregations(300))},
                 "format": {"property": "aggregations"}},
        "transform": [
            *PAIR_ROWS,
            {"calculate": "datum.sentiment === 'positive' ? datum.count : 0", "as": "positive_part"},
            {"calculate": "datum.sentiment === 'negative' ? datum.count : 0", "as": "negative_part"},
            {"aggregate": [{"op": "sum", "field": "positive_part", "as": "positive"},
                           {"op": "sum", "field": "negative_part", "as": "negative"},
                           {"op": "sum", "field": "count", "as": "mentions"}], "groupby": ["brand"]},
            {"filter": "datum.positive + datum.negative > 0"},
            {"calculate": "(datum.positive - datum.negative) / (datum.positive + datum.negative)", "as": "net"}],
        "mark": {"type": "bar", "tooltip": True},
        "encoding": {
            "y": {"field": "brand", "type": "nominal", "sort": "-x", "title": MENTION_LABELS["brands.id"]},
            "x": {"field": "net", "type": "quantitative", "title": "صافي المشاعر / Net sentiment",
                  "scale": {"domain": [-1, 1]}, "axis": {"format": ".0%"}},
            "color": {"condition": {"test": "datum.net < 0", "value": SENTIMENT_COLOURS["negative"]},
                      "value": SENTIMENT_COLOURS["positive"]},
            "tooltip": [{"field": "brand", "title": MENTION_LABELS["brands.id"]},
                        {"field": "net", "format": ".0%", "title": "صافي المشاعر / Net sentiment"},
                        {"field": "positive", "title": "إيجابية / Positive"},
                        {"field": "negative", "title": "سلبية / Negative"},
                        {"field": "mentions", "title": "عدد الإشارات / Mentions"}]},
    }


def _daily_pairs(index: str, timezone: str) -> dict:
    """Per day, the `brand:sentiment` pairs of the dashboard's mentions, one row per (day, pair)."""
    return {"url": {"index": index, "body": mention_request(
        {"over_time": {"date_histogram": daily(timezone), "aggs": pair_aggregations()}})},
        "format": {"property": "aggregations.over_time.buckets"}}


def sentiment_over_time_spec(index: str, timezone: str) -> dict:
    """Vega-Lite: mentions per day stacked by each brand's own sentiment (fixed colours), one row per brand."""
    return {
        "$schema": VEGA_LITE,
        "data": _daily_pairs(index, timezone),
        "transform": PAIR_ROWS,
        "mark": {"type": "bar", "tooltip": True},
        "encoding": {
            "x": {"field": "day", "type": "temporal", "timeUnit": "utcyearmonthdate", "title": "اليوم / Day"},
            "y": {"aggregate": "sum", "field": "count", "type": "quantitative", "stack": True,
                  "title": "عدد الإشارات / Mentions"},
            "color": sentiment_colour(MENTION_LABELS[BRAND_SENTIMENT]),
            "row": {"field": "brand", "type": "nominal", "title": MENTION_LABELS["brands.id"]},
            "tooltip": [{"field": "brand", "title": MENTION_LABELS["brands.id"]},
                        {"field": "sentiment", "title": MENTION_LABELS["nlp.sentiment"]},
                        {"field": "count", "aggregate": "sum", "title": "عدد الإشارات / Mentions"}]},
    }


def net_sentiment_over_time_spec(index: str, timezone: str) -> dict:
    """Vega-Lite: each brand's net sentiment per day, one line per brand."""
    return {
        "$schema": VEGA_LITE,
        "data": _daily_pairs(index, timezone),
        "transform": [
            *PAIR_ROWS,
            {"calculate": "datum.sentiment === 'positive' ? datum.count : 0", "as": "positive_part"},
            {"calculate": "datum.sentiment === 'negative' ? datum.count : 0", "as": "negative_part"},
            {"aggregate": [{"op": "sum", "field": "positive_part", "as": "positive"},
                           {"op": "sum", "field": "negative_part", "as": "negative"}], "groupby": ["day", "brand"]},
            {"filter": "datum.positive + datum.negative > 0"},
            {"calculate": "(datum.positive - datum.negative) / (datum.positive + datum.negative)", "as": "net"}],
        "mark": {"type": "line", "point": True, "tooltip": True},
        "encoding": {
            "x": {"field": "day", "type": "temporal", "timeUnit": "utcyearmonthdate", "title": "اليوم / Day"},
            "y": {"field": "net", "type": "quantitative", "title": "صافي المشاعر / Net sentiment",
                  "scale": {"domain": [-1, 1]}, "axis": {"format": ".0%"}},
            "color": {"field": "brand", "type": "nominal", "title": MENTION_LABELS["brands.id"]},
            "tooltip": [{"field": "brand", "title": MENTION_LABELS["brands.id"]},
                        {"field": "net", "format": ".0%", "title": "صافي المشاعر / Net sentiment"},
                        {"field": "positive", "title": "إيجابية / Positive"},
                        {"field": "negative", "title": "سلبية / Negative"}]},
    }


def complaint_rate_over_time_spec(index: str, timezone: str) -> dict:
    """Vega-Lite: complaints ÷ mentions per day and brand (a line per brand named in the dashboard's mentions)."""
    brands = {"terms": {"field": "brands.id", "size": 10},
              "aggs": {"complaints": {"filter": {"term": {"nlp.complaint": True}}}}}
    return {
        "$schema": VEGA_LITE,
        "data": {"url": {"index": index, "body": mention_request(
            {"over_time": {"date_histogram": daily(timezone), "aggs": {"brands": brands}}})},
            "format": {"property": "aggregations.over_time.buckets"}},
        "transform": [
            {"calculate": "toDate(substring(datum.key_as_string, 0, 10))", "as": "day"},
            {"flatten": ["brands.buckets"], "as": ["bucket"]},
            {"calculate": "datum.bucket.key", "as": "brand"},
            {"calculate": "datum.bucket.doc_count", "as": "mentions"},
            {"calculate": "datum.bucket.complaints.doc_count", "as": "complaints"},
            {"calculate": "datum.mentions > 0 ? datum.complaints / datum.mentions : null", "as": "rate"}],
        "mark": {"type": "line", "point": True, "tooltip": True},
        "encoding": {
            "x": {"field": "day", "type": "temporal", "timeUnit": "utcyearmonthdate", "title": "اليوم / Day"},
            "y": {"field": "rate", "type": "quantitative", "title": "نسبة الشكاوى / Complaint rate",
                  "axis": {"format": ".0%"}},
            "color": {"field": "brand", "type": "nominal", "title": MENTION_LABELS["brands.id"]},
            "tooltip": [{"field": "brand", "title": MENTION_LABELS["brands.id"]},
                        {"field": "rate", "format": ".1%", "title": "نسبة الشكاوى / Complaint rate"},
                        {"field": "complaints", "title": "عدد الشكاوى / Complaints"},
                        {"field": "mentions", "title": "عدد الإشارات / Mentions"}]},
    }


# Negative toward a brand the mention names, in query DSL (what NEGATIVE_TOWARD_A_BRAND says in KQL).
NEGATIVE_TOWARD_A_BRAND_DSL = {"bool": {"minimum_should_match": 1, "should": [
    {"wildcard": {"nlp.brand_sentiment": {"value": "*:negative"}}},
    {"bool": {"must_not": [{"exists": {"field": "nlp.brand_sentiment"}}],
              "filter": [{"term": {"nlp.sentiment": "negative"}}]}}]}}


def rising_terms_spec(index: str) -> dict:
    """Vega-Lite: the words unusually frequent in the period's negative mentions (under the dashboard's pickers)
    against all mentions — the report's rising terms (index/trends.py `rising_terms_query`: a sample of at most
    500 mentions per shard, terms seen at least twice), for any period and brand picked."""
    request = mention_request({"sample": {"sampler": {"shard_size": 500}, "aggs": {"rising": {"significant_text": {
        "field": "text.exact", "size": 15, "min_doc_count": 2, "shard_min_doc_count": 2,
        "filter_duplicate_text": True}}}}}, [NEGATIVE_TOWARD_A_BRAND_DSL])
    return {
        "$schema": VEGA_LITE,
        "data": {"url": {"index": index, "body": request},
                 "format": {"property": "aggregations.sample.rising.buckets"}},
        "mark": {"type": "bar", "tooltip": True, "color": SENTIMENT_COLOURS["negative"]},
        "encoding": {
            "y": {"field": "key", "type": "nominal", "sort": "-x", "title": "الكلمة / Term"},
            "x": {"field": "score", "type": "quantitative", "title": "الصعود / Significance"},
            "tooltip": [{"field": "key", "title": "الكلمة / Term"},
                        {"field": "doc_count", "title": "في الإشارات السلبية / In negative mentions"},
                        {"field": "bg_count", "title": "في كل الإشارات / In all mentions"},
                        {"field": "score", "format": ".2f", "title": "الصعود / Significance"}]},
    }


def share_of_voice_spec(index: str, groups: list[BrandGroup]) -> dict:
    """Vega-Lite: each reported brand's share of the mentions naming it or its competitors, one row per brand
    group. It ignores the dashboard's query, filters and pickers on purpose (a brand picked would make its
    own share ~100%): only the time range applies; spam excluded."""
    voices = {f"{group.brand}|{member}": {"term": {"brands.id": member}}
              for group in groups for member in group.members}
    request = mention_request({"voice": {"filters": {"filters": voices, "keyed": False}}},
                              [{"terms": {"brands.id": compared_brands(groups)}}], dashboard_context=False)
    return {
        "$schema": VEGA_LITE,
        "data": {"url": {"index": index, "body": request}, "format": {"property": "aggregations.voice.buckets"}},
        "transform": [
            {"calculate": "split(datum.key, '|')[0]", "as": "group"},
            {"calculate": "split(datum.key, '|')[1]", "as": "brand"},
            {"joinaggregate": [{"op": "sum", "field": "doc_count", "as": "total"}], "groupby": ["group"]},
            {"calculate": "datum.total > 0 ? datum.doc_count / datum.total : 0", "as": "share"}],
        "mark": {"type": "bar", "tooltip": True},
        "encoding": {
            "row": {"field": "group", "type": "nominal", "title": "العلامة ومنافسوها / Brand and competitors"},
            "y": {"field": "brand", "type": "nominal", "title": MENTION_LABELS["brands.id"]},
            "x": {"field": "share", "type": "quantitative", "title": "حصة الحضور / Share of voice",
                  "scale": {"domain": [0, 1]}, "axis": {"format": ".0%"}},
            "color": {"field": "brand", "type": "nominal", "title": MENTION_LABELS["brands.id"]},
            "tooltip": [{"field": "brand", "title": MENTION_LABELS["brands.id"]},
                        {"field": "share", "format": ".1%", "title": "حصة الحضور / Share of voice"},
                        {"field": "doc_count", "title": "عدد الإشارات / Mentions"}]},
    }


def competitors_spec(index: str, groups: list[BrandGroup]) -> dict:
    """Vega-Lite: the brands and their competitors side by side — mentions, net sentiment (each brand's own)
    and complaint rate — under the dashboard's query, filters and time range (it has no brand picker)."""
    members = compared_brands(groups)
    brands = {"terms": {"field": "brands.id", "size": max(len(members), 1), "include": members},
              "aggs": {"complaints": {"filter": {"term": {"nlp.complaint": True}}}, **pair_aggregations()}}
    request = mention_request({"brands": brands}, [{"terms": {"brands.id": members}}])
    metrics = {"mentions": "عدد الإشارات / Mentions", "net": "صافي المشاعر / Net sentiment",
               "complaint_rate": "نسبة الشكاوى / Complaint rate"}
    return {
        "$schema": VEGA_LITE,
        "data": {"url": {"index": index, "body": request}, "format": {"property": "aggregations.brands.buckets"}},
        "transform": [
            {"calculate": "datum.doc_count", "as": "brand_mentions"},
            {"calculate": "datum.complaints.doc_count", "as": "brand_complaints"},
            *PAIR_ROWS,
            {"calculate": "datum.brand === datum.key && datum.sentiment === 'positive' ? datum.count : 0", "as": "pos"},
            {"calculate": "datum.brand === datum.key && datum.sentiment === 'negative' ? datum.count : 0", "as": "neg"},
            {"aggregate": [{"op": "sum", "field": "pos", "as": "positive"},
                           {"op": "sum", "field": "neg", "as": "negative"},
                           {"op": "max", "field": "brand_mentions", "as": "mentions"},
                           {"op": "max", "field": "brand_complaints", "as": "complaints"}], "groupby": ["key"]},
            {"calculate": "datum.positive + datum.negative > 0 ? (datum.positive - datum.negative) / "
                          "(datum.positive + datum.negative) : 0", "as": "net"},
            {"calculate": "datum.mentions > 0 ? datum.complaints / datum.mentions : 0", "as": "complaint_rate"},
            {"fold": list(metrics), "as": ["metric", "value"]},
            {"calculate": " : ".join(f"datum.metric === '{key}' ? '{label}'" for key, label in metrics.items())
                          + " : datum.metric", "as": "measure"}],
        "mark": {"type": "bar", "tooltip": True},
        "encoding": {
            "column": {"field": "measure", "type": "nominal", "title": None, "sort": list(metrics.values())},
            "y": {"field": "key", "type": "nominal", "title": MENTION_LABELS["brands.id"]},
            "x": {"field": "value", "type": "quantitative", "title": None},
            "color": {"field": "key", "type": "nominal", "title": MENTION_LABELS["brands.id"]},
            "tooltip": [{"field": "key", "title": MENTION_LABELS["brands.id"]},
                        {"field": "mentions", "title": metrics["mentions"]},
                        {"field": "net", "format": ".0%", "title": metrics["net"]},
                        {"field": "complaint_rate", "format": ".1%", "title": metrics["complaint_rate"]}]},
        "resolve": {"scale": {"x": "independent"}},
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
        labels = {MENTIONS_VIEW: MENTION_LABELS, ALERTS_VIEW: ALERT_LABELS, HEALTH_VIEW: HEALTH_LABELS}[view]
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


def saved_objects(prefix: str = DEFAULT_PREFIX, groups: list[BrandGroup] | None = None) -> list[dict]:
    """Every saved object nabd ships, data views first; titles use the deployment's index prefix, and the
    comparisons the brand groups of `groups` (default: the repository's config/brands.yaml)."""
    groups = brand_groups() if groups is None else groups
    index = f"{prefix}-mentions"
    return [
        data_view(MENTIONS_VIEW, index, "نبض — الإشارات / nabd mentions", MENTION_LABELS,
                  MENTION_FORMATS, MENTION_RUNTIME_FIELDS),
        data_view(ALERTS_VIEW, f"{prefix}-alerts", "نبض — التنبيهات / nabd alerts", ALERT_LABELS, ALERT_FORMATS),
        *saved_searches(),
        *brand_health_objects(index, groups, charts_timezone(groups)),
        *complaints_objects(),
        *competitors_objects(index, groups),
        *alerts_objects(),
        data_view(HEALTH_VIEW, f"{prefix}-collection-health", "نبض — صحة الجمع / nabd collection health",
                  HEALTH_LABELS, {}),
        *operations_objects(),
    ]


def saved_searches() -> list[dict]:
    mention_columns = ["brands.id", BRAND_SENTIMENT, "text", "nlp.topics", "source", "engagement.total", "url"]
    return [
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
        saved_search("nabd-search-complaint-evidence", "الشكاوى وأدلتها / Complaints with evidence",
                     "Complaints newest first, with the words that made each label (nlp.evidence): click a topic "
                     "on the heat map to drill down to its posts.", MENTIONS_VIEW,
                     f"nlp.complaint:true and {NOT_SPAM}",
                     ["nlp.topics", "brands.id", BRAND_SENTIMENT, "text", "nlp.evidence.text", "nlp.evidence.label",
                      "nlp.churn_intent", "source", "url"], [["@timestamp", "desc"]]),
    ]


def brand_health_objects(index: str, groups: list[BrandGroup], timezone: str) -> list[dict]:
    """The Brand health dashboard and its charts."""
    return [
        vega("nabd-vega-volume-by-sentiment", "حجم الإشارات حسب المشاعر / Volume by sentiment",
             "Mentions per day stacked by each brand's own sentiment (negative red, neutral grey, positive green), "
             "one row per brand; spam excluded.", sentiment_over_time_spec(index, timezone)),
        vega("nabd-vega-net-sentiment", "صافي المشاعر حسب العلامة / Net sentiment",
             "(positive − negative) / (positive + negative) per brand, from each brand's own sentiment, over the "
             "dashboard's period and filters (spam excluded). With a brand picked, brands named in the same posts "
             "show as well.", net_sentiment_by_brand_spec(index)),
        vega("nabd-vega-net-sentiment-over-time", "صافي المشاعر عبر الزمن / Net sentiment over time",
             "Each brand's net sentiment per day (its own sentiment; spam excluded).",
             net_sentiment_over_time_spec(index, timezone)),
        vega("nabd-vega-complaint-rate", "نسبة الشكاوى عبر الزمن / Complaint rate over time",
             "Complaints ÷ mentions per day and brand (spam excluded).", complaint_rate_over_time_spec(index, timezone)),
        lens("nabd-lens-complaint-topics", "مواضيع الشكاوى / Complaint topics",
             "Complaints per topic (a complaint may carry several topics).", MENTIONS_VIEW, "lnsXY",
             f"nlp.complaint:true and {NOT_SPAM}", "topics",
             {"topics-topic": terms_column("nlp.topics", MENTION_LABELS["nlp.topics"], 10, "topics-count"),
              "topics-count": count_column("عدد الشكاوى / Complaints")},
             xy("topics", "bar_horizontal", "topics-topic", "topics-count")),
        lens("nabd-lens-topics-over-time", "مواضيع الشكاوى عبر الزمن / Complaint topics over time",
             "Complaints per day, stacked by topic (a complaint may carry several topics).", MENTIONS_VIEW, "lnsXY",
             f"nlp.complaint:true and {NOT_SPAM}", "topics-time",
             {"topics-time-date": date_column(),
              "topics-time-count": count_column("عدد الشكاوى / Complaints"),
              "topics-time-topic": terms_column("nlp.topics", MENTION_LABELS["nlp.topics"], 8, "topics-time-count")},
             xy("topics-time", "bar_stacked", "topics-time-date", "topics-time-count", "topics-time-topic")),
        lens("nabd-lens-top-sources", "أبرز المصادر / Top sources",
             "Mentions per source (spam excluded).", MENTIONS_VIEW, "lnsXY", NOT_SPAM, "sources",
             {"sources-source": terms_column("source", MENTION_LABELS["source"], 10, "sources-count"),
              "sources-count": count_column()},
             xy("sources", "bar_horizontal", "sources-source", "sources-count")),
        lens("nabd-lens-top-authors", "أبرز الكتّاب حسب الوصول / Top authors by reach",
             "Pseudonymous authors with the most followers, their mentions and engagement (spam excluded).",
             MENTIONS_VIEW, "lnsDatatable", NOT_SPAM, "authors",
             {"authors-author": terms_column("author.id", MENTION_LABELS["author.id"], 10, "authors-reach"),
              "authors-reach": metric_column("max", "author.followers", MENTION_LABELS["author.followers"]),
              "authors-count": count_column(),
              "authors-engagement": metric_column("sum", "engagement.total", MENTION_LABELS["engagement.total"])},
             datatable("authors", ["authors-author", "authors-reach", "authors-count", "authors-engagement"])),
        lens("nabd-lens-dialect-mix", "مزيج اللهجات / Dialect mix",
             "Share of each dialect among the mentions per day (spam excluded).", MENTIONS_VIEW, "lnsXY", NOT_SPAM,
             "dialects",
             {"dialects-date": date_column(), "dialects-count": count_column(),
              "dialects-dialect": terms_column("nlp.dialect", MENTION_LABELS["nlp.dialect"], 6, "dialects-count")},
             xy("dialects", "bar_percentage_stacked", "dialects-date", "dialects-count", "dialects-dialect")),
        lens("nabd-lens-rating-trend", "تقييم التطبيق / App rating trend",
             "Average store rating per day and source (app-store reviews carry a rating; spam excluded).",
             MENTIONS_VIEW, "lnsXY", f"rating:* and {NOT_SPAM}", "rating",
             {"rating-date": date_column(),
              "rating-average": metric_column("average", "rating", "متوسط التقييم / Average rating"),
              "rating-source": terms_column("source", MENTION_LABELS["source"], 5, "rating-average")},
             xy("rating", "line", "rating-date", "rating-average", "rating-source")),
        vega("nabd-vega-rising-terms", "كلمات صاعدة في الإشارات السلبية / Rising negative terms",
             "Words unusually frequent in the period's negative mentions (negative toward a brand they name) "
             "against all mentions; pick a brand and a day to see what drove a spike (spam excluded).",
             rising_terms_spec(index)),
        vega("nabd-vega-share-of-voice", "حصة الحضور / Share of voice",
             "Each reported brand's share of the mentions naming it or its competitors (config/brands.yaml). It "
             "ignores the dashboard's pickers and query on purpose (only the time range applies), so a picked "
             "brand does not read 100%; spam excluded.", share_of_voice_spec(index, groups)),
        dashboard("nabd-dashboard-brand-health", "صحة العلامة / Brand health",
                  "Volume and net sentiment over time (each brand's own sentiment, fixed colours), complaint rate "
                  "and topics over time, top sources, top authors by reach, dialect mix, app rating, rising negative "
                  "terms, the most engaged negative posts, and share of voice. Pick a brand above: the charts show its mentions "
                  "(and, beside it, brands named in the same posts); share of voice ignores the pickers and always "
                  "compares each brand with its competitors.",
                  [("volume", "visualization", "nabd-vega-volume-by-sentiment", (0, 0, 32, 18)),
                   ("net", "visualization", "nabd-vega-net-sentiment", (32, 0, 16, 18)),
                   ("net-time", "visualization", "nabd-vega-net-sentiment-over-time", (0, 18, 24, 14)),
                   ("rate", "visualization", "nabd-vega-complaint-rate", (24, 18, 24, 14)),
                   ("topics-time", "lens", "nabd-lens-topics-over-time", (0, 32, 32, 15)),
                   ("topics", "lens", "nabd-lens-complaint-topics", (32, 32, 16, 15)),
                   ("sources", "lens", "nabd-lens-top-sources", (0, 47, 16, 15)),
                   ("authors", "lens", "nabd-lens-top-authors", (16, 47, 16, 15)),
                   ("voice", "visualization", "nabd-vega-share-of-voice", (32, 47, 16, 15)),
                   ("dialects", "lens", "nabd-lens-dialect-mix", (0, 62, 24, 14)),
                   ("rating", "lens", "nabd-lens-rating-trend", (24, 62, 24, 14)),
                   ("rising", "visualization", "nabd-vega-rising-terms", (0, 76, 16, 20)),
                   ("negative", "search", "nabd-search-top-negative", (16, 76, 32, 20))],
                  controls=[("brand", MENTIONS_VIEW, "brands.id"), ("source", MENTIONS_VIEW, "source"),
                            ("dialect", MENTIONS_VIEW, "nlp.dialect")]),
    ]


def complaints_objects() -> list[dict]:
    """The Complaints dashboard: topics × time, drill-down to posts with evidence, churn, advocacy, rate."""
    complaint = f"nlp.complaint:true and {NOT_SPAM}"
    return [
        lens("nabd-lens-complaint-heatmap", "الشكاوى: المواضيع × الزمن / Complaint topics × time",
             "Complaints per topic and day; click a cell to filter the dashboard to that topic and day.",
             MENTIONS_VIEW, "lnsHeatmap", complaint, "heat",
             {"heat-date": date_column(),
              "heat-topic": terms_column("nlp.topics", MENTION_LABELS["nlp.topics"], 10, "heat-count"),
              "heat-count": count_column("عدد الشكاوى / Complaints")},
             heatmap("heat", "heat-date", "heat-topic", "heat-count")),
        lens("nabd-lens-churn-count", "نية الانتقال / Churn intent",
             "Mentions whose author says they will leave, cancel or switch (spam excluded).", MENTIONS_VIEW,
             "lnsMetric", f"nlp.churn_intent:true and {NOT_SPAM}", "churn",
             {"churn-count": count_column("نية الانتقال / Churn intent")},
             metric("churn", "churn-count", colour=SENTIMENT_COLOURS["negative"])),
        lens("nabd-lens-advocacy-count", "التوصية / Advocacy",
             "Mentions whose author recommends the brand to others (spam excluded).", MENTIONS_VIEW,
             "lnsMetric", f"nlp.advocacy:true and {NOT_SPAM}", "advocacy",
             {"advocacy-count": count_column("التوصية / Advocacy")},
             metric("advocacy", "advocacy-count", colour=SENTIMENT_COLOURS["positive"])),
        lens("nabd-lens-complaint-rate-vs-previous",
             "نسبة الشكاوى مقارنة بالفترة السابقة / Complaint rate vs previous period",
             "Complaints ÷ mentions in the dashboard's period; below it, the same for the period of equal length "
             "just before (Lens time shift `previous`); spam excluded.", MENTIONS_VIEW, "lnsMetric", NOT_SPAM,
             "rate", {**rate_columns("rate-now", "نسبة الشكاوى / Complaint rate", "nlp.complaint:true"),
                      **rate_columns("rate-before", "الفترة السابقة / Previous period", "nlp.complaint:true",
                                     "previous")},
             metric("rate", "rate-now", "rate-before")),
        dashboard("nabd-dashboard-complaints", "الشكاوى / Complaints",
                  "Complaint topics over time as a heat map (click a cell to drill down to its posts and their "
                  "evidence below), churn intent and advocacy counts, and the complaint rate against the period "
                  "before.",
                  [("rate", "lens", "nabd-lens-complaint-rate-vs-previous", (0, 0, 16, 9)),
                   ("churn", "lens", "nabd-lens-churn-count", (16, 0, 16, 9)),
                   ("advocacy", "lens", "nabd-lens-advocacy-count", (32, 0, 16, 9)),
                   ("heat", "lens", "nabd-lens-complaint-heatmap", (0, 9, 32, 18)),
                   ("topics", "lens", "nabd-lens-complaint-topics", (32, 9, 16, 18)),
                   ("posts", "search", "nabd-search-complaint-evidence", (0, 27, 48, 22))],
                  controls=[("brand", MENTIONS_VIEW, "brands.id"), ("source", MENTIONS_VIEW, "source"),
                            ("dialect", MENTIONS_VIEW, "nlp.dialect")]),
    ]


def competitors_objects(index: str, groups: list[BrandGroup]) -> list[dict]:
    """The Competitors dashboard: each reported brand and its competitors side by side (no brand picker:
    the charts are pinned to the compared brands)."""
    compared = " or ".join(compared_brands(groups)) or "none"
    pinned = f"brands.id:({compared}) and {NOT_SPAM}"
    return [
        vega("nabd-vega-competitors", "العلامة والمنافسون / Brand vs competitors",
             "Mentions, net sentiment (each brand's own) and complaint rate of each reported brand and its "
             "competitors (config/brands.yaml), under the dashboard's period and filters; spam excluded.",
             competitors_spec(index, groups)),
        lens("nabd-lens-competitor-volume", "حجم الإشارات لكل علامة / Mentions per brand",
             "Mentions per day of each compared brand (spam excluded).", MENTIONS_VIEW, "lnsXY", pinned,
             "brand-volume",
             {"brand-volume-date": date_column(), "brand-volume-count": count_column(),
              "brand-volume-brand": terms_column("brands.id", MENTION_LABELS["brands.id"], 10, "brand-volume-count")},
             xy("brand-volume", "line", "brand-volume-date", "brand-volume-count", "brand-volume-brand")),
        lens("nabd-lens-competitor-topics", "مواضيع الشكاوى لكل علامة / Complaint topics per brand",
             "Complaints per topic for each compared brand, side by side (spam excluded).", MENTIONS_VIEW,
             "lnsHeatmap", f"nlp.complaint:true and {pinned}", "brand-topics",
             {"brand-topics-brand": terms_column("brands.id", MENTION_LABELS["brands.id"], 10, "brand-topics-count"),
              "brand-topics-topic": terms_column("nlp.topics", MENTION_LABELS["nlp.topics"], 10, "brand-topics-count"),
              "brand-topics-count": count_column("عدد الشكاوى / Complaints")},
             heatmap("brand-topics", "brand-topics-topic", "brand-topics-brand", "brand-topics-count")),
        dashboard("nabd-dashboard-competitors", "المنافسون / Competitors",
                  "Each reported brand and its competitors side by side: mentions, net sentiment, complaint rate, "
                  "complaint topics, mentions over time, and share of voice. There is no brand picker: every "
                  "chart compares the brands of config/brands.yaml.",
                  [("side-by-side", "visualization", "nabd-vega-competitors", (0, 0, 48, 16)),
                   ("volume", "lens", "nabd-lens-competitor-volume", (0, 16, 32, 15)),
                   ("voice", "visualization", "nabd-vega-share-of-voice", (32, 16, 16, 15)),
                   ("topics", "lens", "nabd-lens-competitor-topics", (0, 31, 48, 16))],
                  controls=[("source", MENTIONS_VIEW, "source"), ("dialect", MENTIONS_VIEW, "nlp.dialect")]),
    ]


def alerts_objects() -> list[dict]:
    return [
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
        dashboard("nabd-dashboard-alerts", "التنبيهات / Alerts",
                  "Negative-spike alerts recorded by nabd's alert runner (Airflow); delivery is not done by Kibana.",
                  [("over-time", "lens", "nabd-lens-alerts-over-time", (0, 0, 24, 12)),
                   ("by-brand", "lens", "nabd-lens-alerts-by-brand", (24, 0, 24, 12)),
                   ("alerts", "search", "nabd-search-alerts", (0, 12, 48, 20))],
                  controls=[("alert-brand", ALERTS_VIEW, "brand"), ("alert-severity", ALERTS_VIEW, "severity")]),
    ]


def operations_objects() -> list[dict]:
    """The Operations dashboard: collection health per source, alerts, spam excluded, model versions."""
    statuses = {f"status-{status}": filtered_count_column(f"{status} / {label}", f"status:{status}")
                for status, label in (("ok", "ناجح"), ("empty", "فارغ"), ("failed", "فاشل"))}
    return [
        lens("nabd-lens-collection-status", "حالة الجمع عبر الزمن / Collection runs by status",
             "Crawl runs per day: ok (green), empty (grey), failed (red).", HEALTH_VIEW, "lnsXY", "", "status",
             {"status-date": date_column(label=HEALTH_LABELS["@timestamp"], interval="1d"), **statuses},
             xy("status", "bar_stacked", "status-date", list(statuses),
                colours={f"status-{status}": colour for status, colour in STATUS_COLOURS.items()})),
        lens("nabd-lens-collection-by-source", "صحة الجمع لكل مصدر / Collection health per source",
             "Per source: the last crawl, its runs, failed and empty runs, posts collected, pages skipped, errors "
             "and the slowest crawl.", HEALTH_VIEW, "lnsDatatable", "", "per-source",
             {"per-source-source": terms_column("source", HEALTH_LABELS["source"], 50, "per-source-last"),
              "per-source-last": metric_column("max", "@timestamp", "آخر جمع / Last crawl", "date"),
              "per-source-runs": count_column("مرات الجمع / Runs"),
              "per-source-failed": filtered_count_column("فاشلة / Failed", "status:failed"),
              "per-source-empty": filtered_count_column("فارغة / Empty", "status:empty"),
              "per-source-items": metric_column("sum", "items", HEALTH_LABELS["items"]),
              "per-source-skipped": metric_column("sum", "pages_skipped", HEALTH_LABELS["pages_skipped"]),
              "per-source-errors": metric_column("sum", "errors", HEALTH_LABELS["errors"]),
              "per-source-5xx": metric_column("sum", "http_status.5xx", HEALTH_LABELS["http_status.5xx"]),
              "per-source-duration": metric_column("max", "duration_s", HEALTH_LABELS["duration_s"])},
             datatable("per-source", ["per-source-source", "per-source-last", "per-source-runs", "per-source-failed",
                                      "per-source-empty", "per-source-items", "per-source-skipped",
                                      "per-source-errors", "per-source-5xx", "per-source-duration"])),
        saved_search("nabd-search-failed-crawls", "عمليات جمع فاشلة أو فارغة / Failed or empty crawls",
                     "Crawl runs that failed or found nothing, newest first, with their error and HTTP counts.",
                     HEALTH_VIEW, "status:(failed or empty)",
                     ["source", "status", "interval_start", "interval_end", "error", "skipped_reasons",
                      "http_status.4xx", "http_status.5xx", "crawl_id"], [["@timestamp", "desc"]]),
        saved_search("nabd-search-stalled-sources", "مصادر متوقفة / Stalled sources",
                     "Collection-stalled alerts (a source that stopped yielding, docs/alerts.md), newest first.",
                     ALERTS_VIEW, "kind:collection_stalled",
                     ["source", "severity", "stall.last_status", "stall.consecutive_runs", "stall.last_error",
                      "window_start", "window_end"], [["@timestamp", "desc"]]),
        lens("nabd-lens-spam-per-day", "الإشارات المستبعدة كسبام / Mentions excluded as spam",
             "Mentions the spam head marked (never counted in any figure) per day, by kind.", MENTIONS_VIEW, "lnsXY",
             "nlp.spam:true", "spam",
             {"spam-date": date_column(interval="1d"), "spam-count": count_column("سبام / Spam"),
              "spam-reason": terms_column("nlp.spam_reason", MENTION_LABELS["nlp.spam_reason"], 5, "spam-count")},
             xy("spam", "bar_stacked", "spam-date", "spam-count", "spam-reason")),
        lens("nabd-lens-model-version", "إصدار النموذج عبر الزمن / Model version over time",
             "Mentions per day by the classifier version that labelled them (a re-classification shows as a "
             "switch).", MENTIONS_VIEW, "lnsXY", "", "model",
             {"model-date": date_column(interval="1d"), "model-count": count_column(),
              "model-version": terms_column("nlp.model.version", MENTION_LABELS["nlp.model.version"], 5,
                                            "model-count")},
             xy("model", "bar_stacked", "model-date", "model-count", "model-version")),
        dashboard("nabd-dashboard-operations", "التشغيل / Operations",
                  "Is collection healthy? Crawl runs by status and per source (failed runs listed), sources that "
                  "stopped yielding (collection-stalled alerts), the alerts fired, mentions excluded as spam per day, "
                  "and which model version labelled the mentions.",
                  [("status", "lens", "nabd-lens-collection-status", (0, 0, 24, 14)),
                   ("alerts", "lens", "nabd-lens-alerts-over-time", (24, 0, 24, 14)),
                   ("per-source", "lens", "nabd-lens-collection-by-source", (0, 14, 48, 16)),
                   ("failed", "search", "nabd-search-failed-crawls", (0, 30, 24, 14)),
                   ("stalled", "search", "nabd-search-stalled-sources", (24, 30, 24, 14)),
                   ("spam", "lens", "nabd-lens-spam-per-day", (0, 44, 24, 14)),
                   ("model", "lens", "nabd-lens-model-version", (24, 44, 24, 14))],
                  controls=[("source", HEALTH_VIEW, "source")]),
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
