"""Training data of the complaint heads: the silver set and its dev split, the matcher's weak labels,
the spam collection, and analysts' labeled JSONL files (`text`, `complaint`, `topics`)."""

from __future__ import annotations

import hashlib
import logging
import random
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from nlp.labelled_files import read_labelled_lines, salted_split
from nlp.model.data import post_key, read_jsonl

logger = logging.getLogger(__name__)

SILVER_FILE = "complaints_silver.jsonl.gz"
SPAM_FILE = "arabic_lowquality_tweets.jsonl.gz"
SPAM_LABELS = frozenset({"low_quality", "scam"})  # tweet-level collections (account timelines are skipped)
# Customer posts scanned by the matcher for weak labels (silver texts are excluded).
WEAK_SOURCES = ("elsahar_reviews", "masc", "saudi_tourism_reviews", "absa_hotels_ar", "marsa")
# Genuine tweets and reviews: the spam head's negatives (no genuine class exists at tweet level).
GENUINE_SOURCES = ("arsas", "astd", "arsarcasm_v2_train", "marsa", "semeval2017_task4_ar", "elsahar_reviews", "masc",
                   "saudi_tourism_reviews", "absa_hotels_ar", "arabic_sentiment_twitter_corpus", "tsac",
                   "mac_moroccan", "myc_moroccan_youtube", "isarcasmeval_ar", "ajgt", "arsentd_lev")
SIGNALS = ("churn_intent", "advocacy")
# Hotel-review sentences whose opinions people annotated by aspect category (SemEval-2016 ABSA):
# a negative opinion on an aspect is a complaint about the topic the category maps to.
ASPECT_FILE = "absa_hotels_ar.jsonl.gz"
ASPECT_TOPICS = ("customer_service", "pricing", "product_quality")  # the topics the categories can name
# Posts of ../shared/data that the nabd team labelled under complaints_guidelines.md, most of them
# chosen for the rare topics (delivery, billing_payment, refund_return); provenance in docs/model.md.
# Labelled with the fixed topic ids of DESIGN.md §3 (config.models.TOPIC_IDS).
TEAM_LABELS_FILE = Path(__file__).with_name("labeled_posts.jsonl")
# A fixed quarter of the team-labelled posts, by a salted hash of the text, that no refit sees: the
# hold-out of `nabd eval --team-holdout` (docs/model.md, "The team-labelled posts").
TEAM_HOLDOUT_SALT = "nabd-team-holdout-v1"
TEAM_HOLDOUT_SIXTEENTHS = 4
DEV_FRACTION = 0.2
SPLIT_SALT = "nabd-complaints-split-v1"
_RETWEET_RE = re.compile(r"^\s*RT\s+@\w+\s*:?\s*")
_MENTION_RE = re.compile(r"(?<!\w)@\w+")


class LabeledExamplesError(ValueError):
    """A line of an analyst's labeled file is not usable; the message names file, line and key."""


@dataclass
class HeadExample:
    """One training text with targets per head: {head: {label: 0/1}}; a label absent is unknown."""

    text: str
    targets: dict[str, dict[str, int]]
    weight: float = 1.0
    source: str = "silver"
    gold: bool = True  # counted when tuning thresholds (weak labels are not)


@dataclass
class ComplaintData:
    """Everything the heads-only refit learns from and is measured on."""

    train: list[HeadExample]
    dev: list[dict]  # silver dev records (gold labels), the shape of `nabd eval` input
    spam_train: list[HeadExample]
    spam_dev: list[dict]
    counts: dict = field(default_factory=dict)


def split_rank(text: str) -> str:
    return hashlib.sha1(f"{SPLIT_SALT}\x1f{post_key(text)}".encode()).hexdigest()


def load_silver(data_dir: Path) -> list[dict]:
    """The silver complaint records (`text`, `complaint`, `topics`, `churn_intent`, `advocacy`)."""
    return [record for _, record in read_jsonl(data_dir / SILVER_FILE)]


def split_silver(records: list[dict], fraction: float = DEV_FRACTION) -> tuple[list[dict], list[dict]]:
    """A dev split stratified by complaint and rarest topic, chosen by a salted hash of the text."""
    frequency = Counter(topic for record in records for topic in record["topics"])
    strata: dict[tuple, list[dict]] = defaultdict(list)
    for record in records:
        rarest = min(record["topics"], key=lambda topic: frequency[topic], default="")
        strata[(bool(record["complaint"]), rarest)].append(record)
    dev_ids: set[int] = set()
    for members in strata.values():
        ordered = sorted(members, key=lambda record: split_rank(record["text"]))
        dev_ids.update(id(record) for record in ordered[: round(len(ordered) * fraction)])
    dev_keys = {post_key(record["text"]) for record in records if id(record) in dev_ids}
    train = [record for record in records if post_key(record["text"]) not in dev_keys]
    dev = [record for record in records if id(record) in dev_ids]
    return train, dev


