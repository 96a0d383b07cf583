"""The `calibrate` step: the multi-class heads' character n-gram channel and the dialect head's prior
correction and `unknown` threshold, on the tiny model (tests/nlp/model/tiny_models.py)."""

import json
import shutil

import numpy as np
import pytest
from tiny_models import POSTS

from nlp.model.char_ngrams import CharNgramModel
from nlp.model.class_ngrams import CLASS_NGRAMS_FILE, ClassNgramChannel, fit_class_channel
from nlp.model.data import LabeledPost
from nlp.model.dialect_calibration import UNKNOWN, apply, decide, fit_log_bias, fit_unknown_below
from nlp.model.evaluate import dialect_metrics
from nlp.model.predict import Classifier

DIALECTS = ["msa", "gulf", "egypt", "levant", "maghreb"]


def test_log_bias_moves_the_decisions_to_the_dialect_mix_of_the_data():
    rng = np.random.default_rng(0)
    gold = rng.choice(5, size=4000, p=[0.7, 0.15, 0.1, 0.04, 0.01])
    # a head trained on a mixture heavy in Maghrebi: every post gets extra probability on maghreb
    logits = np.eye(5)[gold] * 1.5 + rng.normal(0, 1.0, size=(4000, 5))
    logits[:, 4] += 1.2
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    bias = fit_log_bias(probabilities, gold)
    assert bias[4] < bias[0] - 1.0  # maghreb pushed down against msa
    before = (probabilities.argmax(axis=1) == gold).mean()
    after = (apply(probabilities, bias).argmax(axis=1) == gold).mean()
    assert after > before + 0.05
    np.testing.assert_allclose(apply(probabilities, bias).sum(axis=1), 1.0, rtol=1e-6)


def test_the_unknown_threshold_answers_most_posts_at_the_target_precision():
    confidence = np.array([0.95, 0.9, 0.85, 0.8, 0.7, 0.6, 0.5, 0.4])
    right = np.array([1, 1, 1, 1, 0, 1, 0, 0], dtype=bool)
    probabilities = np.stack([confidence, (1 - confidence) / 2, (1 - confidence) / 2], axis=1)
    gold = np.where(right, 0, 1)
    threshold = fit_unknown_below(probabilities, gold, target_precision=0.8)
    answered = confidence >= threshold
    assert answered.sum() == 6 and right[answered].mean() >= 0.8  # 5 of 6 right
    assert fit_unknown_below(probabilities, np.zeros(8, int), 0.8) == 0.0  # already precise: answer all
    assert decide(probabilities, ["a", "b", "c"], threshold) == ["a"] * 6 + [UNKNOWN] * 2


def test_dialect_metrics_count_unknown_as_unanswered():
    metrics = dialect_metrics(["msa", "msa", "gulf", "gulf"], ["msa", UNKNOWN, "gulf", "msa"])
    assert metrics["accuracy"] == 0.5 and metrics["coverage"] == 0.75
    assert metrics["answered_accuracy"] == pytest.approx(2 / 3)
    assert metrics["precision"] == {"msa": 0.5, "gulf": 1.0} and metrics["recall"] == {"msa": 0.5, "gulf": 0.5}


def test_a_channel_with_transposed_weights_saves_and_loads_exactly(tmp_path):
    coef = np.asfortranarray(np.arange(20, dtype=np.float32).reshape(4, 5))
    model = CharNgramModel(np.arange(4, dtype=np.int64), np.ones(4, np.float32), coef, np.zeros(5, np.float32),
                           [f"sentiment:{label}" for label in ("negative", "neutral", "positive")]
                           + ["sarcasm:false", "sarcasm:true"], blend=0.0)
    heads = {"sentiment": {"labels": ["negative", "neutral", "positive"], "start": 0, "blend": 0.4},
             "sarcasm": {"labels": ["false", "true"], "start": 3, "blend": 0.2}}
    ClassNgramChannel(model, heads).save(tmp_path / "channel.safetensors")
    loaded = ClassNgramChannel.load(tmp_path / "channel.safetensors",
                                    {"sentiment": ["negative", "neutral", "positive"], "sarcasm": ["false", "true"]})
    np.testing.assert_array_equal(loaded.model.coef, coef)  # small integers: exact in float16
    assert loaded.model.coef.dtype == np.float32
    assert loaded.heads == heads


@pytest.fixture()
def calibrated_model(tiny_onnx_model_dir, tmp_path):
    directory = tmp_path / "model"
    shutil.copytree(tiny_onnx_model_dir, directory)
    return directory


def _posts(prefix: str, copies: int) -> list[LabeledPost]:
    return [LabeledPost(id=f"{prefix}:{i}", text=f"{text} {i % 5}", dataset="arsarcasm_v2_train",
                        sentiment=sentiment, sarcasm=sarcasm, dialect=dialect)
            for i, (text, sentiment, sarcasm, dialect) in enumerate(POSTS * copies)]


def _score(head, gold, predicted):
    return float(np.mean([g == p for g, p in zip(gold, predicted)]))


