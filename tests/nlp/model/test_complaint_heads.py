"""The complaint, topic, churn, advocacy and spam heads: inference fields, thresholds, spam gating,
ONNX, and the heads-only refit that keeps the encoder and the other heads."""

import json
import shutil
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from nlp.complaints.data import TEAM_LABELS_FILE, LabeledExamplesError, read_labeled_examples, team_split
from nlp.model.predict import Classifier

from tiny_models import COMPLAINT_POSTS, build_tiny_complaint_model, write_complaint_data

TOPICS_FILE = Path("config/topics.yaml")
TOPIC_IDS = ("delivery", "product_quality", "pricing", "billing_payment", "refund_return",
             "customer_service", "technical", "network_coverage")
TEXTS = [text for text, *_ in COMPLAINT_POSTS]


@pytest.fixture(scope="module")
def complaint_model_dir(tiny_tokenizer_dir, tmp_path_factory) -> Path:
    directory = build_tiny_complaint_model(tiny_tokenizer_dir, tmp_path_factory.mktemp("complaint-model"), TOPIC_IDS)
    shutil.copy(TOPICS_FILE, directory / "topics.yaml")
    return directory


def with_thresholds(model_dir: Path, target: Path, **thresholds) -> Path:
    """A copy of the model whose config sets every label of the named heads to one threshold."""
    shutil.copytree(model_dir, target)
    config = json.loads((target / "config.json").read_text())
    for head, value in thresholds.items():
        config["heads"][head]["thresholds"] = dict.fromkeys(config["heads"][head]["thresholds"], value)
    (target / "config.json").write_text(json.dumps(config))
    return target


def test_every_text_gets_complaint_fields_of_the_mention_record(complaint_model_dir):
    for nlp in Classifier.load(complaint_model_dir).classify(TEXTS):
        assert isinstance(nlp["complaint"], bool) and 0.0 <= nlp["complaint_score"] <= 1.0
        assert isinstance(nlp["topics"], list) and set(nlp["topics"]) <= set(TOPIC_IDS)
        assert isinstance(nlp["churn_intent"], bool) and isinstance(nlp["advocacy"], bool)
        assert isinstance(nlp["spam"], bool) and 0.0 <= nlp["spam_score"] <= 1.0
        assert isinstance(nlp["evidence"], list)
        if not nlp["complaint"]:
            assert nlp["topics"] == []
        json.dumps(nlp)  # plain JSON types only


def test_stored_thresholds_decide_the_labels_and_evidence_explains_them(complaint_model_dir, tmp_path):
    model_dir = with_thresholds(complaint_model_dir, tmp_path / "m", complaint=0.0, topics=0.0, spam=1.01,
                                churn_intent=1.01, advocacy=1.01)
    text = "والله الطلب ما وصل لين الحين والشبكة طايحة"
    [nlp] = Classifier.load(model_dir).classify([text])
    assert nlp["complaint"] is True and nlp["spam"] is False
    assert nlp["topics"] == list(TOPIC_IDS)
    seeds_found = {("delivery", "الطلب ما وصل"), ("network_coverage", "والشبكة طايحة")}
    assert seeds_found <= {(e["label"], e["text"]) for e in nlp["evidence"]}
    assert {e["label"] for e in nlp["evidence"]} <= {"complaint", *TOPIC_IDS}
    for evidence in nlp["evidence"]:
        assert text[evidence["start"]:evidence["end"]] == evidence["text"]


def test_a_spam_post_is_never_a_complaint_nor_a_churn_or_advocacy_signal(complaint_model_dir, tmp_path):
    model_dir = with_thresholds(complaint_model_dir, tmp_path / "m", complaint=0.0, topics=0.0, spam=0.0,
                                churn_intent=0.0, advocacy=0.0)
    for nlp in Classifier.load(model_dir).classify(TEXTS):
        assert nlp["spam"] is True
        assert (nlp["complaint"], nlp["topics"], nlp["churn_intent"], nlp["advocacy"]) == (False, [], False, False)
        assert nlp["evidence"] == []


def test_onnx_export_carries_the_complaint_heads_and_agrees_with_torch(complaint_model_dir, tmp_path):
    from nlp.model.onnx_export import export_onnx

    model_dir = tmp_path / "m"
    shutil.copytree(complaint_model_dir, model_dir)
    export_onnx(model_dir)
    torch_results = Classifier.load(model_dir).classify(TEXTS)
    onnx_results = Classifier.load(model_dir, backend="onnx").classify(TEXTS)
    for expected, got in zip(torch_results, onnx_results):
        assert got["complaint_score"] == pytest.approx(expected["complaint_score"], abs=0.05)
        assert got["spam_score"] == pytest.approx(expected["spam_score"], abs=0.05)


