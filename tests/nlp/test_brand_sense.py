"""Brand-sense disambiguation: features, the stored model, the labelled set, the fit, and the matcher's use of it."""

from __future__ import annotations

import dataclasses
import gzip
import json
import re
from pathlib import Path

import numpy as np
import pytest

from config import Brand
from nabd.cli import main as nabd_main
from nlp.brand_sense.data import BrandSenseLabelsError, read_sense_labels
from nlp.brand_sense.features import HASH_SIZE, context_features
from nlp.brand_sense.scorer import BrandSenseError, BrandSenseScorer, default_scorer
from nlp.brand_sense.train import occurrences
from nlp.brands import BrandMatcher, BrandRule
from nlp.model.data import post_key

SAHM = BrandRule(id="sahm", aliases=("سهم", "Sahm"), ambiguous_aliases=frozenset({"سهم"}),
                 handles=("@SahmCare",), include_terms=("شريحة سهم",), exclude_terms=("سعر السهم",))


def test_the_alias_itself_never_becomes_a_feature() -> None:
    words = ["شبكة", "سهم", "ضعيفة", "جدا"]
    features = context_features(words, 1, 1)
    assert "l1:شبكة" in features and "r1:ضعيفة" in features
    assert not [feature for feature in features if "سهم" in feature]


def test_a_clitic_on_the_alias_and_a_number_beside_it_are_features() -> None:
    features = context_features(["ارتفع", "والسهم", "36"], 1, 1, clitic="وال")
    assert "clitic:وال" in features and "number_near" in features


def test_the_model_round_trips_and_a_broken_one_is_named(tmp_path: Path) -> None:
    scorer = BrandSenseScorer(np.linspace(-1, 1, HASH_SIZE, dtype=np.float32), 0.25, 0.7)
    scorer.save(tmp_path, {"note": "test"})
    loaded = BrandSenseScorer.load(tmp_path)
    assert loaded.threshold == 0.7 and loaded.bias == 0.25
    words = ["شبكة", "سهم", "ضعيفة"]
    assert abs(loaded.probability(words, 1, 1) - scorer.probability(words, 1, 1)) < 1e-2
    (tmp_path / "model.json").write_text('{"threshold": 2, "hash_bits": 18}', encoding="utf-8")
    with pytest.raises(BrandSenseError, match=r"model\.json: threshold must be between 0 and 1"):
        BrandSenseScorer.load(tmp_path)
    (tmp_path / "model.safetensors").write_bytes(b"not safetensors")
    with pytest.raises(BrandSenseError, match=r"model\.safetensors"):
        BrandSenseScorer.load(tmp_path)
    with pytest.raises(BrandSenseError, match=r"brand-sense model file not found"):
        BrandSenseScorer.load(tmp_path / "missing")


def test_the_shipped_model_reads_company_and_ordinary_contexts() -> None:
    matcher = BrandMatcher([SAHM])
    assert [b["id"] for b in matcher.match("شبكة سهم ضعيفة والنت مقطوع وخدمة العملاء ما ترد")] == ["sahm"]
    assert matcher.match("ارتفع سهم الراجحي في تداول اليوم 3% والمؤشر العام اغلق على ارتفاع") == []
    assert matcher.match("من يريد تحليل اي سهم يرسل لي خاص #تاسي #الاسهم_السعودية") == []


def test_an_include_term_or_the_handle_confirms_what_the_model_doubts() -> None:
    matcher = BrandMatcher([SAHM])
    doubtful = "ارتفع سهم الراجحي في تداول اليوم 3% والمؤشر العام اغلق على ارتفاع"
    assert matcher.match(doubtful) == []
    assert [b["id"] for b in matcher.match(doubtful + " وعندي شريحة سهم")] == ["sahm"]
    assert [b["id"] for b in matcher.match(doubtful + " @SahmCare")] == ["sahm"]


def test_exclude_terms_still_override_the_model() -> None:
    matcher = BrandMatcher([SAHM])
    result = matcher.match_with_exclusions("سعر السهم نزل وشبكة الجوال ضعيفة والنت مقطوع")
    assert result.brands == [] and result.excluded == ("sahm",)


def test_unambiguous_aliases_never_ask_the_model() -> None:
    matcher = BrandMatcher([SAHM])
    assert [b["id"] for b in matcher.match("Sahm prices went up")] == ["sahm"]


def test_without_a_model_the_old_rule_holds() -> None:
    matcher = BrandMatcher([SAHM], sense=None)
    assert matcher.match("اصابني سهم الحب") == []  # ambiguous, include terms defined, none present
    no_include = dataclasses.replace(SAHM, include_terms=())
    assert [b["id"] for b in BrandMatcher([no_include], sense=None).match("اصابني سهم الحب")] == ["sahm"]


