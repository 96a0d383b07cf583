"""The explainable topic matcher: seed phrases matched on matching-normalized words, clitic- and
negation-aware, returning evidence spans in the original text (weak labels, not the classifier)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from nlp.normalize import normalize_for_matching

# Words that negate what follows (MSA, Gulf, Egyptian, Levantine, Maghrebi, Arabizi, English),
# as they look after matching normalization.
NEGATORS = frozenset(
    "ما مو مب مش مهو مهي مافي مافيه مفيش لا لم لن ليس ليست ماشي مكانش مش ماكاين "
    "mesh msh mish ma mafi not no never dont didnt doesnt isnt wasnt cant wont".split()
)
# Proclitics stripped (longest first) before comparing words; a core keeps at least 3 letters.
_PROCLITICS = ("وبال", "وال", "فال", "بال", "كال", "ولل", "لل", "ال", "و", "ف", "ب", "ل", "ك")
_MIN_CORE = 3
_WORD_RE = re.compile(r"\S+")
MAX_GAP = 2  # words allowed between two consecutive words of a seed phrase
NEGATION_WINDOW = 2  # words before a match searched for a negator


@dataclass(frozen=True)
class Evidence:
    """One seed phrase found in a text: the label, the seed, and the span in the original text."""

    label: str
    seed: str
    text: str
    start: int
    end: int

    def record(self) -> dict:
        """The shape of the mention record's `nlp.evidence` items."""
        return {"label": self.label, "text": self.text, "start": self.start, "end": self.end}


@dataclass(frozen=True)
class _Word:
    core: str
    start: int
    end: int


@dataclass(frozen=True)
class _Seed:
    label: str
    phrase: str
    cores: tuple[str, ...]
    negated_phrase: bool


def word_core(word: str) -> str:
    """A matching-normalized word without its leading conjunction, preposition and article
    (`والتوصيل` -> `توصيل`, `بالطلب` -> `طلب`), never shorter than three letters."""
    core = word
    for clitic in _PROCLITICS:
        if core.startswith(clitic) and len(core) - len(clitic) >= _MIN_CORE:
            core = core[len(clitic):]
            break
    if core.startswith("ال") and len(core) - 2 >= _MIN_CORE:
        core = core[2:]
    return core


def text_words(text: str) -> list[_Word]:
    """The text's words as matching-normalized cores, each with the span of its original word."""
    words: list[_Word] = []
    for match in _WORD_RE.finditer(text):
        for piece in normalize_for_matching(match.group()).split():
            words.append(_Word(word_core(piece), match.start(), match.end()))
    return words


class TopicMatcher:
    """Finds the seed phrases of each label in texts (whole words, small gaps, negation-aware)."""

    def __init__(self, seeds: Iterable[tuple[str, str]]):
        self.labels: list[str] = []
        self._by_first: dict[str, list[_Seed]] = {}
        for label, phrase in seeds:
            cores = tuple(word_core(word) for word in normalize_for_matching(phrase).split())
            if not cores:
                raise ValueError(f"seed {phrase!r} of {label!r} has no words after normalization")
            if label not in self.labels:
                self.labels.append(label)
            seed = _Seed(label, phrase, cores, any(core in NEGATORS for core in cores))
            self._by_first.setdefault(cores[0], []).append(seed)

    @classmethod
    def from_topics(cls, topics_file) -> TopicMatcher:
        """From a validated TopicsFile (config.models): its topics, then its signals."""
        entries = [*topics_file.topics, *topics_file.signals]
        return cls((entry.id, seed) for entry in entries for seed in entry.seeds)

    @classmethod
    def from_file(cls, path: str | Path) -> TopicMatcher:
        """From a topics.yaml file; a ConfigError names the file and key of any problem."""
        from config.loader import load_topics

        return cls.from_topics(load_topics(path))

    def match(self, text: str) -> list[Evidence]:
        """Every non-negated seed occurrence, in text order; one per label and span."""
        words = text_words(text)
        found: dict[tuple[str, int, int], Evidence] = {}
        for index, word in enumerate(words):
            for seed in self._by_first.get(word.core, ()):
                last = _match_rest(words, index, seed.cores)
                if last is None or (not seed.negated_phrase and _negated(words, index)):
                    continue
                start, end = word.start, words[last].end
                found.setdefault((seed.label, start, end), Evidence(seed.label, seed.phrase, text[start:end], start, end))
        return sorted(_outermost(found.values()), key=lambda evidence: (evidence.start, evidence.label))

    def labels_of(self, text: str) -> set[str]:
        """The labels with at least one piece of evidence in the text."""
        return {evidence.label for evidence in self.match(text)}

    def match_many(self, texts: Sequence[str]) -> list[list[Evidence]]:
        return [self.match(text) for text in texts]


def _match_rest(words: list[_Word], first: int, cores: tuple[str, ...]) -> int | None:
    """The index of the word matching the seed's last word, each within MAX_GAP of the previous."""
    position = first
    for core in cores[1:]:
        window = range(position + 1, min(len(words), position + 2 + MAX_GAP))
        position = next((i for i in window if words[i].core == core), -1)
        if position < 0:
            return None
    return position


def _negated(words: list[_Word], index: int) -> bool:
    return any(words[i].core in NEGATORS for i in range(max(0, index - NEGATION_WINDOW), index))


def _outermost(evidence: Iterable[Evidence]) -> list[Evidence]:
    """Drop a span of a label inside a longer span of the same label."""
    items = list(evidence)
    return [
        item for item in items
        if not any(other is not item and other.label == item.label and other.start <= item.start
                   and item.end <= other.end and (other.end - other.start) > (item.end - item.start) for other in items)
    ]
