"""Draw the posts of the mention-quality labelling sample: half flagged by the model of the day.

Reproducible: the pool, the scores and the draw depend only on ../shared/data, the model
directory and the seed. `python -m nlp.spam.sampling --out FILE` writes the unlabelled sample.
"""

from __future__ import annotations

import argparse
import logging
import random
from collections import defaultdict
from pathlib import Path

from nlp.model.data import post_key, read_jsonl

logger = logging.getLogger(__name__)

# (file, dataset filter inside the unlabelled corpus or None, rows drawn into the pool, share of
# each half). Tweets first: they are most of what nabd collects. The real-time sample of
# Alharthi et al. is an unfiltered stream of Arabic tweets (spam at its natural rate); the
# raw low-quality and scam collections hold most of the spam.
POOL = (
    ("unlabeled_pretrain_corpus.jsonl.gz", "arabic_lowquality_tweets_realtime", 4000, 0.22),
    ("arabic_lowquality_tweets.jsonl.gz", None, 3000, 0.18),
    ("unlabeled_pretrain_corpus.jsonl.gz", "osact2020_offensive", 1500, 0.05),
    ("unlabeled_pretrain_corpus.jsonl.gz", "arabic_sentiment_twitter_corpus", 2000, 0.06),
    ("arabic_dialect_id.jsonl.gz", None, 2000, 0.06),
    ("arsas.jsonl.gz", None, 1500, 0.05),
    ("astd.jsonl.gz", None, 1500, 0.05),
    ("arsarcasm_v2_train.jsonl.gz", None, 1500, 0.04),
    ("marsa.jsonl.gz", None, 1500, 0.06),
    ("asnd.jsonl.gz", None, 1500, 0.05),
    ("emotone_ar.jsonl.gz", None, 1000, 0.03),
    ("semeval2017_task4_ar.jsonl.gz", None, 1000, 0.03),
    ("myc_moroccan_youtube.jsonl.gz", None, 1000, 0.03),
    ("tsac.jsonl.gz", None, 800, 0.02),
    ("mac_moroccan.jsonl.gz", None, 800, 0.02),
    ("arsentd_lev.jsonl.gz", None, 800, 0.02),
    ("masc.jsonl.gz", None, 800, 0.02),
    ("unlabeled_pretrain_corpus.jsonl.gz", "l_hsab", 500, 0.01),
)


def pool_posts(data_dir: Path, seed: int) -> list[dict]:
    """Rows of each pool source, sampled reservoir-free (whole file read, then drawn), deduplicated."""
    rng = random.Random(seed)
    seen: set[str] = set()
    pool = []
    for file_name, dataset, size, share in POOL:
        rows = [(record.get("id") or f"{file_name}:{number}", record["text"])
                for number, record in read_jsonl(data_dir / file_name)
                if isinstance(record.get("text"), str) and record["text"].strip()
                and (dataset is None or record.get("dataset") == dataset)]
        source = dataset or file_name.removesuffix(".jsonl.gz")
        for source_id, text in rng.sample(rows, min(size, len(rows))):
            key = post_key(text)
            if key and key not in seen and len(text) <= 1200:
                seen.add(key)
                pool.append({"source_id": source_id, "source": source, "text": text, "share": share})
    return pool


def draw(pool: list[dict], scores: list[float], threshold: float, size: int, seed: int) -> list[dict]:
    """`size` posts: half among those the model flags, half among the rest, each half split over
    the sources by their share (a source short of posts leaves its share to the others)."""
    rng = random.Random(seed + 1)
    halves = {"flagged": defaultdict(list), "unflagged": defaultdict(list)}
    shares = {}
    for post, score in zip(pool, scores, strict=True):
        drawn = "flagged" if score >= threshold else "unflagged"
        halves[drawn][post["source"]].append({**post, "drawn": drawn, "score_v1": round(score, 4)})
        shares[post["source"]] = post["share"]
    sample = []
    for drawn, by_source in halves.items():
        wanted = size // 2
        chosen = []
        order = sorted(by_source, key=lambda source: len(by_source[source]) / shares[source])
        remaining_share = sum(shares[source] for source in order)
        for source in order:  # scarcest first, so their leftover share goes to fuller sources
            quota = round((wanted - len(chosen)) * shares[source] / remaining_share)
            remaining_share -= shares[source]
            posts = by_source[source]
            chosen += rng.sample(posts, min(quota, len(posts)))
        sample += chosen
    rng.shuffle(sample)
    for post in sample:
        post.pop("share")
    return sample


def main(argv: list[str] | None = None) -> None:
    import json

    from nlp.model.predict import Classifier

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path(__file__).resolve().parents[3] / "shared" / "data")
    parser.add_argument("--model", type=Path, default=None, help="model directory (default: the shipped model)")
    parser.add_argument("--size", type=int, default=2400)
    parser.add_argument("--seed", type=int, default=20261206)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    pool = pool_posts(args.data_dir, args.seed)
    classifier = Classifier.load(args.model, backend="onnx") if args.model else Classifier.load(backend="onnx")
    scores = []
    for start in range(0, len(pool), 512):
        scores += [result.get("spam_score", 0.0) for result in classifier.classify([p["text"] for p in pool[start:start + 512]])]
    threshold = classifier.thresholds["spam"][0]
    flagged = sum(score >= threshold for score in scores)
    logger.info("pool %d posts, %d flagged at %.3f", len(pool), flagged, threshold)
    sample = draw(pool, scores, threshold, args.size, args.seed)
    with args.out.open("w", encoding="utf-8") as stream:
        for post in sample:
            stream.write(json.dumps(post, ensure_ascii=False) + "\n")
    logger.info("wrote %d posts to %s", len(sample), args.out)


if __name__ == "__main__":
    main()