def test_a_configured_ambiguous_alias_must_be_one_of_the_brand_s_names() -> None:
    base = {"id": "sahm", "name_ar": "سهم", "name_en": "Sahm", "aliases": ["سهم"], "timezone": "Asia/Riyadh"}
    assert BrandMatcher.from_brands([Brand(**base, ambiguous_aliases=["سهم"])]).rules[0].ambiguous_aliases == {"سهم"}
    with pytest.raises(ValueError, match="ambiguous_aliases"):
        Brand(**base, ambiguous_aliases=["أسهم"])


def test_the_labelled_posts_cover_each_word_and_were_double_labelled() -> None:
    labels = read_sense_labels()
    for word in ("زين", "سهم", "رفيق"):
        mine = [label for label in labels if label.word == word]
        assert len(mine) >= 300
        assert any(label.brand for label in mine) and any(not label.brand for label in mine)
        assert {label.split for label in mine} == {"train", "holdout"}
        doubled = [label for label in mine if label.second_brand is not None]
        assert len(doubled) >= 60
        assert sum(label.brand == label.second_brand for label in doubled) / len(doubled) >= 0.9


def test_the_hold_out_split_is_fixed_by_the_text() -> None:
    first, again = read_sense_labels(), read_sense_labels()
    assert [label.split for label in first] == [label.split for label in again]


def _word_set(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"[^\W_]+", post_key(text)))


def test_later_rounds_add_new_posts_and_no_near_copies() -> None:
    """A post of round 2 or later is in the file once, and shares less than 75% of its words (Jaccard)
    with every other post of the file: a near-copy would sit in both splits or count twice."""
    from nlp.brand_sense.data import LABELED_FILE

    records = [json.loads(line) for line in LABELED_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]
    later = [index for index, record in enumerate(records) if record.get("round", 1) >= 2]
    assert len(later) >= 600
    keys = [post_key(record["text"]) for record in records]
    words = [_word_set(record["text"]) for record in records]
    for index in later:
        record = records[index]
        assert keys.count(keys[index]) == 1, f"round {record['round']} post {record['source_id']} is in the file twice"
        assert record["drawn"] in ("real", "substituted")
        assert record["source_id"].startswith("subst:") == (record["drawn"] == "substituted")
        assert occurrences(record["text"], record["word"]), f"{record['source_id']}: the matcher misses the word"
        for other, other_words in enumerate(words):
            if other != index:
                overlap = len(words[index] & other_words) / len(words[index] | other_words)
                assert overlap < 0.75, f"{record['source_id']} is a near-copy of {records[other]['source_id']}"


def test_evaluate_measures_a_saved_model_on_the_hold_out_of_a_file(tmp_path: Path, capsys) -> None:
    rows = []
    for number in range(48):
        brand = number % 2 == 0
        text = f"شبكة سهم ضعيفة والنت مقطوع اليوم {number}" if brand else f"ارتفع سهم الراجحي في تداول اليوم {number}"
        rows.append({"source_id": f"t:{number}", "word": "سهم", "text": text, "brand": brand,
                     "sense": "company" if brand else "stock"})
    labels = tmp_path / "labels.jsonl"
    labels.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    holdout = [label for label in read_sense_labels(labels) if label.split == "holdout"]
    assert nabd_main(["brand-sense", "evaluate", "--labels", str(labels)]) == 0
    report = json.loads(capsys.readouterr().out)
    measured = report["holdout"]["سهم"]
    assert measured["model"]["n"] == measured["matching"]["after"]["n"] == len(holdout)
    assert measured["model"]["brand"] == sum(label.brand for label in holdout)
    assert measured["matching"]["before"]["recall"] == 1.0  # without the model every company post counts
    assert nabd_main(["brand-sense", "evaluate", "--labels", str(labels), "--model", str(tmp_path / "missing")]) == 1
    assert "brand-sense model file not found" in capsys.readouterr().err


def test_a_bad_label_line_is_named(tmp_path: Path) -> None:
    path = tmp_path / "labels.jsonl"
    path.write_text('{"source_id": "a", "word": "سهم", "text": "سهم", "brand": "yes", "sense": "stock"}\n',
                    encoding="utf-8")
    with pytest.raises(BrandSenseLabelsError, match=r"labels\.jsonl:1: `brand` must be a bool"):
        read_sense_labels(path)


def _write_gz(path: Path, texts: list[str]) -> None:
    with gzip.open(path, "wt", encoding="utf-8") as stream:
        for number, text in enumerate(texts):
            stream.write(json.dumps({"id": f"{path.stem}:{number}", "text": text}, ensure_ascii=False) + "\n")


