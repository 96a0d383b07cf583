"""`nabd erase`: a person's posts leave every index, file, dead letter, reject and report; the audit keeps no trace of them."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
import yaml

from config import load_config
from nabd import erasure, pipeline
from nabd.cli import main
from nabd.report.build import build_report
from spiders.items import mention_id
from spiders.privacy import DEMO_PSEUDONYM_KEY, author_pseudonym

INTERVAL = ("2026-11-20T00:00:00Z", "2026-11-21T00:00:00Z")
REPORT_DAY = "2026-11-20"  # Riyadh: 2026-11-19T21:00Z .. 2026-11-20T21:00Z
HANDLE = "@Um_Khalid_1990"
HER_POSTS = (
    "طلبت من رفيق جوال جديد ووصلني مكسور، ثالث مرة يصير معي كذا 😡",
    "مندوب رفيق رمى الطلب عند باب العمارة ومشى بدون ما يتصل",
)
HER_DEAD_LETTER = "تطبيق رفيق أرجعوا لي نص المبلغ بس، وين الباقي يا جماعة؟"
HER_REJECT_URL = "https://forum.nabd-demo.example/u/um_khalid_1990/posts/904"
OTHERS = (
    "رفيق وصل الطلب بدري والمندوب محترم 👍",
    "تطبيق رفيق يعلق كل ما أفتح السلة، حدثوه الله يهديكم",
)


def her_author_id() -> str:
    return author_pseudonym(DEMO_PSEUDONYM_KEY.encode(), "demo", HANDLE)


def raw_post(number: int, author: str, published: str, text: str, *, likes: int, handle: str = "someone") -> dict:
    return {"id": mention_id("demo", str(number)), "source": "demo", "source_id": str(number),
            "url": f"https://forum.nabd-demo.example/u/{handle.lstrip('@').lower()}/posts/{number}",
            "query": "rafeeq", "@timestamp": published, "collected_at": "2026-11-21T01:00:00Z", "title": None,
            "text": text, "author": {"id": author, "name": None, "followers": 85, "verified": False},
            "engagement": {"likes": likes, "replies": 1, "shares": 0}, "rating": None,
            "thread_id": None, "parent_id": None}


def her_raw_posts() -> list[dict]:
    her = her_author_id()
    posts = [raw_post(901 + n, her, f"2026-11-20T0{8 + n}:15:00Z", text, likes=300 + n, handle=HANDLE)
             for n, text in enumerate(HER_POSTS)]
    # Elasticsearch refuses a rating that is not a number: this one ends in the dead letters.
    posts.append({**raw_post(903, her, "2026-11-20T11:00:00Z", HER_DEAD_LETTER, likes=5, handle=HANDLE),
                  "rating": "نجمتين"})
    return posts


def others_raw_posts() -> list[dict]:
    return [raw_post(911 + n, f"{n + 1}" * 32, f"2026-11-20T1{2 + n}:00:00Z", text, likes=10 + n)
            for n, text in enumerate(OTHERS)]


@pytest.fixture
def config_dir(test_config_dir, tmp_path, monkeypatch) -> Path:
    """The test configuration, no trained model (whatever the repository ships), the demo pseudonym key."""
    monkeypatch.delenv("NABD_PSEUDONYM_KEY", raising=False)
    settings_path = test_config_dir / "settings.yaml"
    settings = yaml.safe_load(settings_path.read_text(encoding="utf-8"))
    settings["model"]["dir"] = str(tmp_path / "no-model-yet")
    settings_path.write_text(yaml.safe_dump(settings, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return test_config_dir


@pytest.fixture
def stored_day(config_dir, es_client, index_names) -> Path:
    """Her posts and others' collected, enriched, indexed (one dead letter and one reject), cited by an alert."""
    config = load_config(config_dir)
    raw = pipeline.raw_path(config.settings.data_dir, "demo", *INTERVAL)
    raw.parent.mkdir(parents=True)
    lines = [json.dumps(post, ensure_ascii=False) for post in her_raw_posts() + others_raw_posts()]
    # A line enrichment rejects (text is not a string): the rejects file keeps it.
    lines.append(json.dumps({**raw_post(904, her_author_id(), "2026-11-20T12:30:00Z", "", likes=0, handle=HANDLE),
                             "text": None}, ensure_ascii=False))
    raw.write_text("\n".join(lines) + "\n", encoding="utf-8")
    raw.chmod(0o600)
    pipeline.enrich_interval("demo", *INTERVAL, config_dir=str(config_dir))
    assert pipeline.index_interval("demo", *INTERVAL, config_dir=str(config_dir))["dead_letters"]
    her_first = her_raw_posts()[0]
    es_client.index(index=index_names.alerts_alias, id="rafeeq-spike-1", refresh=True, document={
        "id": "rafeeq-spike-1", "brand": "rafeeq", "@timestamp": "2026-11-20T12:00:00Z",
        "evidence_mentions": [{"id": her_first["id"], "text": her_first["text"], "url": her_first["url"], "engagement": 301}]})
    return Path(config.settings.data_dir)


@pytest.fixture
def reported_day(config_dir, stored_day, es_client, index_names) -> Path:
    """The stored day, and the brand's daily report of it, which shows her posts."""
    report = build_report(load_config(config_dir), es_client, index_names, "rafeeq", REPORT_DAY, "ar")
    assert HER_POSTS[0] in report.figures.read_text(encoding="utf-8")
    assert HER_POSTS[0] in report.html.read_text(encoding="utf-8")
    return stored_day