def test_a_blend_that_costs_another_dev_split_is_not_chosen(calibrated_model):
    train = _posts("train", 6)
    # a second dev split whose labels contradict the training posts: any weight on the n-grams costs it
    contrary = [LabeledPost(id=f"other:{i}", text=post.text, dataset="other",
                            sentiment={"positive": "negative", "negative": "positive"}.get(post.sentiment, "positive"))
                for i, post in enumerate(_posts("o", 4))]
    _, report = fit_class_channel(
        calibrated_model, {"sentiment": [(post.text, post.sentiment, 1.0) for post in train]},
        {"arsarcasm_v2_train": _posts("dev", 4), "other": contrary}, _score, "arsarcasm_v2_train", min_posts=5)
    head = report["heads"]["sentiment"]
    assert head["guarded_datasets"] == ["other"]
    assert head["per_dataset"]["other"]["whole"]["blended"] >= head["per_dataset"]["other"]["whole"]["transformer"] - 0.05


def test_the_channel_is_fitted_blended_and_served_by_both_backends(calibrated_model):
    train = _posts("train", 6)
    channel, report = fit_class_channel(
        calibrated_model,
        {head: [(post.text, post.labels()[head], 1.0) for post in train] for head in ("sentiment", "dialect")},
        {"arsarcasm_v2_train": _posts("dev", 4)}, _score, "arsarcasm_v2_train", min_posts=5)
    assert set(report["heads"]) == {"sentiment", "dialect"}
    # the tiny model is random: the n-grams (which saw these very posts) win, so the blend is used
    assert report["heads"]["sentiment"]["blend"] > 0
    whole = report["heads"]["sentiment"]["per_dataset"]["arsarcasm_v2_train"]["whole"]
    assert whole["blended"] > whole["transformer"]
    texts = [post.text for post in _posts("probe", 1)]
    before = Classifier.load(calibrated_model, backend="onnx").classify(texts)
    channel.save(calibrated_model / CLASS_NGRAMS_FILE)
    for backend in ("onnx", "torch"):
        after = Classifier.load(calibrated_model, backend=backend).classify(texts)
        assert [record["sentiment"] for record in after] == [post.sentiment for post in _posts("probe", 1)]
        assert [record["scores"] for record in after] != [record["scores"] for record in before]
        assert all(sum(record["scores"].values()) == pytest.approx(1.0, abs=1e-3) for record in after)


def test_a_channel_for_other_labels_is_refused_with_its_path(calibrated_model):
    from nlp.model.predict import ModelLoadError

    model = CharNgramModel(np.arange(2, dtype=np.int64), np.ones(2, np.float32), np.zeros((2, 2), np.float32),
                           np.zeros(2, np.float32), ["sarcasm:no", "sarcasm:yes"], blend=0.0)
    ClassNgramChannel(model, {"sarcasm": {"labels": ["no", "yes"], "start": 0, "blend": 0.5}}).save(
        calibrated_model / CLASS_NGRAMS_FILE)
    with pytest.raises(ModelLoadError, match=f"{CLASS_NGRAMS_FILE}: its sarcasm labels"):
        Classifier.load(calibrated_model, backend="onnx")


def test_the_classifier_applies_the_stored_dialect_bias_and_threshold(calibrated_model):
    texts = [text for text, *_ in POSTS]
    plain = Classifier.load(calibrated_model, backend="onnx").classify(texts)
    config = json.loads((calibrated_model / "config.json").read_text())
    config["heads"]["dialect"]["log_bias"] = {"msa": 0.0, "gulf": 8.0, "egypt": 0.0, "levant": 0.0, "maghreb": 0.0}
    config["heads"]["dialect"]["unknown_below"] = 0.0
    (calibrated_model / "config.json").write_text(json.dumps(config))
    assert {record["dialect"] for record in Classifier.load(calibrated_model, backend="onnx").classify(texts)} == {"gulf"}
    config["heads"]["dialect"]["log_bias"] = {label: 0.0 for label in DIALECTS}
    config["heads"]["dialect"]["unknown_below"] = 1.01  # never confident enough
    (calibrated_model / "config.json").write_text(json.dumps(config))
    records = Classifier.load(calibrated_model, backend="onnx").classify(texts)
    assert {record["dialect"] for record in records} == {UNKNOWN}
    assert [record["dialect_scores"] for record in records] == [record["dialect_scores"] for record in plain]


def test_the_calibrate_step_stores_the_channel_the_threshold_and_remeasured_metrics(calibrated_model, mini_data_dir,
                                                                                   tmp_path):
    from nlp.model.calibrate import run_calibration

    report = run_calibration(calibrated_model, mini_data_dir, tmp_path / "dev", ("arsarcasm_v2_train", "astd"),
                             model_version="9.9.9")
    config = json.loads((calibrated_model / "config.json").read_text())
    assert config["model_version"] == "9.9.9"
    # the miniature dev split is far below the 50 posts a fit needs: no bias, no unknown
    assert config["heads"]["dialect"]["unknown_below"] == 0.0
    assert set(config["heads"]["dialect"]["log_bias"].values()) == {0.0}
    assert set(report["char_ngrams"]["heads"]) == {"sentiment", "sarcasm", "dialect"}
    metrics = json.loads((calibrated_model / "metrics.json").read_text())
    assert set(metrics["dev"]) == {"arsarcasm_v2_train", "astd"} and "calibration" in metrics
    assert (calibrated_model / CLASS_NGRAMS_FILE).is_file()
    records = Classifier.load(calibrated_model, backend="onnx").classify([text for text, *_ in POSTS])
    assert all(record["model"]["version"] == "9.9.9" for record in records)
