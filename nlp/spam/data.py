"""The team-labelled mention-quality set: reading and validating it, and its fixed hold-out split."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nlp.labelled_files import read_labelled_lines, salted_split

LABELED_FILE = Path(__file__).with_name("labeled_posts.jsonl")
GUIDELINES_FILE = Path(__file__).with_name("guidelines.md")
# The kinds of spam of guidelines.md, in its priority order (the first that applies wins).
SPAM_REASONS = ("adult", "scam_phishing", "ad_promotion", "follower_train", "hashtag_hijack", "automated")
SPLITS = ("train", "holdout")
HOLDOUT_SALT = "nabd-spam-holdout-v1"
HOLDOUT_SIXTEENTHS = 4  # a quarter of the posts, by a salted hash of the post's text


class SpamLabelsError(ValueError):
    """A line of the labelled file is not usable; the message names file, line and key."""


@dataclass(frozen=True)
class SpamLabel:
    source_id: str
    text: str
    spam: bool
    spam_reason: str | None
    split: str
    drawn: str | None = None


def holdout_split(text: str) -> str:
    """`holdout` for a fixed quarter of posts (by their matching-normalized text), else `train`."""
    return salted_split(HOLDOUT_SALT, HOLDOUT_SIXTEENTHS, text)


def read_spam_labels(path: Path = LABELED_FILE) -> list[SpamLabel]:
    """Every labelled post of `path`; a bad line raises SpamLabelsError naming it."""
    return read_labelled_lines(path, _label, SpamLabelsError)


def _label(where: str, record: dict) -> SpamLabel:
    text, spam, reason = record.get("text"), record.get("spam"), record.get("spam_reason")
    if not isinstance(text, str) or not text.strip():
        raise SpamLabelsError(f"{where}: key 'text' must be a non-empty string")
    if not isinstance(spam, bool):
        raise SpamLabelsError(f"{where}: key 'spam' must be true or false")
    if spam and reason not in SPAM_REASONS:
        raise SpamLabelsError(f"{where}: key 'spam_reason' must be one of {list(SPAM_REASONS)} on a spam post, got {reason!r}")
    if not spam and reason is not None:
        raise SpamLabelsError(f"{where}: key 'spam_reason' must be null on a genuine post, got {reason!r}")
    split = record.get("split")
    if split != holdout_split(text):
        raise SpamLabelsError(f"{where}: key 'split' is {split!r} but the post's hash puts it in {holdout_split(text)!r} "
                              "(the hold-out is fixed; do not move posts between splits)")
    return SpamLabel(str(record.get("source_id") or ""), text, spam, reason, split, record.get("drawn"))