def traces(data_dir: Path, es_client, prefix: str) -> list[str]:
    """Where her text, handle, author id or post ids still occur: every file under data_dir, every index."""
    needles = [*HER_POSTS, HER_DEAD_LETTER, HANDLE.lstrip("@").lower(), her_author_id(),
               *(post["id"] for post in her_raw_posts()), mention_id("demo", "904")]
    forms = {needle: {needle.encode(), json.dumps(needle).strip('"').encode()} for needle in needles}
    found = []
    for path in sorted(p for p in data_dir.rglob("*") if p.is_file()):
        content = path.read_bytes().lower()
        found += [f"{path.relative_to(data_dir)}: {needle}" for needle, variants in forms.items()
                  if any(variant.lower() in content for variant in variants)]
    es_client.indices.refresh(index=f"{prefix}-*")
    for hit in es_client.search(index=f"{prefix}-*", size=1000, query={"match_all": {}})["hits"]["hits"]:
        document = json.dumps(hit, ensure_ascii=False).lower()
        found += [f"{hit['_index']}/{hit['_id']}: {needle}" for needle in needles if needle.lower() in document]
    return found


def test_erasing_a_person_by_handle_leaves_no_trace_in_any_file_or_index(config_dir, reported_day, es_client,
                                                                         index_names, monkeypatch, capsys):
    stored_day = reported_day
    monkeypatch.setenv("NABD_CONFIG_DIR", str(config_dir))
    assert traces(stored_day, es_client, index_names.prefix)

    assert main(["erase", "--handle", HANDLE.upper(), "--source", "demo"]) == 0

    assert traces(stored_day, es_client, index_names.prefix) == []
    audit = json.loads(capsys.readouterr().out)
    assert audit["documents_deleted"] == 2 and audit["reports_redacted"] == 1 and audit["lines_removed"] == 9
    record = Path(audit["record"])
    assert record.is_file() and stat.S_IMODE(record.stat().st_mode) == 0o600
    assert [len(subject) for subject in json.loads(record.read_text(encoding="utf-8"))["subjects"]] == [64]
    es_client.indices.refresh(index=index_names.mentions_alias)
    assert es_client.count(index=index_names.mentions_alias)["count"] == len(OTHERS)
    figures = json.loads(next(stored_day.glob("reports/rafeeq/*/*-figures.json")).read_text(encoding="utf-8"))
    assert [post["text"] for post in figures["posts"]] == list(reversed(OTHERS))
    loose = {str(path.relative_to(stored_day)): oct(stat.S_IMODE(path.stat().st_mode))
             for path in stored_day.rglob("*") if path.is_file() and stat.S_IMODE(path.stat().st_mode) != 0o600}
    assert loose == {}


def test_a_recrawl_drops_an_erased_person_without_their_id_being_kept(config_dir, es_client, index_names):
    erasure.erase(author_ids=[her_author_id()], config_dir=str(config_dir))
    config = load_config(config_dir)
    again = pipeline.raw_path(config.settings.data_dir, "demo", "2026-11-21T00:00:00Z", "2026-11-22T00:00:00Z")
    again.parent.mkdir(parents=True, exist_ok=True)
    again.write_text(json.dumps(her_raw_posts()[0], ensure_ascii=False) + "\n"
                     + json.dumps(others_raw_posts()[0], ensure_ascii=False) + "\n", encoding="utf-8")

    assert erasure.drop_erased(config, [again]) == 1
    assert [json.loads(line)["text"] for line in again.read_text(encoding="utf-8").splitlines()] == [OTHERS[0]]
    kept = [path.read_text(encoding="utf-8") for path in Path(config.settings.data_dir).rglob("*.json")]
    assert len(kept) == 2 and not [text for text in kept if her_author_id() in text]  # the state and the audit


def test_erasing_one_mention_by_id_keeps_the_authors_other_posts(config_dir, stored_day, es_client, index_names):
    first, second = her_raw_posts()[:2]
    result = erasure.erase(mention_ids=[first["id"]], config_dir=str(config_dir))

    es_client.indices.refresh(index=index_names.mentions_alias)
    assert result["documents_deleted"] == 1
    assert not es_client.search(index=index_names.mentions_alias, query={"ids": {"values": [first["id"]]}})["hits"]["hits"]
    assert es_client.search(index=index_names.mentions_alias, query={"ids": {"values": [second["id"]]}})["hits"]["hits"]
    for path in stored_day.rglob("*"):
        if path.is_file() and path.suffix in (".jsonl", ".json", ".html"):
            assert first["text"] not in path.read_text(encoding="utf-8"), path


def test_erase_needs_exactly_one_kind_of_identifier(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["erase", "--author-id", "a" * 32, "--mention-id", "b" * 32])
    assert exit_info.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_erasure_requests_by_handle_are_carried_out_and_replaced_by_their_audit_record(config_dir, stored_day, es_client,
                                                                                      index_names):
    requests = stored_day / "erasure_requests"
    requests.mkdir()
    (requests / "req-0001.json").write_text(json.dumps({"source": "demo", "handle": HANDLE.lower()}), encoding="utf-8")
    (requests / "req-0002.json").write_text(json.dumps({"source": "demo"}), encoding="utf-8")

    with pytest.raises(erasure.MaintenanceError, match=r"req-0002\.json: expected key 'author_id'"):
        erasure.process_erasure_requests("2026-11-22T02:30:00Z", config_dir=str(config_dir))

    es_client.indices.refresh(index=index_names.mentions_alias)
    assert es_client.count(index=index_names.mentions_alias)["count"] == len(OTHERS)
    done = (requests / "done" / "req-0001.json").read_text(encoding="utf-8")
    assert json.loads(done)["documents_deleted"] == 2 and json.loads(done)["processed_for"] == "2026-11-22T02:30:00Z"
    assert HANDLE.lower() not in done.lower() and her_author_id() not in done
    assert not (requests / "req-0001.json").exists() and (requests / "req-0002.json").exists()
