"""The topics head's character n-gram channel: hashing, the stored model, and its place in classify."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nlp.model.char_ngrams import CHAR_NGRAMS_FILE, CharNgramModel, CharNgramsError, hashed_counts, idf_of
from nlp.model.predict import Classifier, ModelLoadError

from tiny_models import build_tiny_complaint_model

TOPIC_IDS = ("delivery", "product_quality", "pricing", "billing_payment", "refund_return",
             "customer_service", "technical", "network_coverage")


def dense(texts):
    return hashed_counts(texts).toarray()


def test_the_ngrams_are_those_of_each_space_padded_word_and_never_span_two_words():
    # " ab ": " a" "ab" "b " / " ab" "ab " / " ab " — six n-grams of lengths 2 to 5 per two-letter word
    assert dense(["ab cd"]).sum() == 12 and dense(["x"]).sum() == 3
    assert np.array_equal(dense(["ab cd"])[0], dense(["ab"])[0] + dense(["cd"])[0])
    assert np.array_equal(dense(["cd ab"]), dense(["ab  cd"]))


def test_texts_hashed_together_do_not_leak_into_each_other():
    together = dense(["الطلب ما وصل", "", "النت زفت"])
    assert np.array_equal(together[0], dense(["الطلب ما وصل"])[0])
    assert together[1].sum() == 0
    assert np.array_equal(together[2], dense(["النت زفت"])[0])


def test_case_is_folded_and_whitespace_only_texts_have_no_ngrams():
    assert np.array_equal(dense(["NET Slow"]), dense(["net slow"]))
    assert dense(["   \n\t "]).sum() == 0


def test_buckets_are_the_same_in_every_process():
    """Python's own `hash` of a string changes between processes; the channel's must not."""
    code = ("from nlp.model.char_ngrams import hashed_counts; "
            "print(hashed_counts(['الفاتورة غلط']).indices.tolist())")
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={"PYTHONHASHSEED": "123", "PATH": ""}, cwd=Path(__file__).resolve().parents[3])
    assert json.loads(other.stdout) == hashed_counts(["الفاتورة غلط"]).indices.tolist()


def channel(labels=TOPIC_IDS, blend=1.0, cue="زقزوق", label="pricing") -> CharNgramModel:
    """A channel whose only weight is on the n-grams of `cue`, for `label`."""
    counts = hashed_counts([cue, "كلام عادي"])
    buckets, idf = idf_of(counts)
    coef = np.zeros((len(buckets), len(labels)), dtype=np.float32)
    coef[np.isin(buckets, counts[0].indices), labels.index(label)] = 40.0
    return CharNgramModel(buckets, idf, coef, np.full(len(labels), -8.0, dtype=np.float32), list(labels), blend)


def test_probabilities_follow_the_weights_and_unseen_texts_get_the_bias():
    model = channel()
    probabilities = model.probabilities(["السعر زقزوق", "حروف لم ترها", ""])
    pricing = TOPIC_IDS.index("pricing")
    assert probabilities[0, pricing] > 0.9 and probabilities[0].sum() - probabilities[0, pricing] < 0.01
    assert np.allclose(probabilities[1:], 1 / (1 + np.exp(8.0)), atol=1e-6)
    assert model.probabilities([]).shape == (0, len(TOPIC_IDS))


def test_a_saved_channel_loads_back_and_refuses_other_topics_or_a_damaged_file(tmp_path):
    path = tmp_path / CHAR_NGRAMS_FILE
    channel(blend=0.75).save(path)
    loaded = CharNgramModel.load(path, TOPIC_IDS)
    assert loaded.blend == 0.75 and loaded.labels == list(TOPIC_IDS)
    assert np.array_equal(loaded.probabilities(["زقزوق"]), channel().probabilities(["زقزوق"]))
    with pytest.raises(CharNgramsError, match=rf"{CHAR_NGRAMS_FILE}: its topics .* are not the topics head's"):
        CharNgramModel.load(path, (*TOPIC_IDS, "parking"))
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(CharNgramsError, match=rf"{CHAR_NGRAMS_FILE}: unreadable"):
        CharNgramModel.load(path, TOPIC_IDS)


@pytest.fixture(scope="module")
def tiny_complaint_dir(tiny_tokenizer_dir, tmp_path_factory) -> Path:
    directory = build_tiny_complaint_model(tiny_tokenizer_dir, tmp_path_factory.mktemp("complaint"), TOPIC_IDS)
    shutil.copy("config/topics.yaml", directory / "topics.yaml")
    config = json.loads((directory / "config.json").read_text())
    config["heads"]["topics"]["thresholds"] = dict.fromkeys(TOPIC_IDS, 0.5)
    config["heads"]["spam"]["thresholds"] = {"spam": 1.01}
    (directory / "config.json").write_text(json.dumps(config))
    return directory


def with_complaint_threshold(model_dir: Path, target: Path, value: float) -> Path:
    shutil.copytree(model_dir, target)
    config = json.loads((target / "config.json").read_text())
    config["heads"]["complaint"]["thresholds"] = {"complaint": value}
    (target / "config.json").write_text(json.dumps(config))
    return target


def test_a_complaint_gets_the_topic_the_channel_reads_in_its_spelling(tiny_complaint_dir, tmp_path):
    model_dir = with_complaint_threshold(tiny_complaint_dir, tmp_path / "m", 0.0)
    channel(blend=1.0).save(model_dir / CHAR_NGRAMS_FILE)
    classifier = Classifier.load(model_dir)
    assert classifier.char_ngrams is not None
    with_cue, without = classifier.classify(["الخدمة عندكم زقزوق", "الخدمة عندكم عادية"])
    assert "pricing" in with_cue["topics"] and "pricing" not in without["topics"]


def test_a_post_that_is_not_a_complaint_gets_no_topic_from_the_channel(tiny_complaint_dir, tmp_path):
    model_dir = with_complaint_threshold(tiny_complaint_dir, tmp_path / "m", 1.01)
    channel(blend=1.0).save(model_dir / CHAR_NGRAMS_FILE)
    [nlp] = Classifier.load(model_dir).classify(["الخدمة عندكم زقزوق"])
    assert (nlp["complaint"], nlp["topics"]) == (False, [])


def test_a_channel_made_for_other_topics_stops_the_model_from_loading(tiny_complaint_dir, tmp_path):
    model_dir = with_complaint_threshold(tiny_complaint_dir, tmp_path / "m", 0.5)
    channel(labels=(*TOPIC_IDS, "parking")).save(model_dir / CHAR_NGRAMS_FILE)
    with pytest.raises(ModelLoadError, match="nabd train --heads-only"):
        Classifier.load(model_dir)


def test_the_numpy_classification_path_equals_the_sparse_training_features():
    texts = ["الفاتورة غلط وانخصم مني مرتين", "النت فاصل من امس", "", "كلمة"]
    counts = hashed_counts(texts[:2])
    buckets, idf = idf_of(counts)
    rng = np.random.default_rng(0)
    model = CharNgramModel(buckets, idf, rng.normal(size=(len(buckets), 3)).astype(np.float32),
                           np.array([0.1, -0.2, 0.3], dtype=np.float32), ["a", "b", "c"], 0.5)
    expected = 1 / (1 + np.exp(-(np.asarray(model.features(hashed_counts(texts)) @ model.coef) + model.intercept)))
    assert np.allclose(model.probabilities(texts), expected, atol=1e-5)