def gold_example(record: dict, topic_ids: Sequence[str], source: str = "silver", weight: float = 1.0) -> HeadExample:
    """A fully labeled example; signals missing from the record stay unknown."""
    complaint = bool(record["complaint"])
    topics = set(record.get("topics") or [])
    targets = {
        "complaint": {"complaint": int(complaint)},
        "topics": {topic: int(topic in topics) for topic in topic_ids},
    }
    for signal in SIGNALS:
        if isinstance(record.get(signal), bool):
            targets[signal] = {signal: int(record[signal])}
    return HeadExample(record["text"], targets, weight, source, gold=True)


def weak_examples(data_dir: Path, matcher, topic_ids: Sequence[str], excluded_keys: set[str],
                  cap_per_label: int = 300, negatives: int = 600, weight: float = 0.3, seed: int = 13) -> list[HeadExample]:
    """Weak labels from the matcher on customer posts: a topic seed found makes the post a
    complaint about that topic (other topics unknown); a signal seed sets that signal; positive
    reviews without any seed are weak non-complaints. Each label is capped."""
    rng = random.Random(seed)
    by_label: dict[str, list[HeadExample]] = defaultdict(list)
    quiet_positive: list[str] = []
    seen: set[str] = set()
    for name in WEAK_SOURCES:
        path = data_dir / f"{name}.jsonl.gz"
        if not path.is_file():
            logger.warning("weak labels: %s not found, skipped", path)
            continue
        for _, record in read_jsonl(path):
            text = record.get("text")
            if not isinstance(text, str) or not text.strip():
                continue
            key = post_key(text)
            if key in excluded_keys or key in seen:
                continue
            seen.add(key)
            labels = matcher.labels_of(text)
            if not labels:
                if record.get("sentiment") == "positive" and name != "marsa":
                    quiet_positive.append(text)
                continue
            example = _weak_example(text, labels, topic_ids, weight)
            for label in labels:
                by_label[label].append(example)
    chosen: dict[int, HeadExample] = {}
    for label, examples in sorted(by_label.items()):
        for example in rng.sample(examples, min(cap_per_label, len(examples))):
            chosen[id(example)] = example
    negative_texts = rng.sample(quiet_positive, min(negatives, len(quiet_positive)))
    negatives_list = [
        HeadExample(text, {"complaint": {"complaint": 0}, "topics": dict.fromkeys(topic_ids, 0)}, weight, "weak", gold=False)
        for text in negative_texts
    ]
    logger.info("weak labels: %s; %d weak non-complaints",
                {label: min(cap_per_label, len(examples)) for label, examples in sorted(by_label.items())}, len(negatives_list))
    return [*chosen.values(), *negatives_list]


def aspect_topic(category: str) -> str | None:
    """The complaint topic an ABSA hotel category (`ENTITY#ATTRIBUTE`) names when its opinion is
    negative, or None (location, the hotel in general, miscellany: no topic of ours)."""
    entity, _, attribute = category.partition("#")
    if entity == "SERVICE":
        return "customer_service"
    if attribute == "PRICES":
        return "pricing"
    if entity in ("ROOMS", "ROOMS_AMENITIES", "FOOD_DRINKS", "FACILITIES") or attribute in (
            "QUALITY", "CLEANLINESS", "COMFORT", "DESIGN_FEATURES"):
        return "product_quality"
    return None


