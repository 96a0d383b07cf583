"""Enrichment of raw mention files: brands, language, PII masks, classes, rejects and idempotent output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nabd.cli import main as nabd_main
from nlp.analysis_cap import ANALYSIS_CHARS, analysed_part
from nlp.brands import BrandMatcher, BrandRule
from nlp.enrich import enrich_file

BRANDS = [
    BrandRule(
        id="sahm",
        aliases=("سهم للاتصالات", "Sahm Telecom", "سهم", "سهم موبايل", "Sahm", "sahm", "sa7m"),
        handles=("@SahmTelecom", "@SahmCare"),
        exclude_terms=("سهم أرامكو", "سوق الأسهم"),
    ),
    BrandRule(id="najm", role="competitor", aliases=("نجم موبايل", "Najm Mobile"), handles=("@NajmMobile",)),
    BrandRule(
        id="rafeeq",
        aliases=("رفيق", "Rafeeq", "rafee2", "rafiq"),
        handles=("@RafeeqApp",),
        exclude_terms=("رفيق دربي",),
    ),
]

RLM, LRI, PDI = "\u200f", "\u2066", "\u2069"


def mention(mention_id: str, text: str, title: str | None = None, **extra: object) -> dict:
    return {
        "id": mention_id,
        "source": "demo",
        "source_id": mention_id[-4:],
        "url": f"https://forum.example.sa/t/{mention_id}",
        "query": "sahm",
        "@timestamp": "2026-11-21T17:04:05Z",
        "collected_at": "2026-11-21T18:00:00Z",
        "title": title,
        "text": text,
        "author": {"id": "3f2a9c0d", "name": None, "followers": 120, "verified": False},
        "engagement": {"likes": 4, "replies": 1},
        **extra,
    }


RAW_MENTIONS = [
    mention("m01", "شبكة سهم طايحة من العصر 😡 جوالي 0551234567 محد رد علي"),
    mention("m02", "@RafeeqApp الطلب ما وصل لين الحين، راسلوني على noura.q@example.com"),
    mention("m03", "wallah sa7m el network za3'al, mafi shabaka fi el bait"),
    mention("m04", "Sahm Telecom support never answers, I want a refund to SA0380000000608010167519"),
    mention("m05", "الجو اليوم حلو والقهوة أطيب ☕"),
    mention("m06", "سهم أرامكو ارتفع ٣٪ في التداول اليوم"),
    mention("m07", "نقلت من نجم موبايل وندمت، التغطية ضعيفة", engagement={"likes": 12}),
    mention("m08", f"{RLM}خدمة {LRI}سهم{PDI} ممتازة{RLM} والله 👍"),
    mention("m09", "التفاصيل في الرابط", title="سهم للاتصالات تعلن انقطاع الخدمة في الرياض"),
    mention("m10", ""),
    mention("m11", "الله يرحمك يا رفيق دربي"),
    mention("m12", "rafee2 el delivery ta2akhar sa3teen w el akl wesel bared"),
]


def write_raw(path: Path, lines: list[bytes | str | dict]) -> Path:
    with path.open("wb") as stream:
        for line in lines:
            if isinstance(line, dict):
                line = json.dumps(line, ensure_ascii=False)
            stream.write((line.encode("utf-8") if isinstance(line, str) else line) + b"\n")
    return path


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def raw_file(tmp_path: Path) -> Path:
    (tmp_path / "raw").mkdir()
    return write_raw(tmp_path / "raw" / "demo-2026-11-21T17.jsonl", RAW_MENTIONS)


@pytest.fixture(scope="module")
def tiny_model_dir(tmp_path_factory) -> Path:
    """A tiny, randomly initialised multi-task model in save_pretrained layout, built by the model package."""
    import torch
    from transformers import AutoTokenizer

    from nlp.model.modeling import NabdMultiTaskConfig, NabdMultiTaskModel, heads_config
    from nlp.model.tokenizer_training import TokenizerArguments, train_tokenizer
    from nlp.normalize import normalize_for_model

    directory = tmp_path_factory.mktemp("tiny-enrich-model")
    corpus = [normalize_for_model(str(raw["text"])) for raw in RAW_MENTIONS] * 5
    train_tokenizer(corpus, directory, TokenizerArguments(vocab_size=200, min_frequency=1, model_max_length=64))
    tokenizer = AutoTokenizer.from_pretrained(str(directory))
    config = NabdMultiTaskConfig(
        heads=heads_config(), model_name="nabd-test-tiny", model_version="0.0.1",
        vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=64, max_position_embeddings=64, pad_token_id=tokenizer.pad_token_id,
    )  # fmt: skip
    torch.manual_seed(0)
    NabdMultiTaskModel(config).save_pretrained(str(directory))
    return directory


@pytest.fixture(scope="module")
def tiny_classifier(tiny_model_dir: Path):
    from nlp.model.predict import Classifier

    return Classifier.load(tiny_model_dir, backend="torch", batch_size=4)


def test_mentions_get_language_brands_and_masked_pii(raw_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "enriched" / "demo.jsonl"
    summary = enrich_file(raw_file, out, brands=BRANDS)
    records = {record["id"]: record for record in read_jsonl(out)}
    assert list(records) == ["m01", "m02", "m03", "m04", "m07", "m08", "m09", "m12"]
    assert records["m01"]["text"] == "شبكة سهم طايحة من العصر 😡 جوالي [phone] محد رد علي"
    assert records["m01"]["brands"] == [{"id": "sahm", "alias": "سهم", "role": "brand"}]
    assert records["m01"]["lang"] == "ar"
    assert records["m02"]["text"] == "@RafeeqApp الطلب ما وصل لين الحين، راسلوني على [email]"
    assert records["m03"]["lang"] == "ar-Latn"
    assert records["m04"]["text"].endswith("a refund to [iban]") and records["m04"]["lang"] == "en"
    assert records["m07"]["brands"] == [{"id": "najm", "alias": "نجم موبايل", "role": "competitor"}]
    assert records["m09"]["brands"] == [{"id": "sahm", "alias": "سهم للاتصالات", "role": "brand"}]
    assert "nlp" not in records["m01"]
    assert summary.pii_masked == {"phone": 1, "email": 1, "iban": 1, "national_id": 0, "card": 0, "handle": 0}


def test_mentions_naming_no_brand_are_dropped_with_a_counted_reason(raw_file: Path, tmp_path: Path) -> None:
    summary = enrich_file(raw_file, tmp_path / "out.jsonl", brands=BRANDS)
    assert summary.dropped == {"no_brand_match": 2, "excluded_term": 2, "unconfirmed_ambiguous": 0}
    assert summary.read == len(RAW_MENTIONS) == summary.written + sum(summary.dropped.values()) + summary.rejected


def test_other_fields_pass_through_unchanged(raw_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    enrich_file(raw_file, out, brands=BRANDS)
    enriched = {record["id"]: record for record in read_jsonl(out)}["m07"]
    raw = RAW_MENTIONS[6]
    for key in ("source", "source_id", "url", "@timestamp", "collected_at", "author", "engagement", "title"):
        assert enriched[key] == raw[key]


def test_stored_text_keeps_bidi_controls_while_matching_sees_through_them(raw_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    enrich_file(raw_file, out, brands=BRANDS)
    record = {record["id"]: record for record in read_jsonl(out)}["m08"]
    assert record["text"] == RAW_MENTIONS[7]["text"]
    assert record["brands"] == [{"id": "sahm", "alias": "سهم", "role": "brand"}]


def test_the_tiny_model_classifies_every_written_mention_in_order(
    raw_file: Path, tmp_path: Path, tiny_classifier
) -> None:
    out = tmp_path / "out.jsonl"
    summary = enrich_file(raw_file, out, brands=BRANDS, classifier=tiny_classifier, batch_size=3)
    records = read_jsonl(out)
    assert [record["id"] for record in records] == ["m01", "m02", "m03", "m04", "m07", "m08", "m09", "m12"]
    assert summary.written == len(records)
    for record in records:
        nlp = record["nlp"]
        assert nlp["model"] == {"name": "nabd-test-tiny", "version": "0.0.1"}
        assert nlp["sentiment"] in {"positive", "negative", "neutral"}
        assert abs(sum(nlp["scores"].values()) - 1.0) < 1e-3
        assert nlp["dialect"] in {"msa", "gulf", "egypt", "levant", "maghreb"}


def test_batching_does_not_change_what_the_classifier_says(raw_file: Path, tmp_path: Path, tiny_classifier) -> None:
    one_by_one, batched = tmp_path / "one.jsonl", tmp_path / "batched.jsonl"
    enrich_file(raw_file, one_by_one, brands=BRANDS, classifier=tiny_classifier, batch_size=1)
    enrich_file(raw_file, batched, brands=BRANDS, classifier=tiny_classifier, batch_size=64)
    labels = [[record["nlp"]["sentiment"], record["nlp"]["dialect"]] for record in read_jsonl(one_by_one)]
    assert labels == [[record["nlp"]["sentiment"], record["nlp"]["dialect"]] for record in read_jsonl(batched)]


def test_a_rerun_on_the_same_input_writes_byte_identical_files(
    raw_file: Path, tmp_path: Path, tiny_classifier
) -> None:
    out = tmp_path / "out.jsonl"
    enrich_file(raw_file, out, brands=BRANDS, classifier=tiny_classifier)
    first = out.read_bytes()
    enrich_file(raw_file, out, brands=BRANDS, classifier=tiny_classifier)
    assert out.read_bytes() == first
    assert sorted(path.name for path in tmp_path.iterdir()) == ["out.jsonl", "raw"]


def test_malformed_lines_are_rejected_with_file_line_and_reason(tmp_path: Path) -> None:
    raw = write_raw(
        tmp_path / "raw.jsonl",
        [
            mention("m01", "سهم موبايل ما عندهم تغطية في الطريق"),
            '{"id": "m02", "text": "سهم',
            "[1, 2, 3]",
            json.dumps({"text": "شبكة سهم طايحة"}, ensure_ascii=False),
            json.dumps({"id": "m05", "text": None}),
            json.dumps({"id": "", "text": "سهم"}, ensure_ascii=False),
            json.dumps({"id": "m07", "text": "سهم", "title": 7}, ensure_ascii=False),
            '{"id": "m08", "text": "سهم", "likes": NaN}',
            mention("m09", "rafiq app is the best, delivered in 20 minutes"),
        ],
    )
    summary = enrich_file(raw, tmp_path / "out.jsonl", brands=BRANDS)
    rejects = read_jsonl(tmp_path / "out.rejects.jsonl")
    assert [(reject["line"], reject["reason"]) for reject in rejects] == [
        (2, "invalid JSON (Unterminated string starting at, column 23)"),
        (3, "expected a JSON object, got list"),
        (4, "missing key 'id'"),
        (5, "key 'text' must be a string, got NoneType"),
        (6, "key 'id' must be a non-empty string"),
        (7, "key 'title' must be a string or null, got int"),
        (8, "invalid JSON (NaN is not a JSON number)"),
    ]
    assert {reject["file"] for reject in rejects} == {str(raw)}
    assert rejects[0]["raw"] == '{"id": "m02", "text": "سهم'
    assert [record["id"] for record in read_jsonl(tmp_path / "out.jsonl")] == ["m01", "m09"]
    assert (summary.read, summary.written, summary.rejected) == (9, 2, 7)
    assert summary.rejects_path == str(tmp_path / "out.rejects.jsonl")


def test_invalid_utf8_bytes_reject_their_line_and_the_run_goes_on(tmp_path: Path) -> None:
    broken = '{"id": "m02", "text": "شبكة سهم '.encode() + b"\xd8\xff\xfe" + '"}'.encode()
    latin1 = '{"id": "m03", "text": "Sahm r\xe9seau"}'.encode("latin-1")
    raw = write_raw(tmp_path / "raw.jsonl", [mention("m01", "سهم للاتصالات"), broken, latin1, mention("m04", "sahm ok")])
    summary = enrich_file(raw, tmp_path / "out.jsonl", brands=BRANDS)
    rejects = read_jsonl(tmp_path / "out.rejects.jsonl")
    bad_byte, bad_latin1_byte = broken.index(b"\xd8\xff"), latin1.index(b"\xe9")
    assert [(reject["line"], reject["reason"]) for reject in rejects] == [
        (2, f"invalid UTF-8 at byte {bad_byte} of the line"),
        (3, f"invalid UTF-8 at byte {bad_latin1_byte} of the line"),
    ]
    assert "\\xff\\xfe" in rejects[0]["raw"]
    assert [record["id"] for record in read_jsonl(tmp_path / "out.jsonl")] == ["m01", "m04"]
    assert summary.rejected == 2


def test_an_unpaired_surrogate_escape_is_rejected_not_written(tmp_path: Path) -> None:
    raw = write_raw(tmp_path / "raw.jsonl", ['{"id": "m01", "text": "سهم \\ud83d"}', '{"id": "m02", "text": "سهم \\ud83d\\ude21"}'])
    enrich_file(raw, tmp_path / "out.jsonl", brands=BRANDS)
    assert [reject["line"] for reject in read_jsonl(tmp_path / "out.rejects.jsonl")] == [1]
    assert read_jsonl(tmp_path / "out.jsonl")[0]["text"] == "سهم 😡"


def test_blank_lines_and_a_byte_order_mark_are_not_mentions(tmp_path: Path) -> None:
    first = json.dumps(mention("m01", "سهم موبايل"), ensure_ascii=False).encode()
    raw = write_raw(tmp_path / "raw.jsonl", [b"\xef\xbb\xbf" + first, "", "   ", mention("m02", "rafiq")])
    summary = enrich_file(raw, tmp_path / "out.jsonl", brands=BRANDS)
    assert (summary.read, summary.blank_lines, summary.written, summary.rejected) == (2, 2, 2, 0)


def test_a_one_megabyte_post_is_enriched_and_masked_in_full(tmp_path: Path, tiny_classifier) -> None:
    sentence = "والله الشبكة عندنا في الحي ضعيفة جدا وكل يوم تفصل أكثر من مرة ولا أحد يرد 😡 "
    huge = "خدمة سهم " + sentence * (1_000_000 // len(sentence)) + "جوالي 0551234567"
    raw = write_raw(tmp_path / "raw.jsonl", [mention("m01", huge), mention("m02", "Sahm Telecom is fine")])
    out = tmp_path / "out.jsonl"
    summary = enrich_file(raw, out, brands=BRANDS, classifier=tiny_classifier)
    records = read_jsonl(out)
    assert len(records[0]["text"]) == len(huge) - len("0551234567") + len("[phone]")
    assert records[0]["text"].endswith("جوالي [phone]")
    assert records[0]["nlp"]["sentiment"] in {"positive", "negative", "neutral"}
    assert summary.written == 2 and summary.pii_masked["phone"] == 1


class RecordingClassifier:
    """Says every post is neutral and keeps the texts it was given."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def classify(self, texts: list[str]) -> list[dict]:
        self.texts.extend(texts)
        return [{"sentiment": "neutral"} for _ in texts]