def test_heads_only_refit_keeps_the_encoder_and_the_sentiment_heads_and_records_the_change(
        complaint_model_dir, tmp_path):
    from nlp.model.heads_refit import HeadsRefitArguments, run_heads_refit

    data_dir = write_complaint_data(tmp_path / "data")
    labeled = tmp_path / "labeled.jsonl"
    labeled.write_text(json.dumps({"text": "المندوب رمى الطلب عند الباب", "complaint": True, "topics": ["delivery"]},
                                  ensure_ascii=False) + "\n", encoding="utf-8")
    output = tmp_path / "refit"
    args = HeadsRefitArguments(model_dir=complaint_model_dir, output_dir=output, topics_file=TOPICS_FILE,
                               labeled=(labeled,), data_dir=data_dir, dev_dir=tmp_path / "dev", cache_dir=None,
                               spam_per_class=20, epochs=2, folds=2, export_onnx=False, model_version="0.0.1+heads")
    run_heads_refit(args)

    before, after = load_file(str(complaint_model_dir / "model.safetensors")), load_file(str(output / "model.safetensors"))
    for key in before:
        if key.startswith(("bert.", "heads.sentiment", "heads.sarcasm", "heads.dialect")):
            assert torch.equal(before[key], after[key]), key
    assert not torch.equal(before["heads.complaint.deep.weight"], after["heads.complaint.deep.weight"])
    config = json.loads((output / "config.json").read_text())
    assert set(config["heads"]["topics"]["thresholds"]) == set(TOPIC_IDS)
    record = json.loads((output / "metrics.json").read_text())["complaint_heads"]
    assert record["data"]["labeled"] == {str(labeled): 1}
    texts = [json.loads(line)["text"] for line in TEAM_LABELS_FILE.read_text(encoding="utf-8").splitlines()]
    assert record["data"]["team"] == sum(team_split(text) == "train" for text in texts)  # the hold-out never
    assert record["dev"]["torch"]["complaints_silver"]["complaint"]["count"] == record["data"]["silver_dev"]
    assert "spam" in record["dev"]["torch"]["spam"]
    assert "Complaint heads (heads-only refit)" in (output / "MODEL.md").read_text()
    assert f"team-labelled posts {record['data']['team']}," in (output / "MODEL.md").read_text()
    assert (tmp_path / "dev" / "complaints_silver.jsonl").is_file()
    char = record["out_of_fold"]["topics"]["char_ngrams"]
    assert char["blend"] in args.char_blends and char["buckets"] > 0
    assert set(char["out_of_fold_micro_f1_by_blend"]) == {str(blend) for blend in args.char_blends}
    assert Classifier.load(output).char_ngrams.blend == char["blend"]
    gate = record["out_of_fold"]["topics"]["matcher_adds"]
    assert set(gate) == set(TOPIC_IDS)
    assert config["heads"]["topics"]["matcher_adds"] == [topic for topic in TOPIC_IDS if gate[topic]["kept"]]
    for topic in config["heads"]["topics"]["matcher_adds"]:
        assert gate[topic]["f1_with_matcher"] > gate[topic]["f1_head"]
    assert Classifier.load(output).model_info["version"] == "0.0.1+heads"
    assert (output / "MODEL.md").read_text().startswith("# nabd-test-tiny (version 0.0.1+heads)\n")


def test_a_refit_after_an_analyst_adds_a_topic_grows_the_topics_head_and_says_so(
        complaint_model_dir, tmp_path):
    from nlp.model.heads_refit import HeadsRefitArguments, run_heads_refit

    topics = tmp_path / "topics.yaml"
    topics.write_text(TOPICS_FILE.read_text(encoding="utf-8").replace("\nsignals:\n", """
  - id: parking
    name_ar: المواقف
    name_en: Parking
    description_ar: لا توجد مواقف عند الفرع.
    description_en: No parking at the branch.
    seeds:
      - ما فيه مواقف

signals:
"""), encoding="utf-8")
    output = tmp_path / "refit"
    run_heads_refit(HeadsRefitArguments(
        model_dir=complaint_model_dir, output_dir=output, topics_file=topics, data_dir=write_complaint_data(tmp_path / "d"),
        dev_dir=tmp_path / "dev", cache_dir=None, spam_per_class=20, epochs=1, folds=2, export_onnx=False))

    classifier = Classifier.load(output)
    assert classifier.head_labels["topics"][-1] == "parking"
    assert classifier.char_ngrams.labels == classifier.head_labels["topics"]
    assert json.loads((output / "metrics.json").read_text())["complaint_heads"]["topics_change"]["added"] == ["parking"]
    assert "parking" in classifier.matcher.labels