def aspect_examples(data_dir: Path, topic_ids: Sequence[str], excluded_keys: set[str], weight: float = 2.0,
                    positive_cap: int = 1000, seed: int = 13) -> list[HeadExample]:
    """Examples from the human aspect annotations of the ABSA hotel reviews.

    A sentence with a negative opinion on a mapped category is a complaint about those topics and,
    when every negative opinion maps to a topic, not about the other topics categories can name
    (topics no category names stay unknown); a sentence whose opinions are all positive is a
    non-complaint (at most `positive_cap`, seeded); other sentences are skipped. On the 254 ABSA sentences the silver set relabelled under the
    guidelines, "has a negative opinion" agrees with `complaint` on 239 (docs/model.md)."""
    path = data_dir / ASPECT_FILE
    if not path.is_file():
        logger.warning("aspect labels: %s not found, skipped", path)
        return []
    nameable = [topic for topic in ASPECT_TOPICS if topic in topic_ids]
    complaints: list[HeadExample] = []
    praise: list[str] = []
    seen: set[str] = set()
    for _, record in read_jsonl(path):
        text, opinions = record.get("text"), (record.get("extra") or {}).get("opinions") or []
        if not isinstance(text, str) or not text.strip() or not opinions:
            continue
        key = post_key(text)
        if key in excluded_keys or key in seen:
            continue
        seen.add(key)
        polarities = {opinion.get("polarity") for opinion in opinions}
        named = {aspect_topic(str(opinion.get("category", ""))) for opinion in opinions
                 if opinion.get("polarity") == "negative"}
        if named - {None}:
            # A negative opinion on the hotel in general may be about any topic: then only the
            # named topics are known.
            topics = {topic: 1 for topic in named if topic in nameable}
            if None not in named:
                topics.update({topic: 0 for topic in nameable if topic not in named})
            targets = {"complaint": {"complaint": 1}, "topics": topics}
            complaints.append(HeadExample(text, targets, weight, "aspect", gold=False))
        elif polarities == {"positive"}:
            praise.append(text)
    rng = random.Random(seed)
    praise = rng.sample(praise, min(positive_cap, len(praise)))
    negatives = [HeadExample(text, {"complaint": {"complaint": 0}, "topics": dict.fromkeys(topic_ids, 0)}, weight,
                             "aspect", gold=False) for text in praise]
    logger.info("aspect labels: %d complaints %s, %d non-complaints", len(complaints),
                dict(Counter(topic for example in complaints for topic, value in example.targets["topics"].items() if value)),
                len(negatives))
    return [*complaints, *negatives]


def team_split(text: str) -> str:
    """`holdout` for the fixed quarter of team-labelled posts no refit sees, else `train`."""
    return salted_split(TEAM_HOLDOUT_SALT, TEAM_HOLDOUT_SIXTEENTHS, text)


def team_holdout(path: Path = TEAM_LABELS_FILE) -> list[dict]:
    """The team-labelled posts of the hold-out split (each text once)."""
    from config.models import TOPIC_IDS

    records, seen = [], set()
    for record in read_labeled_examples(path, TOPIC_IDS):
        key = post_key(record["text"])
        if team_split(record["text"]) == "holdout" and key not in seen:
            seen.add(key)
            records.append(record)
    return records


def team_examples(path: Path, topic_ids: Sequence[str], excluded_keys: set[str], weight: float = 2.0) -> list[HeadExample]:
    """The team-labelled posts (`TEAM_LABELS_FILE`) of the train split as fully labelled examples,
    texts in `excluded_keys` (the silver set) left out. A topic the topics file no longer has is
    dropped from a post's topics; a topic it gained is a negative for every post, as for the silver set."""
    from config.models import TOPIC_IDS

    records = read_labeled_examples(path, TOPIC_IDS)
    examples, seen = [], set()
    for record in records:
        key = post_key(record["text"])
        if team_split(record["text"]) == "train" and key not in excluded_keys and key not in seen:
            seen.add(key)
            examples.append(gold_example(record, topic_ids, source="team", weight=weight))
    logger.info("team labels: %d posts (%d complaints) from %s", len(examples),
                sum(example.targets["complaint"]["complaint"] for example in examples), path)
    return examples


def _weak_example(text: str, labels: set[str], topic_ids: Sequence[str], weight: float) -> HeadExample:
    targets: dict[str, dict[str, int]] = {}
    topics = {label: 1 for label in labels if label in topic_ids}
    if topics:
        targets["complaint"] = {"complaint": 1}
        targets["topics"] = topics
    for signal in SIGNALS:
        if signal in labels:
            targets[signal] = {signal: 1}
    return HeadExample(text, targets, weight, "weak", gold=False)


def spam_texts(data_dir: Path) -> list[str]:
    """Tweet-level low-quality and scam posts (a leading `RT @user:` removed)."""
    texts = []
    for _, record in read_jsonl(data_dir / SPAM_FILE):
        if (record.get("extra") or {}).get("quality_label") in SPAM_LABELS and isinstance(record.get("text"), str):
            text = strip_retweet(record["text"])
            if text.strip():
                texts.append(text)
    return texts