def test_fit_writes_a_model_and_measures_the_hold_out(tmp_path: Path, capsys) -> None:
    company = ["شبكة موبايلي طايحة والنت ضعيف", "باقة موبايلي غالية جدا", "اتصلت على خدمة عملاء امازون وما ردوا",
               "طلبت من امازون والشحنة تأخرت", "فاتورة موبايلي وصلت مرتين"] * 6
    ordinary = ["الجو جميل اليوم والقهوة احلى", "نجم الهلال سجل هدف جميل", "يا نور عيني يا جميل",
                "كلام طيب وجميل منك", "نجم المباراة اليوم"] * 6
    data = tmp_path / "data"
    data.mkdir()
    _write_gz(data / "tweets.jsonl.gz", company + ordinary)
    rows = []
    for number in range(40):
        brand = number % 2 == 0
        text = f"شبكة سهم ضعيفة والنت مقطوع {number}" if brand else f"سعر سهم الشركة ارتفع في السوق {number}"
        rows.append({"source_id": f"t:{number}", "word": "سهم", "text": text, "brand": brand,
                     "sense": "company" if brand else "stock"})
    labels = tmp_path / "labels.jsonl"
    labels.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    output = tmp_path / "model"
    assert nabd_main(["brand-sense", "fit", "--data-dir", str(data), "--labels", str(labels),
                      "--output", str(output)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["weak_examples"]["brand"] > 0 and report["weak_examples"]["not_brand"] > 0
    assert report["holdout"]["سهم"]["model"]["n"] > 0
    assert report["leave_word_out"]["سهم"]["n"] == 40
    scorer = BrandSenseScorer.load(output)
    company = scorer.probability(["شبكة", "سهم", "ضعيفة", "والنت", "مقطوع"], 1, 1)
    stock = scorer.probability(["سعر", "سهم", "الشركة", "ارتفع", "في", "السوق"], 1, 1)
    assert company > 0.5 > stock
    assert json.loads((output / "model.json").read_text(encoding="utf-8"))["labels"]["سهم"]["posts"] == 40


def test_the_shipped_model_is_loaded_once() -> None:
    assert default_scorer() is default_scorer()


def test_sample_draws_posts_holding_the_alias_once_each(tmp_path: Path, capsys) -> None:
    mentions = tmp_path / "raw.jsonl"
    lines = [{"id": "a", "text": "شبكة سهم طايحة"}, {"id": "b", "text": "شبكة سهم طايحة"},
             {"id": "c", "text": "ارتفع السهم اليوم"}, {"id": "d", "text": "الجو جميل"}]
    mentions.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines) + "{broken\n",
                        encoding="utf-8")
    assert nabd_main(["brand-sense", "sample", "سهم", str(mentions), "--count", "10"]) == 0
    captured = capsys.readouterr()
    drawn = [json.loads(line) for line in captured.out.splitlines()]
    assert sorted(post["source_id"] for post in drawn) == ["a", "c"]
    assert all(post["word"] == "سهم" and post["brand"] is None for post in drawn)
    assert "raw.jsonl:5: not JSON" in captured.err


def test_enrichment_counts_posts_whose_ambiguous_alias_nothing_confirmed(tmp_path: Path) -> None:
    from nlp.enrich import enrich_file

    raw = tmp_path / "raw.jsonl"
    posts = ["ارتفع سهم الراجحي في تداول اليوم 3% والمؤشر العام اغلق على ارتفاع",
             "شبكة سهم ضعيفة والنت مقطوع وخدمة العملاء ما ترد", "سعر السهم نزل اليوم"]
    raw.write_text("".join(json.dumps({"id": f"p{i}", "text": text, "source": "demo"}, ensure_ascii=False) + "\n"
                           for i, text in enumerate(posts)), encoding="utf-8")
    summary = enrich_file(raw, tmp_path / "out.jsonl", brands=BrandMatcher([SAHM]))
    assert summary.dropped == {"no_brand_match": 0, "excluded_term": 1, "unconfirmed_ambiguous": 1}
    assert [json.loads(line)["id"] for line in (tmp_path / "out.jsonl").read_text().splitlines()] == ["p1"]


def test_a_post_repeating_the_word_is_read_a_bounded_number_of_times() -> None:
    from nlp.brands import MAX_SENSE_CHECKS

    class Counting(BrandSenseScorer):
        calls = 0

        def names_brand(self, words, first, last, clitic=""):
            Counting.calls += 1
            return super().names_brand(words, first, last, clitic)

    shipped = default_scorer()
    counting = Counting(shipped.weights, shipped.bias, shipped.threshold, shipped.word_thresholds)
    BrandMatcher([SAHM], sense=counting).match("سهم " * 5000)
    assert Counting.calls == MAX_SENSE_CHECKS