@pytest.mark.parametrize(("line", "message"), [
    ('{"text": "", "complaint": true}', r"labeled.jsonl:1: key 'text'"),
    ('{"text": "النت زفت", "complaint": "yes"}', r"labeled.jsonl:1: key 'complaint'"),
    ('{"text": "النت زفت", "complaint": true, "topics": ["wifi"]}', r"labeled.jsonl:1: key 'topics' has unknown ids \['wifi'\]"),
    ('{"text": "تمام", "complaint": false, "topics": ["pricing"]}', r"key 'topics' must be empty"),
    ('{"text": "تمام"', r"labeled.jsonl:1: invalid JSON"),
])
def test_a_bad_line_of_an_analysts_labeled_file_names_the_line_and_key(tmp_path, line, message):
    path = tmp_path / "labeled.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(LabeledExamplesError, match=message):
        read_labeled_examples(path, TOPIC_IDS)


def test_every_field_of_the_nlp_object_exists_in_the_index_mapping_with_a_fitting_type(complaint_model_dir):
    mapping = json.loads(Path("index/mappings/mentions.v1.json").read_text())
    fields = mapping["template"]["mappings"]["properties"]["nlp"]["properties"]
    [nlp] = Classifier.load(complaint_model_dir).classify(["الطلب ما وصل والشبكة طايحة"])
    python_types = {"boolean": bool, "float": float, "keyword": (str, list), "integer": int}
    for key, value in nlp.items():
        assert key in fields, key
        if "type" in fields[key]:
            assert isinstance(value, python_types[fields[key]["type"]]), key
    assert set(fields["evidence"]["properties"]) == {"label", "text", "start", "end"}


def test_a_complaint_gets_the_topic_whose_seed_the_matcher_finds_with_that_evidence(complaint_model_dir, tmp_path):
    model_dir = with_thresholds(complaint_model_dir, tmp_path / "m", complaint=0.0, topics=1.01, spam=1.01,
                                churn_intent=1.01, advocacy=1.01)
    [complaint] = Classifier.load(model_dir).classify(["والله الطلب ما وصل والشبكة طايحة"])
    assert complaint["topics"] == ["delivery", "network_coverage"]
    assert [e["label"] for e in complaint["evidence"] if e["label"] != "complaint"] == ["delivery", "network_coverage"]
    no_complaint = with_thresholds(complaint_model_dir, tmp_path / "n", complaint=1.01, spam=1.01)
    [quiet] = Classifier.load(no_complaint).classify(["والله الطلب ما وصل"])
    assert (quiet["complaint"], quiet["topics"], quiet["evidence"]) == (False, [], [])


def test_the_matcher_adds_only_the_topics_the_refit_kept_for_it(complaint_model_dir, tmp_path):
    model_dir = with_thresholds(complaint_model_dir, tmp_path / "m", complaint=0.0, topics=1.01, spam=1.01,
                                churn_intent=1.01, advocacy=1.01)
    config = json.loads((model_dir / "config.json").read_text())
    config["heads"]["topics"]["matcher_adds"] = ["network_coverage"]
    (model_dir / "config.json").write_text(json.dumps(config))
    [complaint] = Classifier.load(model_dir).classify(["والله الطلب ما وصل والشبكة طايحة"])
    assert complaint["topics"] == ["network_coverage"]
    assert "delivery" not in {e["label"] for e in complaint["evidence"]}


def test_term_evidence_is_the_word_whose_tokens_weigh_most_for_the_label(complaint_model_dir):
    import numpy as np

    from nlp.model.predict import TermWeights
    from nlp.model.tokenizer import ModelTokenizer
    from nlp.normalize import normalize_for_model

    tokenizer = ModelTokenizer.from_dir(complaint_model_dir)
    weights = np.zeros((tokenizer.backend.get_vocab_size(), 1), dtype=np.float32)
    for token in tokenizer.encode_words([normalize_for_model("يقطع")])[0]:
        weights[token, 0] = 1.0
    terms = TermWeights({"complaint": weights}, {"complaint": ["complaint"]}, tokenizer)
    text = "النت عندي يقطع كل شوي"
    assert terms.evidence(text, [("complaint", "complaint")]) == [
        {"label": "complaint", "text": "يقطع", "start": 10, "end": 14}]
    assert terms.evidence("تمام", [("complaint", "complaint")]) == []


def test_every_complaint_of_the_model_carries_evidence_inside_its_text(complaint_model_dir, tmp_path):
    model_dir = with_thresholds(complaint_model_dir, tmp_path / "m", complaint=0.0, spam=1.01)
    for text, nlp in zip(TEXTS, Classifier.load(model_dir).classify(TEXTS)):
        assert nlp["complaint"] is True
        for item in nlp["evidence"]:
            assert text[item["start"]:item["end"]] == item["text"]