def test_brands_language_and_the_classifier_read_up_to_the_analysis_cap_and_masking_reads_everything(
    tmp_path: Path,
) -> None:
    complaint = "الشبكة ضعيفة جدا اليوم ولا أحد يرد "
    beyond_the_cap = complaint * (ANALYSIS_CHARS // len(complaint) + 1)
    pii_at_the_end = " جوالي 0551234567 وايميلي noura.q@example.com SA0380000000608010167519"
    raw = write_raw(tmp_path / "raw.jsonl", [
        mention("m01", beyond_the_cap + "سهم" + pii_at_the_end),  # the brand named only past the cap
        mention("m02", "سهم " + beyond_the_cap + "the network is down again and nobody answers" + pii_at_the_end),
    ])
    classifier = RecordingClassifier()
    out = tmp_path / "out.jsonl"
    summary = enrich_file(raw, out, brands=BRANDS, classifier=classifier)
    (record,) = read_jsonl(out)
    assert summary.dropped["no_brand_match"] == 1 and record["id"] == "m02"
    assert record["text"].endswith(" جوالي [phone] وايميلي [email] [iban]"), "masking is never capped"
    assert [summary.pii_masked[kind] for kind in ("phone", "email", "iban")] == [1, 1, 1]
    assert record["lang"] == "ar", "the English tail past the cap is not read"
    assert classifier.texts == [analysed_part(record["text"])] and len(classifier.texts[0]) <= ANALYSIS_CHARS


def test_a_clean_rerun_removes_the_stale_rejects_file(tmp_path: Path) -> None:
    raw = write_raw(tmp_path / "raw.jsonl", [mention("m01", "سهم"), "not json"])
    enrich_file(raw, tmp_path / "out.jsonl", brands=BRANDS)
    assert (tmp_path / "out.rejects.jsonl").exists()
    write_raw(raw, [mention("m01", "سهم")])
    summary = enrich_file(raw, tmp_path / "out.jsonl", brands=BRANDS)
    assert not (tmp_path / "out.rejects.jsonl").exists() and summary.rejects_path is None


def test_a_rejects_path_can_be_chosen(tmp_path: Path) -> None:
    raw = write_raw(tmp_path / "raw.jsonl", ["{broken"])
    enrich_file(raw, tmp_path / "out.jsonl", brands=BRANDS, rejects_path=tmp_path / "bad" / "raw.rejects.jsonl")
    assert read_jsonl(tmp_path / "bad" / "raw.rejects.jsonl")[0]["line"] == 1
    assert (tmp_path / "out.jsonl").read_bytes() == b""
    assert not (tmp_path / "out.rejects.jsonl").exists()


def test_a_prebuilt_matcher_is_used_as_is(raw_file: Path, tmp_path: Path) -> None:
    summary = enrich_file(raw_file, tmp_path / "out.jsonl", brands=BrandMatcher([BRANDS[2]]))
    assert [record["id"] for record in read_jsonl(tmp_path / "out.jsonl")] == ["m02", "m12"]
    assert summary.dropped == {"no_brand_match": 9, "excluded_term": 1, "unconfirmed_ambiguous": 0}


def test_the_enrich_command_uses_the_configured_brands(raw_file: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "cli" / "enriched.jsonl"
    assert nabd_main(["enrich", "--input", str(raw_file), "--output", str(out), "--no-model"]) == 0
    records = read_jsonl(out)
    assert [record["id"] for record in records] == ["m01", "m02", "m03", "m04", "m07", "m08", "m09", "m12"]
    assert "nlp" not in records[0]
    out = capsys.readouterr().out
    assert "8 of 12 mentions enriched" in out and "0 unconfirmed_ambiguous" in out


def test_the_enrich_command_classifies_with_the_given_model(
    raw_file: Path, tmp_path: Path, tiny_model_dir: Path
) -> None:
    out = tmp_path / "enriched.jsonl"
    assert nabd_main(["enrich", "--input", str(raw_file), "--output", str(out), "--model", str(tiny_model_dir),
                     "--backend", "torch"]) == 0
    assert {record["nlp"]["model"]["name"] for record in read_jsonl(out)} == {"nabd-test-tiny"}


def test_the_enrich_command_names_a_missing_input(tmp_path: Path, capsys) -> None:
    missing = tmp_path / "raw" / "nothing.jsonl"
    assert nabd_main(["enrich", "--input", str(missing), "--output", str(tmp_path / "o.jsonl"), "--no-model"]) == 1
    assert f"raw mention file {missing} does not exist" in capsys.readouterr().err


def test_a_person_s_handle_is_masked_but_the_brand_handle_stays_and_still_names_the_brand(tmp_path: Path) -> None:
    raw = write_raw(tmp_path / "raw.jsonl", [
        mention("m01", "@SahmCare @ahmed_q1990 عنده نفس المشكلة https://x.com/ahmed_q1990/status/1862001234567890123"),
        mention("m02", "@sahmtelecom وين الرد يا جماعة"),
    ])
    summary = enrich_file(raw, tmp_path / "out.jsonl", brands=BRANDS)
    records = read_jsonl(tmp_path / "out.jsonl")
    assert records[0]["text"] == "@SahmCare [handle] عنده نفس المشكلة https://x.com/i/web/status/1862001234567890123"
    assert records[1]["text"] == "@sahmtelecom وين الرد يا جماعة"
    assert [record["brands"][0]["alias"] for record in records] == ["@SahmCare", "@sahmtelecom"]
    assert summary.pii_masked["handle"] == 2


def test_a_rejected_line_is_kept_with_its_pii_masked_and_readable_by_its_owner_only(tmp_path: Path) -> None:
    raw = write_raw(tmp_path / "raw.jsonl", [
        mention("m01", "سهم موبايل ما عندهم تغطية"),
        '{"id": "m02", "text": "سهم خصم مرتين من بطاقتي ٤١١١ ١١١١ ١١١١ ١١١١ كلموني 0551234567 او @noura_q',
    ])
    enrich_file(raw, tmp_path / "out.jsonl", brands=BRANDS)
    rejects_file = tmp_path / "out.rejects.jsonl"
    [reject] = read_jsonl(rejects_file)
    assert reject["raw"] == '{"id": "m02", "text": "سهم خصم مرتين من بطاقتي [card] كلموني [phone] او [handle]'
    assert "0551234567" not in rejects_file.read_text(encoding="utf-8")
    assert rejects_file.stat().st_mode & 0o777 == 0o600