def strip_retweet(text: str) -> str:
    return _RETWEET_RE.sub("", text)


def genuine_texts(data_dir: Path, count: int, seed: int, extra: Iterable[str] = ()) -> list[str]:
    """Every `extra` customer post plus a seeded sample of `count` ordinary tweets and reviews."""
    pool: list[str] = []
    for name in GENUINE_SOURCES:
        path = data_dir / f"{name}.jsonl.gz"
        if path.is_file():
            pool.extend(strip_retweet(record["text"]) for _, record in read_jsonl(path) if isinstance(record.get("text"), str))
    rng = random.Random(seed)
    return [*extra, *rng.sample(pool, min(count, len(pool)))]


def spam_split(data_dir: Path, per_class: int, seed: int, extra_genuine: Iterable[str] = ()) -> tuple[list[HeadExample], list[dict]]:
    """Spam-vs-genuine training examples and a hash-chosen dev split (`text`, `spam`)."""
    rng = random.Random(seed)
    spam = _unique(spam_texts(data_dir))
    genuine = _unique(genuine_texts(data_dir, per_class, seed, extra_genuine))
    spam_keys = {post_key(text) for text in spam}
    genuine = [text for text in genuine if post_key(text) not in spam_keys]
    chosen_spam = rng.sample(spam, min(per_class, len(spam)))
    records = [{"text": t, "spam": True} for t in chosen_spam]
    records += [{"text": t, "spam": False} for t in with_mentions_like(genuine, chosen_spam, rng)]
    train, dev = [], []
    for record in records:
        (dev if split_rank(record["text"]) < "3" else train).append(record)  # 3/16 of posts held out
    examples = [HeadExample(r["text"], {"spam": {"spam": int(r["spam"])}}, 1.0, "spam", gold=True) for r in train]
    return examples, dev


def with_mentions_like(genuine: list[str], spam: list[str], rng: random.Random) -> list[str]:
    """Genuine posts, some addressed to `@user`, so that as many mention an account as spam posts do.

    Half the spam posts mention an account while most sentiment sets dropped their mentions; left
    alone, `@handle` becomes a spam cue, and nearly every brand mention on X holds the brand's
    handle."""
    def share(texts: list[str]) -> float:
        return sum(bool(_MENTION_RE.search(text)) for text in texts) / max(1, len(texts))

    missing = share(spam) - share(genuine)
    without = sum(not _MENTION_RE.search(text) for text in genuine)
    if missing <= 0 or not without:
        return list(genuine)
    probability = min(1.0, missing * len(genuine) / without)
    return [text if _MENTION_RE.search(text) or rng.random() >= probability else f"@user {text}" for text in genuine]


def _unique(texts: list[str]) -> list[str]:
    seen, kept = set(), []
    for text in texts:
        key = post_key(text)
        if key and key not in seen:
            seen.add(key)
            kept.append(text)
    return kept


def read_labeled_examples(path: Path, topic_ids: Sequence[str]) -> list[dict]:
    """An analyst's labeled JSONL: `text` (non-empty string), `complaint` (bool), `topics` (list of
    known topic ids; only on complaints), optionally `churn_intent`/`advocacy` (bool)."""
    return read_labelled_lines(path, lambda where, record: _labeled_record(where, record, topic_ids),
                               LabeledExamplesError)


def _labeled_record(where: str, record: dict, topic_ids: Sequence[str]) -> dict:
    if not isinstance(record.get("text"), str) or not record["text"].strip():
        raise LabeledExamplesError(f"{where}: key 'text' must be a non-empty string")
    if not isinstance(record.get("complaint"), bool):
        raise LabeledExamplesError(f"{where}: key 'complaint' must be true or false")
    topics = record.get("topics", [])
    if not isinstance(topics, list) or not all(isinstance(topic, str) for topic in topics):
        raise LabeledExamplesError(f"{where}: key 'topics' must be a list of topic ids")
    unknown = [topic for topic in topics if topic not in topic_ids]
    if unknown:
        raise LabeledExamplesError(f"{where}: key 'topics' has unknown ids {unknown}; known: {', '.join(topic_ids)}")
    if topics and not record["complaint"]:
        raise LabeledExamplesError(f"{where}: key 'topics' must be empty when 'complaint' is false")
    for signal in SIGNALS:
        if record.get(signal) is not None and not isinstance(record[signal], bool):
            raise LabeledExamplesError(f"{where}: key '{signal}' must be true or false")
    return record
