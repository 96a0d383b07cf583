"""The spam head v2: fitted on team-labelled posts, it stacks the transformer's spam probability
with character n-grams and the post's shape, says which kind of spam a post is, and records its
hold-out against the transformer head alone."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from nlp.model.predict import Classifier, ModelLoadError
from nlp.spam.data import holdout_split
from nlp.spam.train import SpamFitArguments, choose_threshold, run_spam_fit

from tiny_models import build_tiny_complaint_model

TOPIC_IDS = ("delivery", "product_quality", "pricing", "billing_payment", "refund_return",
             "customer_service", "technical", "network_coverage")
ADS = ["عطور أصلية بأسعار الجملة للطلب واتساب 05{:08d} توصيل لجميع المدن",
       "عرض خاص نقل عفش بالرياض مع الفك والتركيب اتصل 05{:08d}",
       "متوفر الآن منتج التخسيس الطبيعي خصم 50٪ للطلب 05{:08d}"]
TRAINS = ["تابعني واتابعك فورا رتويت للكل #دعم_متابعين {}", "فولو باك للجميع اضافات {} #تابعني"]
GENUINE = ["الشبكة عندي ضعيفة اليوم يا @SahmCare {}", "الله يعطيكم العافية على سرعة الرد {}",
           "فاز الهلال 3-1 على النصر الليلة 😂 {}", "صباح الخير يا جماعة كيف الحال {}",
           "سهم تطلق باقة جديدة للإنترنت المنزلي https://t.co/x{} #سهم"]


def labeled_file(path: Path) -> Path:
    records = [{"text": ad.format(i * 7919 + n), "spam": True, "spam_reason": "ad_promotion"}
               for n, ad in enumerate(ADS) for i in range(14)]
    records += [{"text": train.format(i), "spam": True, "spam_reason": "follower_train"}
                for train in TRAINS for i in range(12)]
    records += [{"text": text.format(i), "spam": False, "spam_reason": None} for text in GENUINE for i in range(16)]
    with path.open("w", encoding="utf-8") as stream:
        for number, record in enumerate(records):
            record.update(source_id=f"test:{number}", drawn="flagged" if number % 2 else "unflagged",
                          split=holdout_split(record["text"]))
            stream.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


@pytest.fixture(scope="module")
def fitted(tiny_tokenizer_dir, tmp_path_factory):
    directory = build_tiny_complaint_model(tiny_tokenizer_dir, tmp_path_factory.mktemp("spam-model"), TOPIC_IDS)
    shutil.copy("config/topics.yaml", directory / "topics.yaml")
    labels = labeled_file(tmp_path_factory.mktemp("labels") / "labeled_posts.jsonl")
    report = run_spam_fit(SpamFitArguments(model_dir=directory, labeled=labels, backend="torch", ngram_c=(1.0, 10.0)))
    return directory, report


def test_a_fitted_spam_model_flags_an_unseen_ad_and_names_its_kind(fitted):
    directory, _ = fitted
    classifier = Classifier.load(directory, backend="torch")
    ad, genuine = classifier.classify(["للطلب واتساب 0559876543 عطور أصلية توصيل لجميع المدن",
                                       "الشبكة عندي ضعيفة اليوم يا @SahmCare وش السالفة"])
    assert ad["spam"] is True and ad["spam_reason"] == "ad_promotion"
    assert genuine["spam"] is False and genuine["spam_reason"] is None
    assert genuine["complaint"] is False or genuine["spam"] is False


def test_the_fit_records_its_hold_out_against_the_transformer_head_alone(fitted):
    directory, report = fitted
    metrics = json.loads((directory / "metrics.json").read_text())["spam_model"]
    assert metrics["holdout"]["posts"] == report["data"]["holdout"] > 0
    assert set(metrics["holdout"]) >= {"precision", "recall", "genuine_removed", "f1", "by_draw"}
    assert metrics["holdout_v1"]["posts"] == metrics["holdout"]["posts"]
    assert metrics["chosen"]["oof_genuine_removed"] <= 0.02
    card = (directory / "MODEL.md").read_text()
    assert "## Spam and ads (spam head v2" in card and card.count("<!-- spam-model:start -->") == 1
    assert json.loads((directory / "spam.json").read_text())["threshold"] == metrics["chosen"]["threshold"]


def test_a_second_fit_replaces_the_model_cards_section_instead_of_adding_one(fitted, tmp_path):
    directory, _ = fitted
    copy = shutil.copytree(directory, tmp_path / "model")
    run_spam_fit(SpamFitArguments(model_dir=copy, labeled=labeled_file(tmp_path / "labels.jsonl"), backend="torch",
                                  ngram_c=(1.0,)))
    assert (copy / "MODEL.md").read_text().count("## Spam and ads") == 1


def test_a_damaged_spam_model_file_fails_loading_and_names_the_file(fitted, tmp_path):
    directory, _ = fitted
    copy = shutil.copytree(directory, tmp_path / "model")
    (copy / "spam.json").write_text('{"version": 2, "features": ["head_logit"]', encoding="utf-8")
    with pytest.raises(ModelLoadError, match="spam.json"):
        Classifier.load(copy, backend="torch")


def test_the_threshold_is_the_lowest_that_keeps_genuine_removals_within_the_allowed_share():
    gold = np.array([0] * 100 + [1] * 10)
    probabilities = np.concatenate([np.linspace(0.0, 0.5, 98), [0.8, 0.9], np.linspace(0.6, 0.95, 10)])
    threshold, recall, removed = choose_threshold(gold, probabilities, max_genuine_removed=0.02)
    assert 0.5 < threshold <= 0.6  # two genuine posts (0.8, 0.9) may go, the third-highest (0.5) may not
    assert removed == 0.02 and recall == 1.0
