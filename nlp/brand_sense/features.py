"""The context of one alias occurrence as hashed binary features, the alias itself left out.

Input is the post's words after `normalize_for_matching` (the brand matcher's words) and the span of
words the alias covers. What the model sees:

- the two words on either side, by position (`شريحة سهم`, `سهم الاتصالات`, `يا زين`);
- every word within six words, as itself and without its clitic prefix (`بشبكة` → `شبكة`);
- character 3-grams of those words (dialect spellings of the same cue);
- every other word of the post (the post's topic: network, delivery, stocks, poetry);
- the clitic glued to the alias (`بسهم`, `والسهم`: an article is rare on a company name), and
  whether a number sits next to it (`سهم 36.90`).

The alias's own letters never enter, so a model fitted on other names' contexts still applies to a
new brand; features are hashed into 2^18 buckets with crc32 (stable across processes)."""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence

import numpy as np

HASH_BITS = 18
HASH_SIZE = 1 << HASH_BITS
WINDOW = 6
POSITIONS = 2
POST_WORDS = 80  # words of the rest of the post that count (bounded work on huge posts)
_CLITICS = ("وال", "بال", "فال", "كال", "لل", "ال", "و", "ب", "ل", "ف", "ك")
_DIGITS = re.compile(r"^[0-9٠-٩]+$")


def _stem(word: str) -> str:
    for clitic in _CLITICS:
        if word.startswith(clitic) and len(word) - len(clitic) >= 2:
            return word[len(clitic) :]
    return word


def context_features(words: Sequence[str], first: int, last: int, clitic: str = "") -> list[str]:
    """The feature strings of the alias covering `words[first..last]` (inclusive), the alias left out."""
    features = [f"clitic:{clitic}"]
    left = words[max(0, first - WINDOW) : first]
    right = words[last + 1 : last + 1 + WINDOW]
    if not left:
        features.append("at_start")
    if not right:
        features.append("at_end")
    for distance, word in enumerate(reversed(left), start=1):
        if distance <= POSITIONS:
            features.append(f"l{distance}:{word}")
    for distance, word in enumerate(right, start=1):
        if distance <= POSITIONS:
            features.append(f"r{distance}:{word}")
    near = [*left[-POSITIONS:], *right[:POSITIONS]]
    if any(_DIGITS.match(word) for word in near):
        features.append("number_near")
    for word in (*left, *right):
        stem = _stem(word)
        features.append(f"w:{word}")
        if stem != word:
            features.append(f"w:{stem}")
        padded = f" {stem} "
        features.extend(f"g:{padded[i : i + 3]}" for i in range(len(padded) - 2))
    outside = [*words[: max(0, first - WINDOW)], *words[last + 1 + WINDOW :]]
    features.extend(f"p:{_stem(word)}" for word in outside[:POST_WORDS])
    return features


def hashed(features: Sequence[str]) -> np.ndarray:
    """The distinct buckets of `features` (sorted int64)."""
    return np.unique(np.fromiter((zlib.crc32(f.encode()) & (HASH_SIZE - 1) for f in features), dtype=np.int64))
