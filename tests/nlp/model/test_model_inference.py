"""Behaviour of the Classifier: the `nlp` object, input order, and clear errors on bad model dirs."""

import json
import shutil

import pytest

from nlp.analysis_cap import ANALYSIS_CHARS, analysed_part
from nlp.model.modeling import NabdMultiTaskModel
from nlp.model.predict import DEFAULT_MODEL_DIR, Classifier, ModelLoadError

from tiny_models import POSTS

TEXTS = [text for text, *_ in POSTS]


def test_each_text_gets_the_nlp_object_of_the_mention_record(tiny_model_dir):
    results = Classifier.load(tiny_model_dir).classify(TEXTS[:3])
    assert len(results) == 3
    for nlp in results:
        assert nlp["model"] == {"name": "nabd-test-tiny", "version": "0.0.1"}
        assert nlp["sentiment"] in {"positive", "negative", "neutral"}
        assert set(nlp["scores"]) == {"positive", "negative", "neutral"}
        assert nlp["sentiment"] == max(nlp["scores"], key=nlp["scores"].get)
        assert sum(nlp["scores"].values()) == pytest.approx(1.0, abs=1e-3)
        assert isinstance(nlp["sarcasm"], bool) and 0.0 <= nlp["sarcasm_score"] <= 1.0
        assert nlp["sarcasm"] == (nlp["sarcasm_score"] > 0.5)
        assert nlp["dialect"] in {"msa", "gulf", "egypt", "levant", "maghreb"}
        assert set(nlp["dialect_scores"]) == {"msa", "gulf", "egypt", "levant", "maghreb"}


def test_results_follow_input_order_although_batches_are_sorted_by_length(tiny_model_dir):
    classifier = Classifier.load(tiny_model_dir, batch_size=3)
    together = classifier.classify(TEXTS)
    one_by_one = [classifier.classify([text])[0] for text in TEXTS]
    for joint, single in zip(together, one_by_one):
        assert joint["sentiment"] == single["sentiment"]
        for label, score in joint["scores"].items():
            assert score == pytest.approx(single["scores"][label], abs=1e-3)


def test_an_empty_list_of_texts_gives_an_empty_list(tiny_model_dir):
    assert Classifier.load(tiny_model_dir).classify([]) == []


def test_the_saved_model_loads_with_from_pretrained_and_keeps_label_names(tiny_model_dir):
    model = NabdMultiTaskModel.from_pretrained(str(tiny_model_dir))
    assert model.config.head_labels("sentiment") == ["negative", "neutral", "positive"]
    assert model.config.head_labels("dialect") == ["msa", "gulf", "egypt", "levant", "maghreb"]
    assert set(model.heads) == {"sentiment", "sarcasm", "dialect"}


def test_a_missing_model_directory_is_named_in_the_error(tmp_path):
    missing = tmp_path / "no-such-model"
    with pytest.raises(ModelLoadError, match=f"{missing}.*does not exist"):
        Classifier.load(missing)


def test_a_corrupt_config_is_reported_with_its_path(tiny_model_dir, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(tiny_model_dir, broken)
    (broken / "config.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ModelLoadError, match="config.json is not valid JSON"):
        Classifier.load(broken)


def test_a_config_without_classifier_heads_is_refused(tiny_model_dir, tmp_path):
    plain = tmp_path / "plain"
    shutil.copytree(tiny_model_dir, plain)
    config = json.loads((plain / "config.json").read_text())
    del config["heads"]
    (plain / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelLoadError, match="lacks the classifier heads"):
        Classifier.load(plain)


def test_missing_weights_are_reported(tiny_model_dir, tmp_path):
    no_weights = tmp_path / "no-weights"
    shutil.copytree(tiny_model_dir, no_weights)
    (no_weights / "model.safetensors").unlink()
    with pytest.raises(ModelLoadError, match="has no weights"):
        Classifier.load(no_weights)


def test_truncated_weights_are_reported_as_corrupt(tiny_model_dir, tmp_path):
    truncated = tmp_path / "truncated"
    shutil.copytree(tiny_model_dir, truncated)
    weights = truncated / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:100])
    with pytest.raises(ModelLoadError, match="cannot load the weights"):
        Classifier.load(truncated)


def test_the_onnx_backend_without_an_export_says_how_to_make_one(tiny_tokenizer_dir, tmp_path):
    from tiny_models import build_tiny_model

    model_dir = build_tiny_model(tiny_tokenizer_dir, tmp_path / "fresh")
    with pytest.raises(ModelLoadError, match="nabd export-onnx"):
        Classifier.load(model_dir, backend="onnx")


def test_an_unknown_backend_is_refused(tiny_model_dir):
    with pytest.raises(ValueError, match="unknown backend 'tensorflow'"):
        Classifier.load(tiny_model_dir, backend="tensorflow")


def test_a_post_longer_than_the_analysis_cap_is_classified_as_its_first_analysis_chars() -> None:
    """The shipped model's n-gram channels and evidence would read a whole megabyte; they read the head."""
    praise = "خدمة سهم ممتازة والنت سريع الله يعطيكم العافية 👍 "
    complaint = "الطلب ما وصل والشبكة طايحة ومحد يرد على الشكوى 😡 "
    post = praise * (ANALYSIS_CHARS // len(praise) + 1) + complaint * (ANALYSIS_CHARS // len(complaint))
    classifier = Classifier.load(DEFAULT_MODEL_DIR, backend="onnx")
    (whole,), (head,) = classifier.classify([post]), classifier.classify([analysed_part(post)])
    assert whole == head and not whole["complaint"]
