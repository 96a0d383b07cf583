"""The complaint-heads section of a model card (MODEL.md), rewritten after every heads-only refit,
and the rewriting of a marked section that other refits (the spam model) use too."""

from __future__ import annotations

import re
from pathlib import Path


def update_model_card(path: Path, record: dict, start: str, end: str) -> None:
    """Replace (or append) the section between the `start` and `end` markers with `record`'s summary."""
    replace_card_section(path, start, end, card_lines(record))


def replace_card_section(path: Path, start: str, end: str, lines: list[str]) -> None:
    """Replace (or append) the section between the `start` and `end` markers of a model card."""
    section = "\n".join([start, *lines, end])
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    if start in text and end in text:
        before, rest = text.split(start, 1)
        text = before + section + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text, encoding="utf-8")


def set_card_version(path: Path, name: str, version: str) -> None:
    """Make the card's title name the model's version (a refit given `--model-version`)."""
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    title = f"# {name} (version {version})"
    text, replaced = re.subn(r"\A# .*\(version [^)\n]*\)[^\n]*", lambda _: title, text)
    path.write_text(text if replaced else f"{title}\n\n{text}", encoding="utf-8")


def card_lines(record: dict) -> list[str]:
    dev = record["dev"]["torch"]["complaints_silver"]
    spam = record["dev"]["torch"]["spam"].get("spam", {})
    data = record["data"]
    lines = [
        "## Complaint heads (heads-only refit)",
        "",
        f"Refit {record['refit_at']} in {record['minutes']} min on the frozen encoder (`nabd train --heads-only`).",
        f"Topics file: {len(record['topics'])} labels ({', '.join(f'{k} {v} seeds' for k, v in record['topics'].items())}).",
        f"Change since the last refit: {record['topics_change'] or 'none'}.",
        f"Data: silver train {data['silver_train']}, silver dev {data['silver_dev']}, "
        f"team-labelled posts {data.get('team') or 'none'}, "
        f"ABSA aspect labels {data.get('aspect', 'none')}, weak labels {data['weak']}, "
        f"analyst files {data['labeled'] or 'none'}, spam train {data['spam_train']}, spam dev {data['spam_dev']}.",
        "",
        "Held-out silver dev (through the inference path, PyTorch):",
        "",
        "| label | F1 | precision | recall | positives |",
        "|---|---:|---:|---:|---:|",
    ]
    for field in ("complaint", "churn_intent", "advocacy"):
        if field in dev:
            lines.append(_row(field, dev[field]))
    topics = dev.get("topics", {})
    for topic, metrics in topics.get("per_topic", {}).items():
        lines.append(_row(f"topic `{topic}`", metrics))
    if spam:
        lines.append(_row("spam (spam dev)", spam))
    seed_free = dev.get("seed_free", {})
    lines += [
        "",
        f"Topics micro-F1 {topics.get('micro_f1', 0):.3f}, macro-F1 {topics.get('macro_f1', 0):.3f}. "
        f"On the {seed_free.get('count', 0)} dev posts without any seed phrase: complaint F1 "
        f"{seed_free.get('complaint', {}).get('f1', 0):.3f}, topics micro-F1 {seed_free.get('topics', {}).get('micro_f1', 0):.3f}.",
        _heads_only_line(record["dev"]["torch"].get("complaints_silver_heads_only")),
        _char_line(record["out_of_fold"].get("topics", {}).get("char_ngrams")),
        _gate_line(record["out_of_fold"].get("topics", {}).get("matcher_adds")),
        f"Thresholds (tuned out of fold on the train split): {record['thresholds']}.",
        "History of refits: `metrics.json` → `complaint_heads.history`.",
    ]
    return lines


def _row(name: str, metrics: dict) -> str:
    return (f"| {name} | {metrics['f1']:.3f} | {metrics['precision']:.3f} | {metrics['recall']:.3f} | "
            f"{metrics['positives']} |")


def _heads_only_line(report: dict | None) -> str:
    if not report or "topics" not in report:
        return ""
    per_topic = ", ".join(f"{topic} {metrics['f1']:.3f}" for topic, metrics in report["topics"]["per_topic"].items())
    return (f"The learned topic head alone (without the topics the matcher's evidence adds): micro-F1 "
            f"{report['topics']['micro_f1']:.3f}, macro-F1 {report['topics']['macro_f1']:.3f} ({per_topic}).")


def _gate_line(report: dict | None) -> str:
    if not report:  # refit before the gate: the matcher's evidence adds every topic
        return ""
    kept = [topic for topic, entry in report.items() if entry["kept"]]
    dropped = ", ".join(f"{topic} (out-of-fold F1 {entry['f1_head']:.3f} alone, {entry['f1_with_matcher']:.3f} "
                        f"with it; precision of what it adds {entry['added_precision']:.2f})"
                        for topic, entry in report.items() if not entry["kept"])
    return (f"The matcher's evidence adds a topic the head missed only for {', '.join(kept) or 'no topic'}: "
            f"for the others it did not raise the out-of-fold F1 on the train split's complaints: {dropped or 'none'}.")


def _char_line(report: dict | None) -> str:
    if not report:
        return "The topics head has no character n-gram channel (`char_ngrams` off)."
    tried = ", ".join(f"{blend} → {f1:.3f}" for blend, f1 in report["out_of_fold_micro_f1_by_blend"].items())
    return (f"Topics blend the transformer head with a character n-gram channel ({report['buckets']} hashed "
            f"n-grams, C {report['c']}) at weight {report['blend']}, chosen by out-of-fold topics micro-F1 "
            f"on the train split ({tried}).")
